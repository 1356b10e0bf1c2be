# Quick start: `make demo` then `make test`. Both create .venv and install the package first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-ledger bench-verify bench-timeline clean install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/rectify demo --db sqlite:///demo.db --fresh

test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_cycle.py

bench-ledger: $(STAMP)
	$(BIN)/python benchmarks/bench_ledger.py

bench-verify: $(STAMP)
	$(BIN)/python benchmarks/bench_verify.py

bench-timeline: $(STAMP)
	$(BIN)/python benchmarks/bench_timeline.py

clean:
	rm -rf $(VENV) demo.db .pytest_cache .mypy_cache .ruff_cache .hypothesis
