"""The canary scan (docs/privacy.md §2): nothing about the sender reaches any file.

The app runs under gunicorn with the project's own gunicorn.conf.py, as in production,
and every file it writes is searched afterwards.
"""

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from helpers import SECRET, read_form

from survey import storage

CANARY_AGENT = "CanaryAgent/7f3a9"
CANARY_REFERER = "https://canary-referer.example/7f3a9"
CANARY_ADDRESSES = ["203.0.113.77", "2001:db8::7f3a"]
CANARY_PHONE = "07700 900731"
IPV4 = re.compile(rb"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
IPV6 = re.compile(
    rb"(?i)(?<![0-9a-f:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"
    rb"|[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*::(?:[0-9a-f]{1,4})?|::1)(?![0-9a-f:])"
)
CLOCK_TIME = re.compile(rb"\b\d{2}:\d{2}(?::\d{2})?\b")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(tmp_path, database):
    port = free_port()
    env = dict(
        os.environ,
        SURVEY_SECRET_KEY=SECRET,
        SURVEY_DATABASE=database,
        SURVEY_INSTANCE_PATH=str(tmp_path),
        # The blocked submission below gives up sooner than the default 5 s.
        SURVEY_DATABASE_BUSY_TIMEOUT_MS="500",
    )
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed by the caller
    process = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "survey:create_app()",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=os.path.dirname(os.path.dirname(__file__)),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # a loaded CI machine can be slow to start it
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/s/none", timeout=5)
        except urllib.error.HTTPError:
            break  # the 404 page: the server is up
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise AssertionError("gunicorn did not start; see gunicorn.log")
    return process, log, base


def request(url, data=None):
    headers = {
        "User-Agent": CANARY_AGENT,
        "Referer": CANARY_REFERER,
        "X-Forwarded-For": ", ".join(CANARY_ADDRESSES),
        "X-Real-IP": CANARY_ADDRESSES[0],
        "Forwarded": f"for={CANARY_ADDRESSES[0]}",
    }
    body = (
        urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    )
    with urllib.request.urlopen(
        urllib.request.Request(url, body, headers), timeout=10
    ) as response:
        return response.read().decode()


def submit(base, code, answers):
    html = request(f"{base}/s/{code}/begin", [])
    for _ in range(10):
        form = read_form(html)
        data = [pair for pair in form.hidden]
        data += [(k, v) for k, v in answers.items() if k in form.fields]
        last = "Send your answers" in html
        html = request(f"{base}/s/{code}/questions", data + [("nav", "next")])
        if last:
            assert "Thank you" in html
            return
    raise AssertionError("survey did not end")


def test_nothing_about_the_sender_is_written_anywhere(tmp_path, app, link):
    database = app.config["DATABASE"]
    process, log, base = start_server(tmp_path, database)
    try:
        for _ in range(3):
            submit(
                base,
                link["code"],
                {
                    "A1_offence": "da",
                    "A2_contact": "lt3m",
                    "D1_offered": "yes",
                    "D2_answered": "some",
                    "D3_reasons": "other",
                    "D3_other_text": f"he reads my phone, {CANARY_PHONE}",
                    "F1_comments": f"text me on {CANARY_PHONE} or +44 7700 900731",
                },
            )
        # A submission the database cannot take makes the app log a warning: that
        # line must say nothing of who or when either.
        blocker = sqlite3.connect(database, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            submit(base, link["code"], {"A1_offence": "da"})
        except urllib.error.HTTPError as error:
            assert error.code == 503
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        with pytest.raises(urllib.error.HTTPError):
            request(f"{base}/s/nonexistent")  # an error page too
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()

    db = storage.connect(database)
    assert storage.count_responses(db) == 3
    db.close()
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    log_text = (tmp_path / "gunicorn.log").read_text()
    assert "could not be stored" in log_text  # the log was written, and searched below
    assert any(path.name.endswith(".db") for path in files)
    canaries = [
        CANARY_AGENT,
        CANARY_REFERER,
        *CANARY_ADDRESSES,
        CANARY_PHONE,
        "900731",
        "127.0.0.1",
    ]
    for path in files:
        content = path.read_bytes()
        for canary in canaries:
            assert canary.encode() not in content, (path.name, canary)
        assert not IPV4.search(content), (path.name, IPV4.search(content))
        assert not IPV6.search(content), (path.name, IPV6.search(content))
        assert not CLOCK_TIME.search(content), (path.name, CLOCK_TIME.search(content))
