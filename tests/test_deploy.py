"""docker-compose.yml cannot start here (no Docker engine); check that it wires what the code expects, and that
Compose accepts it where its binary exists."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from kgbuild import airflow_local

ROOT = Path(__file__).resolve().parents[1]


def test_compose_wires_neo4j_526_and_airflow_to_the_dag_and_connection():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    neo4j, airflow = compose["services"]["neo4j"], compose["services"]["airflow"]
    assert neo4j["image"].startswith("neo4j:5.26")
    assert neo4j["environment"]["NEO4J_dbms_usage__report_enabled"] == "false"
    environment = airflow["environment"]
    password = "${NEO4J_PASSWORD:?set NEO4J_PASSWORD}"
    connection = json.loads(environment[f"AIRFLOW_CONN_{airflow_local.NEO4J_CONN_ID.upper()}"].replace(password, "x"))
    assert connection["conn_type"] == "neo4j" and connection["host"] == "neo4j" and connection["port"] == 7687
    dockerfile = (ROOT / airflow["build"]["dockerfile"]).read_text()
    assert "pip install --no-cache-dir /tmp/wheels/kgbuild-*.whl" in dockerfile and " -e " not in dockerfile
    assert "/opt/kgbuild-dags" in dockerfile and environment["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/kgbuild-dags"
    assert "chown -R airflow:root /data" in dockerfile  # the work volume is created writable by Airflow's user
    catalogs = next(volume for volume in airflow["volumes"] if volume.endswith(":/data/catalogs:ro"))
    assert (ROOT / catalogs.split(":")[0]).is_dir()


def compose_command() -> list[str] | None:
    """Docker Compose as a plugin or a standalone binary, where either is installed."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) and subprocess.run([*command, "version"], capture_output=True).returncode == 0:
            return command
    return None


@pytest.mark.skipif(compose_command() is None, reason="no Docker Compose here")
def test_compose_file_validates():
    environment = {**os.environ, "NEO4J_PASSWORD": "x" * 12}
    result = subprocess.run([*compose_command(), "config", "--quiet"], cwd=ROOT, env=environment, text=True)
    assert result.returncode == 0
