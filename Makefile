# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
# The settings default to production; `make run` is for local use, so it asks for
# development mode (the development key, loopback receivers) unless told otherwise.
DJANGO_DEBUG ?= 1

.PHONY: run test test-fast lint typecheck bench setup clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

setup: $(BIN)/.installed

## make run: install, migrate, load the catalog, start web + worker on http://$(HOST):$(PORT)
run: setup
	DJANGO_DEBUG=$(DJANGO_DEBUG) $(BIN)/python manage.py run_console --host $(HOST) --port $(PORT)

## make test: the whole suite (unit, API with real clients, integration with qcluster, browser)
## in development mode, which its settings module (tests/settings.py) switches on
test: setup
	HOOKS_TESTING=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

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
