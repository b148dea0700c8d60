# DataChat developer entry points. On a fresh Debian 12 machine with Python 3.11:
#   make demo   install and serve the demo on http://127.0.0.1:8000 (SQLite, no other server)
#   make test   install everything (system packages and test servers included) and run the suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
VPY := $(VENV)/bin/python
# Touched after a successful install: pip runs again only when pyproject.toml changes.
INSTALLED := $(VENV)/.installed

# Test servers, as set up by scripts/ensure-test-services.sh (same defaults as tests/servers.py).
export TEST_PG_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export TEST_MYSQL_ADMIN_URL ?= mysql://root@127.0.0.1:3306/
export TEST_CLICKHOUSE_URL ?= clickhouse://default@127.0.0.1:9000/default
export TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# CI (and `make test`) use PostgreSQL as the system database; the demo keeps the SQLite default.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/datachat

.PHONY: help venv install services test lint format bench demo clean

help:
	@echo "make demo      install and serve the demo on http://127.0.0.1:8000"
	@echo "make test      install, start the test servers, run pytest and ruff"
	@echo "make install   create .venv and install the project with dev extras"
	@echo "make services  install/start PostgreSQL, MariaDB, ClickHouse, Redis with test accounts"
	@echo "make lint      ruff check and ruff format --check"
	@echo "make bench     run every benchmarks/*.py"

$(VPY):
	scripts/ensure-build-deps.sh "$(PYTHON)"
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 needed, got " + sys.version' 
	$(PYTHON) -m venv $(VENV)

venv: $(VPY)

$(INSTALLED): pyproject.toml | $(VPY)
	scripts/ensure-build-deps.sh "$(VPY)"
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(INSTALLED)

services:
	scripts/ensure-test-services.sh

# Three pytest-xdist workers on the 2-core reference machine: much of the suite waits on the
# database servers, subprocesses (gunicorn, Celery), timeouts and a browser, so a third worker
# fills the waits. Each worker has its own test system database (pytest-django adds the worker
# id) and scratch names carry the process id (tests/servers.py). --dist loadscope keeps a
# module's tests on one worker, so module fixtures are set up once. PYTEST_WORKERS=0 runs in
# one process.
PYTEST_WORKERS ?= 3
test: install services
	DATABASE_URL=$(TEST_DATABASE_URL) $(VPY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope --durations=20
	$(VENV)/bin/ruff check .

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install services
	@set -e; for script in benchmarks/*.py; do \
		echo "== $$script"; \
		DATABASE_URL=$(TEST_DATABASE_URL) $(VPY) $$script; \
	done

demo: install
	bash scripts/demo.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
