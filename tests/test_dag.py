"""The real kg_build DAG, run in-process with dag.test() on SQLite metadata against the real Neo4j."""

import os
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import DEMO_DIR

from kgbuild import airflow_local, registry, snapshot
from kgbuild.assets import SNAPSHOT
from kgbuild.graph import Graph
from kgbuild.workdir import Layout, read_json

pytestmark = [pytest.mark.neo4j, pytest.mark.airflow]
TASKS = ["plan", "ingest", "shards", "every_shard", "parse", "concepts", "hierarchy", "images", "load", "snapshot"]


def test_dag_maps_builds_and_shards_runs_daily_and_publishes_the_snapshot(neo4j_server):
    dag = airflow_local.load_dag()
    assert dag.dag_id == "kg_build"
    assert [t.task_id for t in dag.topological_sort()] == TASKS
    assert dag.schedule == "@daily"
    mapped = {t.task_id for t in dag.tasks if t.is_mapped}
    assert mapped == {"ingest", "shards", "parse", "concepts", "hierarchy", "images", "load"}
    assert dag.task_dict["load"].max_active_tis_per_dag == 1
    assert dag.task_dict["snapshot"].outlets == [SNAPSHOT]
    training = airflow_local.load_dag("kg_train_example")
    assert training.schedule == [SNAPSHOT] and type(training.timetable).__name__ == "AssetTriggeredTimetable"


def test_dag_builds_demo_catalog_into_neo4j_through_the_airflow_connection_only(
    tmp_path, graph, demo_catalog, monkeypatch
):
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD"):
        monkeypatch.delenv(name, raising=False)  # the DAG may reach Neo4j only through neo4j_default
    states = airflow_local.run_dag(demo_catalog, tmp_path, {"clip_model": "none"})
    monkeypatch.undo()
    assert states == {task: "success" for task in TASKS}
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
    assert {tries[task][0] for task in TASKS[TASKS.index("concepts") :]} == {"upstream_failed"}
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


def test_a_missing_catalog_fails_plan_on_its_first_try(tmp_path, neo4j_server):
    missing = tmp_path / "absent.csv"
    failures = []
    dag = airflow_local.load_dag()
    dag.task_dict["plan"].on_failure_callback = [lambda context: failures.append(context["exception"])]
    dag_run = airflow_local.run_once(dag, missing, tmp_path / "work", {"clip_model": "none"})
    tries = {ti.task_id: (str(ti.state), ti.try_number) for ti in dag_run.get_task_instances()}
    assert tries["plan"] == ("failed", 1)
    (error,) = failures
    assert str(error) == f"{missing}: catalog file not found"


def test_a_scheduled_run_without_a_registry_fails_at_once_naming_what_to_set(tmp_path, neo4j_server, monkeypatch):
    monkeypatch.delenv(registry.ENV_VAR, raising=False)
    failures = []
    dag = airflow_local.load_dag()
    dag.task_dict["plan"].on_failure_callback = [lambda context: failures.append(context["exception"])]
    dag_run = airflow_local.dag_test(dag, tmp_path / "airflow")
    tries = {ti.task_id: (str(ti.state), ti.try_number) for ti in dag_run.get_task_instances()}
    assert str(dag_run.state) == "failed" and tries["plan"] == ("failed", 1)
    (error,) = failures
    assert str(error).startswith(f"no catalog registry: set {registry.ENV_VAR} (or the Airflow Variable")


def test_a_scheduled_run_builds_every_registry_catalog_then_only_changed_ones(
    tmp_path, graph, demo_catalog, monkeypatch
):
    rows = pd.read_csv(demo_catalog, dtype=str)
    rows["image"] = [str(demo_catalog.parent / p) for p in rows["image"]]
    for name, part in (("women", rows.iloc[::2]), ("men", rows.iloc[1::2])):
        (tmp_path / name).mkdir()
        part.to_csv(tmp_path / name / "products.csv", index=False)
    (tmp_path / "catalogs.toml").write_text(
        f"""workdir = "work"
[settings]
clip_model = "none"
image_roots = "{DEMO_DIR}"
[[catalogs]]
id = "women"
location = "women/products.csv"
[[catalogs]]
id = "men"
location = "men/products.csv"
columns = {{title = "title"}}
"""
    )
    monkeypatch.setenv(registry.ENV_VAR, str(tmp_path / "catalogs.toml"))
    dag = airflow_local.load_dag()
    first = airflow_local.dag_test(dag, tmp_path / "airflow")
    assert str(first.state) == "success", airflow_local.task_states(first)
    instances = first.get_task_instances()
    assert sorted(ti.map_index for ti in instances if ti.task_id == "load") == [0, 1]  # one build per catalog
    assert len([ti for ti in instances if ti.task_id == "parse"]) == 4  # titles and descriptions of each
    opened = snapshot.open(tmp_path / "work" / "snapshots")
    assert sorted(c["catalog_id"] for c in opened.manifest["catalogs"]) == ["men", "women"]
    assert opened.tables["products"].groupby("catalog").size().to_dict() == {"men": 120, "women": 120}
    with Graph.from_env() as fresh:
        assert {r["catalog"]: r["products"] for r in fresh.read_file("queries/catalogs")} == {"men": 120, "women": 120}

    rows.iloc[1::2].iloc[:100].to_csv(tmp_path / "men" / "products.csv", index=False)  # men's catalog shrinks
    second = airflow_local.dag_test(dag, tmp_path / "airflow")
    assert str(second.state) == "success", airflow_local.task_states(second)
    assert sorted(ti.map_index for ti in second.get_task_instances() if ti.task_id == "load") == [0]  # men's only
    with Graph.from_env() as fresh:
        assert {r["catalog"]: r["products"] for r in fresh.read_file("queries/catalogs")} == {"men": 100, "women": 120}

    training = airflow_local.dag_test(airflow_local.load_dag("kg_train_example"), tmp_path / "airflow")
    assert str(training.state) == "success", airflow_local.task_states(training)
    (opened_by_training,) = [ti for ti in training.get_task_instances() if ti.task_id == "open_snapshot"]
    newest = snapshot.open(tmp_path / "work" / "snapshots")
    assert opened_by_training.xcom_pull(task_ids="open_snapshot")["path"] == str(newest.path) != str(opened.path)
