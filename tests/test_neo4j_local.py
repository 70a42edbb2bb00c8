import socket

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

from kgbuild.neo4j_local import TX_LOG_RETENTION, LocalNeo4j, Neo4jLaunchError, free_port

pytestmark = pytest.mark.neo4j


def test_server_speaks_bolt_with_the_password_only(neo4j_server):
    import os

    with GraphDatabase.driver(neo4j_server.bolt_uri, auth=("neo4j", os.environ["NEO4J_PASSWORD"])) as driver:
        records, _, _ = driver.execute_query("CALL dbms.components() YIELD name, versions, edition RETURN *")
        assert records[0]["versions"][0].startswith("5.26.")
        assert records[0]["edition"] == "community"
        records, _, _ = driver.execute_query(
            "SHOW SETTINGS YIELD name, value WHERE name = $name RETURN value",
            name="db.tx_log.rotation.retention_policy",
        )
        assert records[0]["value"] == TX_LOG_RETENTION
    with (
        GraphDatabase.driver(neo4j_server.bolt_uri, auth=("neo4j", "wrong-password")) as driver,
        pytest.raises(AuthError),
    ):
        driver.verify_connectivity()
    assert neo4j_server.status()["running"] is True


def test_taken_port_gives_a_clear_message(tmp_path, monkeypatch, neo4j_server):
    monkeypatch.setenv("NEO4J_PASSWORD", "long-enough-password")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = LocalNeo4j(tmp_path / "other", bolt_port=port, http_port=neo4j_server.http_port + 1)
        with pytest.raises(Neo4jLaunchError, match=f"port {port} is already in use.*--bolt-port"):
            server.start()
    assert server.status()["running"] is False


def test_short_password_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("NEO4J_PASSWORD", "short")
    with pytest.raises(Neo4jLaunchError, match="NEO4J_PASSWORD"):
        LocalNeo4j(tmp_path / "x", bolt_port=1, http_port=2).start()


def test_restart_keeps_data_and_accepts_the_same_or_a_new_password(tmp_path, monkeypatch):

    server = LocalNeo4j(tmp_path / "restart", bolt_port=free_port(), http_port=free_port(), pagecache="64m")
    monkeypatch.setenv("NEO4J_PASSWORD", "first-password")
    server.start()
    try:
        with GraphDatabase.driver(server.bolt_uri, auth=("neo4j", "first-password")) as driver:
            driver.execute_query("CREATE (:Marker {name: $name})", name="kept")
        server.stop()
        server.start()  # same password again
        server.stop()
        monkeypatch.setenv("NEO4J_PASSWORD", "second-password")
        server.start()
        with GraphDatabase.driver(server.bolt_uri, auth=("neo4j", "second-password")) as driver:
            records, _, _ = driver.execute_query("MATCH (m:Marker) RETURN m.name AS name")
        assert [r["name"] for r in records] == ["kept"]
    finally:
        server.stop()
    assert server.status()["running"] is False
