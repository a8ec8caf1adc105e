# One entry to every routine task. Each target works on a fresh machine that has only python3.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot run

lint: $(STAMP)
	$(VENV)/bin/ruff check bot handlers sandbox tests benchmarks
	$(VENV)/bin/mypy bot handlers

test: lint
	$(VENV)/bin/pytest -q -n 4

bench: $(STAMP)
	$(PY) -m benchmarks
	RAMP_BOT_LONG=1 $(VENV)/bin/pytest -q -n 2 -m reliability tests/reliability

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
