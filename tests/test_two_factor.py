"""Two-factor sign-in for staff (docs/privacy.md §4): the second step, enrolment,
recovery codes and an admin's reset, as staff and attackers use them."""

import base64
import io
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
import zxingcpp
from helpers import CSRF, KEY, PASSWORD, csrf_token, log_in, totp_code
from PIL import Image

from survey import accounts, sessions
from survey.files import staff_path


def password_step(client, email, password=PASSWORD):
    """Only the first step: the right password; the session is left pending."""
    response = client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(client), "email": email, "password": password},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/staff/login/code")
    return response


def send_code(client, code, path="/staff/login/code"):
    """Post a code to the second step (or enrolment) with the page's CSRF token."""
    html = client.get(path).get_data(as_text=True)
    return client.post(path, data={"csrf_token": CSRF.findall(html)[-1], "code": code})


def staff_row(db, email):
    """The account's row as stored, secret and counters included."""
    return dict(
        zip(
            ["totp_secret", "totp_last_step", "failed_logins", "locked_until"],
            db.execute(
                "SELECT totp_secret, totp_last_step, failed_logins, locked_until "
                "FROM staff WHERE email = ?",
                [email],
            ).fetchone(),
            strict=True,
        )
    )


def audit_entries(db, action):
    """The audit log's (staff_email, detail) for one action, oldest first."""
    return [
        tuple(row)
        for row in db.execute(
            "SELECT staff_email, detail FROM audit WHERE action = ? ORDER BY id",
            [action],
        )
    ]


@pytest.fixture
def newcomer(db):
    """An analyst's account as create-user makes it: no second factor yet."""
    return accounts.add_staff(db, "new@example.org", PASSWORD, "analyst", None)


def enrol(client, email="new@example.org"):
    """Password, then set up the app from the enrolment page; the recovery codes."""
    password_step(client, email)
    html = client.get("/staff/login/enrol").get_data(as_text=True)
    secret = KEY.search(html).group(1).replace(" ", "")
    response = send_code(client, pyotp.TOTP(secret).now(), "/staff/login/enrol")
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-z-]+)</code></li>", response.text)
    assert len(codes) == accounts.RECOVERY_CODES
    return secret, codes


# The pending state ----------------------------------------------------------------


def test_after_the_password_alone_every_staff_page_leads_to_the_second_step(
    app, db, staff_accounts
):
    client = app.test_client()
    password_step(client, "admin@example.org")
    # The pending session names no one as its staff member.
    assert db.execute("SELECT staff_id FROM sessions").fetchall() == [(None,)]
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/staff", "/dashboard")):
            continue
        if app.view_functions[rule.endpoint].allowed_roles is None:
            continue  # the login pages themselves
        path = rule.build(
            {"staff_id": 1, "code": "abcdefgh", "name": "confidence", "key": "x"}
            | {"fmt": "csv"}
        )[1]
        response = client.get(path)
        if "GET" in rule.methods:
            assert response.status_code == 302, rule.rule
            assert response.headers["Location"].endswith("/staff/login/code"), path
            checked += 1
    assert checked >= 15
    assert "Logged in as" not in client.get("/staff/login/code").text
    assert audit_entries(db, "logged in") == []


