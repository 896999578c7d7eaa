"""PRIVACY.md §1, §2 and §5: headers, no cookies, no cache, redaction, coarse time."""

import random
import re
from datetime import date

import pytest
from conftest import post_form, walk_survey

from survey import create_app, privacy, storage
from survey.privacy import REMOVED, redact

REQUIRED_HEADERS = {
    "Content-Security-Policy": None,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def respondent_responses(client, code):
    """One response from every respondent route and every error page they can give."""
    yield "start", client.get(f"/s/{code}")
    yield "first page", client.get(f"/s/{code}/questions")
    yield (
        "next page",
        walk_survey(client, code, {"A1_offence": "da"})
        and client.get(f"/s/{code}/done"),
    )
    yield "400 field error", post_form(client, code, {"page": "1", "token": "x"})
    yield "404", client.get("/s/unknown1")
    yield "404 elsewhere", client.get("/nowhere")
    yield "405", client.delete(f"/s/{code}")
    yield "413", post_form(client, code, {"F1_comments": "x" * 100_000})
    yield (
        "403",
        post_form(
            client, code, {"page": "1"}, headers={"Sec-Fetch-Site": "cross-site"}
        ),
    )
    yield "static", client.get("/static/survey.css")


def test_every_respondent_response_sets_no_cookie_and_the_headers(client, link):
    seen = 0
    for name, response in respondent_responses(client, link["code"]):
        seen += 1
        assert "Set-Cookie" not in response.headers, name
        for header, value in REQUIRED_HEADERS.items():
            assert header in response.headers, (name, header)
            if value:
                assert response.headers[header] == value, (name, header)
        assert "Server" not in response.headers, name
        response.close()
    assert seen == 10


def test_every_respondent_route_in_the_url_map_is_covered(app):
    # A new respondent route must be added to respondent_responses above.
    rules = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("respond.")
    }
    assert rules == {"/s/<code>", "/s/<code>/questions", "/s/<code>/done"}


def test_respondent_pages_are_never_cached(client, link):
    for path in (
        f"/s/{link['code']}",
        f"/s/{link['code']}/questions",
        f"/s/{link['code']}/done",
    ):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_content_security_policy_forbids_inline_code_and_other_origins(client, link):
    policy = client.get(f"/s/{link['code']}").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    for directive in (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in policy


def test_pages_load_nothing_from_other_origins_and_have_no_inline_script(client, link):
    html = client.get(f"/s/{link['code']}").get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        if url.startswith(("tel:", "#")):
            continue
        # The only absolute URL is Exit this page's destination: a link, never loaded.
        assert url.startswith("/") or url == "https://www.bbc.co.uk/weather", url
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "style=" not in html


def test_hsts_only_over_https(client, link):
    plain = client.get(f"/s/{link['code']}")
    secure = client.get(f"/s/{link['code']}", base_url="https://survey.example")
    assert "Strict-Transport-Security" not in plain.headers
    max_age = int(
        re.search(r"max-age=(\d+)", secure.headers["Strict-Transport-Security"])[1]
    )
    assert max_age >= 365 * 24 * 3600


def test_unexpected_error_gets_the_error_page_with_headers_and_no_cookie(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "k",
            "DATABASE": str(tmp_path / "x.db"),
            "PROPAGATE_EXCEPTIONS": False,
        }
    )

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    response = app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "RuntimeError" not in html and "Traceback" not in html
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"


def test_page_titles_and_urls_are_neutral(client, link):
    alarming = re.compile(r"abuse|police|stalk|harass|victim|crime|violence", re.I)
    code = link["code"]
    for path in (f"/s/{code}", f"/s/{code}/questions", f"/s/{code}/done"):
        html = client.get(path).get_data(as_text=True)
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert not alarming.search(title), title
        assert not alarming.search(path)


def test_threshold_below_five_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="never be below 5"):
        create_app({"SECRET_KEY": "k", "SUPPRESSION_THRESHOLD": 4})


def test_missing_secret_key_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEY_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app()


