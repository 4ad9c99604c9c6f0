# The portal's front door. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
PYTEST_ARGS ?=

.PHONY: help install run serve test test-sqlite test-postgres lint format translations bench clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

$(BIN)/activate:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11+ on PATH)."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations  ## Create .venv and install everything (idempotent)

# The catalogues are kept without a header (scripts/i18n.py): -l gives the compiled one its language and
# that language's Plural-Forms (Urdu: nplurals=2; plural=(n != 1)), which ngettext picks msgstr[0]/[1] by.
translations: $(VENV)/.installed  ## Compile the Urdu catalogues (portal/translations/ur/LC_MESSAGES/*.po)
	@set -e; for po in $$(ls portal/translations/*/LC_MESSAGES/*.po 2>/dev/null); do \
	  lang=$${po#portal/translations/}; lang=$${lang%%/*}; \
	  $(BIN)/pybabel compile --statistics -f -l $$lang -i $$po -o $${po%.po}.mo; \
	done

run: install  ## Migrate, seed the demo data and serve at http://127.0.0.1:$(PORT)
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --size small
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Beside gunicorn, the officials' dashboard figures are recomputed every 10 s by one process of their
# own (`flask dashboard refresh`), stopped with the server.
serve: install  ## Run as production would: gunicorn, DATABASE_URL, Redis rate limits, SECRET_KEY required
	PORTAL_ENV=production DEMO_MODE=$${DEMO_MODE:-0} $(BIN)/flask db upgrade
	export PORTAL_ENV=production DEMO_MODE=$${DEMO_MODE:-0}; \
	  $(BIN)/flask dashboard refresh --every 10 & refresher=$$!; trap 'kill $$refresher 2>/dev/null' EXIT; \
	  $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# With TEST_DATABASE_URL set, the browser tests run once, on PostgreSQL (what production runs): they
# test pages and journeys, which the request tests already cover on both databases.
test: install  ## Run the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set
	$(BIN)/ruff check .
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	   $(MAKE) --no-print-directory test-sqlite NO_BROWSER=1 && $(MAKE) --no-print-directory test-postgres; \
	 else $(MAKE) --no-print-directory test-sqlite && \
	   echo "TEST_DATABASE_URL is not set: the PostgreSQL run is skipped."; fi

test-sqlite: install
	TEST_DB=sqlite $(BIN)/pytest -n 2 $(if $(NO_BROWSER),-m "not e2e") $(PYTEST_ARGS)

test-postgres: install
	TEST_DB=postgres $(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: install  ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install  ## Load benchmark with wrk against gunicorn (BENCH_SIZE=large for the scale run; see bench/README.md)
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
