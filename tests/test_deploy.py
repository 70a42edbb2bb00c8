"""docker-compose.yml cannot start here (no Docker engine); check that it wires what the code expects."""

import json
from pathlib import Path

import yaml

from kgbuild import airflow_local

ROOT = Path(__file__).resolve().parents[1]


def test_compose_wires_neo4j_526_and_airflow_to_the_dag_and_connection():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    neo4j, airflow = compose["services"]["neo4j"], compose["services"]["airflow"]
    assert neo4j["image"].startswith("neo4j:5.26")
    environment = airflow["environment"]
    connection = json.loads(environment[f"AIRFLOW_CONN_{airflow_local.NEO4J_CONN_ID.upper()}"].replace("${NEO4J_PASSWORD:?set NEO4J_PASSWORD}", "x"))
    assert connection["conn_type"] == "neo4j" and connection["host"] == "neo4j" and connection["port"] == 7687
    dags_folder = environment["AIRFLOW__CORE__DAGS_FOLDER"]
    assert any(volume.startswith("./dags:" + dags_folder) for volume in airflow["volumes"])
    dockerfile = (ROOT / airflow["build"]["dockerfile"]).read_text()
    for folder in ("kgbuild", "cypher", "dags"):
        assert f"COPY --chown=airflow:root {folder} /opt/kgbuild/{folder}" in dockerfile
    assert dags_folder == "/opt/kgbuild/dags"
