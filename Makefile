# Set-up, run and test. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app survey
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_RESPONSES ?= 20000

.PHONY: run test setup assets instance demo-contacts local-address lint browser-deps proxy-deps pdf-deps clean \
	messages-extract messages-update messages-compile

run: setup instance
	@echo "The survey is at http://$(HOST):$(PORT)$$(cat instance/demo-link.txt)"
	@echo "Staff log in at http://$(HOST):$(PORT)/staff/login as admin@example.org,"
	@echo "password in instance/demo-admin.txt; the first sign-in sets up an"
	@echo "authenticator app for its codes. Ctrl+C stops the server."
	@# Upgrades an existing database's schema; safe to run again.
	$(FLASK) init-db
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) --config gunicorn.conf.py 'survey:create_app()'

test: setup browser-deps proxy-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

setup: pdf-deps $(VENV)/.installed assets messages-compile

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

# Translations (docs/languages.md). Extract reads what babel.cfg lists: only what
# respondents see. Easy Read is English's "easy" domain (survey/i18n.py). Compiled
# .mo files are built here, at set-up, and never committed.
PYBABEL := $(BIN)/pybabel
messages-extract:
	$(PYBABEL) extract -F babel.cfg -k N_ --no-wrap --sort-by-file \
	  --project "Victim confidence survey" --copyright-holder "" \
	  -o translations/messages.pot .

messages-update: messages-extract
	$(PYBABEL) update -i translations/messages.pot -d translations -D messages --no-wrap --ignore-obsolete
	$(PYBABEL) update -i translations/messages.pot -d translations -D easy --no-wrap --ignore-obsolete

messages-compile:
	$(PYBABEL) compile -d translations -D messages --statistics
	$(PYBABEL) compile -d translations -D easy --statistics

# The secret key is made once, here, and never committed; the database gets the schema,
# demo data and one open link the first time.
instance: instance/config.py demo-contacts local-address instance/survey.db

# The folder and the secrets in it are for this account's eyes only (docs/deploy.md):
# umask 077 makes each file 0600 as it is created, whatever the login's umask.
instance/config.py:
	mkdir -p -m 0700 instance
	chmod 0700 instance
	umask 077 && $(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@
	@# make run serves plain http on this machine: the staff cookie cannot be Secure.
	echo "SESSION_COOKIE_SECURE = False  # local development over http only" >> $@

# The app refuses to start without a local service to name in the help box and an
# accessibility contact; the demonstration gets made-up ones (an Ofcom drama number).
# Added to an older instance/config.py too, never over a deployment's own.
demo-contacts: instance/config.py
	@grep -q '^LOCAL_SERVICE_NAME' instance/config.py || printf '%s\n' \
	  '# Demonstration contacts: a deployment puts its own here.' \
	  'LOCAL_SERVICE_NAME = "Example Support Service (a demonstration, not a real service)"' \
	  'LOCAL_SERVICE_PHONE = "0808 157 0192"' \
	  'LOCAL_SERVICE_HOURS = "Monday to Friday, 9am to 5pm"' \
	  'ACCESSIBILITY_CONTACT = "accessibility@example.org"' >> instance/config.py

# The app refuses to start without the address its hand-out cards print: here, this
# machine's. Added to an older instance/config.py too, never over a deployment's own.
local-address: instance/config.py
	@grep -q '^PUBLIC_BASE_URL' instance/config.py || \
	  echo 'PUBLIC_BASE_URL = "http://$(HOST):$(PORT)"  # local development only' \
	  >> instance/config.py

instance/survey.db: instance/config.py demo-contacts local-address
	$(FLASK) init-db
	$(FLASK) demo-data --responses $(DEMO_RESPONSES) --seed 1
	@# Releases the complete periods and fixes the batches of comments they fill.
	$(FLASK) release
	$(FLASK) create-link "Demonstration link" --channel demo > instance/demo-link.txt
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(12))" > instance/demo-admin.txt
	$(FLASK) create-user admin@example.org --role admin --password "$$(cat instance/demo-admin.txt)"

# Browser tests drive Debian's Chromium; a test tool's own browser download fails here.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# tests/test_deploy.py runs deploy/nginx.conf in Debian's nginx in front of gunicorn.
proxy-deps:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; }

# The PDF of the quarterly report: WeasyPrint lays text out with Pango, and the tests
# look at its pages through poppler's pdftoppm, pdftotext and pdffonts.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 poppler-utils
pdf-deps:
	@missing=$$(for p in $(PDF_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
	  || echo $$p; done); \
	[ -z "$$missing" ] || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; }

clean:
	rm -rf $(VENV) node_modules survey/static
