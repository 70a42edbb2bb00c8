"""Crashes: a build killed in the middle of a stage resumes to the same snapshot; a load whose Neo4j goes away
fails clearly, and a retry after the server is back gives the graph of an uninterrupted build."""

import os
import subprocess
import sys
import textwrap

import pytest
from neo4j.exceptions import ServiceUnavailable, SessionExpired

from kgbuild import pipeline, snapshot
from kgbuild.graph import Graph
from kgbuild.neo4j_local import LocalNeo4j
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, read_json

from conftest import free_port
from graph_state import graph_state

SETTINGS = Settings(clip_model="none")


def test_build_killed_mid_stage_resumes_and_ends_in_the_same_snapshot(tmp_path, demo_catalog):
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
    assert pipeline.begin_build(demo_catalog, killed, SETTINGS)["version"] == version  # resumed, not restarted
    for stage in ("ingest", "concepts", "hierarchy", "images", "snapshot"):
        pipeline.run_stage(stage, killed)
    assert {stage: layout.stage_marker(stage).stat().st_mtime_ns for stage in finished} == finished  # not recomputed

    clean = tmp_path / "clean"
    pipeline.begin_build(demo_catalog, clean, SETTINGS)
    for stage in ("ingest", "concepts", "hierarchy", "images", "snapshot"):
        pipeline.run_stage(stage, clean)
    changes = snapshot.diff(Layout(clean).snapshots, Layout(killed).snapshots)
    assert all(not any(change.values()) for change in changes.values()), changes


@pytest.mark.neo4j
def test_load_fails_clearly_when_neo4j_goes_away_and_a_retry_converges(tmp_path, demo_catalog, graph, monkeypatch):
    monkeypatch.setenv("NEO4J_PASSWORD", "faults-password")
    server = LocalNeo4j(tmp_path / "neo4j", bolt_port=free_port(), http_port=free_port(), pagecache="64m")
    server.start()
    monkeypatch.setenv("NEO4J_URI", server.bolt_uri)
    try:
        pipeline.begin_build(demo_catalog, tmp_path / "work", SETTINGS)
        for stage in ("ingest", "concepts", "hierarchy", "images"):
            pipeline.run_stage(stage, tmp_path / "work")
        original_load = Graph.load

        def stop_before_mentions(self, cypher_file, rows, batch_size, /, **parameters):
            if cypher_file == "load/mentions":
                server.stop()  # the server goes away in the middle of the load
            return original_load(self, cypher_file, rows, batch_size, **parameters)

        monkeypatch.setattr(Graph, "load", stop_before_mentions)
        with pytest.raises((ServiceUnavailable, SessionExpired)) as error:
            pipeline.run_stage("load", tmp_path / "work")
        assert "127.0.0.1" in str(error.value) or "connection" in str(error.value).lower()
        assert "load" not in read_json(Layout(tmp_path / "work").build_file)["completed"]

        monkeypatch.setattr(Graph, "load", original_load)
        server.start()
        pipeline.run_stage("load", tmp_path / "work")  # the retry
        with Graph.from_env() as retried:
            after_retry = graph_state(retried)
    finally:
        server.stop()
    monkeypatch.undo()  # back to the session server for the uninterrupted build
    pipeline.run_build(demo_catalog, tmp_path / "uninterrupted", SETTINGS, graph)
    assert graph_state(graph) == after_retry
