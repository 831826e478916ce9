#!/usr/bin/env bash
# The whole test suite: lint, Django checks, migrations check, pytest.
# Full mode when DATABASE_URL and REDIS_URL are set (as .ci/run does); embedded otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
export DHS_TESTING=1
echo "== ruff"
"$BIN/ruff" check .
echo "== manage.py check"
"$BIN/python" manage.py check
echo "== makemigrations --check"
"$BIN/python" manage.py makemigrations --check --dry-run
echo "== pytest (DATABASE_URL=${DATABASE_URL:-sqlite default}, REDIS_URL=${REDIS_URL:-unset: eager})"
"$BIN/python" -m pytest "$@"
