# permitclock: every set-up step lives here, so a fresh clone needs only `make demo` and `make test`.
# Python 3.12, the Lambda runtime: python3.12 on PATH, else pyenv's (infra/find-python.sh).
# `make test PYTHON=python3.11` builds the development environment on 3.11 instead.
PYTHON ?= $(shell infra/find-python.sh 3.12)
VENV   := .venv
BIN    := $(VENV)/bin
TOOLS  := .tools
UV     := $(TOOLS)/uv/bin/uv
export UV_PYTHON_DOWNLOADS := never

.PHONY: install lock upgrade test lint unit demo bench load faults fuzz system-deps clean

# uv itself, pinned with hashes in tools/uv.txt, in its own virtual environment.
$(UV): tools/uv.txt
	@test -n "$(PYTHON)" || { echo "make: no Python 3.12 found (install python3.12 or pyenv 3.12, or set PYTHON=)" >&2; exit 1; }
	rm -rf $(TOOLS)/uv
	$(PYTHON) -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/pip install -qq --require-hashes --no-deps -r tools/uv.txt
	touch $@

## The development environment, exactly as uv.lock pins it (the layer is built from the same lock).
install: $(UV)
	@$(UV) sync --locked --extra dev --python $(PYTHON) --quiet || { echo "make install: failed; if uv says \
	the lockfile needs to be updated, pyproject.toml changed: run 'make lock' and commit uv.lock" >&2; exit 1; }

## Re-lock after changing dependencies in pyproject.toml (other pins are kept); commit what it changes:
## uv.lock, layers/permitclock/requirements.txt (its runtime part, with hashes: what `sam build` installs) and
## tools/*.txt (the tools `make` installs, each in its own environment under .tools/).
lock: $(UV)
	$(UV) lock --python $(PYTHON) $(LOCK_ARGS)
	@{ echo "# Generated from uv.lock by 'make lock': the runtime dependencies only, with hashes. Do not edit."; \
	   $(UV) export --frozen --no-dev --no-emit-project --no-header --format requirements-txt; \
	 } > layers/permitclock/requirements.txt
	$(call tool-lock,uv)

## `make lock`, moving every pin to the newest release pyproject.toml and tools/*.in allow.
upgrade:
	$(MAKE) --no-print-directory lock LOCK_ARGS=--upgrade

tool-lock = $(UV) pip compile tools/$(1).in --universal --generate-hashes --python-version 3.12 $(LOCK_ARGS) \
	--custom-compile-command "make lock" --quiet -o tools/$(1).txt

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
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .hypothesis out
