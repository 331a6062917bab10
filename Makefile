# rule-kit: `make run` checks, tests and documents the bundled rules; `make test` runs the whole test suite.
# Both create .venv on first use (Python >= 3.11), so they work from a clean clone.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-slow lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/rule-kit check rules/
	$(BIN)/rule-kit test rules/
	$(BIN)/rule-kit docs build --strict -d site

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python bench/check_corpus.py
	$(BIN)/python bench/load_data.py
	$(BIN)/python bench/kql_parse.py
	$(BIN)/python bench/kql_matcher.py
	$(BIN)/python bench/engine_new_terms.py
	$(BIN)/python bench/test_corpus.py
	$(BIN)/python bench/auto_properties.py
	$(BIN)/python bench/docs_site.py
	$(BIN)/python bench/bundled_rules.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache site build dist test-artifacts
