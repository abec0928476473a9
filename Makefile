# Thin wrappers over the commands of .ci/run and README.md; everything runs from the venv at .venv.
#   make build                     venv + editable install with the test extras (compiles ext/)
#   make rebuild [ONLY=frames,isotime]   rebuild the Cython modules in place after editing ext/
#   make test [ARGS="tests/native -q"]   pytest (the whole suite without ARGS: several minutes)
#   make lint / imports / stubtest       the gates of .ci/run (tools pinned there: make tools)
VENV ?= .venv
PY := $(VENV)/bin/python
# The pinned linters, read from .ci/run so the versions have one home.
TOOLS := $(shell grep -o '"[A-Za-z0-9_.-]*==[0-9.]*"' .ci/run | tr -d '"')
ARGS ?=
ONLY ?=

.PHONY: build rebuild tools test lint imports stubtest check

build:
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -e ".[test]"

rebuild:
	PROJECTX_NATIVE_ONLY=$(ONLY) $(PY) setup.py build_ext --inplace

tools:
	$(PY) -m pip install -q $(TOOLS)

test:
	$(PY) -m pytest $(ARGS)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

imports:
	$(VENV)/bin/lint-imports --no-logo

stubtest:
	$(PY) -m mypy.stubtest projectx._native \
		--mypy-config-file pyproject.toml --allowlist .ci/stubtest-allowlist.txt

# The static gates together (no tests): what to run before pushing.
check: lint imports stubtest
