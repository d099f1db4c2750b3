# Readiness: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# A laptop runs with DEBUG on, SQLite and in-process tasks unless the environment says otherwise.
export DEBUG ?= 1

.PHONY: help install run test test-fast lint format migrate seed lock bench worker beat clean

help:
	@echo "make run    install into .venv, migrate, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   run the whole test suite"
	@echo "make lint   ruff and mypy"
	@echo "make bench  ingestion, roll-up and page timings on a throwaway PostgreSQL database"
	@echo "            (BENCH_QUICK=1: under a minute; see README, Benchmark)"
	@echo "make lock   re-resolve requirements*.lock from pyproject.toml"

$(STAMP): requirements-dev.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-dev.lock
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo
	@echo "Readiness is starting on http://$(HOST):$(PORT)/  (password for every demo login: readiness-demo)"
	@echo "  org admin            admin@demo.example"
	@echo "  program manager      pm@demo.example"
	@echo "  governance reviewer  reviewer@demo.example"
	@echo "  executive            exec@demo.example"
	@echo "  viewer               viewer@demo.example"
	@echo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not browser and not worker" -p no:playwright

# Recreates BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/readiness_bench);
# not part of `make test`. `make bench BENCH_QUICK=1` for a run of under a minute.
bench: install
	$(PY) -m bench.run

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -o requirements.lock
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements-dev.lock

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
