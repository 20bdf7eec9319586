# Self-bootstrapping: every target creates .venv and installs the project on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test js lint typecheck architecture format schema bench bench-quick demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/usage-gateway migrate
	$(BIN)/usage-gateway demo --if-empty
	# People at a terminal read console lines; servers keep the JSON default.
	GATEWAY_LOG_FORMAT=$${GATEWAY_LOG_FORMAT:-console} $(BIN)/usage-gateway serve

# The npm package of the conformance tests (graphql-http, graphql-schema-linter, Apollo Client);
# node_modules is rebuilt from the committed lock file whenever it changes.
JS_STAMP := tests/js/node_modules/.installed

$(JS_STAMP): tests/js/package.json tests/js/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/js --no-audit --no-fund && touch $(JS_STAMP); \
	else \
		echo "npm not found: the JavaScript conformance tests will be skipped"; \
	fi

js: $(JS_STAMP)

test: $(STAMP) $(JS_STAMP) lint typecheck architecture
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check gateway resolvers loaders tests bench examples
	$(BIN)/ruff format --check gateway resolvers loaders tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy

# The layers and rules of the house, declared in pyproject.toml ([tool.importlinter]).
architecture: $(STAMP)
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix gateway resolvers loaders tests bench examples
	$(BIN)/ruff format gateway resolvers loaders tests bench examples

schema: $(STAMP)
	$(BIN)/usage-gateway export-schema > schema.graphql

demo: $(STAMP)
	$(BIN)/usage-gateway demo

# Every benchmark in turn (bench/all.py), then one table of bench/results/*.json; needs wrk.
bench: $(STAMP)
	$(BIN)/python -m bench.all

# Under a minute on small data: prints its table, fails only on errors or growing statements.
bench-quick: $(STAMP)
	$(BIN)/python -m bench.quick

clean:
	rm -rf $(VENV) gateway.db gateway.db-wal gateway.db-shm
