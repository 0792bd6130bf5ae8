# One command each for a newcomer: `make run`, `make test`, `make lint`, `make bench`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test lint bench install install-test test-deps translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Where `make run` serves: `make run PORT=8000` (macOS keeps 5000 for AirPlay).
# HOST comes from the command line only: csh-family shells export HOST as the
# machine's name, which would open the server to the network.
PORT ?= 5000
ifneq ($(origin HOST),command line)
HOST := 127.0.0.1
endif

## run: install, migrate the SQLite database, load taxonomy and demo data, serve on
## http://$(HOST):$(PORT); links in emails name the same address
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-taxonomy
	$(BIN)/flask seed-demo
	HOST=$(HOST) PORT=$(PORT) $(BIN)/flask run --host $(HOST) --port $(PORT)

## test: install with the test extra (and Chromium and axe-core where possible), run the suite
test: install-test test-deps
	$(BIN)/pytest -n auto --durations=25

## test-deps: Chromium and Redis from Debian packages (as root), axe-core from npm
test-deps:
	@bash tests/install-deps.sh

lint: install-test
	$(BIN)/ruff check .

## bench: the benchmark scripts; each prints a table and writes JSON under benchmarks/results/
bench: install-test
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
		|| echo "WARNING: wrk is missing; the search benchmark cannot run" >&2
	$(BIN)/python benchmarks/run_all.py

## translations: gather the strings to translate into the catalogues, then build them
translations: install-test
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext --no-wrap --sort-by-file --omit-header \
		-o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-wrap \
		--ignore-obsolete
	$(BIN)/pybabel compile -d app/translations --statistics

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
