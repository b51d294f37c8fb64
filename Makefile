# PTS: two commands do all the set-up on a fresh Debian machine.
#   make run   -- install, migrate, load the demo, serve http://127.0.0.1:8000
#   make test  -- install, lint (ruff, import contract, migrations, mypy), then the whole suite on
#                 SQLite and on a throw-away PostgreSQL; `make check` is the same, and CI (.ci/run) runs it
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
APT_PACKAGES := python3-venv gettext chromium fonts-thai-tlwg poppler-utils postgresql postgresql-common
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: run test check system-deps venv messages test-sqlite test-postgres lint bench
# One target at a time even under `make -j`: each suite uses both cores itself, and lint must pass first.
.NOTPARALLEL:

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $@

venv: system-deps $(VENV)/.installed

messages: venv
	@$(PY) manage.py compilemessages -v0 --ignore='.venv/*'

# The demo's own "today" (pts.demo.loader.DEMO_TODAY): pages open on the last day of FY2566.
# `make run DEMO_TODAY=` serves the real date instead.
DEMO_TODAY ?= 2023-09-30

run: messages
	$(PY) manage.py migrate -v0
	$(PY) manage.py load_demo
	@echo "PTS is at http://127.0.0.1:8000/  (Ctrl-C to stop; the demo's today: $(or $(DEMO_TODAY),the real date))"
	PTS_TODAY=$(DEMO_TODAY) $(PY) manage.py runserver --insecure 127.0.0.1:8000

# Fastest first, so a mistake fails in seconds; an in-memory database, so no step needs a real one.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	DATABASE_URL=sqlite://:memory: $(PY) manage.py makemigrations --check --dry-run -v0
	DATABASE_URL=sqlite://:memory: $(VENV)/bin/mypy pts

test-sqlite: messages
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

test-postgres: messages
	pg_virtualenv -o shared_buffers=128MB bash -c \
	  'DATABASE_URL="postgresql://$$PGUSER:$$PGPASSWORD@$$PGHOST:$${PGPORT:-5432}/postgres" $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)'

test: lint test-sqlite test-postgres

check: test

bench: venv
	$(PY) bench/run_all.py
