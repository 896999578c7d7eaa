"""No 500 under faults (issue 14): odd input, a database that cannot be opened or
written, and imports that would store nonsense (docs/privacy.md §6)."""

import csv
import re
import sqlite3
import time

import pytest
from flask import request
from helpers import PASSWORD, SECRET, csrf_token, post_form, read_form, walk_survey

from survey import integrity, storage

# A response with free text on two pages, so that both must come back intact.
ANSWERS = {
    "A1_offence": "da",
    "A2_contact": "3to12m",
    "B1_confidence": "1",
    "D1_offered": "yes",
    "D2_answered": "none",
    "D3_reasons": ["fear_found_out", "other"],
    "D3_other_text": "He was in the next room",
    "F1_comments": "Nobody asked me what I wanted",
}


def _token():
    """A valid form token for this hour."""
    return integrity.issue_token(SECRET, int(time.time()) // 3600)


@pytest.mark.parametrize("page", ["²", "③", "١", "1²"])
def test_page_number_in_other_digits_is_a_400(client, link, page):
    data = {"token": _token(), "page": page, "nav": "next"}
    response = post_form(client, link["code"], data)
    assert response.status_code == 400


def test_account_id_past_sqlite_integers_is_a_404(personas):
    admin = personas["admin"]
    assert admin.get("/staff/users/99999999999999999999").status_code == 404
    assert admin.get("/staff/users/9223372036854775808").status_code == 404


class _FullDisk(sqlite3.Connection):
    """A connection on a full disk with no -wal file: WAL mode cannot be set."""

    def execute(self, sql, *args):
        if "journal_mode" in sql:
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args)


@pytest.fixture
def failing_open(monkeypatch):
    """Make opening the app's database fail, when `when()` is true for the request.

    Idle, SQLite removes the -wal and -shm files; with the disk full, the next
    `PRAGMA journal_mode=WAL` cannot create them and the connection never opens.
    """
    real_connect = sqlite3.connect
    state = {"when": lambda: True}

    def connect(path, *args, **kwargs):
        if state["when"]():
            kwargs["factory"] = _FullDisk
        return real_connect(path, *args, **kwargs)

    monkeypatch.setattr(storage.sqlite3, "connect", connect)
    return state


def stored(db):
    """Every stored response as a dict."""
    return list(db["responses"].rows)


def test_database_that_cannot_open_on_the_final_submit_keeps_every_answer(
    client, db, link, failing_open
):
    failing_open["when"] = lambda: request.form.get("nav") == "send"
    response = walk_survey(client, link["code"], ANSWERS)
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Your answers have not been sent yet" in html
    hidden = read_form(html).hidden
    assert ("D3_reasons", "fear_found_out") in hidden
    assert ("D3_other_text", ANSWERS["D3_other_text"]) in hidden
    assert ANSWERS["F1_comments"] in html
    assert stored(db) == []
    # Once the database opens again, sending the same page stores it once.
    failing_open["when"] = lambda: False
    again = hidden + [("F1_comments", ANSWERS["F1_comments"]), ("nav", "send")]
    assert post_form(client, link["code"], again).status_code == 303
    assert post_form(client, link["code"], again).status_code == 303
    assert len(stored(db)) == 1


def test_database_that_cannot_open_mid_survey_keeps_the_page_answers(
    client, link, failing_open
):
    failing_open["when"] = lambda: False
    first = client.post(f"/s/{link['code']}/begin").get_data(as_text=True)
    failing_open["when"] = lambda: True
    data = read_form(first).hidden + [("A1_offence", "da"), ("nav", "next")]
    response = post_form(client, link["code"], data)
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Your answers have not been sent yet" in html
    assert ("page", "1") in read_form(html).hidden
    assert re.search(r'value="da"[^>]*checked', html)


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("post", "/begin"), ("get", "/questions"), ("get", "/done")],
)
def test_every_respondent_page_gets_the_503_page_when_the_database_cannot_open(
    client, link, failing_open, method, path
):
    response = getattr(client, method)(f"/s/{link['code']}{path}")
    assert response.status_code == 503
    assert "the service is unavailable" in response.get_data(as_text=True)


def test_stored_submission_sent_again_to_a_read_only_file_gets_the_thank_you(
    client, db, link, monkeypatch
):
    final = _final_form(client, link["code"], ANSWERS)
    assert post_form(client, link["code"], final).status_code == 303

    def read_only(*_args, **_kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    # The same final page sent again (a lost reply, a second tap) after the file has
    # become read-only: the answers are stored already, so a thank-you, not a 503.
    monkeypatch.setattr(storage, "add_response", read_only)
    again = post_form(client, link["code"], final)
    assert again.status_code == 303
    assert again.headers["Location"].endswith(f"/s/{link['code']}/done")
    assert len(stored(db)) == 1


def _final_form(client, code, answers):
    """The fields a person sends from the last page, having answered every page."""
    page = client.post(f"/s/{code}/begin").get_data(as_text=True)
    while True:
        form = read_form(page)
        data = [pair for pair in form.hidden if pair[0] != "website"]
        for name, value in answers.items():
            if name in form.fields:
                data += [
                    (name, one)
                    for one in (value if isinstance(value, list) else [value])
                ]
        if "Send your answers" in page:
            return data + [("nav", "send")]
        page = post_form(client, code, data + [("nav", "next")]).get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("He said \u202egnp.exe\u202c it was fine", "He said gnp.exe it was fine"),
        ("\u2066isolated\u2069 and \u200fmarked\u200e", "isolated and marked"),
        ("zero\u200bwidth\u200c\u200d\u2060\ufeff joiners", "zerowidth joiners"),
        ("שלום, هذا نص عادي", "שלום, هذا نص عادي"),
    ],
)
def test_stored_free_text_has_no_format_characters(client, db, link, typed, kept):
    answers = {**ANSWERS, "F1_comments": typed}
    assert walk_survey(client, link["code"], answers).status_code == 303
    assert stored(db)[0]["F1_comments"] == kept


