"""Crashes, through the real kg_build DAG (dag.test) and the real Neo4j: a run killed in the middle of a stage
resumes on a rerun to the snapshot and graph of an uninterrupted build; a load whose Neo4j stops fails with the
driver's error and Airflow's own retry, once the server is back, gives the graph of an uninterrupted build."""

import subprocess
import sys
import textwrap
from datetime import timedelta
from types import SimpleNamespace

import pytest
from graph_state import graph_state
from neo4j.exceptions import ServiceUnavailable, SessionExpired

from kgbuild import airflow_local, pipeline, snapshot
from kgbuild.graph import Graph
from kgbuild.neo4j_local import LocalNeo4j, free_port
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, read_json

pytestmark = [pytest.mark.neo4j, pytest.mark.airflow]
SETTINGS = {"clip_model": "none"}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, demo_catalog, neo4j_server):
    """The graph and snapshots of a build that nothing interrupted."""
    workdir = tmp_path_factory.mktemp("uninterrupted")
    with Graph.from_env() as graph:
        graph.driver.execute_query("MATCH (n) DETACH DELETE n")
        pipeline.run_build(demo_catalog, workdir, Settings.from_overrides(SETTINGS), graph)
        return SimpleNamespace(graph=graph_state(graph), snapshots=Layout(workdir).snapshots)


def assert_same_snapshot(uninterrupted, layout):
    changes = snapshot.diff(uninterrupted.snapshots, layout.snapshots)
    assert all(not any(change.values()) for change in changes.values()), changes


def test_build_killed_mid_stage_resumes_and_ends_in_the_same_snapshot(tmp_path, demo_catalog, uninterrupted):
    killed = tmp_path / "killed"
    crash = textwrap.dedent(
        f"""
        import os, signal
        from kgbuild import pipeline, hierarchy
        from kgbuild.settings import Settings
        def die(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        hierarchy.build = die  # the process dies inside the hierarchy stage
        pipeline.begin_build({str(demo_catalog)!r}, {str(killed)!r}, Settings(clip_model="none"))
        for stage in ("ingest", "concepts", "hierarchy"):
            pipeline.run_stage(stage, {str(killed)!r})
        """
    )
    result = subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True)
    assert result.returncode == -9, result.stderr
    layout = Layout(killed)
    assert read_json(layout.build_file)["completed"] == ["ingest", "concepts"]
    finished = {stage: layout.stage_marker(stage).stat().st_mtime_ns for stage in ("ingest", "concepts")}

    version = read_json(layout.build_file)["version"]
    settings = Settings.from_overrides(SETTINGS)
    assert pipeline.begin_build(demo_catalog, killed, settings).version == version  # resumed, not restarted
    for stage in ("ingest", "concepts", "hierarchy", "images", "snapshot"):
        pipeline.run_stage(stage, killed)
    assert {stage: layout.stage_marker(stage).stat().st_mtime_ns for stage in finished} == finished  # not recomputed
    assert_same_snapshot(uninterrupted, layout)


def test_dag_run_killed_mid_stage_resumes_on_a_rerun(tmp_path, demo_catalog, uninterrupted, graph):
    workdir = tmp_path / "work"
    crash = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from kgbuild import airflow_local, pipeline
        images = pipeline._STAGE_FUNCTIONS["images"]
        def images_then_die(*args):
            images(*args)
            # the DAG process dies after the images tables, before the stage is done
            os.kill(os.getpid(), signal.SIGKILL)
        pipeline._STAGE_FUNCTIONS["images"] = images_then_die
        airflow_local.run_dag(Path({str(demo_catalog)!r}), Path({str(workdir)!r}), {SETTINGS!r})
        """
    )
    result = subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True)
    assert result.returncode == -9, result.stderr[-3000:]
    layout = Layout(workdir)
    assert read_json(layout.build_file)["completed"] == ["ingest", "concepts", "hierarchy"]
    assert layout.concept_images.is_file() and not layout.stage_marker("images").exists()
    written = layout.concept_images.stat().st_mtime_ns
    finished = {stage: layout.stage_marker(stage).stat().st_mtime_ns for stage in ("ingest", "concepts", "hierarchy")}

    states = airflow_local.run_dag(demo_catalog, workdir, SETTINGS)  # the rerun
    assert states == {task: "success" for task in states} | {"parse": "skipped"}  # every text parsed before the kill
    assert {stage: layout.stage_marker(stage).stat().st_mtime_ns for stage in finished} == finished  # not recomputed
    assert layout.concept_images.stat().st_mtime_ns > written  # the unfinished stage ran again
    assert_same_snapshot(uninterrupted, layout)
    assert graph_state(graph) == uninterrupted.graph


def test_dag_load_fails_when_neo4j_stops_and_airflows_retry_converges(
    tmp_path, demo_catalog, uninterrupted, monkeypatch
):
    monkeypatch.setenv("NEO4J_PASSWORD", "faults-password")
    server = LocalNeo4j(tmp_path / "neo4j", bolt_port=free_port(), http_port=free_port(), pagecache="64m")
    server.start()
    monkeypatch.setenv("NEO4J_URI", server.bolt_uri)
    monkeypatch.setenv(f"AIRFLOW_CONN_{airflow_local.NEO4J_CONN_ID.upper()}", airflow_local.neo4j_connection())
    layout = Layout(tmp_path / "work")
    original_load = Graph.load
    at_retry = {}

    def stop_before_mentions(self, cypher_file, rows, batch_size, /, **parameters):
        if cypher_file == "load/mentions" and not at_retry:
            server.stop()  # the server goes away in the middle of the first attempt's load
        return original_load(self, cypher_file, rows, batch_size, **parameters)

    def server_back(context):
        """Airflow's on_retry_callback: records what the failed attempt left, then brings the server back."""
        at_retry.update(
            error=context["exception"],
            completed=read_json(layout.build_file)["completed"],
            later_stage_ran=layout.stage_marker("snapshot").exists() or layout.snapshots.exists(),
        )
        server.start()

    monkeypatch.setattr(Graph, "load", stop_before_mentions)
    dag = airflow_local.load_dag()
    load_task = dag.task_dict["load"]
    assert (load_task.retries, load_task.retry_delay) == (2, timedelta(minutes=2))  # production settings
    load_task.retry_delay = timedelta(seconds=1)  # dag.test() waits out the delay: shortened for this run only
    load_task.on_retry_callback = [server_back]
    try:
        dag_run = airflow_local.run_once(dag, demo_catalog, layout.root, SETTINGS)
        with Graph.from_env() as retried:
            after_retry = graph_state(retried)
    finally:
        server.stop()

    assert isinstance(at_retry["error"], (ServiceUnavailable, SessionExpired))
    assert "127.0.0.1" in str(at_retry["error"]) or "connection" in str(at_retry["error"]).lower()
    assert "load" not in at_retry["completed"] and not at_retry["later_stage_ran"]
    tries = {ti.task_id: (str(ti.state), ti.try_number) for ti in dag_run.get_task_instances()}
    assert str(dag_run.state) == "success", tries
    assert tries["load"] == ("success", 2) and tries["snapshot"] == ("success", 1)  # the retry, not a rerun
    assert after_retry == uninterrupted.graph
    assert_same_snapshot(uninterrupted, layout)
