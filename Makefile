# permitclock: every set-up step lives here, so a fresh clone needs only `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install test lint unit demo bench load faults fuzz system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## System packages from Debian used by tests and benchmarks (headless Chromium, qpdf); skipped where absent.
system-deps:
	@infra/system-packages.sh chromium qpdf

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/cfn-lint template.yaml

test: install system-deps lint
	$(BIN)/pytest -n 2 --dist loadfile

demo: install
	$(BIN)/python -m infra.demo

bench: install system-deps
	$(BIN)/python -m bench

## Every fault scenario of tests/faults/scenarios.py on a fresh local stack; prints pipeline x fault -> outcome.
faults: install
	$(BIN)/python -m bench.faults

## Load on the local stack (bench/load.py): 50,000 facilities, 500 concurrent API requests, 10,000 uploads.
## LOAD_ARGS='--scale 0.1' for a smaller run.
load: install
	$(BIN)/python -m bench.load $(LOAD_ARGS)

## Time-boxed fuzzing of every hostile-input property (tests/fuzz/properties.py); FUZZ_SECONDS=600 by default.
fuzz: install
	FUZZ_SECONDS=$${FUZZ_SECONDS:-600} $(BIN)/python -m bench.fuzz

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis out
