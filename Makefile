# Newsroom: `make run` serves the demo site, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
EDGE_PORT ?= 6081
STAMP := $(VENV)/.installed
AXE_VERSION := 4.14.1
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js
VNU_VERSION := 26.9.27
VNU := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar
LIGHTHOUSE_VERSION := 13.5.0
LIGHTHOUSE := $(VENV)/lighthouse/node_modules/.bin/lighthouse

.DEFAULT_GOAL := help
BANDIT_TARGETS := accounts articles blogger comments followers newsroom pagecache $(wildcard twofactor)

.PHONY: help install run test lint format check migrations-check security security-baseline serve serve-edge bench bench-pages bench-load bench-lighthouse backup clean

help:
	@echo "make run    set up and serve the demo site on http://$(HOST):$(PORT)"
	@echo "make test   set up and run the whole test suite"
	@echo "make serve  production server (gunicorn) - needs DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS"
	@echo "make serve-edge  the same behind Varnish on 127.0.0.1:$(EDGE_PORT) (deploy/varnish/newsroom.vcl)"
	@echo "make lint / format / check / security / migrations-check / bench / bench-pages / bench-load / bench-lighthouse / backup / clean"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 12) else "Newsroom needs Python 3.12 or newer; found %d.%d. Install Python 3.13 (see .python-version) or run: make PYTHON=/path/to/python3.13 ..." % v[:2])'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt requirements-s3.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@# axe-core for the accessibility browser tests (tests/browser/test_accessibility.py).
	@[ -f $(AXE) ] || npm install --silent --prefix $(VENV)/axe axe-core@$(AXE_VERSION) \
		|| echo "!! npm could not install axe-core; the accessibility tests will be skipped"
	@# The Nu HTML Checker for tests/browser/test_html_validity.py; vnu.jar runs on the
	@# system Java 17 (--ignore-scripts: no postinstall fetching a Java runtime of its own).
	@[ -f $(VNU) ] || npm install --silent --ignore-scripts --prefix $(VENV)/vnu vnu-jar@$(VNU_VERSION) \
		|| echo "!! npm could not install vnu-jar; the HTML validity tests will be skipped"
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py loaddemo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python manage.py check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	$(BIN)/python manage.py check
	DJANGO_SECRET_KEY=check-only-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH DJANGO_ALLOWED_HOSTS=example.com DJANGO_SETTINGS_MODULE=newsroom.settings.production $(BIN)/python manage.py check --deploy --fail-level WARNING

# bandit at medium severity and up; findings reviewed in docs/security.md are in
# the baseline, so only a new finding fails.
security: install
	$(BIN)/bandit -q -r $(BANDIT_TARGETS) -x '*/migrations/*' -ll -b .ci/bandit-baseline.json

security-baseline: install
	$(BIN)/bandit -q -r $(BANDIT_TARGETS) -x '*/migrations/*' -ll -f json -o .ci/bandit-baseline.json || true

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

serve: install
	DJANGO_SETTINGS_MODULE=newsroom.settings.production $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_SETTINGS_MODULE=newsroom.settings.production $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=newsroom.settings.production $(BIN)/gunicorn --config deploy/gunicorn.conf.py --bind $(HOST):$(PORT)

# gunicorn on $(PORT) behind Varnish on 127.0.0.1:$(EDGE_PORT), purged by the app
# (docs/production.md, "The edge cache"); Ctrl-C stops both.
serve-edge: install
	DJANGO_SETTINGS_MODULE=newsroom.settings.production $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_SETTINGS_MODULE=newsroom.settings.production $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=newsroom.settings.production $(BIN)/python deploy/serve_edge.py --port $(EDGE_PORT) --app-port $(PORT)

bench: install
	$(BIN)/python bench/thumbnails.py

# Page speed (wrk, 3 x 15 s per page) and a 60 s mixed load; see bench/README.md.
bench-pages: install
	$(BIN)/python bench/pages.py

bench-load: install
	$(BIN)/python bench/load.py

# Lighthouse on the reader pages (Chromium at /usr/bin/chromium); see bench/README.md.
bench-lighthouse: install
	@[ -f $(LIGHTHOUSE) ] || npm install --silent --prefix $(VENV)/lighthouse lighthouse@$(LIGHTHOUSE_VERSION)
	$(BIN)/python bench/lighthouse.py

# A consistent snapshot of the database and media: make backup FILE=site.tar
backup: install
	$(BIN)/python manage.py backup $(FILE)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
