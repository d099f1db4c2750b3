# Readiness: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# axe-core for the accessibility checks (package-lock.json); installed by `make test` when npm is there.
AXE_STAMP := node_modules/.installed
# The weekday run: the in-process suite once per pinned day of ISO week 53 of 2026, side by
# side: the last day of a month and a year (Thu Dec 31) and the Sunday that ends the week
# (Jan 3, in the new year, in a week that began in the old one; the day a weekday bug was once
# found). Two days keep .ci/run inside 45 minutes on 2 cores; any dates will do, e.g. the week:
# `make test-weekdays WEEKDAY_DATES="2026-12-28 2026-12-29 2026-12-30 2026-12-31 2027-01-01 2027-01-02 2027-01-03"`.
WEEKDAY_DATES ?= 2026-12-31 2027-01-03
WEEKDAY_JOBS ?= 2
FAST := -m "not browser and not worker" -p no:playwright
HOST ?= 127.0.0.1
PORT ?= 8000
# A laptop runs with DEBUG on, SQLite and in-process tasks unless the environment says otherwise.
export DEBUG ?= 1

.PHONY: help install test-tools run test test-fast fuzz test-weekdays lint format migrate seed lock bench loadtest worker beat clean

help:
	@echo "make run    install into .venv, migrate, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   run the whole test suite (installs axe-core with npm when npm is there)"
	@echo "make test-fast      the suite without browser and real-worker tests"
	@echo "make test-weekdays  the in-process suite once per day of a week (clock pinned; SQLite)"
	@echo "make lint   ruff and mypy"
	@echo "make fuzz   schemathesis against the API under gunicorn on PostgreSQL (about 7 minutes)"
	@echo "make bench  ingestion, roll-up and page timings on a throwaway PostgreSQL database"
	@echo "            (BENCH_QUICK=1: under a minute; see README, Benchmark)"
	@echo "make loadtest  gunicorn, a worker and beat on a throwaway database under locust for"
	@echo "            LOADTEST_SECONDS (60): 8 users browsing, 2 ingesting (see README, Load test)"
	@echo "make lock   re-resolve requirements*.lock from pyproject.toml"

$(STAMP): requirements-dev.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-dev.lock
	@touch $(STAMP)

install: $(STAMP)

# Not fatal: without npm (or without the registry) the accessibility checks are skipped, and
# say so; CI installs and checks the tools itself (.ci/run).
$(AXE_STAMP): package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "npm not found: the accessibility (axe-core) checks will be skipped"; \
	elif npm ci --no-audit --no-fund --loglevel=error; then \
	  touch $@; \
	else \
	  echo "npm ci failed: the accessibility (axe-core) checks will be skipped"; \
	fi

test-tools: $(AXE_STAMP)

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

test: install test-tools
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest $(FAST)

# Each day runs on its own in-memory SQLite database (DATABASE_URL and REDIS_URL unset), so
# days run side by side (WEEKDAY_JOBS at a time); every day runs and reports even after one
# fails (-k), and the target fails if any day did. CI is unset too: the tests that need a real
# PostgreSQL or Redis ran in `make test`, and here they skip with their reason rather than fail.
test-weekdays: install
	@$(MAKE) --no-print-directory -k -j$(WEEKDAY_JOBS) --output-sync=target \
	  $(addprefix test-on-,$(WEEKDAY_DATES))

test-on-%: install
	@echo "== tests with the clock pinned to $*"
	@env -u DATABASE_URL -u REDIS_URL -u CI $(PY) -m pytest $(FAST) -p no:cacheprovider -q \
	  --pin-date=$*

# Recreates BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/readiness_bench);
# not part of `make test`. `make bench BENCH_QUICK=1` for a run of under a minute.
bench: install
	$(PY) -m bench.run

# Recreates LOADTEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/readiness_load),
# seeds 1,000 use cases, runs gunicorn, a worker and beat on a redis-server of its own, drives
# them with locust (loadtest/locustfile.py) and prints the figures; not part of `make test`.
loadtest: install
	$(PY) -m loadtest.run

# A throwaway database (FUZZ_DATABASE_URL, default readiness_fuzz) on the local PostgreSQL;
# FUZZ_SECONDS for a shorter run. See bin/fuzz.
fuzz: install
	DEBUG=0 bin/fuzz

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
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .mypy_cache .ruff_cache
