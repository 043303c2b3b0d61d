# Literasi: `make run` starts the platform, `make test` runs the tests (see README.md).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
export PATH := $(abspath $(VENV))/bin:$(PATH)
export LITERASI_ENV ?= development
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-production lock messages run test lint typecheck wrk bench bench-lesson bench-grading bench-upload bench-certificates bench-verify bench-dashboard bench-export page-weight makemessages

# A development machine (make run, make test) gets requirements-dev.txt: the runtime pins plus
# the tools and test libraries. A production machine gets requirements.txt only
# (make install-production). Both files are locks: edit requirements.in or
# requirements-dev.in, then run make lock.
install: $(VENV)/.installed
	@$(MAKE) --no-print-directory messages
	@mkdir -p var

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install-production:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@$(MAKE) --no-print-directory messages VENV=$(VENV)
	@mkdir -p var

# Regenerate both locks from the .in files (newest versions the constraints allow).
lock:
	$(VENV)/bin/pip-compile --quiet --upgrade --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	$(VENV)/bin/pip-compile --quiet --upgrade --strip-extras --no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in

# Compiled catalogues are built here, with Babel from PyPI (a runtime requirement): no system
# gettext needed.
messages:
	@$(VENV)/bin/pybabel --quiet compile --domain django --directory locale --use-fuzzy

# Extracting strings needs GNU gettext (apt-get install gettext); translators only.
makemessages:
	$(PY) manage.py makemessages --locale id --locale en --ignore '.venv/*' --ignore 'var/*' --no-obsolete

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_content
	$(PY) manage.py seed_demo
	@echo
	@echo "Literasi runs at http://$(HOST):$(PORT)/  (Ctrl-C stops web, worker and scheduler)"
	@echo
	LITERASI_ADDR=$(HOST):$(PORT) SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(VENV)/bin/honcho start --procfile Procfile.dev

test: install
	bin/test

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Type checking with mypy and django-stubs (configuration in pyproject.toml), ratcheted: the error
# count in devtools/mypy-errors.txt may only fall (devtools/typecheck.py).
typecheck: install
	LITERASI_ENV=test $(PY) devtools/typecheck.py

bench: bench-lesson bench-grading bench-upload bench-certificates bench-verify bench-dashboard bench-export page-weight

# The load generator is Debian's wrk, installed here when missing (as .ci/run installs chromium).
wrk:
	@command -v wrk >/dev/null 2>&1 || { echo "--- installing Debian's wrk for the benchmarks"; \
	  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

bench-lesson: install wrk
	$(PY) bench/lesson_page.py

page-weight: install
	$(PY) bench/page_weight.py

bench-grading: install
	$(PY) bench/grading.py

bench-upload: install
	$(PY) bench/uploads.py

bench-certificates: install
	$(PY) bench/certificates.py

bench-verify: install wrk
	$(PY) bench/verify_page.py

bench-dashboard: install
	$(PY) bench/dashboard.py

bench-export: install
	$(PY) bench/records_export.py
