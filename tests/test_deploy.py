"""docker-compose.yml cannot start here (no Docker engine); check that it wires what the code expects, and that
Compose accepts it (scripts/setup.sh installs Debian's docker-compose)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from kgbuild import airflow_local

ROOT = Path(__file__).resolve().parents[1]


def test_compose_wires_neo4j_526_and_a_celery_cluster_to_the_dag_and_connection():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    neo4j = services["neo4j"]
    assert neo4j["image"].startswith("neo4j:5.26")
    assert neo4j["environment"]["NEO4J_dbms_usage__report_enabled"] == "false"
    assert services["postgres"]["image"].startswith("postgres:") and services["redis"]["image"].startswith("redis:")
    airflow = {name: service for name, service in services.items() if "build" in service}
    commands = {service["command"] for service in airflow.values()}
    assert commands == {"db migrate", "api-server", "scheduler", "dag-processor", "celery worker"}
    password = "${NEO4J_PASSWORD:?set NEO4J_PASSWORD}"
    for service in airflow.values():  # one image and one configuration
        environment = service["environment"]
        assert environment["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert environment["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
        database = environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert database.startswith("postgresql+psycopg2://") and database.endswith("@postgres/airflow")
        assert environment["AIRFLOW__CELERY__RESULT_BACKEND"] == f"db+{database}"
        assert environment["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
        assert environment["AIRFLOW__API_AUTH__JWT_SECRET"] == "${AIRFLOW_JWT_SECRET:?set AIRFLOW_JWT_SECRET}"
        connection = environment[f"AIRFLOW_CONN_{airflow_local.NEO4J_CONN_ID.upper()}"].replace(password, "x")
        connection = json.loads(connection)
        assert connection["conn_type"] == "neo4j" and connection["host"] == "neo4j" and connection["port"] == 7687
        assert environment["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/kgbuild-dags"
        assert service["build"]["dockerfile"] == "docker/airflow.Dockerfile"
    worker = services["airflow-worker"]
    assert worker["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
    assert services["airflow-apiserver"]["ports"] == ["8080:8080"]
    dockerfile = (ROOT / "docker/airflow.Dockerfile").read_text()
    assert "pip install --no-cache-dir /tmp/wheels/kgbuild-*.whl" in dockerfile and " -e " not in dockerfile
    assert "/opt/kgbuild-dags" in dockerfile
    assert "chown -R airflow:root /data" in dockerfile  # the work volume is created writable by Airflow's user
    catalogs = next(volume for volume in worker["volumes"] if volume.endswith(":/data/catalogs:ro"))
    assert (ROOT / catalogs.split(":")[0]).is_dir()


def compose_command() -> list[str] | None:
    """Docker Compose as a plugin or a standalone binary, where either is installed."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) and subprocess.run([*command, "version"], capture_output=True).returncode == 0:
            return command
    return None


@pytest.mark.skipif(compose_command() is None, reason="no Docker Compose here")
def test_compose_file_validates():
    environment = {**os.environ, "NEO4J_PASSWORD": "x" * 12, "AIRFLOW_JWT_SECRET": "y" * 32}
    result = subprocess.run([*compose_command(), "config", "--quiet"], cwd=ROOT, env=environment, text=True)
    assert result.returncode == 0
