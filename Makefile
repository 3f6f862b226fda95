# Bilang Karyo. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help serve test lint typecheck pytest system-deps samples clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP) ## set up and run the site on the sample guides at http://127.0.0.1:8000
	$(BIN)/bilang-karyo serve

test: system-deps $(STAMP) lint typecheck pytest ## set up and run every check and test, browser tests included

system-deps: ## install Debian's chromium for the browser tests, if missing
	@bash scripts/install-system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check server tests scripts
	$(BIN)/ruff format --check server tests scripts

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n auto

samples: $(STAMP) ## rebuild the sample guide PDFs in guides/
	$(BIN)/python scripts/make_sample_guides.py

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
