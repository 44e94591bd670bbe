# Pantau: two commands do all set-up.
#   make run    install, build the default model if missing, ingest the sample corpus on
#               first start and serve http://127.0.0.1:7860
#   make test   install (with the test and LLM-test extras) and run the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pantau-installed
LLM_STAMP := $(VENV)/.pantau-llm-installed

.PHONY: setup setup-llm run test test-fast clean

setup: $(STAMP)

# Re-install only when the dependency list changes; `make setup` is idempotent and cheap.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: the local CPU build, never a multi-GB CUDA download.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# The LLM backends and the real llama.cpp server used by the tests. llama-cpp-python has
# no wheel on PyPI: it compiles from source (about 9 minutes on 2 cores, once). Portable
# build flags so the result runs on any x86-64 machine with AVX2.
setup-llm: $(LLM_STAMP)

$(LLM_STAMP): pyproject.toml $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
		$(BIN)/python -m pip install --quiet -e ".[test,llm]"
	$(BIN)/python scripts/llm_test_model.py
	touch $(LLM_STAMP)

run: setup
	$(BIN)/pantau serve

test: setup setup-llm
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not integration and not browser"

clean:
	rm -rf $(VENV) var
