"""kgbuild on a real Airflow 3 cluster (kgbuild.cluster): PostgreSQL and Redis from Debian's packages, the API server,
scheduler, DAG processor and two Celery workers (w1, w2), all started on loopback by the test and stopped after.
Which worker ran a task instance is Airflow's own record of it: each worker reports its name as the hostname."""

import json
import os
from pathlib import Path

import pytest
from graph_state import graph_state

from kgbuild import airflow_local, pipeline
from kgbuild.cluster import local_cluster
from kgbuild.demo import generate_catalog
from kgbuild.settings import Settings

pytestmark = pytest.mark.cluster

PROBE_DAG = """
import os
import time

import pendulum
from airflow.sdk import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False)
def cluster_probe():
    @task
    def shard(index: int) -> str:
        time.sleep(2)
        return os.environ["KGBUILD_WORKER_NAME"]

    shard.expand(index=list(range(8)))


cluster_probe()
"""
SETTINGS = {"clip_model": "none"}


def test_a_mapped_task_runs_its_shards_on_both_celery_workers(tmp_path):
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "cluster_probe.py").write_text(PROBE_DAG)
    with local_cluster(tmp_path / "cluster", dags) as cluster:
        run_id = cluster.trigger("cluster_probe")
        assert cluster.wait_for_run("cluster_probe", run_id, timeout=300) == "success", cluster.logs()
        shards = sorted(cluster.task_instances("cluster_probe", run_id), key=lambda ti: ti["map_index"])
        assert [(ti["map_index"], ti["state"]) for ti in shards] == [(i, "success") for i in range(8)]
        assert {ti["hostname"] for ti in shards} == {"w1", "w2"}, cluster.logs()
        xcom = f"{cluster.run_path('cluster_probe', run_id)}/taskInstances/shard/xcomEntries/return_value"
        for ti in shards:  # the worker Airflow recorded is the one the task itself ran in
            assert cluster.request("GET", f"{xcom}?map_index={ti['map_index']}")["value"] == ti["hostname"]


@pytest.mark.neo4j
def test_kg_build_parses_one_run_on_both_workers_into_the_graph_of_single_process_builds(tmp_path, graph, monkeypatch):
    sizes = {"shop-a": 96, "shop-b": 64}  # small: a task's time goes mostly to starting it and loading models
    catalogs = {
        name: generate_catalog(tmp_path / name, products, seed=seed)
        for seed, (name, products) in enumerate(sizes.items())
    }
    registry = write_registry(tmp_path / "catalogs.toml", tmp_path / "work", catalogs)
    connection = f"AIRFLOW_CONN_{airflow_local.NEO4J_CONN_ID.upper()}"
    env = {"KGBUILD_CATALOGS": str(registry), connection: os.environ[connection]}
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD"):
        monkeypatch.delenv(name, raising=False)  # the cluster reaches Neo4j only through neo4j_default
    with local_cluster(tmp_path / "cluster", airflow_local.DAGS_DIR, env=env) as cluster:
        monkeypatch.undo()
        run_id = cluster.trigger(airflow_local.DAG_ID)
        assert cluster.wait_for_run(airflow_local.DAG_ID, run_id, timeout=420) == "success", cluster.logs()
        parse = [ti for ti in cluster.task_instances(airflow_local.DAG_ID, run_id) if ti["task_id"] == "parse"]
        assert parse and {ti["state"] for ti in parse} == {"success"}
        assert {ti["hostname"] for ti in parse} == {"w1", "w2"}, cluster.logs()
    assert graph.counts()["Product"] == sum(sizes.values())
    distributed = graph_state(graph)
    graph.driver.execute_query("MATCH (n) DETACH DELETE n")
    for catalog_id, path in catalogs.items():
        settings = Settings.from_overrides({**SETTINGS, "catalog_id": catalog_id})
        pipeline.run_build(path, tmp_path / "single" / catalog_id, settings, graph)
    assert graph_state(graph) == distributed


def write_registry(path: Path, workdir: Path, catalogs: dict[str, Path]) -> Path:
    """The catalog registry (TOML) that kg_build reads from the file KGBUILD_CATALOGS names."""
    lines = [f"workdir = {json.dumps(str(workdir))}", "", "[settings]"]
    lines += [f"{name} = {json.dumps(value)}" for name, value in SETTINGS.items()]
    for catalog_id, location in catalogs.items():
        lines += ["", "[[catalogs]]", f"id = {json.dumps(catalog_id)}", f"location = {json.dumps(str(location))}"]
    path.write_text("\n".join(lines) + "\n")
    return path
