"""The victim-facing pages: the flow, routing over HTTP, errors, retries, failures."""

import re
import sqlite3

import pytest
from helpers import SECRET, page_heading, post_form, read_form, walk_survey

from analysis.perturbation import KEY_RANGE
from survey import integrity, link_store, storage

NO_CONTACT = {"A1_offence": "stalking", "A2_contact": "none", "B1_confidence": "2"}
ANSWERED_ALL = {
    "A1_offence": "da",
    "A2_contact": "lt3m",
    "B1_confidence": "4",
    "B6_trust": "3",
    "C1_satisfied": "5",
    "C4_orders": "yes",
    "D1_offered": "yes",
    "D2_answered": "all",
    "D4_explained": "yes",
    "D5_private": "no",
    "E1_age": "25to44",
}
DECLINED = {
    "A1_offence": "da",
    "A2_contact": "3to12m",
    "B1_confidence": "1",
    "D1_offered": "yes",
    "D2_answered": "none",
    "D3_reasons": ["fear_found_out", "other"],
    "D3_other_text": "He was in the next room, call me on 07700 900123",
    "D6_would_help": ["private_place", "support_worker"],
    "F1_comments": "Email me at someone@example.com please",
}


def stored(db):
    """Every stored response as a dict."""
    return list(db["responses"].rows)


def test_unknown_and_closed_links_get_the_same_404(client, db, link):
    link_store.set_link_open(db, link["code"], False)
    closed = client.get(f"/s/{link['code']}")
    unknown = client.get("/s/zzzzzzzz")
    assert closed.status_code == unknown.status_code == 404
    assert closed.get_data() == unknown.get_data()


def test_link_codes_are_case_insensitive(client, link):
    assert client.get(f"/s/{link['code'].upper()}").status_code == 200


def test_survey_without_police_contact_skips_contact_and_safety_pages(client, db, link):
    headings = []
    page = client.post(f"/s/{link['code']}/begin")
    answers = NO_CONTACT
    while True:
        html = page.get_data(as_text=True)
        headings.append(page_heading(html))
        form = read_form(html)
        data = form.hidden + [(k, v) for k, v in answers.items() if k in form.fields]
        last = "Send your answers" in html
        page = post_form(client, link["code"], data + [("nav", "next")])
        if last:
            break
    assert headings == ["What happened", "Confidence in the police", "About you"]
    assert page.status_code == 303
    [row] = stored(db)
    assert row["A2_contact"] == "none" and row["C1_satisfied"] is None
    assert row["D3_reasons.fear_found_out"] is None


def test_survey_answered_all_is_stored_with_week_and_channel(client, db, link):
    response = walk_survey(client, link["code"], ANSWERED_ALL)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/s/{link['code']}/done")
    [row] = stored(db)
    assert row["channel"] == "outreach-north"
    assert re.fullmatch(r"\d{4}-W\d{2}", row["period"])
    assert row["version"] == 1
    for code, value in ANSWERED_ALL.items():
        assert row[code] == value
    assert row["D3_reasons.fear_found_out"] is None  # D3 was not asked


def test_submitted_response_gets_a_record_key(client, db, link):
    walk_survey(client, link["code"], NO_CONTACT)
    [row] = stored(db)
    assert 0 <= row["record_key"] < KEY_RANGE


def test_survey_declined_stores_reasons_as_columns_and_redacts_text(client, db, link):
    response = walk_survey(client, link["code"], DECLINED)
    assert response.status_code == 303
    [row] = stored(db)
    assert row["D3_reasons.fear_found_out"] == 1
    assert row["D3_reasons.other"] == 1
    assert row["D3_reasons.shame"] == 0
    assert row["D6_would_help.private_place"] == 1
    assert row["D6_would_help.nothing"] == 0
    assert row["D3_other_text"] == "He was in the next room, call me on [removed]"
    assert row["F1_comments"] == "Email me at [removed] please"


def test_thanks_page_repeats_help_and_says_where_results_are_published(client, link):
    response = client.get(f"/s/{link['code']}/done")
    html = response.get_data(as_text=True)
    assert "Thank you" in html and "0808 2000 247" in html
    assert "publishes a summary of the results on this website" in html
    assert 'href="/results"' in html


