"""Deployment: behind a proxy, under gunicorn, with the files it creates."""

import getpass
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from helpers import SECRET, copy_database, read_form, walk_survey
from test_canary import IPV4, IPV6, start_server

from bench.submissions import free_port, serve
from survey import create_app
from survey.db import get_db
from survey.files import staff_path

NO_CONTACT = {"A1_offence": "stalking", "A2_contact": "none", "B1_confidence": "2"}


@pytest.fixture
def app_factory(app):
    """Makes apps on the test's database with settings of their own."""

    def make(**settings):
        return create_app(
            {
                "TESTING": True,
                "SECRET_KEY": SECRET,
                "DATABASE": app.config["DATABASE"],
                "SESSION_COOKIE_SECURE": False,
                **settings,
            }
        )

    return make


def _submissions(app, code, forwarded_for, times):
    """Statuses of `times` whole surveys sent through a proxy from `forwarded_for`."""
    client = app.test_client()
    headers = {"X-Forwarded-For": forwarded_for}
    return [
        walk_survey(client, code, NO_CONTACT, headers=headers).status_code
        for _ in range(times)
    ]


def _limit_flood(app, limit):
    from survey.integrity import FloodCounter

    app.config["FLOOD_LIMIT"] = limit
    app.extensions["flood_counter"] = FloodCounter(limit)


def test_behind_a_proxy_the_flood_limit_is_per_client(app_factory, link):
    # One hop trusted: each respondent behind nginx is counted on their own, so a
    # flood from one address does not shut the survey for the next person.
    app = app_factory(PROXY_HOPS=1)
    _limit_flood(app, 2)
    assert _submissions(app, link["code"], "203.0.113.7", 3) == [303, 303, 429]
    assert _submissions(app, link["code"], "198.51.100.2", 1) == [303]


def test_without_trusted_hops_a_forwarded_address_is_ignored(app_factory, link):
    # A client talking to gunicorn directly cannot dodge the limit with a made-up
    # X-Forwarded-For: with PROXY_HOPS = 0 (the default) nobody's header is believed.
    app = app_factory()
    _limit_flood(app, 2)
    assert _submissions(app, link["code"], "203.0.113.7", 2) == [303, 303]
    assert _submissions(app, link["code"], "198.51.100.2", 1) == [429]


def test_only_the_trusted_hops_are_believed(app_factory, link):
    # The client may write any X-Forwarded-For; the proxy appends the real address.
    # Only the last entry counts, so changing the made-up first one changes nothing.
    app = app_factory(PROXY_HOPS=1)
    _limit_flood(app, 1)
    assert _submissions(app, link["code"], "10.0.0.1, 203.0.113.7", 1) == [303]
    assert _submissions(app, link["code"], "10.0.0.2, 203.0.113.7", 1) == [429]


def test_gunicorn_logs_no_address_for_a_malformed_request(tmp_path, migrated_database):
    # Gunicorn warns "Invalid request from ip=..." for a request it cannot parse; the
    # project's logger class writes the warning without the address.
    database = tmp_path / "survey.db"
    copy_database(migrated_database, database)
    process, log, base = start_server(tmp_path, str(database))
    try:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"NOT A REQUEST\r\n\r\n")
            sock.recv(1024)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    text = (tmp_path / "gunicorn.log").read_bytes()
    assert b"Invalid request from ip=[address]" in text
    assert IPV4.findall(text) == [] and IPV6.findall(text) == []


# The real proxy ---------------------------------------------------------------------

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ROOT = Path(__file__).resolve().parent.parent


def _nginx_site(listen_port, upstream_port, error_log):
    """deploy/nginx.conf as shipped, but on plain http at 127.0.0.1 for the test.

    Only the TLS lines, the redirect from port 80 and the addresses change: every
    header, limit and log setting is the file a deployment copies.
    """
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    text = re.sub(r"\nserver \{\n    listen 80;.*?\n\}\n", "\n", text, flags=re.S)
    text = re.sub(r"\n *ssl_[^\n]*", "", text)
    text = re.sub(r"\n *listen \[::\]:443[^\n]*", "", text)
    text = re.sub(r"listen 443 ssl http2;", f"listen 127.0.0.1:{listen_port};", text)
    text = text.replace("127.0.0.1:8000", f"127.0.0.1:{upstream_port}")
    return text.replace("/var/log/nginx/survey-error.log", str(error_log))


