"""Fuzzing the survey form: never a 500, and invalid input stores nothing."""

import time

import pyotp
import pytest
from helpers import CSRF, PASSWORD, SECRET, csrf_token, post_form
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from survey import accounts, integrity, questionnaire, storage

CODES = [question.code for question in questionnaire.QUESTIONS]
NAMES = st.sampled_from([*CODES, "page", "token", "nav", "website"]) | st.text(
    max_size=20
)
VALUES = (
    st.sampled_from(
        sorted(
            {value for question in questionnaire.QUESTIONS for value in question.values}
        )
        + ["", "1", "6", "0", "next", "back", "send", "\x00", "é" * 3, "<script>"]
    )
    | st.text(max_size=60)
    | st.text(max_size=1200)
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(pairs=st.lists(st.tuples(NAMES, VALUES), max_size=30), page=st.integers(0, 8))
def test_random_forms_never_cause_a_500_and_bad_ones_store_nothing(
    client, db, link, pairs, page
):
    before = storage.count_responses(db)
    token = integrity.issue_token(SECRET, integrity_hour())
    data = [("token", token), ("page", str(page)), *pairs]
    response = post_form(client, link["code"], data)
    assert response.status_code in (200, 303, 400, 403, 413, 429), response.status_code
    after = storage.count_responses(db)
    if response.status_code != 303:
        assert after == before
    else:
        assert after - before <= 1


@FUZZ
@given(
    answers=st.fixed_dictionaries(
        {},
        optional={
            question.code: (
                st.lists(st.sampled_from(question.values), unique=True, max_size=4)
                if question.kind == "multi"
                else st.text(max_size=40)
                if question.kind == "text"
                else st.sampled_from(question.values)
            )
            for question in questionnaire.QUESTIONS
        },
    )
)
def test_answer_sets_are_stored_only_when_routing_and_values_agree(
    client, db, link, answers
):
    before = storage.count_responses(db)
    token = integrity.issue_token(SECRET, integrity_hour())
    data = [("token", token), ("page", str(questionnaire.LAST_PAGE)), ("nav", "send")]
    for code, value in answers.items():
        for one in value if isinstance(value, list) else [value]:
            data.append((code, one))
    response = post_form(client, link["code"], data)
    assert response.status_code in (200, 303, 400), response.status_code
    stored = storage.count_responses(db) - before
    if response.status_code == 303:
        assert stored == 1
        assert "A1_offence" in answers
    else:
        assert stored == 0


@FUZZ
@given(path=st.text(max_size=60))
def test_random_paths_never_cause_a_500(client, link, path):
    response = client.get(f"/s/{path}")
    assert response.status_code in (200, 308, 404, 405), response.status_code
    response.close()


def integrity_hour():
    return int(time.time()) // 3600


@FUZZ
@given(pairs=st.lists(st.tuples(NAMES, VALUES), max_size=30))
def test_random_posts_to_the_first_page_never_cause_a_500_or_store(
    client, db, link, pairs
):
    response = client.post(f"/s/{link['code']}/begin", data=MultiDict(pairs))
    assert response.status_code in (200, 400, 413), response.status_code
    assert storage.count_responses(db) == 0


# The second step of staff sign-in and enrolment, posted to by someone whose password
# was right (a pending session): any input gives a page, never an error.
CODE_FIELDS = st.sampled_from(["code", "csrf_token", "submit", "x"]) | st.text(
    max_size=10
)
CODE_VALUES = (
    st.sampled_from(["", "000000", "123456", "0000-0000-0000-0000", "\x00", "١٢٣٤٥٦"])
    | st.text(max_size=80)
    | st.from_regex(r"[0-9 -]{0,12}", fullmatch=True)
)


@pytest.fixture
def pending(app, db):
    """A client per second-step page, its password right, made again when needed."""
    accounts.add_staff(db, "fuzz@example.org", PASSWORD, "analyst", None)
    staff = accounts.add_staff(db, "fuzz2@example.org", PASSWORD, "analyst", None)
    secret = accounts.new_totp_secret()
    code = pyotp.TOTP(secret).now()
    assert accounts.enrol_second_factor(db, staff["id"], secret, code, time.time())
    return {}  # shared by the examples of one test: a login is slow on purpose


@FUZZ
@given(
    path=st.sampled_from(["/staff/login/code", "/staff/login/enrol"]),
    pairs=st.lists(st.tuples(CODE_FIELDS, CODE_VALUES), max_size=6),
    with_token=st.booleans(),
)
@example(path="/staff/login/code", pairs=[("code", "١٢٣٤٥٦")], with_token=True)
@example(path="/staff/login/enrol", pairs=[("code", "１２３４５６")], with_token=True)
def test_random_codes_never_cause_a_500(app, db, pending, path, pairs, with_token):
    # Wrong codes lock an account; unlocked here so every example reaches the form.
    db.execute("UPDATE staff SET failed_logins = 0, locked_until = 0")
    db.conn.commit()
    client = pending.get(path)
    page = client.get(path) if client else None
    if page is None or page.status_code != 200:
        client = pending[path] = app.test_client()
        email = "fuzz@example.org" if path.endswith("enrol") else "fuzz2@example.org"
        client.post(
            "/staff/login",
            data={
                "csrf_token": csrf_token(client),
                "email": email,
                "password": PASSWORD,
            },
        )
        page = client.get(path)
    assert page.status_code == 200
    data = MultiDict(pairs)
    if with_token:
        data["csrf_token"] = CSRF.findall(page.get_data(as_text=True))[-1]
    response = client.post(path, data=data)
    assert response.status_code in (200, 303, 400, 413), response.status_code
