# ICONet development commands. The two that matter:
#   make run    set everything up and run the portal, worker, beat and mail sink in the foreground
#   make test   set everything up and run the checks and the whole test suite
# Every Python command goes through the project's virtual environment in .venv.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PYTHON := $(VENV)/bin/python
# Written after a successful install; pip reruns only when pyproject.toml is newer.
VENV_STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# pytest-xdist: one test process per core; each has its own test database, Celery queue and
# browser. PYTEST_WORKERS=0 runs the suite in this process.
PYTEST_WORKERS ?= auto

.PHONY: help venv services migrate seed run chromium pgclient lint typecheck test test-fast bench

help:
	@echo "make run    - set up (venv, services, migrations, demo data) and run ICONet"
	@echo "make test   - set up and run makemigrations --check, ruff, mypy and pytest"
	@echo "make test-fast - the fast layer of pytest alone (no browser, worker or long walk)"
	@echo "other targets: venv services migrate seed chromium pgclient lint typecheck bench"

venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml
	@if [ ! -x $(PYTHON) ]; then \
		base=$$(command -v python3.11 || command -v python3) || { echo "Python 3.11 is needed"; exit 1; }; \
		echo "Creating $(VENV) with $$base"; \
		$$base -m venv $(VENV); \
	fi
	$(PYTHON) -m pip install --disable-pip-version-check --quiet -e '.[dev,test]'
	@touch $@

# Find or start PostgreSQL and Redis; writes var/services.env, which the settings read.
services: venv
	$(PYTHON) -m devtools.services ensure

migrate: services
	$(PYTHON) manage.py migrate --noinput

seed: migrate
	$(PYTHON) manage.py seed_demo
	$(PYTHON) manage.py seed_ilo_demo
	$(PYTHON) manage.py seed_alerts_demo
	$(PYTHON) manage.py seed_documents_demo
	$(PYTHON) manage.py seed_returns_demo
	$(PYTHON) manage.py seed_workspaces_demo

run: seed
	$(PYTHON) -m devtools.run

# The browser tests drive Debian's chromium through Playwright.
chromium:
	@if [ -x /usr/bin/chromium ]; then \
		echo "chromium: /usr/bin/chromium is installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update && apt-get install -y --no-install-recommends chromium; \
	else \
		echo "chromium: /usr/bin/chromium is missing and this is not root; skipping."; \
		echo "          Install it with: sudo apt-get install chromium"; \
	fi

# `manage.py backup` and `restore` need pg_dump and pg_restore of the server's major version:
# installs Debian's postgresql-client-NN when none is found (as root; docs/operations.md).
pgclient: services
	$(PYTHON) -m devtools.pgclient

lint: venv
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

# mypy with the django-stubs plugin ([tool.mypy] in pyproject.toml); its cache is .mypy_cache.
typecheck: services
	$(PYTHON) -m mypy

test: services chromium pgclient typecheck
	$(PYTHON) manage.py makemigrations --check --dry-run
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The fast layer alone: the tests marked neither browser, worker nor walk (tests/conftest.py
# marks them), for the edit-and-rerun loop; `make test` still runs everything.
test-fast: services
	$(PYTHON) -m pytest -n $(PYTEST_WORKERS) --dist worksteal -m "not slow" $(PYTEST_ARGS)

# Each bench/*.py sets Django up itself and prints its own figures.
bench: migrate
	@for f in bench/*.py; do \
		[ -e "$$f" ] || { echo "no benchmarks in bench/"; break; }; \
		echo "== $$f"; \
		$(PYTHON) "$$f" || exit 1; \
	done
