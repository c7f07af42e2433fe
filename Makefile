# geoaq: `make run` sets everything up and opens the app on the demo data;
# `make test` sets up and runs the whole test suite (CI runs exactly this).

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DB     ?= data/geoaq.duckdb
PORT   ?= 8501
SUDO    = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup setup-dev assets chromium postgresql demo lint bench clean

# Headless, so Streamlit never stops to ask for an e-mail address; the browser is opened
# here instead when there is a desktop to open it on.
run: setup assets $(DB)
	@echo "geoaq is starting at http://localhost:$(PORT)"
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		(sleep 4; $(BIN)/python -m webbrowser -t http://localhost:$(PORT) >/dev/null 2>&1) & fi
	$(BIN)/python -m geoaq.service --server.port $(PORT) --server.headless true

test: setup-dev assets chromium postgresql
	$(BIN)/ruff check geoaq tests bench app.py app_pages
	$(BIN)/lint-imports
	$(BIN)/pytest -n auto --dist loadfile

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Leaflet & co. from pinned npm packages, served by Streamlit from ./static (never a CDN).
assets: static/vendor/.installed
static/vendor/.installed: package.json package-lock.json $(VENV)/.runtime geoaq/web/assets.py $(wildcard geoaq/web/client/*.js)
	npm ci --no-audit --no-fund --ignore-scripts
	$(BIN)/python -m geoaq.web.assets
	touch $@

# Debian's chromium for the real-browser tests (Playwright drives it; no browser download),
# with a CJK font so screenshots show the Chinese labels.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; } || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

# Debian's PostgreSQL for the DuckLake tests: the tests start their own server on a loopback
# port in a temporary folder (never the system's service).
postgresql:
	@{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# The demo database is built from data/demo/ when missing; `make demo` rebuilds it.
$(DB): | $(VENV)/.runtime
	$(BIN)/geoaq demo --db $(DB)

demo: setup
	$(BIN)/geoaq demo --db $(DB)

lint: setup-dev
	$(BIN)/ruff check geoaq tests bench app.py app_pages
	$(BIN)/lint-imports

bench: setup-dev
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/fires.py
	$(BIN)/python bench/aq.py
	$(BIN)/python bench/routes.py
	$(BIN)/python bench/app.py
	$(BIN)/python bench/serve.py

clean:
	rm -rf $(VENV) node_modules static/vendor test-output .pytest_cache .ruff_cache
