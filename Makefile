# The project's interface. `make run` and `make test` work on a fresh machine: they build .venv first.
# Python 3.12 is the Lambda runtime; use it when pyenv has it, else the machine's python3.
PYTHON ?= $(shell PYENV_VERSION=3.12.1 python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PLUGINS := $(sort $(dir $(wildcard plugins/*/pyproject.toml)))
SAM_VENV := .tools/sam
SAM := $(SAM_VENV)/bin/sam
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
STACK ?= koban
WEB := infrastructure/web
WEB_INSTALLED := $(WEB)/node_modules/.package-lock.json
WEB_BUILT := $(WEB)/dist/.built
WEB_SOURCES := $(WEB)/package.json $(WEB)/build.mjs $(shell find $(WEB)/src -type f 2>/dev/null)

.PHONY: system-packages install web run test test-fast lint format typecheck bench eval audit build deploy openapi clean

$(STAMP): pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[local,dev,assistant,capability]' $(addprefix -e ,$(PLUGINS))
	touch $(STAMP)

# System packages the tests need (Debian): Chromium for the browser tests, Node.js and npm for the web build.
# Only what is missing is installed; as a non-root user through sudo.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

install: $(STAMP)

# The web pages: npm installs the lockfile's exact packages (no install scripts), esbuild bundles each page of
# infrastructure/web/src into infrastructure/web/dist, which the local gateway serves and `make deploy` publishes.
$(WEB_INSTALLED): $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --ignore-scripts

$(WEB_BUILT): $(WEB_INSTALLED) $(WEB_SOURCES)
	cd $(WEB) && npm run --silent build

web: $(WEB_BUILT)

run: $(STAMP) $(WEB_BUILT)
	$(BIN)/koban serve --host $(HOST) --port $(PORT)

# The SAM tool environment is needed by the template tests that run SAM's own transform. `--dist loadgroup` keeps
# the tests marked with one xdist_group on one worker (the browser tier shares one seeded home and one Chromium).
test: system-packages $(STAMP) $(SAM) $(WEB_BUILT)
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests/unit -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared/koban infrastructure/koban_local plugins tests
	for function in functions/*/; do MYPYPATH=shared:infrastructure:$$function $(BIN)/mypy $$function || exit 1; done
	$(BIN)/cfn-lint template.yaml

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m koban_local.bench

# The assistant on its held-out set: emergency recall, false emergencies, category and language accuracy.
eval: $(STAMP)
	$(BIN)/python -m koban_local.assistant_eval

# Known vulnerabilities in the Python environment, the Lambda requirements files and the web lockfile, against
# infrastructure/audit-allowlist.toml. Exits 1 for an unaddressed one; where the advisory services cannot be asked, it
# says loudly that the check did not run and exits 0 (see the README's "Supply chain").
audit: $(STAMP)
	$(BIN)/python -m koban_local.supply_chain

openapi: $(STAMP)
	$(BIN)/koban openapi --write functions/docs/openapi.json
	$(BIN)/python -m koban.app_config.json_schema --write functions/app_config/app-config.schema.json

# The SAM CLI pins pydantic and boto3 differently from the project: it lives in its own environment.
$(SAM):
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli==1.170.0

build: $(SAM)
	$(SAM) build --template-file template.yaml

deploy: build $(WEB_BUILT)
	$(SAM) deploy --guided --stack-name $(STACK)
	$(BIN)/python -m koban_local.publish_web --stack-name $(STACK)

clean:
	rm -rf $(VENV) .tools .aws-sam .pytest_cache .mypy_cache .ruff_cache $(WEB)/node_modules $(WEB)/dist
