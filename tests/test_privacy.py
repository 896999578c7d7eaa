"""docs/privacy.md §1, §2, §5: headers, no cookies, no cache, redaction, coarse time."""

import random
import re
from datetime import date

import pytest
from helpers import CONTACTS, post_form, walk_survey

from analysis import periods
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
    yield "first page", client.post(f"/s/{code}/begin")
    yield "questions by address", client.get(f"/s/{code}/questions")
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
    yield "privacy notice", client.get("/privacy")
    yield "accessibility statement", client.get("/accessibility")


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
    assert seen == 13


def test_every_respondent_route_in_the_url_map_is_covered(app):
    # A new respondent route must be added to respondent_responses above.
    rules = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("respond.", "pages."))
    }
    assert rules == {
        "/s/<code>",
        "/s/<code>/begin",
        "/s/<code>/questions",
        "/s/<code>/done",
        "/privacy",
        "/accessibility",
    }


def test_respondent_pages_and_their_assets_are_never_cached(client, link):
    code = link["code"]
    for path in (
        f"/s/{code}",
        f"/s/{code}/questions",
        f"/s/{code}/done",
        "/s/unknown1",
        "/static/survey.css",
        "/static/survey.js",
    ):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        response.close()
    # Every page of questions is the answer to a POST, never cached either.
    first = client.post(f"/s/{code}/begin")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"


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
    for path, response in (
        (f"/s/{code}", client.get(f"/s/{code}")),
        (f"/s/{code}/begin", client.post(f"/s/{code}/begin")),
        (f"/s/{code}/done", client.get(f"/s/{code}/done")),
    ):
        html = response.get_data(as_text=True)
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert not alarming.search(title), title
        assert not alarming.search(path)


def test_threshold_below_five_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="never be below 5"):
        create_app({"SECRET_KEY": "k", "SUPPRESSION_THRESHOLD": 4})


@pytest.mark.parametrize("unset", CONTACTS)
def test_the_app_does_not_start_without_its_contacts(tmp_path, monkeypatch, unset):
    # A help box with no number to ring, or "contact us" without how, is refused at
    # start-up, whether the setting is missing or blank.
    monkeypatch.delenv(f"SURVEY_{unset}")
    with pytest.raises(RuntimeError, match=f"^{unset} not set"):
        create_app({"SECRET_KEY": "k"})
    with pytest.raises(RuntimeError, match=f"^{unset} not set"):
        create_app({"SECRET_KEY": "k", unset: "  "})


def test_every_missing_contact_is_named_at_once(tmp_path, monkeypatch):
    for key in CONTACTS:
        monkeypatch.delenv(f"SURVEY_{key}")
    with pytest.raises(RuntimeError) as error:
        create_app({"SECRET_KEY": "k"})
    assert str(error.value).startswith(", ".join(CONTACTS) + " not set")


def test_help_box_and_accessibility_statement_say_how_to_reach_people(client, link):
    start = client.get(f"/s/{link['code']}").get_data(as_text=True)
    assert "Exampleshire Support Service:" in start
    assert 'href="tel:08081570192">0808 157 0192</a>' in start
    assert "(Monday to Friday, 9am to 5pm)" in start
    statement = " ".join(client.get("/accessibility").get_data(as_text=True).split())
    assert "contact the Police and Crime Commissioner: accessibility@example.org" in (
        statement
    )


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
    html = client.post(f"/s/{link['code']}/begin").get_data(as_text=True)
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
    assert periods.week_of(day) == week
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


# Redaction (docs/privacy.md §2): 300 PII strings and 300 ordinary sentences ------