def test_the_second_step_needs_the_password_step_first(app, staff_accounts):
    client = app.test_client()
    for path in ("/staff/login/code", "/staff/login/enrol"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/staff/login")


def test_the_pending_state_runs_out(app, db, staff_accounts):
    client = app.test_client()
    password_step(client, "analyst@example.org")
    old = time.time() - sessions.PENDING_SECONDS - 1
    db.execute("UPDATE sessions SET data = json_set(data, '$.pending_since', ?)", [old])
    db.conn.commit()
    response = client.get("/staff/login/code")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/login")


def test_each_step_gives_a_new_session_id(app, db, staff_accounts):
    client = app.test_client()
    password_step(client, "analyst@example.org")
    pending = client.get_cookie("staff_session", path="/").value
    response = send_code(
        client, totp_code(app.config["DATABASE"], "analyst@example.org")
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/staff/")
    signed_in = client.get_cookie("staff_session", path="/").value
    assert signed_in != pending
    assert db.execute("SELECT staff_id FROM sessions").fetchall() == [
        (staff_accounts["analyst"]["id"],)
    ]
    replay = app.test_client()
    replay.set_cookie("staff_session", pending, path="/")
    assert replay.get("/staff/").headers["Location"].endswith("/staff/login")
    assert audit_entries(db, "logged in") == [("analyst@example.org", "with a code")]


# Codes ----------------------------------------------------------------------------


def test_a_wrong_code_is_refused_counted_and_audited(app, db, staff_accounts):
    client = app.test_client()
    password_step(client, "analyst@example.org")
    right = totp_code(app.config["DATABASE"], "analyst@example.org")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = send_code(client, wrong)
    assert response.status_code == 400 and "The code is not right" in response.text
    assert staff_row(db, "analyst@example.org")["failed_logins"] == 1
    assert audit_entries(db, "failed second step") == [("analyst@example.org", "")]
    assert client.get("/staff/").status_code == 302  # still not signed in


def test_wrong_codes_lock_the_account_and_retyping_the_password_buys_no_more(
    app, db, staff_accounts
):
    client = app.test_client()
    password_step(client, "analyst@example.org")
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        assert send_code(client, "000000x").status_code == 400
    # The password again does not reset the count: one more wrong code locks.
    password_step(client, "analyst@example.org")
    assert send_code(client, "999999x").status_code == 400
    row = staff_row(db, "analyst@example.org")
    assert row["locked_until"] > time.time()
    # Locked: the password step fails, and a right code in an old pending session too.
    assert log_in(app.test_client(), "analyst@example.org").status_code == 400
    code = totp_code(app.config["DATABASE"], "analyst@example.org")
    assert send_code(client, code).status_code == 400
    assert client.get("/staff/").status_code == 302


def test_a_code_is_refused_the_second_time(app, db, staff_accounts):
    first, second = app.test_client(), app.test_client()
    password_step(first, "analyst@example.org")
    password_step(second, "analyst@example.org")
    code = totp_code(app.config["DATABASE"], "analyst@example.org")
    assert send_code(first, code).status_code == 303
    # Seen over a shoulder, or passed on by a phishing page: refused all the same.
    refused = send_code(second, code)
    assert refused.status_code == 400 and "used already" in refused.text
    assert second.get("/staff/").status_code == 302
    assert staff_row(db, "analyst@example.org")["failed_logins"] == 1


@pytest.mark.parametrize(
    ("drift", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
def test_a_phone_clock_one_step_out_is_allowed_two_are_not(
    db, staff_accounts, drift, accepted
):
    analyst = staff_accounts["analyst"]
    secret = staff_row(db, analyst["email"])["totp_secret"]
    now = time.time() + 3600  # later than the step used when the persona enrolled
    code = pyotp.TOTP(secret).at(now + drift * accounts.TOTP_STEP)
    passed = accounts.check_second_factor(db, analyst["id"], code, now)
    assert (passed == "code") is accepted
    assert staff_row(db, analyst["email"])["failed_logins"] == (0 if accepted else 1)


def test_odd_codes_are_refused_without_an_error(db, staff_accounts):
    analyst = staff_accounts["analyst"]
    for typed in (
        "",
        "١٢٣٤٥٦",
        "12345",
        "1234567",
        "\x00" * 6,
        "x" * 64,
        "１２３４５６",
    ):
        assert (
            accounts.check_second_factor(db, analyst["id"], typed, time.time()) is None
        )


# Enrolment and recovery codes ----------------------------------------------------


def test_enrolment_shows_a_qr_code_for_the_app_with_the_key_written_out(
    app, client, db, newcomer
):
    password_step(client, "new@example.org")
    assert client.get("/staff/login/code").headers["Location"].endswith("/enrol")
    html = client.get("/staff/login/enrol").text
    again = client.get("/staff/login/enrol").text
    key = KEY.search(html).group(1)
    assert KEY.search(again).group(1) == key  # the same secret until it is confirmed
    data = re.search(r'<img src="data:image/png;base64,([^"]+)"', html).group(1)
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(data))))
    uri = urlparse(found.text)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    query = parse_qs(uri.query)
    assert query["issuer"] == [app.config["SERVICE_NAME"]]
    assert query["secret"] == [key.replace(" ", "")]
    assert unquote(uri.path) == f"/{app.config['SERVICE_NAME']}:new@example.org"
    # Nothing is kept on the account until a code from it comes back.
    assert staff_row(db, "new@example.org")["totp_secret"] is None


def test_enrolment_refuses_a_wrong_code_and_counts_it(client, db, newcomer):
    password_step(client, "new@example.org")
    response = send_code(client, "12345x", "/staff/login/enrol")
    assert (
        response.status_code == 400 and "Check the time on your phone" in response.text
    )
    assert staff_row(db, "new@example.org") | {"locked_until": 0} == {
        "totp_secret": None,
        "totp_last_step": 0,
        "failed_logins": 1,
        "locked_until": 0,
    }
    assert audit_entries(db, "failed second step") == [
        ("new@example.org", "setting it up")
    ]


def test_enrolment_signs_in_and_shows_ten_recovery_codes_once(client, db, newcomer):
    secret, codes = enrol(client)
    assert len(set(codes)) == 10
    assert staff_row(db, "new@example.org")["totp_secret"] == secret
    assert "Logged in as new@example.org" in client.get("/staff/").text
    assert client.get("/staff/login/enrol").headers["Location"].endswith("/staff/")
    assert audit_entries(db, "set up a second factor") == [("new@example.org", "")]
    # Shown once: no page shows them again.
    for path in ("/staff/", "/staff/recovery-codes"):
        assert not any(code in client.get(path).text for code in codes)


def test_recovery_codes_are_stored_hashed(app, db, newcomer):
    _, codes = enrol(app.test_client())
    database = app.config["DATABASE"]
    # Both files and their write-ahead logs: everything written, wherever it is now.
    files = [
        Path(name + suffix)
        for name in (database, staff_path(database))
        for suffix in ("", "-wal")
    ]
    stored = b"".join(p.read_bytes() for p in files if p.exists())
    hashes = [row[0] for row in db.execute("SELECT code_hash FROM recovery_codes")]
    assert len(hashes) == 10
    assert all(h.encode() in stored for h in hashes)  # the search finds what is there
    for code in codes:
        for form in (code, code.replace("-", ""), code.upper()):
            assert form.encode() not in stored
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)


