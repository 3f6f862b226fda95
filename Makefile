# Bilang Karyo. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_NODE := bench/node_modules/.installed

.PHONY: help serve test lint typecheck pytest runtime-deps system-deps bench-deps bench bench-quick samples clean \
	load crash load-pg crash-pg lock audit

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `make serve PORT=8080 HOST=0.0.0.0`: another port, or every address of the machine.
serve: runtime-deps $(STAMP) ## set up and run the site on the sample guides at http://127.0.0.1:8000 (PORT=, HOST=)
	$(BIN)/bilang-karyo serve $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST))

test: system-deps bench-deps $(STAMP) lint typecheck pytest ## set up and run every check and test, browser tests included

# Without Tesseract the site still serves; a scanned guide then shows its original pages with no text
# version (/healthz lists it), so a failed install (no sudo) does not stop `make serve`.
runtime-deps: ## install Debian's tesseract (OCR of scanned guides), if missing
	-@bash scripts/install-system-deps.sh --runtime

system-deps: ## install Debian's tesseract (OCR of scanned guides), chromium, wrk, nginx, npm, openssl and postgresql, if missing
	@bash scripts/install-system-deps.sh wrk nginx npm openssl postgresql

$(BENCH_NODE): bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	touch $(BENCH_NODE)

bench-deps: system-deps $(BENCH_NODE) ## install the bench's tools (wrk, nginx, Lighthouse from npm)

bench: bench-deps $(STAMP) ## run the full benchmark (about 20 min); writes bench/results/ and bench/REPORT.md
	$(BIN)/python -m bench --publish-report

bench-quick: bench-deps $(STAMP) ## check that every bench step runs (about a minute); figures are not meaningful
	$(BIN)/python -m bench --quick

lint: $(STAMP)
	$(BIN)/ruff check server testkit tests scripts bench reliability
	$(BIN)/ruff format --check server testkit tests scripts bench reliability

typecheck: $(STAMP)
	$(BIN)/mypy

# The bench's quick run loads both cores for a minute: it runs alone, after the others,
# so that it neither slows their browser tests nor is slowed by them.
pytest: $(STAMP)
	$(BIN)/pytest -n auto -m "not bench"
	$(BIN)/pytest -m bench

samples: $(STAMP) ## rebuild the sample guide PDFs in guides/
	$(BIN)/python scripts/make_sample_guides.py

# The full reliability runs; `make test` runs a CI-sized version of each.
load: $(STAMP) ## 200 connections read for 30 s while staff publish 20 versions and roll back twice
	$(BIN)/python -m reliability.load --json reliability/results/load.json

crash: $(STAMP) ## 30 publishes killed with SIGKILL at random moments, each checked after a restart
	$(BIN)/python -m reliability.crash --json reliability/results/crash.json

# The same runs with the records in PostgreSQL (BILANG_KARYO_DATABASE_URL): a throwaway cluster
# is made with Debian's initdb and pg_ctl in a temporary folder, and removed after the run.
load-pg: $(STAMP) ## `make load` with the records in a throwaway PostgreSQL (the replica mode)
	@bash scripts/install-system-deps.sh postgresql
	$(BIN)/python -m reliability.load --database postgresql --json reliability/results/load-pg.json

crash-pg: $(STAMP) ## `make crash` with the records in a throwaway PostgreSQL (the replica mode)
	@bash scripts/install-system-deps.sh postgresql
	$(BIN)/python -m reliability.crash --database postgresql --json reliability/results/crash-pg.json

lock: $(STAMP) ## pin the runtime dependencies of pyproject.toml in requirements.lock (pip-compile)
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

# --strict: a package that could not be checked (not found, service unreachable) fails the
# audit instead of passing for clean.
audit: $(STAMP) ## check requirements.lock against known vulnerabilities (pip-audit)
	@$(BIN)/pip-audit --strict --no-deps --disable-pip --requirement requirements.lock || { \
		echo "make audit: FAILED: a known vulnerability, or a package pip-audit could not check" \
		     "(its index or vulnerability service unreachable); either way NOT a clean audit." >&2; \
		exit 1; }

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
