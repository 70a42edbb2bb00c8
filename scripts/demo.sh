#!/usr/bin/env bash
# Installs everything, then builds the bundled demo catalog's concept graph into the local Neo4j through the
# kg_build Airflow DAG (in-process, SQLite metadata) and writes a training snapshot. Neo4j keeps running afterwards
# for the Browser; stop it with `.venv/bin/kgbuild neo4j stop`. Extra arguments go to `kgbuild demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export HF_HUB_OFFLINE=1
export NEO4J_PASSWORD="${NEO4J_PASSWORD:-kgbuild-local}"
exec .venv/bin/kgbuild demo "$@"
