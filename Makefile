# Two commands on a fresh clone: `make demo` and `make test`. Needs python3 (3.11+) and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DAGSTER_HOME_DIR := $(CURDIR)/.dagster
# DuckDB 1.4 LTS in a venv of its own: the tests prove the serving copy opens in it (BI drivers
# bundle older DuckDB releases than the warehouse's 2.0).
COMPAT := .venv-duckdb14
# WAREHOUSE_TARGET=ducklake in a venv of its own: DuckDB's ducklake and postgres extensions exist as
# PyPI packages for DuckDB 1.5.5 only (docs/deploy.md); the rest of the pins are the house's.
LAKE := .venv-lake
LAKE_EXTRAS := .[dev,ducklake,ducklake-test]
UV_VERSION := 0.13.9

.PHONY: install demo test test-fast test-ducklake lint dev docs status publish bench clean

# Installs into the venv $(1) with uv (taken from PyPI into that venv): it installs the ~170 pinned
# packages in parallel, about 15 s where pip takes about 50 s on two cores. Bytecode is compiled
# at install, as pip does: without it every test process compiles the modules it imports. uv reads
# its own settings, not pip's (a private index: UV_INDEX_URL, UV_FIND_LINKS; certificates:
# SSL_CERT_FILE). Where uv cannot be had or fails, pip installs the same pins.
define venv_install
$(1)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)" \
	&& $(1)/bin/uv pip install --quiet --python $(1)/bin/python --compile-bytecode $(2) \
	|| $(1)/bin/python -m pip install --quiet --disable-pip-version-check $(2)
endef

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(call venv_install,$(VENV),-c constraints.txt -e '.[dev]')
	@touch $@

install: $(STAMP)

$(DAGSTER_HOME_DIR)/dagster.yaml: deploy/local/dagster.yaml
	@mkdir -p $(DAGSTER_HOME_DIR)
	cp deploy/local/dagster.yaml $@

demo: install $(DAGSTER_HOME_DIR)/dagster.yaml
	DAGSTER_HOME=$(DAGSTER_HOME_DIR) $(BIN)/trade-warehouse demo

$(COMPAT)/.installed:
	$(PYTHON) -m venv $(COMPAT)
	$(call venv_install,$(COMPAT),"duckdb==1.4.4")
	@touch $@

# The tests run in parallel worker processes (pytest-xdist): many wait on servers, subprocesses and
# sleeps rather than on the CPU, so more workers than cores pay. A group of tests that shares one
# server (xdist_group) stays on one worker; tests are handed out in the order tests/conftest.py
# sorts them (longest first).
TEST_WORKERS ?= 3
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder --durations=10

test: install $(COMPAT)/.installed
	$(PYTEST)

$(LAKE)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(LAKE)
	sed 's/^duckdb==.*/duckdb==1.5.5/' constraints.txt > $(LAKE)/constraints.txt
	$(call venv_install,$(LAKE),-c $(LAKE)/constraints.txt -e '$(LAKE_EXTRAS)')
	@touch $@

# The DuckLake target for real (tests/test_ducklake.py and the DuckLake test of the deployment):
# a throwaway PostgreSQL holds the catalog, a local folder the data files. CI runs it after `test`.
test-ducklake: $(LAKE)/.installed
	TRADE_REQUIRE_DUCKLAKE=1 $(LAKE)/bin/python -m pytest -p no:cacheprovider --durations=5 tests/test_ducklake.py \
		tests/test_deploy_postgres.py -k "ducklake"

# The inner loop: unit tests and the fast integration tests, without the tests marked `slow` or
# `process` (about 2 minutes).
test-fast: install $(COMPAT)/.installed
	$(PYTEST) -m "not slow and not process"

lint: install
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests
	cd dbt_project && $(CURDIR)/$(BIN)/sqlfluff lint models macros

# The Dagster UI on http://127.0.0.1:$(PORT) (make dev PORT=3001 when 3000 is taken).
PORT ?= 3000
dev: install $(DAGSTER_HOME_DIR)/dagster.yaml
	VIRTUAL_ENV=$(CURDIR)/$(VENV) DAGSTER_HOME=$(DAGSTER_HOME_DIR) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dg dev --port $(PORT)

status: install
	$(BIN)/trade-warehouse status

publish: install
	$(BIN)/trade-warehouse publish

# The full benchmark (BENCHMARKS.md): 10 years of synthetic HS10 history; BENCH_ARGS=--quick for a small run.
bench: install
	$(BIN)/trade-warehouse bench --json bench.json $(BENCH_ARGS)

# The dbt docs site (every model and column described), served on a free port (DOCS_PORT=8080 to
# choose one): dbt's index.html loads its catalog over HTTP, so opened as a file it shows nothing.
DOCS_PORT ?=
# a folder of its own: the pipeline's parse in target/ stays as the runs left it
DOCS_TARGET := target/docs-site
docs: install
	cd dbt_project && WAREHOUSE_PATH="$${WAREHOUSE_PATH:-$(CURDIR)/data/warehouse.duckdb}" ../$(BIN)/dbt docs generate --quiet --target-path $(DOCS_TARGET)
	@port="$(DOCS_PORT)"; \
	if [ -z "$$port" ]; then port=$$($(BIN)/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); fi; \
	echo "dbt docs: http://127.0.0.1:$$port (Ctrl-C stops the server)"; \
	cd dbt_project && exec ../$(BIN)/dbt docs serve --host 127.0.0.1 --port "$$port" --no-browser --target-path $(DOCS_TARGET)

clean:
	rm -rf $(VENV) $(COMPAT) $(LAKE) .dagster dbt_project/target dbt_project/logs .pytest_cache test-artifacts
