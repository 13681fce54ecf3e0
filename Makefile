# Zongguan: `make run` starts the whole platform, `make test` runs every test. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
NPM ?= npm
WEB := web
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install chromium pgbouncer nginx composecheck helm run infra test lint format unit integration e2e dataset contracts policy redrive chaos bench clean

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 ($(PYTHON)) is needed"; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml $(wildcard */pyproject.toml */*/pyproject.toml)
	$(UV) sync --frozen --all-packages
	@touch $@

# the browser assets the gateway serves (no CDN), from package-lock.json; no install scripts
$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "Node.js and npm are needed (web assets)"; exit 1; }
	$(NPM) ci --prefix $(WEB) --ignore-scripts --no-audit --no-fund
	@touch $@

install: $(VENV)/.synced $(WEB)/node_modules/.installed ## install Python 3.11 packages from uv.lock into .venv, and the web assets from web/package-lock.json

# Debian's packages some tests need, installed when missing: the browser of the end-to-end
# tests (Playwright drives it; it downloads no browser of its own), the connection pooler and
# the front proxy
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
define apt_install
@command -v $(1) >/dev/null || [ -x /usr/sbin/$(1) ] || { echo "installing Debian's $(1) ($(2))"; \
  $(SUDO) apt-get install -y -q $(1) >/dev/null || { $(SUDO) apt-get update -q >/dev/null \
  && $(SUDO) apt-get install -y -q $(1) >/dev/null; }; }
endef
chromium: ## install Debian's chromium for the browser tests when missing
	$(call apt_install,chromium,browser tests)
pgbouncer: ## install Debian's PgBouncer for the pooler test when missing
	$(call apt_install,pgbouncer,the pooler test)
nginx: ## install Debian's nginx for the front proxy's test when missing
	$(call apt_install,nginx,the front proxy's test)

# deploy/compose.yaml loaded as Docker Compose v2 loads it (compose-spec/compose-go, from the
# Go module proxy on the first build), for the test that validates it; no Docker needed
COMPOSECHECK := $(TOOLS)/bin/composecheck
$(COMPOSECHECK): $(wildcard deploy/tools/composecheck/*.go deploy/tools/composecheck/go.*)
	@command -v go >/dev/null || { echo "Go is needed to build the compose checker"; exit 1; }
	cd deploy/tools/composecheck && go build -o $(abspath $(COMPOSECHECK)) .
composecheck: $(COMPOSECHECK) ## build the compose file's checker (.tools/bin/composecheck)

# Helm v4 from the Go module proxy (the first build takes minutes), for rendering the chart
HELM_VERSION := v4.3.2
HELM := $(TOOLS)/helm-$(HELM_VERSION)/helm
$(HELM):
	@command -v go >/dev/null || { echo "Go is needed to build helm"; exit 1; }
	GOBIN=$(abspath $(TOOLS)/helm-$(HELM_VERSION)) go install helm.sh/helm/v4/cmd/helm@$(HELM_VERSION)
helm: $(HELM) ## build helm into .tools/helm-<version> (renders deploy/helm/zongguan in the tests)

run: install ## start PostgreSQL, Kafka, every service and the gateway; Ctrl-C stops everything
	$(PY) -m zg_local run

infra: install ## start only PostgreSQL and Kafka (for running services by hand)
	$(PY) -m zg_local infra

test: install chromium pgbouncer nginx composecheck helm lint ## lint, then unit, integration and end-to-end tests on a real PostgreSQL and Kafka
	$(PY) -m pytest tests

# their own database, broker and two replicas of the platform (ports 10000-10105, 17432, 21092)
chaos: install ## fault tests under load: kill -9 each service, broker away 60 s, PostgreSQL restarts, a power cut
	timeout 1200 $(PY) -m pytest tests/chaos -m chaos -p no:cacheprovider -rP

unit: install ## unit tests only (no I/O)
	$(PY) -m pytest tests/unit

integration: install pgbouncer nginx composecheck helm ## integration tests (real PostgreSQL and Kafka)
	$(PY) -m pytest tests/integration

e2e: install chromium ## end-to-end tests through the gateway (and in Chromium)
	$(PY) -m pytest tests/e2e

lint: install ## ruff (lint and format check) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy libs/common/src gateway/src services/*/src deploy/local/src tests

format: install ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

dataset: install ## regenerate the default data set in deploy/data/fangxing
	$(PY) -m zg_local dataset

bench: install ## benchmarks (not tests): print throughput and latency ratios
	$(PY) bench/intake_throughput.py

clean: ## remove local state (.data): databases, broker logs, test folders
	rm -rf .data

contracts: install ## regenerate docs/asyncapi.json from the event contracts
	$(PY) -m zg_common.contracts.asyncapi > docs/asyncapi.json

redrive: install ## send dead-lettered events back once their cause is fixed (LIST=1: only list; TOPICS="a b": only these)
	$(PY) -m zg_common.redrive $(if $(LIST),--list) $(TOPICS)

policy: install ## regenerate the route -> operation table the gateway checks (from the services' routes)
	$(PY) -m tests.policy_routes > libs/common/src/zg_common/policy/routes.json
