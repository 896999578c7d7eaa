"""Fixtures: an app on a real SQLite file per test, clients, personas and a browser."""

import logging
import mimetypes
import os
import shutil
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import pyotp
import pytest
from flask import Response, abort
from helpers import (
    CONTACTS,
    PASSWORD,
    REPORT_TODAY,
    SECRET,
    copy_database,
    log_in,
    pinned,
)
from hypothesis import settings
from jinja2 import FileSystemBytecodeCache
from playwright.sync_api import sync_playwright
from werkzeug.security import safe_join
from werkzeug.serving import make_server

from survey import accounts, clock, create_app, demo, link_store, releases, storage

# Every app the tests build, in this process or under gunicorn, names a local service
# and an accessibility contact, as a real deployment must before it starts.
for key, value in CONTACTS.items():
    os.environ.setdefault(f"SURVEY_{key}", value)
# And the public address its hand-out cards print, which a deployment must set too.
os.environ.setdefault("SURVEY_PUBLIC_BASE_URL", "https://survey.example.org")

# In CI the property tests run the same examples every time, so a landing never
# depends on luck; on a developer's machine they keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


# The staff personas: each one's e-mail address, role and organisation.
PERSONAS = {
    "admin": ("admin@example.org", "admin", None),
    "analyst": ("analyst@example.org", "analyst", None),
    "partner_a": ("partner.a@example.org", "partner", "Service A"),
    "partner_b": ("partner.b@example.org", "partner", "Service B"),
}


ENROLLED = datetime(2024, 1, 1, tzinfo=UTC).timestamp()  # the personas' second factor


# Database files built once for the whole run; each test works on a copy of one ------


def close_for_copying(db):
    """Close a database so that its file alone holds everything written to it."""
    # In WAL mode recent writes live in the -wal file until a checkpoint moves them.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """An empty database file with the schema: what `flask init-db` makes."""
    path = tmp_path_factory.mktemp("built") / "migrated.db"
    db = storage.connect(str(path))
    storage.migrate(db)
    close_for_copying(db)
    return path


@pytest.fixture(scope="session")
def staff_database(tmp_path_factory, migrated_database):
    """The migrated file with one account per persona, in two organisations."""
    # Each scrypt hash takes a tenth of a second on purpose: make them once.
    path = tmp_path_factory.mktemp("built") / "staff.db"
    copy_database(migrated_database, path)
    db = storage.connect(str(path))
    service_a = accounts.add_organisation(db, "Service A")
    service_b = accounts.add_organisation(db, "Service B")
    organisations = {"Service A": service_a["id"], "Service B": service_b["id"]}
    for email, role, organisation in PERSONAS.values():
        staff = accounts.add_staff(
            db, email, PASSWORD, role, organisations.get(organisation)
        )
        # Each has set up an authenticator app, as staff have after their first
        # sign-in; helpers.log_in reads the secret back to make codes. Set up long
        # ago: a code used at set-up is never taken again, and a test may run as a
        # day before the real one (conftest.DAYS).
        secret = accounts.new_totp_secret()
        code = pyotp.TOTP(secret).at(ENROLLED)
        assert accounts.enrol_second_factor(db, staff["id"], secret, code, ENROLLED)
    close_for_copying(db)
    return path


@pytest.fixture(scope="session")
def demo_databases(tmp_path_factory, staff_database):
    """Makes, once for each day asked for, the staff accounts' file with three
    financial years of demo responses up to that day, a link per channel, and every
    release due that day (as `flask release` makes them, made once here rather than
    in every copy)."""
    built = {}

    def build(day: date) -> Path:
        if day not in built:
            path = tmp_path_factory.mktemp("built") / f"demo-{day.isoformat()}.db"
            copy_database(staff_database, path)
            db = storage.connect(str(path))
            storage.add_rows(db, demo.generate(4000, 8, day))
            for channel in demo.CHANNELS:
                link_store.add_link(
                    db, label=channel, channel=channel, today=date(2024, 4, 1)
                )
            releases.make_due_releases(db, day, 10)
            close_for_copying(db)
            built[day] = path
        return built[day]

    return build


@pytest.fixture(scope="session")
def demo_database(demo_databases):
    """The demo file as of the day the run began (REAL_DAY)."""
    return demo_databases(REAL_DAY)


# The days the date-sensitive tests run as: the day the run began, and the days on
# which dates go wrong if they are going to. Each such test asks for `today`.
REAL_DAY = clock.today()
AWKWARD_DAYS = {
    "2026-12-31": "the Thursday of ISO week 53: 2026 has one",
    "2027-01-01": "a new calendar year inside week 53 of the old ISO year",
    "2027-01-04": "the Monday of ISO week 1",
    "2027-03-31": "the financial year's last day, in the week that is April's",
    "2027-04-01": "the financial year's first day",
    "2028-02-29": "a leap day: a year or a month before it has no such day",
}
DAYS = [REAL_DAY, *map(date.fromisoformat, AWKWARD_DAYS)]


def pytest_generate_tests(metafunc):
    """Run every test that asks for `today` once on each of DAYS."""
    if "today" in metafunc.fixturenames:
        ids = ["real-date", *AWKWARD_DAYS]
        metafunc.parametrize("today", DAYS, ids=ids, indirect=True)


