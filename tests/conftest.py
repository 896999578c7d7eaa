"""Fixtures: an app on a real SQLite file per test, clients, personas and a browser."""

import logging
import os
import shutil
import threading

import pytest
from helpers import PASSWORD, SECRET, log_in
from hypothesis import settings
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from survey import create_app, storage

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


# Staff personas ------------------------------------------------------------------


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
def browser():
    """One headless Chromium for the whole run."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
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
