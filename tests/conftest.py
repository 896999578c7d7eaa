"""Fixtures: an app on a real SQLite file per test, clients, personas and a browser."""

import logging
import os
import re
import shutil
import threading
from html.parser import HTMLParser

import pytest
from hypothesis import settings
from playwright.sync_api import sync_playwright
from werkzeug.datastructures import MultiDict
from werkzeug.serving import make_server

from survey import create_app, storage

SECRET = "test-secret-key"
# Every app the tests build, in this process or under gunicorn, names a local service
# and an accessibility contact, as a real deployment must before it starts.
CONTACTS = {
    "LOCAL_SERVICE_NAME": "Exampleshire Support Service",
    "LOCAL_SERVICE_PHONE": "0808 157 0192",
    "LOCAL_SERVICE_HOURS": "Monday to Friday, 9am to 5pm",
    "ACCESSIBILITY_CONTACT": "accessibility@example.org",
}
for key, value in CONTACTS.items():
    os.environ.setdefault(f"SURVEY_{key}", value)

# In CI the property tests run the same examples every time, so a landing never
# depends on luck; on a developer's machine they keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def app(tmp_path):
    """The app with a fresh, migrated database file."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "DATABASE": str(tmp_path / "survey.db"),
            # The test client speaks http; the Secure flag has a test of its own.
            "SESSION_COOKIE_SECURE": False,
        }
    )
    db = storage.connect(app.config["DATABASE"])
    storage.migrate(db)
    db.close()
    return app


@pytest.fixture
def client(app):
    """A test client for HTTP requests."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the flask commands."""
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A connection to the test's database file, for arranging and asserting."""
    connection = storage.connect(app.config["DATABASE"])
    yield connection
    connection.close()


@pytest.fixture
def link(db):
    """An open link for the channel `outreach-north`."""
    from datetime import date

    return storage.add_link(
        db, label="Outreach, north", channel="outreach-north", today=date(2026, 4, 1)
    )


class FormReader(HTMLParser):
    """Reads the survey form as a browser would: its hidden fields and its questions."""

    def __init__(self):
        super().__init__()
        self.hidden: list[tuple[str, str]] = []
        self.fields: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden":
            self.hidden.append((attributes["name"], attributes.get("value", "")))
        elif tag in ("input", "textarea") and attributes.get("name"):
            self.fields.add(attributes["name"])


def read_form(html: str) -> FormReader:
    """The hidden fields and question names of a survey page."""
    reader = FormReader()
    reader.feed(html)
    return reader


def page_heading(html: str) -> str:
    """The page's h1 text."""
    return re.search(r"<h1[^>]*>\s*(.*?)\s*</h1>", html, re.S).group(1)


def post_form(client, code, pairs, headers=None):
    """POST survey form fields (a list of name, value pairs, or a dict) to a link."""
    return client.post(f"/s/{code}/questions", data=MultiDict(pairs), headers=headers)


def walk_survey(client, code, answers, *, headers=None):
    """Fill in the survey page by page as a person would; return the final response.

    Each page gets only the answers to the questions it shows, plus the hidden fields
    the page itself carries, just as a browser would send them.
    """
    page = client.post(f"/s/{code}/begin", headers=headers)
    assert page.status_code == 200
    for _ in range(10):
        html = page.get_data(as_text=True)
        form = read_form(html)
        data = [pair for pair in form.hidden if pair[0] != "website"]
        for name, value in answers.items():
            if name not in form.fields:
                continue
            for one in value if isinstance(value, list) else [value]:
                data.append((name, one))
        last = "Send your answers" in html
        data.append(("nav", "send" if last else "next"))
        page = post_form(client, code, data, headers=headers)
        if last or page.status_code != 200:
            return page
    raise AssertionError("the survey did not end within 10 pages")


# Staff personas ------------------------------------------------------------------

PASSWORD = "correct horse battery"
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path="/staff/login"):
    """The CSRF token of a staff form, as a browser would read it."""
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def log_in(client, email, password=PASSWORD):
    """Log in through the login form; returns the response."""
    token = csrf_token(client)
    return client.post(
        "/staff/login", data={"csrf_token": token, "email": email, "password": password}
    )


@pytest.fixture
def password():
    """Every persona's password."""
    return PASSWORD


@pytest.fixture
def staff_accounts(db):
    """One account per persona, in two organisations."""
    from survey import accounts

    service_a = accounts.add_organisation(db, "Service A")
    service_b = accounts.add_organisation(db, "Service B")
    return {
        "admin": accounts.add_staff(db, "admin@example.org", PASSWORD, "admin", None),
        "analyst": accounts.add_staff(
            db, "analyst@example.org", PASSWORD, "analyst", None
        ),
        "partner_a": accounts.add_staff(
            db, "partner.a@example.org", PASSWORD, "partner", service_a["id"]
        ),
        "partner_b": accounts.add_staff(
            db, "partner.b@example.org", PASSWORD, "partner", service_b["id"]
        ),
    }


@pytest.fixture
def personas(app, staff_accounts):
    """A logged-in client per persona, and an anonymous one."""
    clients = {"anonymous": app.test_client()}
    for name, account in staff_accounts.items():
        client = app.test_client()
        assert log_in(client, account["email"]).status_code == 303
        clients[name] = client
    return clients


# Browser tests: the app served on 127.0.0.1 by the tests, in Debian's Chromium ------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root, on a machine with no network: no sandbox, and no background connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def playwright():
    """Playwright, started once: a second start in the same run is refused."""
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright):
    """One headless Chromium for the whole run."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def live_server(app):
    """The test's app served on a free port of 127.0.0.1; its base URL."""
    # Werkzeug's request log would print addresses and times; nothing needs them.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser):
    """A fresh browser context and page (no cookies or storage from other tests)."""
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
