# onefold: `make demo` runs it, `make test` checks it. Everything installs into .venv.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)
DEMO_DIR ?= demo-data
DEMO_CUSTOMERS ?= 20000
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test test-fast bench bench-peers lint clean node-sdk

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@command -v uv >/dev/null 2>&1 || $(PY) -m pip install -q uv==0.13.8
	@test -x $(BIN)/python || uv venv -q $(VENV) --python $(PY)
	uv pip install -q --python $(BIN)/python -r requirements.lock
	uv pip install -q --python $(BIN)/python --no-deps -e .
	@# Precompile: with PYTHONDONTWRITEBYTECODE set (as on these machines) every CLI start would
	@# otherwise recompile pandas, scipy and friends from source. A file that fails is only slower.
	-@$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null 2>&1
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: install
	ONEFOLD_HOME=$(DEMO_DIR)/workspace DEMO_DIR=$(DEMO_DIR) DEMO_CUSTOMERS=$(DEMO_CUSTOMERS) \
		HOST=$(HOST) PORT=$(PORT) $(BIN)/python examples/demo.py

test: install node-sdk
	$(BIN)/ruff check src tests bench examples
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q --durations=15

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

# The official Node SDK for tests/api/test_node_sdk.py, pinned by its package-lock.json.
node-sdk:
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund --prefix tests/api/node; \
	else echo "npm not found: the @segment/analytics-node test will be skipped"; fi

bench: install
	$(BIN)/python bench/run_all.py

# Optional peers for bench/value.py that must not share onefold's environment (PyMC-Marketing pulls
# PyMC, PyTensor and compiles C at run time); pinned in bench/peers/requirements.txt.
bench-peers: install
	@test -x .venv-peers/bin/python || uv venv -q .venv-peers --python $(PY)
	uv pip install -q --python .venv-peers/bin/python -r bench/peers/requirements.txt

clean:
	rm -rf $(VENV) .venv-peers .pytest_cache .ruff_cache
