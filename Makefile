# The two commands of the README: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/mailbox-assistant demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mailbox-assistant kb lint

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks print figures against the issues' bars; they load the machine, so run them alone.
bench: $(STAMP)
	$(BIN)/python bench/kb_accuracy.py
	$(BIN)/python bench/api_load.py
	$(BIN)/python bench/bot_latency.py
	$(BIN)/python bench/fleet.py
	$(BIN)/python bench/hostile_messages.py
	$(BIN)/python bench/outcomes_report.py

clean:
	rm -rf $(VENV) .pytest_cache *.egg-info
