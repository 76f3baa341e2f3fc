# JMC: `make run` starts the product on the embedded local stack; `make test` runs every test.
# Both create the virtualenv and install what they need by themselves.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast bench lint package clean portal portal-test

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

# The portal (web/): npm ci from the committed lockfile when it changes, a build when its
# sources change. Node 20 and npm come from the machine.
WEB_STAMP   := web/node_modules/.installed
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json

$(WEB_STAMP): web/package.json web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Node 20 with npm is required to build the portal"; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $(WEB_STAMP)

web/dist/index.html: $(WEB_STAMP) $(WEB_SOURCES)
	cd web && npm run build --silent

portal: web/dist/index.html

# The portal's own logic (segments, money, zones, API helpers) under vitest; the build above
# type-checks every page (tsc --noEmit).
portal-test: portal
	cd web && npm test --silent

run: $(STAMP) portal
	$(PY) -m devstack

# ruff (style, imports, complexity) and mypy (types; strict for domain/, store/, files/),
# configured in pyproject.toml. `make test` runs them first: CI enforces them.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: lint portal-test
	$(PY) -m pytest -q

test-fast: lint
	$(PY) -m pytest -q -m "not e2e and not slow"

bench: $(STAMP)
	$(PY) bench/run_all.py

package: $(STAMP)
	$(VENV)/bin/chalice package --stage dev build/package

clean:
	rm -rf $(VENV) build .pytest_cache web/node_modules web/dist
