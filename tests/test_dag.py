"""The real kg_build DAG, run in-process with dag.test() on SQLite metadata against the real Neo4j."""

import os
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from kgbuild import airflow_local, pipeline
from kgbuild.graph import Graph
from kgbuild.workdir import Layout, read_json

pytestmark = [pytest.mark.neo4j, pytest.mark.airflow]


def test_dag_has_one_task_per_stage_and_runs_daily(neo4j_server):
    dag = airflow_local.load_dag()
    assert dag.dag_id == "kg_build"
    assert [t.task_id for t in dag.topological_sort()] == ["begin", *pipeline.STAGES]
    assert dag.schedule == "@daily"


def test_dag_builds_demo_catalog_into_neo4j_through_the_airflow_connection_only(
    tmp_path, graph, demo_catalog, monkeypatch
):
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD"):
        monkeypatch.delenv(name, raising=False)  # the DAG may reach Neo4j only through neo4j_default
    states = airflow_local.run_dag(demo_catalog, tmp_path, {"clip_model": "none"})
    monkeypatch.undo()
    assert states == {task: "success" for task in ["begin", *pipeline.STAGES]}
    layout = Layout(tmp_path)
    snapshot = layout.snapshots / layout.latest_pointer.read_text().strip()
    with Graph.from_env() as fresh:
        counts = fresh.counts()
    assert counts["Product"] == 240
    assert counts["Concept"] == pq.read_metadata(snapshot / "concepts.parquet").num_rows
    assert counts["MENTIONS"] == pq.read_metadata(snapshot / "product_concepts.parquet").num_rows
    assert counts["DEPICTED_BY"] == pq.read_metadata(snapshot / "concept_images.parquet").num_rows
    assert read_json(layout.build_file)["finished_at"] is not None


def test_bad_catalog_fails_the_run_at_ingest_without_retries(tmp_path, neo4j_server):
    catalog = tmp_path / "c.csv"
    catalog.write_text("product_id,name\n1,Shirt\n")
    failures = []
    dag = airflow_local.load_dag()
    dag.task_dict["ingest"].on_failure_callback = [lambda context: failures.append(context["exception"])]
    dag_run = airflow_local.run_once(dag, catalog, tmp_path / "work", {"clip_model": "none"})
    tries = {ti.task_id: (str(ti.state), ti.try_number) for ti in dag_run.get_task_instances()}
    assert str(dag_run.state) == "failed"
    assert tries["ingest"] == ("failed", 1)  # no retry: the same bytes fail the same way
    assert {tries[task][0] for task in pipeline.STAGES[1:]} == {"upstream_failed"}
    (error,) = failures
    assert str(error) == (
        f"{catalog}: required column 'title' not found (choose another with --title-col); "
        "columns: product_id, name [ingest: expect_column_to_exist]"
    )


def test_run_dag_configures_airflow_itself_in_a_fresh_process(tmp_path, graph, demo_catalog):
    """What `kgbuild demo` does: nothing configured Airflow before (unlike this test session)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}
    code = (
        "import sys; from pathlib import Path; from kgbuild import airflow_local; "
        "print(airflow_local.run_dag(Path(sys.argv[1]), Path(sys.argv[2]), {'clip_model': 'none'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(demo_catalog), str(tmp_path)], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "airflow" / "airflow.db").is_file()
    assert graph.counts()["Product"] == 240


def test_a_missing_catalog_fails_begin_on_its_first_try(tmp_path, neo4j_server):
    missing = tmp_path / "absent.csv"
    failures = []
    dag = airflow_local.load_dag()
    dag.task_dict["begin"].on_failure_callback = [lambda context: failures.append(context["exception"])]
    dag_run = airflow_local.run_once(dag, missing, tmp_path / "work", {"clip_model": "none"})
    tries = {ti.task_id: (str(ti.state), ti.try_number) for ti in dag_run.get_task_instances()}
    assert tries["begin"] == ("failed", 1)
    (error,) = failures
    assert str(error) == f"{missing}: catalog file not found"