# Every format people write each kind of PII in; each is filled with random digits or
# letters below, so the corpus holds hundreds of different strings.
MOBILE_FORMATS = [
    "0{0}{1}{2}{3} {4}{5}{6}{7}{8}{9}",
    "0{0}{1}{2}{3}{4}{5}{6}{7}{8}{9}",
    "0{0}{1}{2}{3} {4}{5}{6} {7}{8}{9}",
    "0{0}{1}{2} {3}{4}{5} {6}{7}{8}{9}",
    "0{0}{1}{2}{3}-{4}{5}{6}-{7}{8}{9}",
    "0{0}{1}{2}{3}.{4}{5}{6}.{7}{8}{9}",
    "(0{0}{1}{2}{3}) {4}{5}{6}{7}{8}{9}",
    "+44{0}{1}{2}{3}{4}{5}{6}{7}{8}{9}",
    "+44 {0}{1}{2}{3} {4}{5}{6}{7}{8}{9}",
    "+44 (0){0}{1}{2}{3} {4}{5}{6}{7}{8}{9}",
    "0044 {0}{1}{2}{3} {4}{5}{6}{7}{8}{9}",
    "+44-{0}{1}{2}{3}-{4}{5}{6}-{7}{8}{9}",
    "0{0}{1}{2}{3} {4}{5} {6}{7} {8}{9}",
    "0 {0} {1} {2} {3} {4} {5} {6} {7} {8} {9}",
]
LANDLINE_FORMATS = [
    "020 {0}{1}{2}{3} {4}{5}{6}{7}",
    "(020) {0}{1}{2}{3}-{4}{5}{6}{7}",
    "+44 20 {0}{1}{2}{3} {4}{5}{6}{7}",
    "0161 {0}{1}{2} {3}{4}{5}{6}",
    "(0113) {0}{1}{2} {3}{4}{5}{6}",
    "0113-{0}{1}{2}-{3}{4}{5}{6}",
    "+44 (0) 161 {0}{1}{2} {3}{4}{5}{6}",
    "01632 {0}{1}{2}{3}{4}{5}",
    "01632{0}{1}{2}{3}{4}{5}",
    "029 {0}{1}{2}{3} {4}{5}{6}{7}",
]
NHS_FORMATS = [
    "{0}{1}{2} {3}{4}{5} {6}{7}{8}{9}",
    "{0}{1}{2}{3}{4}{5}{6}{7}{8}{9}",
    "{0}{1}{2}-{3}{4}{5}-{6}{7}{8}{9}",
]
NI_FORMATS = [
    "{L}{M} {0}{1} {2}{3} {4}{5} {S}",
    "{L}{M}{0}{1}{2}{3}{4}{5}{S}",
    "{l}{m} {0}{1} {2}{3} {4}{5} {s}",
    "{L}{M}-{0}{1}-{2}{3}-{4}{5}-{S}",
    "{L}{M} {0}{1}{2}{3}{4}{5}",
]
POSTCODE_AREAS = [
    "SW1A",
    "M1",
    "B33",
    "CR2",
    "DN55",
    "EC1A",
    "W1A",
    "LS1",
    "NE1",
    "BS8",
    "G2",
    "EH1",
    "CF10",
    "L1",
    "N16",
    "OX4",
    "PL1",
    "YO1",
]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
NAMES = ["jo", "sam", "alex", "chris", "kim", "lee", "pat", "mo", "dee", "ash"]
DOMAINS = [
    "example.com",
    "mail.example.co.uk",
    "example.org",
    "example.ie",
    "example.net",
    "example.police.uk",
]
LINK_FORMATS = [
    "https://www.facebook.com/{n}.{m}",
    "www.{n}{m}.co.uk",
    "instagram.com/{n}_{m}",
    "http://bit.ly/{n}{d}",
    "https://tiktok.com/@{n}{m}",
    "example.org/profile?id={d}",
]
PII_TEMPLATES = [
    "You can reach me on {}",
    "{} is the one he uses",
    "my ex keeps messaging from {}, please help",
    "Contact: {}.",
    "I told the officer ({}) and nothing happened",
    "Write to me at {} if you need more",
]


def pii_strings():
    """At least 300 different PII strings in every format of docs/privacy.md §2."""
    rng = random.Random(11)

    def digits_for(fmt, first="7"):
        return fmt.format(first, *(str(rng.randrange(10)) for _ in range(9)))

    found = []
    found += [digits_for(fmt) for fmt in MOBILE_FORMATS for _ in range(8)]
    found += [
        fmt.format(*(str(rng.randrange(10)) for _ in range(8)))
        for fmt in LANDLINE_FORMATS
        for _ in range(5)
    ]
    found += [
        fmt.format(*(str(rng.randrange(10)) for _ in range(10)))
        for fmt in NHS_FORMATS
        for _ in range(6)
    ]
    for fmt in NI_FORMATS:
        for _ in range(4):
            letters = {
                "L": rng.choice("ABCEGHJKLMNOPRSTWXYZQ"),
                "M": rng.choice("ABCEGHJKLMNPRSTWXYZQ"),
                "S": rng.choice("ABCD"),
            }
            letters.update(
                {key.lower(): value.lower() for key, value in letters.items()}
            )
            found.append(
                fmt.format(*(str(rng.randrange(10)) for _ in range(6)), **letters)
            )
    for area in POSTCODE_AREAS:
        letters = "".join(rng.choice(INWARD_LETTERS) for _ in range(2))
        inward = f"{rng.randrange(10)}{letters}"
        found += [f"{area} {inward}", f"{area}{inward}".lower()]
    found += ["GIR 0AA", "gir0aa"]
    for name in NAMES:
        other = rng.choice(NAMES)
        domain = rng.choice(DOMAINS)
        found += [
            f"{name}.{other}@{domain}",
            f"{name}{rng.randrange(100)}+x@{domain}",
            f"{name}(at){domain}",
        ]
    found += [
        fmt.format(
            n=rng.choice(NAMES), m=rng.choice(NAMES), d=rng.randrange(1000, 99999)
        )
        for fmt in LINK_FORMATS
        for _ in range(4)
    ]
    found += [
        f"@{rng.choice(NAMES)}_{rng.choice(NAMES)}{rng.randrange(100)}"
        for _ in range(15)
    ]
    return list(dict.fromkeys(found))


def pii_corpus():
    """Each PII string in a sentence: (sentence, the PII)."""
    rng = random.Random(12)
    return [(rng.choice(PII_TEMPLATES).format(piece), piece) for piece in pii_strings()]


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
    assert len(set(pii_strings())) >= 300
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
    # No table keeps anything of a respondent but the response itself (releases
    # keep counts of complete periods, made by flask release, none here).
    assert tables == {
        "responses",
        "releases",
        "links",
        "channels",
        "_sqlite_migrations",
        "organisations",
        "staff",
        "sessions",
        "audit",
    }
    assert storage.count_responses(db) == 1


def test_every_page_links_to_the_privacy_notice_and_accessibility_statement(
    client, link
):
    for path in (f"/s/{link['code']}", "/s/unknown1", "/staff/login", "/privacy"):
        html = client.get(path).get_data(as_text=True)
        assert 'href="/privacy"' in html and 'href="/accessibility"' in html, path


def test_privacy_notice_says_what_is_and_is_not_collected(client):
    html = client.get("/privacy").get_data(as_text=True)
    assert "the week you answered in" in html
    assert "your internet (IP) address, device, browser or location" in html
    assert "cookies or anything else stored on your device" in html
    assert "deleted after 36 months" in html
    assert "Exit this page" in html and "0808 2000 247" in html
