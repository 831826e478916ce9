# Two commands do everything on a fresh machine:
#   make run   - venv, dependencies, front-end packages, SQLite, demo world, model, portal on :8000
#   make test  - venv, dependencies, front-end packages, the whole test suite
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOUSEHOLDS ?= 3000
SEED ?= 7

.PHONY: run test setup venv deps static demo serve lint ci clean bench-smoke

$(BIN)/python:
	$(PY) -m venv $(VENV)

deps: $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt

static:
	npm install --no-audit --no-fund --loglevel=error
	node scripts/copy_vendor.mjs

setup: deps static

demo: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --households $(HOUSEHOLDS) --seed $(SEED) --train

serve:
	$(BIN)/python manage.py runserver 127.0.0.1:8000

run: demo serve

test: setup
	bash scripts/test.sh

lint: deps
	$(BIN)/ruff check .

clean:
	rm -rf var staticfiles test-artifacts
