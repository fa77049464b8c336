# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
# The settings default to production; `make run` is for local use, so it asks for
# development mode (the development key, loopback receivers) unless told otherwise.
DJANGO_DEBUG ?= 1

.PHONY: run test test-fast lint typecheck bench setup setup-run clean

# Two install markers, each remade only when a requirements file it depends on changes:
# `make run` installs what running needs (requirements.txt); test, test-fast, lint, typecheck
# and bench also install the development tools (requirements-dev.txt, which includes the first).
$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(BIN)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(BIN)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(BIN)/.installed-run

setup-run: $(BIN)/.installed-run
setup: $(BIN)/.installed-dev

# What `make test-fast` leaves out: real processes (integration), chromium (browser), a
# live_server (marked automatically, see tests/conftest.py) and tests that wait (slow).
FAST := not integration and not browser and not live_server and not slow
DURATIONS ?= 15

## make run: install, migrate, load the catalog, start web + worker on http://$(HOST):$(PORT)
run: setup-run
	DJANGO_DEBUG=$(DJANGO_DEBUG) $(BIN)/python manage.py run_console --host $(HOST) --port $(PORT)

## make test: the whole suite (unit, API with real clients, integration with qcluster, browser)
## in development mode, which its settings module (tests/settings.py) switches on
test: setup
	HOOKS_TESTING=1 $(BIN)/python -m pytest --durations=$(DURATIONS) $(PYTEST_ARGS)

## make test-fast: everything but integration, browser, live-server and slow tests (< 1 min)
test-fast: setup
	HOOKS_TESTING=1 $(BIN)/python -m pytest -m "$(FAST)" --durations=$(DURATIONS) $(PYTEST_ARGS)

## make lint: ruff (lint and format), migrations in step with the models, import contracts
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports --no-cache --no-logo

## make typecheck: mypy with django-stubs over hooks/ and hooksite/ (config: pyproject.toml)
typecheck: setup
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles
