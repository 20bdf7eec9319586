# Self-bootstrapping: every target creates .venv and installs the project on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-dates js lint typecheck architecture format schema bench bench-quick demo clean

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

# The whole suite again at instants where dates are hard, under libfaketime (its clock runs on
# from the instant given, for pytest and every process it starts, children included): New Year
# already in Auckland and not yet in Los Angeles, the last minutes of a 29 February, the hour
# before Europe's spring change. The PostgreSQL, Redis and NATS servers the tests start keep the
# real clock (tests/support.py: real_clock_env), as the machine's own servers do.
DATE_INSTANTS := 2027-01-01T00:05:00 2028-02-29T23:50:00 2027-03-28T00:59:00

test-dates: $(STAMP) $(JS_STAMP)
	@command -v faketime >/dev/null || { echo "faketime is missing: apt-get install faketime"; exit 1; }
	@for at in $(DATE_INSTANTS); do \
		echo "== the suite at $$at UTC (libfaketime)"; \
		TZ=UTC FAKETIME_DONT_RESET=1 faketime -f "@$$(echo $$at | tr T ' ')" \
			$(BIN)/pytest -q -p no:cacheprovider || exit 1; \
	done

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

# Every benchmark in turn (bench/all.py), then one table of bench/results/*.json, written also
# into docs/benchmarks.md (Latest results, bench/docs.py); needs wrk.
bench: $(STAMP)
	$(BIN)/python -m bench.all

# Under a minute on small data: prints its table, fails only on errors or growing statements.
bench-quick: $(STAMP)
	$(BIN)/python -m bench.quick

clean:
	rm -rf $(VENV) gateway.db gateway.db-wal gateway.db-shm
