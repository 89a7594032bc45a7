# permitclock: every set-up step lives here, so a fresh clone needs only `make demo` and `make test`.
# Python 3.12, the Lambda runtime: python3.12 on PATH, else pyenv's (infra/find-python.sh). `sam build` always
# uses it; `make test PYTHON=python3.11` builds the development environment on 3.11 instead.
LAMBDA_PYTHON := $(shell infra/find-python.sh 3.12)
PYTHON ?= $(LAMBDA_PYTHON)
VENV   := .venv
BIN    := $(VENV)/bin
TOOLS  := .tools
UV     := $(TOOLS)/uv/bin/uv
SAM    := $(TOOLS)/sam/bin/sam
# `sam build`'s output, and a stamp named after the hash of its inputs (infra/build-inputs.sh).
BUILD_STAMP := .aws-sam/.built-$(shell infra/build-inputs.sh)
export UV_PYTHON_DOWNLOADS := never
export SAM_CLI_TELEMETRY := 0

.PHONY: install lock upgrade test lint unit build deploy demo serve bench load faults fuzz system-deps clean

no-python = { echo "make: no Python 3.12 found (install python3.12 or pyenv's 3.12, or set PYTHON=)" >&2; exit 1; }

# uv itself, pinned with hashes in tools/uv.txt, in its own virtual environment.
$(UV): tools/uv.txt
	@test -n "$(PYTHON)" || $(no-python)
	rm -rf $(TOOLS)/uv
	$(PYTHON) -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/pip install -qq --require-hashes --no-deps -r tools/uv.txt
	touch $@

# The AWS SAM CLI, pinned with hashes in tools/sam.txt, in its own environment: its pins (boto3 among them)
# clash with the project's.
$(SAM): tools/sam.txt | $(UV)
	@test -n "$(LAMBDA_PYTHON)" || $(no-python)
	rm -rf $(TOOLS)/sam
	$(UV) venv --quiet $(TOOLS)/sam --python $(LAMBDA_PYTHON)
	$(UV) pip install --quiet --python $(TOOLS)/sam/bin/python --require-hashes --no-deps -r tools/sam.txt
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
	$(call tool-lock,sam)

## `make lock`, moving every pin to the newest release pyproject.toml and tools/*.in allow.
upgrade:
	$(MAKE) --no-print-directory lock LOCK_ARGS=--upgrade

# tools/NAME.txt from tools/NAME.in, keeping its other pins, replaced only when it changed (no needless reinstall).
tool-lock = { cp tools/$(1).txt tools/$(1).txt.new 2>/dev/null || true; } && \
	$(UV) pip compile tools/$(1).in --universal --generate-hashes --python-version 3.12 $(LOCK_ARGS) \
	--custom-compile-command "make lock" --quiet -o tools/$(1).txt.new && \
	{ cmp -s tools/$(1).txt.new tools/$(1).txt && rm tools/$(1).txt.new || mv tools/$(1).txt.new tools/$(1).txt; }

## System packages from Debian used by tests and benchmarks (headless Chromium, qpdf); skipped where absent.
system-deps:
	@infra/system-packages.sh chromium qpdf

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/cfn-lint template.yaml

test: install system-deps lint build
	$(BIN)/pytest -n 2 --dist loadfile

## `sam build` into .aws-sam/build (functions and the layer, from layers/permitclock/requirements.txt), without
## Docker: python3.12 on PATH. Runs again only when its inputs changed (BUILD_STAMP).
build: $(BUILD_STAMP)

$(BUILD_STAMP): $(SAM)
	rm -f .aws-sam/.built-*
	PATH="$(dir $(LAMBDA_PYTHON)):$$PATH" $(SAM) build --parallel --cached
	touch $@

## Deploy the build to the account and region of your AWS credentials: `sam deploy --guided` the first time (it
## writes samconfig.toml), `sam deploy` after. DEPLOY_ARGS='--parameter-overrides ...' passes more.
deploy: build
	$(SAM) deploy $(if $(wildcard samconfig.toml),,--guided) $(DEPLOY_ARGS)

demo: install
	$(BIN)/python -m infra.demo

## The whole stack on localhost until Ctrl-C (docs/cli.md, `permitclock serve`): the HTTP API on :3000 with JWTs
## from `permitclock token`, the AWS endpoint on :4566, the pollers running, emails to out/outbox/.
serve: install
	$(BIN)/permitclock serve

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
	rm -rf $(VENV) $(TOOLS) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis out
