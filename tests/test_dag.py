"""The real kg_build DAG, run in-process with dag.test() on SQLite metadata against the real Neo4j."""

import pyarrow.parquet as pq
import pytest

from kgbuild import airflow_local, pipeline
from kgbuild.graph import Graph
from kgbuild.workdir import Layout, read_json

pytestmark = [pytest.mark.neo4j, pytest.mark.airflow]


def test_dag_has_one_task_per_stage_and_runs_daily():
    dag = airflow_local.load_dag()
    assert dag.dag_id == "kg_build"
    assert [t.task_id for t in dag.topological_sort()] == ["begin", *pipeline.STAGES]
    assert dag.schedule == "@daily"


def test_dag_builds_demo_catalog_into_neo4j_through_the_airflow_connection_only(tmp_path, graph, demo_catalog, monkeypatch):
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
