# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint translations check-db clean

$(VENV)/.stamp-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.stamp-dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(VENV)/.stamp-run $@

## Serve the seeded demo on http://127.0.0.1:5000 (SQLite, jobs in-process).
run: $(VENV)/.stamp-run
	$(BIN)/binhyen db upgrade
	$(BIN)/binhyen demo seed
	@echo
	@echo "Bình Yên is at http://127.0.0.1:5000/  (stop with Ctrl-C)"
	@echo
	$(BIN)/binhyen run --host 127.0.0.1 --port 5000

## Lint, type-check, check import layers, run the whole suite.
test: lint
	$(BIN)/pytest

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Bring the translation catalogues (core and each plugin) up to date.
translations: $(VENV)/.stamp-dev
	$(BIN)/python -m core.web.catalogs

clean:
	rm -rf $(VENV) instance build .pytest_cache .mypy_cache .ruff_cache
