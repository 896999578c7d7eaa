# Set-up, run and test. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app survey
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_RESPONSES ?= 20000

.PHONY: run test setup assets instance lint browser-deps clean

run: setup instance
	@echo "The survey is at http://$(HOST):$(PORT)$$(cat instance/demo-link.txt)"
	@echo "Staff log in at http://$(HOST):$(PORT)/staff/login as admin@example.org,"
	@echo "password in instance/demo-admin.txt. Ctrl+C stops the server."
	@# Upgrades an existing database's schema; safe to run again.
	$(FLASK) init-db
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) --config gunicorn.conf.py 'survey:create_app()'

test: setup browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

setup: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed
	node build-assets.mjs

# The secret key is made once, here, and never committed; the database gets the schema,
# demo data and one open link the first time.
instance: instance/config.py instance/survey.db

instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@
	@# make run serves plain http on this machine: the staff cookie cannot be Secure.
	echo "SESSION_COOKIE_SECURE = False  # local development over http only" >> $@

instance/survey.db: instance/config.py
	$(FLASK) init-db
	$(FLASK) demo-data --responses $(DEMO_RESPONSES) --seed 1
	$(FLASK) create-link "Demonstration link" --channel demo > instance/demo-link.txt
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(12))" > instance/demo-admin.txt
	$(FLASK) create-user admin@example.org --role admin --password "$$(cat instance/demo-admin.txt)"

# Browser tests drive Debian's Chromium; a test tool's own browser download fails here.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

clean:
	rm -rf $(VENV) node_modules survey/static
