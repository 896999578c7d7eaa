"""docs/privacy.md §1, §2 and §5: headers, no cookie or cache, coarse time, titles."""

import re
from datetime import date

import pytest
from helpers import post_form, walk_survey

from analysis import periods
from survey import create_app, privacy
from survey.downloads import defuse_formula

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
    assert defuse_formula(cell) == "'" + cell


def test_ordinary_cells_are_left_alone():
    assert defuse_formula("outreach-north") == "outreach-north"
    assert defuse_formula(1) == 1


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
