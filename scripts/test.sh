#!/usr/bin/env bash
# Installs everything, checks formatting, lint and types (ruff, mypy), then runs the test suite (unit tests, and
# integration tests against a real local Neo4j, the real kg_build DAG and a local Airflow Celery cluster), in two
# processes that each take whole test files and start their own Neo4j. Fails when a check fails, or when pytest fails
# or collects no test. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff format --check kgbuild dags tests bench scripts
.venv/bin/ruff check kgbuild dags tests bench scripts
.venv/bin/mypy kgbuild dags
export HF_HUB_OFFLINE=1
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"