@pytest.fixture
def fixed_day():
    """The clock pinned to REPORT_TODAY, for a module whose data carries fixed weeks
    that must stay in the past and within retention (imports check both)."""
    with pinned(REPORT_TODAY):
        yield REPORT_TODAY


@pytest.fixture
def today(request):
    """The day the test runs as, with the clock pinned to its noon (time runs on)."""
    day = request.param
    with pinned(day):
        assert clock.today() == day
        yield day


@pytest.fixture(scope="session")
def compiled_templates(tmp_path_factory):
    """Jinja's compiled templates, kept for the whole run."""
    return FileSystemBytecodeCache(str(tmp_path_factory.mktemp("templates")))


@pytest.fixture
def app(request, tmp_path, compiled_templates):
    """The app with its own database file: a copy of one built for the whole run.

    The copy is of the migrated file; of the one with the staff accounts if the test
    uses `staff_accounts` (or `personas`, which uses it); or of the one with the demo
    rows too if it uses `demo_rows`.
    """
    if "demo_rows" in request.fixturenames:
        # As of the test's day, if it runs as one of DAYS.
        day = (
            request.getfixturevalue("today")
            if "today" in request.fixturenames
            else REAL_DAY
        )
        built = request.getfixturevalue("demo_databases")(day)
    elif "staff_accounts" in request.fixturenames:
        built = request.getfixturevalue("staff_database")
    else:
        built = request.getfixturevalue("migrated_database")
    path = tmp_path / "survey.db"
    copy_database(built, path)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "DATABASE": str(path),
            # The test client speaks http; the Secure flag has a test of its own.
            "SESSION_COOKIE_SECURE": False,
        }
    )
    # A server compiles each template once; a new app for every test would compile
    # them all again, which took about a fifth of the staff and dashboard tests' time.
    # Every app create_app makes has the same Jinja settings, so the same compiled code.
    app.jinja_env.bytecode_cache = compiled_templates
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
    return link_store.add_link(
        db, label="Outreach, north", channel="outreach-north", today=date(2026, 4, 1)
    )


@pytest.fixture
def link_a(db, staff_accounts):
    """A link of organisation A."""
    return link_store.add_link(
        db,
        label="Outreach, north",
        channel="outreach-north",
        today=date(2026, 4, 1),
        organisation_id=staff_accounts["partner_a"]["organisation_id"],
    )


@pytest.fixture
def demo_rows(staff_accounts):
    """Three financial years of demo responses, and a link per channel: in the file
    `app` copied, beside the staff accounts."""


# Staff personas ------------------------------------------------------------------


@pytest.fixture
def password():
    """Every persona's password."""
    return PASSWORD


@pytest.fixture
def staff_accounts(db):
    """One account per persona, in two organisations: in the file `app` copied."""
    return {
        name: accounts.get_staff_by_email(db, email)
        for name, (email, _, _) in PERSONAS.items()
    }


class Personas(Mapping):
    """A client per persona; each logs in through the login form when first used."""

    def __init__(self, app, staff_accounts):
        self.app = app
        self.accounts = staff_accounts
        self.clients = {}

    def __getitem__(self, name):
        if name not in self.clients:
            client = self.app.test_client()
            if name != "anonymous":
                response = log_in(client, self.accounts[name]["email"])
                assert response.status_code == 303
            self.clients[name] = client
        return self.clients[name]

    def __iter__(self):
        return iter(["anonymous", *self.accounts])

    def __len__(self):
        return 1 + len(self.accounts)


@pytest.fixture
def personas(app, staff_accounts):
    """A logged-in client per persona, and an anonymous one.

    Logging in checks an scrypt hash, which is slow on purpose: only the personas a
    test uses log in.
    """
    return Personas(app, staff_accounts)


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


@pytest.fixture(scope="session")
def real_browser(playwright):
    """Chromium with its back/forward cache on, as a person's browser has it.

    Playwright switches that cache off by default, which would hide what Back restores.
    """
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    yield chromium
    chromium.close()


@pytest.fixture
def live_server(app):
    """The test's app served on a free port of 127.0.0.1; its base URL."""
    # Werkzeug's request log would print addresses and times; nothing needs them.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    # Static files read whole rather than streamed from an open file: Werkzeug's
    # development server can leave such a file open when a browser drops the request
    # (it moves on to the next page), and the ResourceWarning that follows, whenever
    # the file is collected, fails whichever test is running then. Gunicorn, which
    # serves them in production, closes them.
    def read_whole(filename):
        path = safe_join(app.static_folder, filename)
        if path is None or not os.path.isfile(path):
            abort(404)
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return Response(Path(path).read_bytes(), mimetype=kind)

    app.view_functions["static"] = read_whole
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def survey_link(db):
    """An open link for the browser tests."""
    return link_store.add_link(
        db, label="Browser", channel="browser", today=date(2026, 4, 1)
    )


@pytest.fixture
def page(browser):
    """A fresh browser context and page (no cookies or storage from other tests)."""
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """20,000 demo responses up to REPORT_TODAY, for the report's tests."""
    path = str(tmp_path_factory.mktemp("report") / "survey.db")
    db = storage.connect(path)
    storage.migrate(db)
    storage.add_rows(db, demo.generate(20_000, 4, REPORT_TODAY))
    db.close()
    return path