def test_missing_required_answer_re_renders_with_400_and_keeps_answers(
    client, db, link
):
    page = client.post(f"/s/{link['code']}/begin").get_data(as_text=True)
    form = read_form(page)
    response = post_form(
        client,
        link["code"],
        form.hidden + [("A2_contact", "gt12m"), ("nav", "next")],
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in html
    assert 'href="#A1_offence"' in html
    assert re.search(r'value="gt12m"\s+checked', html)
    assert html.count("<title>Error: ") == 1
    assert stored(db) == []


def test_exclusive_answer_with_others_is_a_field_error(client, link):
    answers = dict(DECLINED, D3_reasons=["pns", "shame"])
    response = walk_survey(client, link["code"], answers)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Prefer not to say cannot be ticked with other answers" in html
    assert 'href="#D3_reasons"' in html


def test_other_reason_text_without_ticking_other_asks_to_tick_it(client, link):
    answers = dict(DECLINED, D3_reasons=["shame"])
    response = walk_survey(client, link["code"], answers)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "tick Another reason as well" in html
    assert "He was in the next room" in html  # the text typed is kept


def test_back_keeps_answers_and_changed_routing_drops_later_answers(client, db, link):
    code = link["code"]
    token = read_form(client.post(f"/s/{code}/begin").get_data(as_text=True)).hidden
    # On page 3, with contact answers, go back to page 2.
    carried = token + [("A1_offence", "da"), ("A2_contact", "lt3m")]
    carried += [("B1_confidence", "4")]
    back = post_form(
        client,
        code,
        [(k, v) for k, v in carried if k != "page"]
        + [("page", "3"), ("C1_satisfied", "2"), ("nav", "back")],
    )
    html = back.get_data(as_text=True)
    assert back.status_code == 200 and page_heading(html) == "Confidence in the police"
    assert ("C1_satisfied", "2") in read_form(html).hidden
    # Back on page 1, say there was no contact: C1 no longer applies and is dropped.
    data = [(k, v) for k, v in carried if k not in ("page", "A2_contact")]
    forward = post_form(
        client,
        code,
        data
        + [
            ("page", "1"),
            ("A2_contact", "none"),
            ("C1_satisfied", "2"),
            ("nav", "next"),
        ],
    )
    assert forward.status_code == 200
    assert "C1_satisfied" not in dict(read_form(forward.get_data(as_text=True)).hidden)


def test_answer_to_a_hidden_question_is_refused_and_stores_nothing(client, db, link):
    answers = dict(NO_CONTACT)
    page = client.post(f"/s/{link['code']}/begin").get_data(as_text=True)
    data = read_form(page).hidden + [
        ("A1_offence", "da"),
        ("A2_contact", "none"),
        ("page", "6"),
        ("C1_satisfied", "5"),
        ("nav", "send"),
    ]
    data = [pair for pair in data if pair != ("page", "1")]
    response = post_form(client, link["code"], data)
    assert response.status_code == 400
    assert "C1_satisfied: this question does not apply" in response.get_data(
        as_text=True
    )
    assert stored(db) == [] and answers


@pytest.mark.parametrize(
    "extra",
    [
        [("A1_offence", "burglary")],
        [("A1_offence", "da"), ("A1_offence", "stalking")],
        [("B9_unknown", "1")],
        [("D3_reasons", "fear_found_out")],
    ],
)
def test_values_no_form_offers_are_refused_with_400(client, db, link, extra):
    page = client.post(f"/s/{link['code']}/begin").get_data(as_text=True)
    data = [p for p in read_form(page).hidden if p[0] != "page"] + [("page", "6")]
    if not any(name == "A1_offence" for name, _ in extra):
        data.append(("A1_offence", "da"))
    response = post_form(client, link["code"], data + extra + [("nav", "send")])
    assert response.status_code == 400
    assert "Sorry, there is a problem" in response.get_data(as_text=True)
    assert stored(db) == []


def test_retried_submit_stores_one_response(client, db, link):
    code = link["code"]
    page = client.post(f"/s/{code}/begin").get_data(as_text=True)
    data = [p for p in read_form(page).hidden if p[0] != "page"]
    data += [("page", "6"), ("A1_offence", "da"), ("nav", "send")]
    first = post_form(client, code, data)
    again = post_form(client, code, data)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert len(stored(db)) == 1


def test_form_without_a_valid_token_is_refused(client, db, link):
    data = {"page": "6", "A1_offence": "da", "nav": "send", "token": "forged.1.abc"}
    response = post_form(client, link["code"], data)
    assert response.status_code == 400
    assert "could not be checked" in response.get_data(as_text=True)
    assert stored(db) == []


def test_expired_token_keeps_answers_and_asks_to_send_again(client, db, link):
    old = integrity.issue_token(SECRET, 1000)
    data = {"token": old, "page": "6", "A1_offence": "harassment", "nav": "send"}
    response = post_form(client, link["code"], data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please send your answers again" in html
    assert ("A1_offence", "harassment") in read_form(html).hidden
    fresh = dict(read_form(html).hidden)["token"]
    assert fresh != old
    assert stored(db) == []
    resend = post_form(client, link["code"], dict(data, token=fresh))
    assert resend.status_code == 303 and len(stored(db)) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://attacker.example"},
    ],
)
def test_cross_site_post_is_refused(client, db, link, headers):
    page = client.post(f"/s/{link['code']}/begin").get_data(as_text=True)
    data = [p for p in read_form(page).hidden if p[0] != "page"]
    data += [("page", "6"), ("A1_offence", "da"), ("nav", "send")]
    response = post_form(client, link["code"], data, headers=headers)
    assert response.status_code == 403
    assert stored(db) == []


