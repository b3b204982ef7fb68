# One verb per gate. `make replay` and `make test` are the README's quick start:
# each sets up what it needs on a fresh machine (a venv at .venv, the pinned CDK CLI).

VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.setup-done
EVENT   ?= events/service-down.sns.alarm.json
# CONFIG=path: your services, thresholds and people (default: $RESPONDER_CONFIG, else responder.config.json)
CONFIG  ?=
CDK_CONFIG    := $(if $(CONFIG),-c config=$(CONFIG))
CONFIG_OPTION := $(if $(CONFIG),--config $(CONFIG))
CHROMIUM := /usr/bin/chromium
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The CDK CLI makes no network attempt: no telemetry, no notices, no version check.
# cdk.json runs `python3 app.py`: the venv comes first on PATH so that is the project's Python.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 18,20
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: setup lambda-python chromium java replay test test-fast test-infra test-deploy-local lint synth deploy deploy-local bench screenshots clean

setup: $(STAMP)

# CPython of the Lambda runtime's version, which writes the asset's byte-code (infra/lambda_python.py):
# a python3.13 on PATH, else Debian 13's unpacked under .cache/ (nothing installed on the system).
# What builds the asset needs it (synth, deploy, the tests, the benchmarks); the replay does not.
lambda-python: $(STAMP)
	@$(PY) -m infra.lambda_python

# The status page's browser tests drive Debian's chromium (Playwright never downloads a browser here).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "installing Debian's chromium for the status page browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; \
	fi

$(STAMP): pyproject.toml $(wildcard package.json package-lock.json)
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; fi
	$(PY) -m infra.wheelhouse  # the Lambda's runtime wheels, so synth needs no network
	touch $@

replay: setup  ## set up, then replay a P0 "no healthy targets" alarm through the real handlers
	$(VENV)/bin/responder replay $(CONFIG_OPTION) $(EVENT)

# Two workers, one per core of the design card's machine; a file's tests stay on one worker, so its
# module fixtures (one replay of every sample for the IAM check, one synth) are built once.
test: setup chromium lambda-python  ## set up, then run the whole test suite (the status page's browser tests need chromium)
	$(VENV)/bin/pytest -n 2 --dist loadfile

test-fast: setup  ## unit tests only
	$(VENV)/bin/pytest tests/unit -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy functions local infra app.py

test-infra: setup lambda-python
	$(VENV)/bin/pytest tests/infra -m "not slow"

synth: setup lambda-python  ## the CloudFormation template in cdk.out/ (bundles the Lambda code with pip: needs PyPI)
	$(PY) -m infra.preflight $(CONFIG_OPTION)
	npx --no-install cdk synth --quiet $(CDK_CONFIG)

deploy: setup lambda-python  ## to the account in your AWS credentials (see docs/deploy.md)
	$(PY) -m infra.preflight $(CONFIG_OPTION)
	npx --no-install cdk deploy RunbookResponder $(CDK_CONFIG)

deploy-local: setup lambda-python  ## cdk bootstrap + deploy against a local moto server, then publish an alarm into it
	$(PY) -m local.deploy

test-deploy-local: setup lambda-python
	$(VENV)/bin/pytest tests/infra/test_local_deploy.py -m slow

screenshots: setup chromium  ## refresh docs/status-page/*.png from the browser tests (one per state)
	STATUS_PAGE_SCREENSHOTS=docs/status-page $(VENV)/bin/pytest tests/ui -q

# Every benchmark once, one table: each figure beside its reference from the same run (benchmarks/bench.py).
# Each benchmark's JSON is kept in .cache/bench/; `$(PY) benchmarks/bench.py --from .cache/bench` re-tables it.
bench: setup lambda-python java
	$(PY) benchmarks/bench.py --save .cache/bench

# The storm's second backend, AWS's DynamoDB Local (benchmarks/dynamodb_local.py), is a Java program.
java:
	@if ! command -v java >/dev/null; then \
		echo "installing Debian's default-jre-headless for DynamoDB Local (make bench)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq default-jre-headless; \
	fi

clean:
	rm -rf $(VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache
