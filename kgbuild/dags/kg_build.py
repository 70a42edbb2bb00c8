"""kg_build: a catalog → concept knowledge graph in Neo4j + a versioned training snapshot, daily.

Each task is one call into kgbuild and passes only the work-directory path on; Neo4j is reached through the
Airflow connection ``neo4j_default``. Params: ``catalog`` (file path or URL), ``workdir``, and ``settings``
(build settings by name, e.g. {"clip_model": "none", "id_col": "id"}; unset ones come from KGBUILD_* variables).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Param, task
from airflow.sdk import dag as define_dag  # ``dag`` is the DAG this file defines


@contextmanager
def no_retry_for_bad_data():
    """Bad input (a missing or bad catalog, bad settings, an unloadable model, a failed validation, a row Neo4j
    refuses) fails the same way on every try: fail now. Unavailable services and crashes keep Airflow's retries."""
    from airflow.sdk.exceptions import AirflowFailException

    from kgbuild.errors import BadInput

    try:
        yield
    except BadInput as error:
        raise AirflowFailException(str(error)) from error


@define_dag(
    dag_id="kg_build",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    params={
        "catalog": Param("", type="string", description="Catalog file (CSV, TSV, JSONL or Parquet)."),
        "workdir": Param("kgbuild-work", type="string", description="Work directory of this catalog."),
        "settings": Param({}, type="object", description="Build settings overriding KGBUILD_* variables."),
    },
    tags=["kgbuild"],
)
def kg_build():
    @task
    def begin(params=None) -> str:
        from kgbuild import pipeline
        from kgbuild.graph import Graph
        from kgbuild.settings import Settings

        with no_retry_for_bad_data(), Graph.from_airflow("neo4j_default") as graph:  # checked before any work
            settings = Settings.from_overrides(params["settings"])
            build = pipeline.begin_build(params["catalog"], params["workdir"], settings, graph)
        return build.workdir

    @task
    def stage(name: str, workdir: str) -> str:
        from kgbuild import pipeline

        with no_retry_for_bad_data():
            pipeline.run_stage(name, workdir)
        return workdir

    @task
    def load(workdir: str) -> str:
        from kgbuild import pipeline
        from kgbuild.graph import Graph

        with Graph.from_airflow("neo4j_default") as graph, no_retry_for_bad_data():
            pipeline.run_stage("load", workdir, graph=graph)
        return workdir

    @task
    def snapshot(workdir: str) -> str:
        from kgbuild import pipeline, report

        with no_retry_for_bad_data():
            path = pipeline.run_stage("snapshot", workdir)["path"]
        report.write(workdir)  # WORKDIR/reports/<version>/index.html
        return path

    # A task called in the DAG takes another's XComArg for any argument; Airflow types the call with the function's
    # own parameters, hence the ignores.
    workdir = begin()
    for name in ("ingest", "concepts", "hierarchy", "images"):
        workdir = stage.override(task_id=name)(name, workdir)  # type: ignore[arg-type]
    snapshot(load(workdir))  # type: ignore[arg-type]


dag: DAG = kg_build()
