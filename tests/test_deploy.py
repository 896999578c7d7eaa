"""Deployment: behind a proxy, under gunicorn, with the files it creates."""

import shutil
import socket

import pytest
from helpers import SECRET, walk_survey
from test_canary import IPV4, IPV6, start_server

from survey import create_app

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
    shutil.copyfile(migrated_database, database)
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