def test_environment_variables_override_instance_config(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        "SECRET_KEY = 'from-file'\nFORCE_NAME = 'File Police'\n"
    )
    monkeypatch.setenv("SURVEY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SURVEY_FORCE_NAME", "Env Police")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["FORCE_NAME"] == "Env Police"
    assert app.config["DATABASE"] == str(tmp_path / "survey.db")
    assert create_app({"FORCE_NAME": "Test"}).config["FORCE_NAME"] == "Test"


def test_force_name_is_used_in_the_trust_question(app, client, link):
    app.config["FORCE_NAME"] = "Exampleshire Police"
    html = walk_survey(client, link["code"], {})  # page 1 with nothing: stays there
    html = client.get(f"/s/{link['code']}/questions").get_data(as_text=True)
    assert "Exampleshire Police" not in html  # B6 is on page 2
    page = post_form(
        client,
        link["code"],
        [
            (name, value)
            for name, value in re.findall(r'name="(token|page)" value="([^"]+)"', html)
        ]
        + [("A1_offence", "da"), ("nav", "next")],
    )
    assert "Exampleshire Police is an organisation that I can trust." in page.get_data(
        as_text=True
    )


# Time is kept as the ISO week only ---------------------------------------------------


@pytest.mark.parametrize(
    ("day", "week"),
    [
        (date(2026, 4, 2), "2026-W14"),
        (date(2027, 1, 1), "2026-W53"),
        (date(2024, 12, 30), "2025-W01"),
        (date(2021, 1, 3), "2020-W53"),
    ],
)
def test_iso_week(day, week):
    assert privacy.iso_week(day) == week
    assert privacy.is_iso_week(week)


@pytest.mark.parametrize(
    "text", ["2026-W54", "2025-W53", "2026-14", "2026-W1", "W14", ""]
)
def test_is_iso_week_refuses_what_is_not_one(text):
    assert not privacy.is_iso_week(text)


# Formula defusing for CSV ------------------------------------------------------------


@pytest.mark.parametrize("cell", ["=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\rx"])
def test_formula_cells_are_defused(cell):
    assert privacy.defuse_formula(cell) == "'" + cell


def test_ordinary_cells_are_left_alone():
    assert privacy.defuse_formula("outreach-north") == "outreach-north"
    assert privacy.defuse_formula(1) == 1


# Redaction: PRIVACY.md §7 asks for 300 PII strings and 300 ordinary sentences ---------

MOBILES = [
    "07700900123",
    "07700 900123",
    "07700 900 123",
    "0770 090 0123",
    "07700-900-123",
    "07700.900.123",
    "(07700) 900123",
    "+447700900123",
    "+44 7700 900123",
    "+44 (0)7700 900123",
    "0044 7700 900123",
    "+44-7700-900-123",
    "07700 90 01 23",
    "0 7 7 0 0 9 0 0 1 2 3",
]
LANDLINES = [
    "020 7946 0018",
    "0161 496 0000",
    "01632 960001",
    "(0113) 496 0000",
    "+44 20 7946 0018",
    "0113-496-0000",
    "029 2018 0000",
    "0117 496 0999",
    "01632960001",
    "(020) 7946-0018",
    "+44 (0) 161 496 0000",
    "0131 496 0042",
]
EMAILS = [
    "jo.bloggs@example.com",
    "JB_1987@mail.example.co.uk",
    "someone+tag@example.org",
    "o'neill@example.ie",
    "a.b-c@sub.example.net",
    "first.last@example.police.uk",
    "jo bloggs @ example.com".replace(" ", ""),
    "joe(at)example.com",
]
POSTCODES = [
    "SW1A 1AA",
    "M1 1AE",
    "B33 8TH",
    "CR2 6XH",
    "DN55 1PT",
    "EC1A 1BB",
    "W1A 0AX",
    "GIR 0AA",
    "sw1a1aa",
    "ls1 4ap",
    "NE1 4ST",
    "BS8 1TH",
]
NI_NUMBERS = [
    "QQ 12 34 56 C",
    "AB123456C",
    "ab 12 34 56 d",
    "JG103759A",
    "QQ-12-34-56-A",
]
NHS_NUMBERS = ["943 476 5919", "9434765919", "943-476-5919", "401 023 2137"]
LINKS = [
    "https://www.facebook.com/jo.bloggs",
    "www.example.co.uk",
    "instagram.com/jo_b",
    "http://bit.ly/abc123",
    "https://tiktok.com/@jo",
    "example.org/profile?id=77",
]
HANDLES = ["@jo_bloggs", "@JB1987", "@x", "@some.one"]
PII_TEMPLATES = [
    "You can reach me on {}",
    "{} is the one he uses",
    "my ex keeps messaging from {}, please help",
    "Contact: {}.",
    "I told the officer ({}) and nothing happened",
    "Write to me at {} if you need more",
]


