# slogate — developer commands. `make demo` runs the tour, `make test` everything CI runs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install check test test-fast bench demo clean oidc-provider axe

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src  # an editable install has no bytecode; PYTHONDONTWRITEBYTECODE=1 keeps it so
	touch $(STAMP)

check: install
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# The OpenID provider of the Bridge's OIDC tests: npm's oidc-provider (locked in tests/support/oidc),
# run by Debian's nodejs; installed into build/ (git-ignored).
OIDC_DIR := build/oidc-provider
OIDC_STAMP := $(OIDC_DIR)/node_modules/.package-lock.json

oidc-provider: $(OIDC_STAMP)

$(OIDC_STAMP): tests/support/oidc/package.json tests/support/oidc/package-lock.json
	mkdir -p $(OIDC_DIR)
	cp tests/support/oidc/package.json tests/support/oidc/package-lock.json $(OIDC_DIR)/
	cd $(OIDC_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $(OIDC_STAMP)

# axe-core (npm) for the Bridge's accessibility checks in the browser tests (tests/support/axe.py).
AXE := build/npm/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE):
	npm install --no-audit --no-fund --loglevel=error --prefix build/npm axe-core@4

# Everything CI runs: the checks, every test, and 100 % line coverage of the pure domain.
test: check oidc-provider axe
	$(BIN)/pytest --cov=slogate --cov-report=term
	$(BIN)/coverage report --include='*/slogate/domain/*' --fail-under=100 --skip-covered

# The quick loop: every test but those needing a real Prometheus, PostgreSQL, browser or process tree.
test-fast: install
	$(BIN)/pytest -q -m "not slow" -x -n 2

bench: install
	$(BIN)/python benchmarks/bench_evaluation.py
	$(BIN)/python benchmarks/bench_gate.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_sequences.py
	$(BIN)/python benchmarks/bench_ui.py
	$(BIN)/python benchmarks/bench_cli.py
	$(BIN)/python benchmarks/bench_replay.py
	$(BIN)/python benchmarks/bench_dora.py
	$(BIN)/python benchmarks/bench_replicas.py

# The release tour needs a Prometheus binary: Debian's package, installed here when run as root.
demo: install
	@command -v prometheus >/dev/null 2>&1 || [ -x /usr/bin/prometheus ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's prometheus package"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; \
	    systemctl stop prometheus 2>/dev/null || true; \
	  else \
	    echo "make demo needs Prometheus: run 'sudo apt-get install -y prometheus' (Debian/Ubuntu)," \
	         "or put a prometheus binary on PATH, then run make demo again"; exit 1; \
	  fi; }
	$(BIN)/slogate demo

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage .hypothesis benchmarks/results
