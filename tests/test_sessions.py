"""Staff sign-in and sessions (docs/privacy.md §4), as staff and attackers use them."""

import os
import re
import subprocess
import sys
import time

import pytest
from helpers import PASSWORD, csrf_token, log_in

from survey import accounts, audit_log, create_app, staff

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_login_sets_a_strict_httponly_cookie_for_staff_pages_only(app, staff_accounts):
    client = app.test_client()
    response = log_in(client, "admin@example.org")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/staff/"
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert client.get("/staff/").status_code == 200


def test_session_cookie_is_secure_outside_local_development(tmp_path, db):
    app = create_app(
        {
            "SECRET_KEY": "k",
            "DATABASE": db.conn.execute("PRAGMA database_list").fetchone()[2],
        }
    )
    accounts.add_staff(db, "a@example.org", PASSWORD, "admin", None)
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/staff/login",
        base_url="https://localhost",
        data={"csrf_token": token, "email": "a@example.org", "password": PASSWORD},
        headers={"Referer": "https://localhost/staff/login"},
    )
    assert "Secure" in response.headers.get("Set-Cookie", "")


def test_wrong_password_and_unknown_account_look_the_same(app, staff_accounts):
    def attempt(email):
        client = app.test_client()
        response = log_in(client, email, "wrong password here")
        html = re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))
        return response.status_code, html

    assert attempt("admin@example.org") == attempt("nobody@example.org")
    status, html = attempt("admin@example.org")
    assert status == 400 and staff.WRONG_LOGIN in html


def test_session_id_changes_at_login(app, staff_accounts):
    client = app.test_client()
    log_in(client, "admin@example.org")
    before = client.get_cookie("staff_session", path="/").value
    log_in(client, "admin@example.org")  # a second login over a live session
    after = client.get_cookie("staff_session", path="/").value
    assert before != after


def test_visiting_the_login_page_stores_no_session(app, db, staff_accounts):
    def sessions():
        return db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]

    before = sessions()
    for _ in range(20):
        client = app.test_client()
        assert client.get("/staff/login").status_code == 200
        assert client.get_cookie("staff_session", path="/") is None
    assert sessions() == before
    # A wrong password stores none either: only a login starts a session.
    assert log_in(app.test_client(), "admin@example.org", "wrong!").status_code == 400
    assert sessions() == before


def test_login_token_must_match_this_browsers_cookie(app, staff_accounts):
    someone = app.test_client()
    token = csrf_token(someone)  # a valid token, but for another browser's cookie
    victim = app.test_client()
    victim.get("/staff/login")
    response = victim.post(
        "/staff/login",
        data={"csrf_token": token, "email": "admin@example.org", "password": PASSWORD},
    )
    assert response.status_code == 400
    assert victim.get_cookie("staff_session", path="/") is None
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = someone.post(
        "/staff/login",
        data={"csrf_token": forged, "email": "admin@example.org", "password": PASSWORD},
    )
    assert response.status_code == 400


def test_failed_login_audit_names_the_address_tried(app, db, staff_accounts):
    for email in ("admin@example.org", "nobody@example.org", "x\n" + "y" * 240):
        response = log_in(app.test_client(), email, "wrong password here")
        assert response.status_code == 400
    rows = list(
        db.execute(
            "SELECT staff_email, detail FROM audit WHERE action = 'failed login' "
            "ORDER BY id"
        )
    )
    assert [row[0] for row in rows] == [None, None, None]
    assert rows[0][1] == "admin@example.org" and rows[1][1] == "nobody@example.org"
    assert "\n" not in rows[2][1] and len(rows[2][1]) <= audit_log.EMAIL_MAX + 1


def test_cookie_replayed_after_logout_is_refused(app, personas):
    client = personas["admin"]
    cookie = client.get_cookie("staff_session", path="/").value
    token = csrf_token(client, "/staff/")
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 303
    replay = app.test_client()
    replay.set_cookie("staff_session", cookie, path="/")
    response = replay.get("/staff/")
    assert (
        response.status_code == 302 and "/staff/login" in response.headers["Location"]
    )


@pytest.mark.parametrize(("idle", "age"), [(31 * 60, 31 * 60), (60, 13 * 3600)])
def test_idle_and_absolute_timeouts_end_the_session(app, db, personas, idle, age):
    admin = personas["admin"]  # logged in now; its session is aged below
    now = time.time()
    db.execute(
        "UPDATE sessions SET last_seen = ?, created = ?", [now - idle, now - age]
    )
    db.conn.commit()
    response = admin.get("/staff/")
    assert (
        response.status_code == 302 and "/staff/login" in response.headers["Location"]
    )


def test_lockout_after_10_failures_holds_in_another_process(app, staff_accounts):
    client = app.test_client()
    for _ in range(10):
        assert (
            log_in(client, "analyst@example.org", "not the password").status_code == 400
        )
    assert log_in(client, "analyst@example.org").status_code == 400  # locked, right pw
    # Another process, its own connection, sees the lock: it is counted in the database.
    script = (
        "import sys, time; sys.path.insert(0, '.');"
        "from survey import accounts, storage;"
        f"db = storage.connect({app.config['DATABASE']!r});"
        "print(accounts.check_login("
        f"db, 'analyst@example.org', {PASSWORD!r}, time.time()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert result.stdout.strip() == "None"
    # Fifteen minutes later it opens again.
    later = time.time() + accounts.LOCK_SECONDS + 1
    db = __import__("survey.storage", fromlist=["connect"]).connect(
        app.config["DATABASE"]
    )
    assert accounts.check_login(db, "analyst@example.org", PASSWORD, later) is not None


def test_passwords_are_stored_as_scrypt_hashes(db, staff_accounts):
    for row in db.execute("SELECT password_hash FROM staff"):
        assert row[0].startswith("scrypt:") and PASSWORD not in row[0]


def test_logs_never_hold_a_password_or_session_id(app, staff_accounts, caplog):
    caplog.set_level("DEBUG")
    client = app.test_client()
    log_in(client, "admin@example.org", "a wrong password!")
    log_in(client, "admin@example.org")
    cookie = client.get_cookie("staff_session", path="/").value
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/")})
    for text in (PASSWORD, "a wrong password!", cookie):
        assert text not in caplog.text