def test_same_origin_post_with_null_origin_is_accepted(client, db, link):
    headers = {"Sec-Fetch-Site": "same-origin", "Origin": "null"}
    response = walk_survey(client, link["code"], NO_CONTACT, headers=headers)
    assert response.status_code == 303 and len(stored(db)) == 1


def test_honeypot_filled_shows_thanks_and_stores_nothing(client, db, link):
    page = client.post(f"/s/{link['code']}/begin").get_data(as_text=True)
    data = [p for p in read_form(page).hidden if p[0] != "page"]
    data += [
        ("page", "6"),
        ("A1_offence", "da"),
        ("website", "http://spam"),
        ("nav", "send"),
    ]
    response = post_form(client, link["code"], data)
    assert response.status_code == 303
    assert stored(db) == []


def test_flood_of_submissions_gets_a_polite_429(app, db, link):
    app.config["FLOOD_LIMIT"] = 3
    from survey.integrity import FloodCounter

    app.extensions["flood_counter"] = FloodCounter(3)
    client = app.test_client()
    statuses = [
        walk_survey(client, link["code"], NO_CONTACT).status_code for _ in range(4)
    ]
    assert statuses == [303, 303, 303, 429]
    assert len(stored(db)) == 3


def test_database_that_cannot_take_the_response_gets_apology_with_answers(
    client, app, db, link
):
    # Another connection holds the write lock past our (shortened) busy timeout.
    app.config["DATABASE_BUSY_TIMEOUT_MS"] = 100
    blocker = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        response = walk_survey(client, link["code"], DECLINED)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Your answers have not been sent yet" in html
    assert "Thank you" not in html
    hidden = read_form(html).hidden
    assert ("D3_reasons", "fear_found_out") in hidden
    assert DECLINED["F1_comments"] in html  # the last page's own box keeps its text
    assert stored(db) == []
    # Sending again, once the database is free, stores the response exactly once.
    again = hidden + [("F1_comments", DECLINED["F1_comments"]), ("nav", "send")]
    retry = post_form(client, link["code"], again)
    assert retry.status_code == 303
    assert len(stored(db)) == 1


def test_oversized_body_gets_413_page(client, link):
    response = post_form(client, link["code"], {"F1_comments": "x" * 100_000})
    assert response.status_code == 413
    assert "too long" in response.get_data(as_text=True)


def test_get_of_the_form_endpoint_by_post_only_route_is_405_not_500(client, link):
    response = client.put(f"/s/{link['code']}/questions")
    assert response.status_code == 405


def test_nothing_is_stored_before_the_final_submit(client, db, link):
    code = link["code"]
    page = client.post(f"/s/{code}/begin")
    seen = 0
    while "Send your answers" not in page.get_data(as_text=True):
        form = read_form(page.get_data(as_text=True))
        data = form.hidden + [
            (name, value)
            for name, value in DECLINED.items()
            if name in form.fields and isinstance(value, str)
        ]
        if "D3_reasons" in form.fields:
            data += [("D3_reasons", reason) for reason in DECLINED["D3_reasons"]]
        page = post_form(client, code, data + [("nav", "next")])
        assert page.status_code == 200
        assert storage.count_responses(db) == 0
        seen += 1
    assert seen == 5  # pages 1 to 5 were each sent; page 6 is the last
    assert "Set-Cookie" not in page.headers


def test_every_respondent_page_has_exit_this_page_and_the_help(client, link):
    code = link["code"]
    for response in (
        client.get(f"/s/{code}"),
        client.post(f"/s/{code}/begin"),
        client.get(f"/s/{code}/done"),
        client.get("/s/unknown1"),
        post_form(client, code, {"page": "1", "token": "bad"}),
        post_form(client, code, {"F1_comments": "x" * 100_000}),
    ):
        html = response.get_data(as_text=True)
        assert 'data-module="govuk-exit-this-page"' in html, response.status_code
        assert "0808 2000 247" in html and "press 55" in html, response.status_code


def test_creating_the_app_opens_no_database(tmp_path):
    from survey import create_app

    path = tmp_path / "never" / "survey.db"
    app = create_app({"SECRET_KEY": "k", "DATABASE": str(path)})
    response = app.test_client().get("/static/survey.css")
    assert response.status_code == 200
    response.close()
    assert not path.exists() and not path.parent.exists()
