# EduAI: `make run` installs everything and starts the app; `make test` installs and runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
EDUAI_PORT ?= 8000
export TF_USE_LEGACY_KERAS := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: run test bench bench-train bench-labels install models messages clean

install: $(VENV)/.installed static/vendor/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Front-end libraries are served from our own static files: the app works offline.
static/vendor/.installed: node_modules/.installed
	rm -rf static/vendor && mkdir -p static/vendor/bootstrap static/vendor/chartjs
	cp -r node_modules/bootstrap/dist/css node_modules/bootstrap/dist/js static/vendor/bootstrap/
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chartjs/
	mkdir -p static/vendor/onnxruntime-web
	cp node_modules/onnxruntime-web/dist/ort.wasm.min.js node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs \
		node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm static/vendor/onnxruntime-web/
	touch $@

models: install
	$(MANAGE) prepare_models --artifacts-only

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) create_demo_accounts
	$(MANAGE) prepare_models
	$(MANAGE) load_course
	$(MANAGE) collectstatic --noinput --verbosity 0
	@echo "EduAI: http://127.0.0.1:$(EDUAI_PORT)/  (Ctrl-C stops the web server and the worker)"
	@$(VENV)/bin/celery -A eduai worker --loglevel=warning --concurrency=1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver --noreload 127.0.0.1:$(EDUAI_PORT)

test: install models
	$(PY) -m pytest

bench: install models
	$(PY) -m bench.analyze
	$(PY) -m bench.lessons
	$(PY) -m bench.inside
	$(PY) -m bench.time_machine
	$(PY) -m bench.edge

bench-train: install models
	$(PY) -m bench.train

bench-labels: install models
	$(PY) -m bench.learning_curve

# Regenerate the translation catalogues after changing user-visible strings (needs GNU gettext).
messages: install
	$(MANAGE) makemessages --locale es --locale en --ignore ".venv/*" --ignore "node_modules/*" --ignore "var/*"
	$(MANAGE) compilemessages --ignore ".venv/*" --ignore "node_modules/*"

clean:
	rm -rf $(VENV) node_modules static/vendor
