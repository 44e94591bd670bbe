# Pantau: two commands do all set-up.
#   make run    install, build the default model if missing, ingest the sample corpus on
#               first start and serve http://127.0.0.1:7860
#   make test   install and run the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pantau-installed

.PHONY: setup run test test-fast clean

setup: $(STAMP)

# Re-install only when the dependency list changes; `make setup` is idempotent and cheap.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: the local CPU build, never a multi-GB CUDA download.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: setup
	$(BIN)/pantau serve

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not integration and not browser"

clean:
	rm -rf $(VENV) var