def _start_nginx(tmp_path, upstream_port):
    """nginx as this user, everything it writes in tmp_path; returns (process, port)."""
    port = free_port()
    site = tmp_path / "site.conf"
    site.write_text(_nginx_site(port, upstream_port, tmp_path / "error.log"))
    temp = "".join(
        f"{kind}_temp_path {tmp_path / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"user {getpass.getuser()};\n"
        f"pid {tmp_path / 'nginx.pid'};\n"
        f"error_log {tmp_path / 'main-error.log'} warn;\n"
        "daemon off;\nworker_processes 1;\nevents {}\n"
        # An access log for the whole server, which the site must switch off.
        f"http {{\n{temp}access_log {tmp_path / 'access.log'};\ninclude {site};\n}}\n"
    )
    with open(tmp_path / "nginx-stderr.log", "wb") as stderr:
        process = subprocess.Popen(
            [NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "main-error.log"), "-c"]
            + [str(tmp_path / "nginx.conf")],
            stderr=stderr,
        )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            if process.poll() is not None:
                stderr = (tmp_path / "nginx-stderr.log").read_text()
                raise AssertionError(stderr) from None
            time.sleep(0.1)
    process.kill()
    raise AssertionError("nginx did not start")


def _fetch(port, path, data=None, source="127.0.0.2", headers=()):
    """A request to nginx from the loopback address `source`: status, headers, text."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=20, source_address=(source, 0)
    )
    try:
        body = urllib.parse.urlencode(data, doseq=True) if data is not None else None
        heads = dict(headers)
        if body is not None:
            heads["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request("POST" if body is not None else "GET", path, body, heads)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def _submit(port, code, source, headers=()):
    """Walk the survey through nginx from `source`; the final submit's status."""
    status, _, html = _fetch(port, f"/s/{code}/begin", [], source, headers)
    assert status == 200
    for _ in range(10):
        form = read_form(html)
        data = [pair for pair in form.hidden if pair[0] != "website"]
        data += [(k, v) for k, v in NO_CONTACT.items() if k in form.fields]
        last = "Send your answers" in html
        status, _, html = _fetch(
            port, f"/s/{code}/questions", data + [("nav", "next")], source, headers
        )
        if last or status != 200:
            return status
    raise AssertionError("the survey did not end")


@pytest.fixture
def behind_nginx(tmp_path, app, link):
    """gunicorn (one worker, PROXY_HOPS = 1, a limit of 2) behind the shipped nginx."""
    if not os.path.exists(NGINX):
        pytest.skip("nginx is not installed: make test installs Debian's nginx-light")
    upstream = free_port()
    gunicorn = serve(
        "survey:create_app()",
        upstream,
        1,  # the flood counter is per worker: one worker makes the limit exact
        {
            "SURVEY_SECRET_KEY": SECRET,
            "SURVEY_DATABASE": app.config["DATABASE"],
            "SURVEY_INSTANCE_PATH": str(tmp_path),
            "SURVEY_PROXY_HOPS": "1",
            "SURVEY_FLOOD_LIMIT": "2",
        },
    )
    nginx, port = _start_nginx(tmp_path, upstream)
    try:
        yield port
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)
        gunicorn.terminate()
        gunicorn.wait(timeout=30)


def test_the_survey_works_through_nginx(behind_nginx, link, db, tmp_path):
    port = behind_nginx
    status, headers, html = _fetch(port, f"/s/{link['code']}")
    assert status == 200 and "Your views survey" in html
    # The app's security headers pass through, with one HSTS header from nginx.
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers.get_all("Strict-Transport-Security") == [
        "max-age=31536000; includeSubDomains"
    ]
    assert _submit(port, link["code"], "127.0.0.2") == 303
    assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 1
    # A body over the app's limit is stopped by nginx.
    status, _, _ = _fetch(port, f"/s/{link['code']}/questions", {"x": "a" * 70000})
    assert status == 413
    # A malformed request, then: nothing anywhere names a client.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"NOT A REQUEST\r\n\r\n")
        sock.recv(1024)
    assert not (tmp_path / "access.log").exists() or (
        (tmp_path / "access.log").read_text() == ""
    )
    for log in ("error.log", "main-error.log", "nginx-stderr.log"):
        text = (tmp_path / log).read_bytes() if (tmp_path / log).exists() else b""
        assert IPV4.findall(text) == [], text


def test_the_flood_limit_holds_per_client_behind_nginx(behind_nginx, link):
    # Respondents connect from different addresses (127.0.0.2 and 127.0.0.3 here);
    # the app counts each one, as nginx forwarded it.
    port = behind_nginx
    first = [_submit(port, link["code"], "127.0.0.2") for _ in range(3)]
    assert first == [303, 303, 429]
    assert _submit(port, link["code"], "127.0.0.3") == 303
    # A made-up X-Forwarded-For does not get the first client a fresh allowance.
    spoof = {"X-Forwarded-For": "198.51.100.9"}
    assert _submit(port, link["code"], "127.0.0.2", spoof) == 429


