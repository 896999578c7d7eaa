"""What tests do as a respondent or a member of staff would: read and send forms."""

import random
import re
import shutil
import time
from datetime import date, datetime
from datetime import time as clock_time
from html.parser import HTMLParser

import pyotp
import time_machine
from werkzeug.datastructures import MultiDict

from survey import accounts, clock, releases, storage
from survey.files import staff_path

SECRET = "test-secret-key"
# What a deployment must configure before the app starts: the local service in the
# help box and the accessibility contact (set for every test app by conftest).
CONTACTS = {
    "LOCAL_SERVICE_NAME": "Exampleshire Support Service",
    "LOCAL_SERVICE_PHONE": "0808 157 0192",
    "LOCAL_SERVICE_HOURS": "Monday to Friday, 9am to 5pm",
    "ACCESSIBILITY_CONTACT": "accessibility@example.org",
}
PASSWORD = "correct horse battery"  # every persona's
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


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


def walk_survey(client, code, answers, *, headers=None, lang=None):
    """Fill in the survey page by page as a person would; return the final response.

    Each page gets only the answers to the questions it shows, plus the hidden fields
    the page itself carries (the language among them), as a browser would send them.
    """
    begin = {"lang": lang} if lang else None
    page = client.post(f"/s/{code}/begin", headers=headers, data=begin)
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
        last = 'value="send"' in html  # the last page's button, in any language
        data.append(("nav", "send" if last else "next"))
        page = post_form(client, code, data, headers=headers)
        if last or page.status_code != 200:
            return page
    raise AssertionError("the survey did not end within 10 pages")


def csrf_token(client, path="/staff/login"):
    """The CSRF token of a staff page's main form, as a browser would read it.

    The last on the page: the header's logout form comes first, and the login form's
    token is not the session's (survey/staff.py, LoginForm).
    """
    return CSRF.findall(client.get(path).get_data(as_text=True))[-1]


KEY = re.compile(r"Key: <code>([A-Z2-7 ]+)</code>")