def pii_corpus():
    """At least 300 sentences, each with one piece of PII: (sentence, the PII)."""
    pieces = (
        MOBILES
        + LANDLINES
        + EMAILS
        + POSTCODES
        + NI_NUMBERS
        + NHS_NUMBERS
        + LINKS
        + HANDLES
    )
    corpus = [
        (template.format(piece), piece)
        for template in PII_TEMPLATES
        for piece in pieces
        if not (piece == "@x" and template.endswith("{}."))
    ]
    return corpus


ORDINARY_SUBJECTS = [
    "The officer",
    "My neighbour",
    "The call handler",
    "My support worker",
    "He",
    "She",
    "They",
    "The police",
    "My sister",
    "Nobody",
]
ORDINARY_EVENTS = [
    "came round at 10pm",
    "rang me back after 3 days",
    "waited 45 minutes",
    "said it would take 6 to 8 weeks",
    "took 2 hours to arrive",
    "visited twice in March 2023",
    "was kind on 12/03/2024",
    "told me about the order in 2019",
    "left at 3am with my 2 kids",
    "asked me 27 questions",
    "was late by 20 minutes",
    "owed £1,200 in rent",
    "called 999 for me",
    "stayed until half past 11",
    "said it happened 4 or 5 times",
    "came back on the 14th",
    "never called after week 2",
    "helped me for 6 months",
    "moved me to flat 4 in 2022",
    "gave me a leaflet with 10 tips",
]
ORDINARY_ENDINGS = [
    "",
    " and I felt listened to.",
    ", which did not help.",
    ". I was scared.",
    " but nothing changed.",
    ". It was 2am by then.",
]


def ordinary_corpus():
    """At least 300 ordinary sentences with times, dates, sums and small numbers."""
    rng = random.Random(7)
    sentences = {
        f"{subject} {event}{ending}"
        for subject in ORDINARY_SUBJECTS
        for event in ORDINARY_EVENTS
        for ending in ORDINARY_ENDINGS
    }
    return rng.sample(sorted(sentences), 400)


def digits(text):
    return re.sub(r"\D", "", text)


def test_pii_corpus_is_large_enough():
    assert len(pii_corpus()) >= 300
    assert len(ordinary_corpus()) >= 300


@pytest.mark.parametrize(("sentence", "piece"), pii_corpus())
def test_pii_is_removed(sentence, piece):
    result = redact(sentence)
    assert piece not in result
    assert REMOVED in result
    if len(digits(piece)) >= 6:
        assert digits(piece) not in digits(result)


def test_ordinary_sentences_are_left_alone_in_95_percent_or_more():
    corpus = ordinary_corpus()
    changed = [sentence for sentence in corpus if redact(sentence) != sentence]
    assert len(changed) / len(corpus) <= 0.05, changed[:10]


def test_redaction_keeps_nothing_that_could_undo_it(client, db, link):
    walk_survey(
        client, link["code"], {"A1_offence": "da", "F1_comments": "ring 07700 900123"}
    )
    [row] = list(db["responses"].rows)
    assert row["F1_comments"] == "ring [removed]"
    tables = {table.name for table in db.tables}
    assert tables == {"responses", "links", "_sqlite_migrations"}
    assert storage.count_responses(db) == 1