def test_the_app_does_not_start_without_its_public_address(monkeypatch):
    # Cards would otherwise print whatever Host header a request claimed.
    monkeypatch.delenv("SURVEY_PUBLIC_BASE_URL")
    with pytest.raises(RuntimeError, match="^PUBLIC_BASE_URL not set"):
        create_app({"SECRET_KEY": "k"})
    with pytest.raises(RuntimeError, match="^PUBLIC_BASE_URL not set"):
        create_app({"SECRET_KEY": "k", "PUBLIC_BASE_URL": "survey.example.org/x"})
    # Tests and `flask run --debug` may do without.
    assert create_app({"SECRET_KEY": "k", "TESTING": True})
    assert create_app({"SECRET_KEY": "k", "DEBUG": True})
    assert create_app({"SECRET_KEY": "k", "PUBLIC_BASE_URL": "https://a.example/"})


def _mode(path):
    return oct(os.stat(path).st_mode & 0o777)


def test_the_instance_folder_and_its_secrets_are_private(tmp_path, monkeypatch):
    # The Makefile's instance step, as `make run` takes it on a fresh machine, under
    # the usual umask: nobody but the owner may read the key, answers or password.
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    instance = tmp_path / "instance"
    monkeypatch.setenv("SURVEY_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # this checkout's survey package
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        ["make", "--no-print-directory", "instance", f"BIN={bin_dir}"]
        + ["DEMO_RESPONSES=20", f"FLASK={bin_dir / 'flask'} --app survey"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert _mode(instance) == "0o700"
    for name in ("config.py", "survey.db", "demo-admin.txt"):
        assert _mode(instance / name) == "0o600", name


def test_init_db_creates_a_private_database_and_tightens_an_old_one(tmp_path):
    folder = tmp_path / "new" / "instance"
    database = folder / "survey.db"
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        SURVEY_INSTANCE_PATH=str(folder),
        SURVEY_SECRET_KEY="k",
    )
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "survey"]
    subprocess.run(
        flask + ["init-db"],
        env=env,
        check=True,
        capture_output=True,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert _mode(folder) == "0o700"
    assert _mode(database) == "0o600"
    database.chmod(0o644)  # made by an older version
    subprocess.run(flask + ["init-db"], env=env, check=True, capture_output=True)
    assert _mode(database) == "0o600"
    assert _mode(Path(staff_path(str(database)))) == "0o600"
    # A backup holds every answer too.
    backup = tmp_path / "backup.db"
    subprocess.run(flask + ["backup", str(backup)], env=env, check=True)
    assert _mode(backup) == "0o600"
    assert _mode(Path(staff_path(str(backup)))) == "0o600"


# Error pages for staff --------------------------------------------------------------


def test_staff_get_their_own_error_pages(personas, link):
    anonymous = personas["anonymous"].get("/staff/no-such-page")
    html = anonymous.get_data(as_text=True)
    assert anonymous.status_code == 404
    assert 'href="/staff/login"' in html
    assert "the link you were given" not in html
    refused = personas["partner_a"].get("/dashboard/")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert "You do not have access to this page" in html
    assert 'href="/staff/"' in html or "staff home page" in html
    assert "the link you were given" not in html
    # Respondents keep theirs, which never mentions staff.
    respondent = personas["anonymous"].get("/s/no-such-link")
    html = respondent.get_data(as_text=True)
    assert respondent.status_code == 404
    assert "If you were given a link or a card" in html
    assert "staff" not in html.lower()


# Backups ----------------------------------------------------------------------------


def test_a_backup_restored_by_copying_is_read_by_the_app(
    app, runner, db, link, tmp_path
):
    # docs/deploy.md: stop the service, copy the backup over survey.db, start again.
    walk_survey(app.test_client(), link["code"], NO_CONTACT)
    backup = tmp_path / "backup.db"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    restored = tmp_path / "restored" / "survey.db"
    restored.parent.mkdir()
    copy_database(backup, restored)  # the staff file beside it too
    again = create_app(
        {"TESTING": True, "SECRET_KEY": SECRET, "DATABASE": str(restored)}
    )
    assert again.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    start = again.test_client().get(f"/s/{link['code']}")
    assert start.status_code == 200
    with again.app_context():
        count = get_db().execute("SELECT count(*) FROM responses").fetchone()[0]
    assert count == 1