def totp_code(database, email, now=None):
    """A code from the account's authenticator app, as its owner's phone would show.

    The secret is read from the test's database. The app refuses a code whose time
    step was used already (replay protection, tested in test_two_factor.py), so the
    code is for the next step when the current one is spent. A test that signs the
    same account in more often than that (three times in 30 seconds) would otherwise
    wait for the clock: the account's last used step is then moved back, as if the
    time had passed.
    """
    now = time.time() if now is None else now
    step = int(now // accounts.TOTP_STEP)
    db = storage.connect(database)
    try:
        secret, last = db.execute(
            "SELECT totp_secret, totp_last_step FROM staff WHERE email = ?", [email]
        ).fetchone()
        if last >= step + accounts.TOTP_DRIFT:
            with db.atomic():
                db.execute(
                    "UPDATE staff SET totp_last_step = ? WHERE email = ?",
                    [step - accounts.TOTP_DRIFT - 1, email],
                )
            last = step - accounts.TOTP_DRIFT - 1
    finally:
        db.close()
    return pyotp.TOTP(secret).at(max(step, last + 1) * accounts.TOTP_STEP)


def log_in(client, email, password=PASSWORD):
    """Sign in as staff do: the password, then the second step; the last response.

    An account with a second factor gets a code from its app (totp_code): 303 to
    the staff home page. One without sets it up from the enrolment page, as a person
    would, typing in the key written out there: 200, the page of recovery codes.
    Either way the client is then checked to be really signed in. A wrong password
    gives the login page back (400).
    """
    token = csrf_token(client)
    response = client.post(
        "/staff/login", data={"csrf_token": token, "email": email, "password": password}
    )
    if response.status_code != 303:
        return response
    assert response.headers["Location"].endswith("/staff/login/code")
    page = client.get("/staff/login/code")
    if page.status_code == 302:  # no second factor yet: set one up
        assert page.headers["Location"].endswith("/staff/login/enrol")
        html = client.get("/staff/login/enrol").get_data(as_text=True)
        secret = KEY.search(html).group(1).replace(" ", "")
        response = client.post(
            "/staff/login/enrol",
            data={
                "csrf_token": CSRF.findall(html)[-1],
                "code": pyotp.TOTP(secret).now(),
            },
        )
        assert response.status_code == 200
        assert "Your recovery codes" in response.get_data(as_text=True)
    else:
        code = totp_code(client.application.config["DATABASE"], email)
        response = client.post(
            "/staff/login/code",
            data={
                "csrf_token": CSRF.findall(page.get_data(as_text=True))[-1],
                "code": code,
            },
        )
        assert response.status_code == 303, response.get_data(as_text=True)
    home = client.get("/staff/")
    assert home.status_code == 200
    assert f"Logged in as {email}" in home.get_data(as_text=True)
    return response


def sign_in_in_browser(page, base, database, email, password=PASSWORD):
    """Sign in with Chromium: the password, then a code, or setting up the app."""
    page.goto(f"{base}/staff/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{base}/staff/login/*")
    if page.url.endswith("/enrol"):
        secret = page.locator("code").first.inner_text().replace(" ", "")
        page.fill("#code", pyotp.TOTP(secret).now())
        page.click("button:has-text('Continue')")
        page.click("a:has-text('continue to the staff home page')")
    else:
        page.fill("#code", totp_code(database, email))
        page.click("button:has-text('Continue')")
    page.wait_for_url(f"{base}/staff/")


# One answer set per routing path of the questionnaire, for the browser tests. The
# typed text is unlikely to appear anywhere else, so a page that shows it is caught.
OTHER_REASON = "Zebrafinch kept the phone"
COMMENT = "Quartzlamp by the sandbank, twice"
ROUTES = {
    "no-contact": {
        "A1_offence": "stalking",
        "A2_contact": "none",
        "B1_confidence": "2",
    },
    "not-offered": {
        "A1_offence": "harassment",
        "A2_contact": "lt3m",
        "B1_confidence": "3",
        "C1_satisfied": "2",
        "D1_offered": "no",
        "E1_age": "45to64",
        "F1_comments": COMMENT,
    },
    "answered-all": {
        "A1_offence": "da",
        "A2_contact": "lt3m",
        "B1_confidence": "4",
        "C1_satisfied": "5",
        "D1_offered": "yes",
        "D2_answered": "all",
        "D4_explained": "yes",
        "E1_age": "25to44",
        "F1_comments": COMMENT,
    },
    "declined": {
        "A1_offence": "da",
        "A2_contact": "3to12m",
        "B1_confidence": "1",
        "D1_offered": "yes",
        "D2_answered": "none",
        "D3_reasons": ["fear_found_out", "other"],
        "D3_other_text": OTHER_REASON,
        "D6_would_help": ["private_place"],
        "F1_comments": COMMENT,
    },
}
# How many pages of questions each path shows.
ROUTE_PAGES = {"no-contact": 3, "not-offered": 4, "answered-all": 5, "declined": 6}


# The report's tests: a fixed "today", and one measure's weekly counts.
REPORT_TODAY = date(2026, 11, 23)


def confidence_row(week, x, n, channel="a"):
    """A week's counts for the confidence measure, as storage gives them."""
    return {
        "period": week,
        "channel": channel,
        "offence": "da",
        "responses": n,
        "confidence.x": x,
        "confidence.n": n,
    }


# Columns of a storage row that are not counts: they get no record keys.
NOT_COUNTS = ("period", "channel", "offence", "question", "band")


def keyed(rows, seed=0):
    """Storage rows with a record-key sum beside every count, as storage gives them.

    Any whole numbers do: a cell's key is its key sums added up, modulo 256. Drawn
    from `seed`, so a test gives the same published counts every run.
    """
    rng = random.Random(seed)
    result = []
    for row in rows:
        row = dict(row)
        for name, value in list(row.items()):
            if name in NOT_COUNTS or name.endswith((".key", ".sum", ".sumsq")):
                continue
            row[f"{name}.key"] = sum(rng.randrange(256) for _ in range(min(value, 50)))
        result.append(row)
    return result


def copy_database(source, target) -> None:
    """Copy a closed database: its responses file and the staff file beside it."""
    for path_of in (str, staff_path):
        shutil.copyfile(path_of(str(source)), path_of(str(target)))


def pinned(day: date):
    """The clock (survey/clock.py) pinned to noon on `day`, time running on from it."""
    return time_machine.travel(datetime.combine(day, clock_time(12)).astimezone())


def release_due(db, day: date | None = None) -> list[dict]:
    """Make the releases due, as `flask release` does each night: a page never does."""
    return releases.make_due_releases(db, day or clock.today(), 10)
