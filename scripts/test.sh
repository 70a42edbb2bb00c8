#!/usr/bin/env bash
# Installs everything, then runs the test suite (unit tests, and integration tests against a real local Neo4j and
# the real kg_build DAG). Fails when pytest fails or collects no test. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export HF_HUB_OFFLINE=1
exec .venv/bin/python -m pytest "$@"
