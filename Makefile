# JMC: `make run` starts the product on the embedded local stack; `make test` runs every test.
# Both create the virtualenv and install what they need by themselves.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast bench lint package clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m devstack

# ruff (style, imports, complexity) and mypy (types; strict for domain/, store/, files/),
# configured in pyproject.toml. `make test` runs them first: CI enforces them.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: lint
	$(PY) -m pytest -q

test-fast: lint
	$(PY) -m pytest -q -m "not e2e and not slow"

bench: $(STAMP)
	$(PY) bench/run_all.py

package: $(STAMP)
	$(VENV)/bin/chalice package --stage dev build/package

clean:
	rm -rf $(VENV) build .pytest_cache
