# Self-bootstrapping: every target creates .venv and installs the project on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck architecture format schema bench bench-quick demo clean

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

test: $(STAMP) lint typecheck architecture
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check gateway tests bench examples
	$(BIN)/ruff format --check gateway tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy

# The layers and rules of the house, declared in pyproject.toml ([tool.importlinter]).
architecture: $(STAMP)
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix gateway tests bench examples
	$(BIN)/ruff format gateway tests bench examples

schema: $(STAMP)
	$(BIN)/usage-gateway export-schema > schema.graphql

demo: $(STAMP)
	$(BIN)/usage-gateway demo

bench: $(STAMP)
	$(BIN)/python -m bench.usage_page --engine postgresql
	$(BIN)/python -m bench.consumption_page

# Under a minute on small data: prints its table, fails only on errors or growing statements.
bench-quick: $(STAMP)
	$(BIN)/python -m bench.quick

clean:
	rm -rf $(VENV) gateway.db gateway.db-wal gateway.db-shm
