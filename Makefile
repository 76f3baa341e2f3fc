# JMC: `make run` starts the product on the embedded local stack; `make test` runs every test.
# Both create the virtualenv and install what they need by themselves.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast bench lint package clean portal portal-test browser

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

# The browser tests drive Debian's chromium (a test tool's own browser download is not
# available here) with a CJK font for the Chinese pages: installed with apt when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		command -v apt-get >/dev/null 2>&1 || { echo "Install chromium and a CJK font (fonts-wqy-microhei)"; exit 1; }; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-wqy-microhei fontconfig >/dev/null; \
	fi

run: $(STAMP) portal
	$(PY) -m devstack

# ruff (style, imports, complexity) and mypy (types; strict for domain/, store/, files/),
# configured in pyproject.toml. `make test` runs them first: CI enforces them.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: lint portal-test browser
	$(PY) -m pytest -q --durations=15

test-fast: lint
	$(PY) -m pytest -q -m "not e2e and not slow"

bench: $(STAMP) portal browser
	$(PY) bench/run_all.py

package: $(STAMP)
	$(VENV)/bin/chalice package --stage dev build/package

clean:
	rm -rf $(VENV) build .pytest_cache web/node_modules web/dist
