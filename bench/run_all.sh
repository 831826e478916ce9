#!/usr/bin/env bash
# Every scale benchmark, in order, at one size. Each script prints its figures and the machine
# and writes bench/results/<name>-<time>.json; docs/benchmarks.md collects them.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/13 \
#       bench/run_all.sh [HOUSEHOLDS=1000000] [WORLD_DIR=/tmp/world-11-HOUSEHOLDS]
#
# SKIP_SEED=1 reuses the world already in the database. Needs PostgreSQL and Redis (real
# workers); the database given is emptied (seed_world.py --fresh): use a database of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL=postgres://... (a database of its own)}"
: "${REDIS_URL:?set REDIS_URL=redis://... (real Celery workers)}"
HOUSEHOLDS=${1:-1000000}
WORLD=${2:-/tmp/world-11-${HOUSEHOLDS}}
PY=${PYTHON:-.venv/bin/python}
PEOPLE=$(( HOUSEHOLDS < 400000 ? HOUSEHOLDS : 1000000 ))   # ingest: against >= 1M people
ROWS=$(( HOUSEHOLDS < 1000000 ? HOUSEHOLDS / 10 : 100000 ))
FILINGS=${FILINGS:-200}
DURATION=${DURATION:-60}

step() { printf '\n=== %s (load average %s) ===\n' "$1" "$(cut -d' ' -f1-3 /proc/loadavg)"; }

if [ -z "${SKIP_SEED:-}" ]; then
  step "seed ${HOUSEHOLDS} households"
  $PY bench/seed_world.py --households "$HOUSEHOLDS" --seed 11 --world "$WORLD" --fresh
fi
step "full rescore vs its floor (MODEL's bench/rescore.py, 2 worker processes)"
$PY bench/rescore.py --workers 2
step "scale-out: full rescore with 1 and 2 worker processes"
$PY bench/scaleout.py --workers 1,2
step "ingestion + linkage (INGESTION's bench/ingest.py)"
$PY bench/ingest.py --people "$PEOPLE" --rows "$ROWS"
step "pushed eviction filing -> top of the queue"
$PY bench/latency.py --filings "$FILINGS"
step "queue, household and partner API under 50 clients, next to the constant view"
$PY bench/pages.py --clients 50 --duration "$DURATION"
step "queue and household pages: 50 signed-in users pausing ~3 s between clicks"
$PY bench/pages.py --clients 50 --duration "$DURATION" --think 3 --phases floor,queue,household
step "EXPLAIN ANALYZE of the queue and household pages"
$PY bench/explain.py --out "var/explain-${HOUSEHOLDS}.md" > /dev/null
echo "plans written to var/explain-${HOUSEHOLDS}.md"
step "done"