def test_zero_width_characters_do_not_hide_an_address_from_redaction(client, db, link):
    answers = {**ANSWERS, "F1_comments": "write to some\u200bone@exam\u200bple.com"}
    assert walk_survey(client, link["code"], answers).status_code == 303
    assert stored(db)[0]["F1_comments"] == "write to [removed]"


def _import(runner, tmp_path, header, rows):
    """Run `flask import-responses` on a CSV with this header and these rows."""
    path = tmp_path / "paper.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return runner.invoke(args=["import-responses", str(path)])


def _csv_row(header, **values):
    """One import row for `header`: a valid answer unless `values` say otherwise
    (its week is in the past and kept on the tests' fixed day, fixed_day)."""
    row = {"period": "2026-W10", "channel": "outreach-north", "version": "1"}
    row |= {"A1_offence": "da", "A2_contact": "none", **values}
    return [row.get(column, "") for column in header]


def test_import_refuses_a_file_with_a_column_named_twice(
    runner, db, link, tmp_path, fixed_day
):
    header = [*storage.CSV_COLUMNS, "A1_offence"]
    row = _csv_row(header)
    row[-1] = "stalking"  # read alone, the second cell would silently win
    result = _import(runner, tmp_path, header, [row])
    assert result.exit_code == 1
    assert "Columns named more than once: A1_offence" in result.output
    assert storage.count_responses(db) == 0


@pytest.mark.parametrize("period", ["1900-W01", "2019-W52"])
def test_import_refuses_a_week_before_2020_naming_the_row(
    app, runner, db, link, tmp_path, period, fixed_day
):
    # With a century's retention the floor is 2020, the survey's first year; with
    # the usual 36 months the retention period ends first (test_cli.py).
    app.config["RETENTION_MONTHS"] = 1200
    header = storage.CSV_COLUMNS
    rows = [_csv_row(header), _csv_row(header, period=period)]
    result = _import(runner, tmp_path, header, rows)
    assert result.exit_code == 1
    assert f"Row 3: period: {period} is before 2020-W01" in result.output
    assert "Row 2" not in result.output
    assert storage.count_responses(db) == 0


def test_import_takes_the_first_week_of_2020(
    app, runner, db, link, tmp_path, fixed_day
):
    app.config["RETENTION_MONTHS"] = 1200
    header = storage.CSV_COLUMNS
    result = _import(runner, tmp_path, header, [_csv_row(header, period="2020-W01")])
    assert result.exit_code == 0, result.output
    assert storage.count_responses(db) == 1


# Staff pages: the session is read before the page and stored after it, where no
# error handler runs; a database failure there is the staff 503 page, not a 500.


class _NoSessions(sqlite3.Connection):
    """A connection whose every touch of the sessions table fails, as on a full disk."""

    def execute(self, sql, *args):
        if "sessions" in sql:
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args)


@pytest.fixture
def failing_sessions(monkeypatch):
    """From now on, reading or writing a staff session fails."""
    real_connect = sqlite3.connect

    def connect(path, *args, **kwargs):
        kwargs["factory"] = _NoSessions
        return real_connect(path, *args, **kwargs)

    monkeypatch.setattr(storage.sqlite3, "connect", connect)


def test_a_session_that_cannot_be_read_gives_the_staff_503_page(personas):
    admin = personas["admin"]
    assert admin.get("/staff/").status_code == 200  # logged in
    with pytest.MonkeyPatch.context() as patch:
        real_connect = sqlite3.connect
        patch.setattr(
            storage.sqlite3,
            "connect",
            lambda path, *a, **k: real_connect(
                path, *a, **{**k, "factory": _NoSessions}
            ),
        )
        for path in ("/staff/", "/dashboard/", "/staff/links"):
            response = admin.get(path)
            assert response.status_code == 503, path
            html = response.get_data(as_text=True)
            assert "Sorry, the service is unavailable" in html, path
            assert "the link you were given" not in html  # the staff page, not ours
        posted = admin.post("/staff/logout", data={"csrf_token": "x"})
        assert posted.status_code == 503
    assert admin.get("/staff/").status_code == 200  # the session was never lost


def test_a_sign_in_that_cannot_be_stored_gives_the_staff_503_page(
    app, staff_accounts, failing_sessions
):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/staff/login",
        data={"csrf_token": token, "email": "admin@example.org", "password": PASSWORD},
    )
    assert response.status_code == 503
    assert "Location" not in response.headers
    assert "session" not in response.headers.get("Set-Cookie", "")
    assert "unavailable" in response.get_data(as_text=True)
