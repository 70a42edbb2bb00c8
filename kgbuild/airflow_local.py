"""Runs the real ``kg_build`` DAG in this process with Airflow's ``dag.test()`` on SQLite metadata.

Airflow reads its configuration when first imported, so :func:`configure` must run before any ``import airflow``;
values already in the environment (a real deployment's) are left alone.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from kgbuild.graph import Neo4jSettings

DAGS_DIR = Path(str(resources.files("kgbuild") / "dags"))  # shipped in the package; ./dags links to it
DAG_ID = "kg_build"
NEO4J_CONN_ID = "neo4j_default"


def configure(airflow_home: Path) -> None:
    """Points Airflow at a local home with SQLite metadata, this project's DAG folder, and the Neo4j connection
    ``neo4j_default`` built from NEO4J_* (unless AIRFLOW_CONN_NEO4J_DEFAULT is already set)."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    defaults = {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        f"AIRFLOW_CONN_{NEO4J_CONN_ID.upper()}": neo4j_connection(),
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)


def neo4j_connection() -> str:
    neo4j = Neo4jSettings()
    scheme, _, address = neo4j.uri.partition("://")
    host, _, port = address.partition(":")
    return json.dumps(
        {
            "conn_type": "neo4j",
            "host": host,
            "port": int(port or 7687),
            "login": neo4j.user,
            "password": neo4j.password.get_secret_value() if neo4j.password else None,
            "schema": neo4j.database,
            "extra": {"neo4j_scheme": scheme.startswith("neo4j"), "certs_trusted_ca": scheme.endswith("+s")},
        }
    )


def migrate() -> None:
    result = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")


def load_dag(dag_id: str = DAG_ID) -> Any:
    """The DAG of ``DAGS_DIR/<dag_id>.py`` (kg_build, or the example training DAG kg_train_example)."""
    spec = importlib.util.spec_from_file_location(dag_id, DAGS_DIR / f"{dag_id}.py")
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load the DAG file {DAGS_DIR / f'{dag_id}.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dag


def run_once(dag: Any, catalog: Path, workdir: Path, settings: dict[str, Any]) -> Any:
    """One ``dag.test()`` run of ``dag`` (kg_build as :func:`load_dag` returns it, after :func:`configure`) over
    ``catalog``; returns the DagRun whatever its state."""
    conf = {"catalog": str(catalog), "workdir": str(workdir), "settings": settings}
    return dag_test(dag, workdir / "airflow", conf)


def dag_test(dag: Any, airflow_home: Path, conf: dict[str, Any] | None = None) -> Any:
    """One ``dag.test()`` run of ``dag`` with Airflow at ``airflow_home``; no ``conf``: as the schedule runs it
    (kg_build builds the registry's catalogs). Returns the DagRun whatever its state."""
    configure(airflow_home)
    migrate()
    return dag.test(run_conf=conf)


def task_states(dag_run: Any) -> dict[str, str]:
    """Each task's state; a mapped task's when all its instances share one, else their states joined by commas."""
    states: dict[str, set[str]] = {}
    for ti in dag_run.get_task_instances():
        states.setdefault(ti.task_id, set()).add(str(ti.state))
    return {task: ",".join(sorted(found)) for task, found in states.items()}


def run_dag(catalog: Path, workdir: Path, settings: dict[str, Any]) -> dict[str, str]:
    """Runs kg_build once over ``catalog``; returns each task's final state. Raises if the run did not succeed."""
    configure(workdir / "airflow")  # before load_dag() imports Airflow
    dag_run = run_once(load_dag(), catalog, workdir, settings)
    states = task_states(dag_run)
    if str(dag_run.state) != "success":
        raise RuntimeError(f"DAG run {dag_run.run_id} ended {dag_run.state}: {states}")
    return states