def test_a_recovery_code_works_once(app, db, newcomer):
    _, codes = enrol(app.test_client())
    client = app.test_client()
    password_step(client, "new@example.org")
    typed = codes[3].upper().replace("-", " ")  # as someone might type it
    response = send_code(client, typed)
    assert response.status_code == 303
    assert "Logged in as new@example.org" in client.get("/staff/").text
    assert accounts.count_recovery_codes(db, newcomer["id"]) == 9
    again = app.test_client()
    password_step(again, "new@example.org")
    assert send_code(again, codes[3]).status_code == 400
    assert audit_entries(db, "logged in")[-1] == (
        "new@example.org",
        "with a recovery code",
    )


def test_new_recovery_codes_replace_the_old(app, db, newcomer):
    client = app.test_client()
    _, old = enrol(client)
    page = client.get("/staff/recovery-codes")
    assert page.status_code == 200 and "You have 10 unused recovery codes" in page.text
    response = client.post(
        "/staff/recovery-codes",
        data={"csrf_token": csrf_token(client, "/staff/recovery-codes")},
    )
    assert response.status_code == 200
    new = re.findall(r"<li><code>([0-9a-z-]+)</code></li>", response.text)
    assert len(new) == 10 and not set(new) & set(old)
    other = app.test_client()
    password_step(other, "new@example.org")
    assert send_code(other, old[0]).status_code == 400
    assert send_code(other, new[0]).status_code == 303
    assert audit_entries(db, "made new recovery codes") == [("new@example.org", "")]


# An admin's reset -----------------------------------------------------------------


