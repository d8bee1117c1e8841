# The two commands of the README, and their parts.
#   make demo   set up everything and serve the demo on http://127.0.0.1:5000
#   make test   install what the tests need and run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: demo test bench venv assets browser system-libs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install -q --upgrade pip

# WeasyPrint (PDF slips) needs Debian's Pango; install it when missing and we are root.
system-libs:
	@ldconfig -p | grep -q libpangoft2-1.0 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; } || \
	  echo "Pango is missing and cannot be installed without root: PDF slips will be unavailable"

venv: $(BIN)/python system-libs
	$(BIN)/pip install -q -e '.[test,bench]'

# bpmn-js (diagram viewer and modeler) from npm, served by the app from web/static/vendor.
VENDOR := web/static/vendor/bpmn-js
assets: $(VENDOR)/bpmn-navigated-viewer.production.min.js

$(VENDOR)/bpmn-navigated-viewer.production.min.js: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to install bpmn-js (Debian: apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)
	cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js \
	   node_modules/bpmn-js/dist/bpmn-modeler.production.min.js $(VENDOR)/
	cp -r node_modules/bpmn-js/dist/assets $(VENDOR)/
	touch $@

demo: venv assets
	$(BIN)/motcua demo --port $(PORT)

# Debian's Chromium drives the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || \
	  echo "chromium is missing and cannot be installed without root: browser tests will be skipped"

test: venv assets browser
	$(BIN)/pytest -q

# Benchmarks B1-B5 on a generated province (1M dossiers, kept in bench/.cache and in a
# PostgreSQL schema between runs); writes bench/results.md. BENCH_ARGS='--dossiers 100000'
# for a smaller province, '--no-pg' without PostgreSQL.
bench: venv
	$(BIN)/python -m bench.run_all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules web/static/vendor