def test_an_admin_resets_a_colleagues_second_factor_after_confirming(
    app, db, personas, staff_accounts
):
    analyst = personas["analyst"]
    admin = personas["admin"]
    target = staff_accounts["analyst"]
    account_page = admin.get(f"/staff/users/{target['id']}").text
    assert "Reset the second factor" in account_page and "Set up:" in account_page
    path = f"/staff/users/{target['id']}/two-factor"
    confirm = admin.get(path)
    assert confirm.status_code == 200 and "Reset the second factor" in confirm.text
    assert staff_row(db, target["email"])["totp_secret"]  # nothing yet: a GET
    response = admin.post(path, data={"csrf_token": csrf_token(admin, path)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/users/{target['id']}")
    assert staff_row(db, target["email"])["totp_secret"] is None
    assert accounts.count_recovery_codes(db, target["id"]) == 0
    assert analyst.get("/staff/").status_code == 302  # its session ended at once
    assert audit_entries(db, "reset a second factor") == [
        ("admin@example.org", "analyst@example.org")
    ]
    # The next sign-in sets it up again.
    client = app.test_client()
    password_step(client, target["email"])
    assert client.get("/staff/login/code").headers["Location"].endswith("/enrol")
    assert "Not set up yet" in admin.get(f"/staff/users/{target['id']}").text


def test_only_admins_reset_a_second_factor(app, db, personas, staff_accounts):
    target = staff_accounts["partner_b"]
    path = f"/staff/users/{target['id']}/two-factor"
    for name in ("partner_a", "analyst"):
        client = personas[name]
        assert client.get(path).status_code == 403
        response = client.post(path, data={"csrf_token": csrf_token(client, "/staff/")})
        assert response.status_code == 403
    assert staff_row(db, target["email"])["totp_secret"]
    assert audit_entries(db, "reset a second factor") == []
    assert personas["admin"].get("/staff/users/99/two-factor").status_code == 404


def test_create_user_says_the_account_sets_up_its_second_factor(runner, db):
    result = runner.invoke(
        args=["create-user", "c@example.org", "--role", "analyst"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "set up its second factor" in result.output
    assert staff_row(db, "c@example.org")["totp_secret"] is None


def test_a_new_password_or_a_reset_ends_a_sign_in_half_way(
    app, db, personas, staff_accounts
):
    admin = personas["admin"]
    target = staff_accounts["analyst"]
    for path, data in (
        (
            f"/staff/users/{target['id']}",
            {"action": "password", "password": "a brand new password"},
        ),
        (f"/staff/users/{target['id']}/two-factor", {}),
    ):
        half_way = app.test_client()
        password = "a brand new password" if "action" not in data else PASSWORD
        password_step(half_way, target["email"], password)
        response = admin.post(
            path, data={"csrf_token": csrf_token(admin, path), **data}
        )
        assert response.status_code == 303
        # The password step must be taken again (with the new password, if one).
        page = half_way.get("/staff/login/code")
        assert page.headers["Location"].endswith("/staff/login"), path


def test_an_admin_who_resets_their_own_second_factor_is_logged_out(
    app, db, personas, staff_accounts
):
    admin = personas["admin"]
    path = f"/staff/users/{staff_accounts['admin']['id']}/two-factor"
    assert "your own account" in admin.get(path).text
    response = admin.post(path, data={"csrf_token": csrf_token(admin, path)})
    assert response.headers["Location"].endswith("/staff/login")
    assert admin.get("/staff/").status_code == 302
    assert staff_row(db, "admin@example.org")["totp_secret"] is None
    # And sets it up again at the next sign-in.
    assert log_in(app.test_client(), "admin@example.org").status_code == 200


def test_the_command_line_resets_a_lost_second_factor(app, db, newcomer):
    client = app.test_client()
    secret, codes = enrol(client)
    assert staff_row(db, "new@example.org")["totp_secret"] == secret
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reset-second-factor", "NEW@example.org"])
    assert result.exit_code == 0, result.output
    assert "is reset" in result.output
    row = staff_row(db, "new@example.org")
    assert row["totp_secret"] is None and row["totp_last_step"] == 0
    assert db.execute("SELECT count(*) FROM recovery_codes").fetchone() == (0,)
    # Signed out everywhere, and set up again at the next sign-in.
    assert client.get("/staff/").status_code in (302, 303)
    assert enrol(app.test_client())[0] != secret
    assert audit_entries(db, "reset a second factor (command line)") == [
        (None, "new@example.org")
    ]
    unknown = runner.invoke(args=["reset-second-factor", "nobody@example.org"])
    assert unknown.exit_code == 1 and "no account" in unknown.output
