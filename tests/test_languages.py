"""Languages: chosen on the start page, carried in the address and the forms, never
in a cookie; and every respondent-facing string goes through the catalogues."""

import re
from html.parser import HTMLParser

import pseudo_locale
import pytest
from helpers import CONTACTS, read_form, walk_survey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from survey import i18n
from survey.integrity import FloodCounter

# Answers that lead through every page of questions.
EVERY_PAGE = {
    "A1_offence": "da",
    "A2_contact": "lt3m",
    "B1_confidence": "4",
    "D1_offered": "yes",
    "D2_answered": "some",
    "D3_reasons": ["fear_found_out", "other"],
    "D3_other_text": "It was late",
    "E1_age": "25to44",
}


@pytest.fixture(scope="session")
def pseudo_translations(tmp_path_factory):
    """A translations folder holding only the pseudo-locale's catalogue."""
    return pseudo_locale.build(tmp_path_factory.mktemp("pseudo"))


@pytest.fixture
def pseudo_app(app, pseudo_translations):
    """The app offering the pseudo-locale as its one other language."""
    app.config["TRANSLATIONS_DIRECTORY"] = str(pseudo_translations)
    app.config["LANGUAGES"] = ["en", pseudo_locale.CODE]
    return app


class VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes, and the attributes read aloud or
    shown by a script (labels, alternative text, Exit this page's messages)."""

    SKIPPED = frozenset({"script", "style"})
    SPOKEN = frozenset({"aria-label", "alt", "title", "placeholder"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self._skipping += 1
        for name, value in attrs:
            spoken = name in self.SPOKEN or name.startswith("data-i18n.")
            if value and value.strip() and spoken:
                self.nodes.append(" ".join(value.split()))

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.nodes.append(" ".join(data.split()))


def untranslated(html: str, allowed: list[str]) -> list[str]:
    """Text nodes with words but no pseudo-locale character, once `allowed` is cut."""
    parser = VisibleText()
    parser.feed(html)
    left = []
    for node in parser.nodes:
        rest = node
        for phrase in allowed:
            rest = rest.replace(phrase, " ")
        if re.search(r"[A-Za-z]{2,}", rest) and not set(rest) & pseudo_locale.MARKS:
            left.append(node)
    return left


def allow_list(app) -> list[str]:
    """Words no catalogue holds: the deployment's own settings and language names."""
    config = app.config
    settings_ = [
        "SERVICE_NAME",
        "FORCE_NAME",
        "COMMISSIONER_NAME",
        "RESULTS_NOTE",
        "ACCESSIBILITY_CONTACT",
        "ACCESSIBILITY_REVIEWED",
        *CONTACTS,
    ]
    names = list(i18n.NAMES.values())
    # Longest first, so a name is cut whole before any shorter one inside it.
    return sorted([str(config[key]) for key in settings_] + names, key=len)[::-1]


def walk(client, code, lang):
    """Every page of questions in `lang`, with the final response; yields each HTML."""
    page = client.post(f"/s/{code}/begin", data={"lang": lang})
    for _ in range(10):
        html = page.get_data(as_text=True)
        assert page.status_code == 200, html
        yield html
        form = read_form(html)
        data = [pair for pair in form.hidden if pair[0] != "website"]
        for name, value in EVERY_PAGE.items():
            if name in form.fields:
                data += [
                    (name, one)
                    for one in ([value] if isinstance(value, str) else value)
                ]
        last = 'value="send"' in html
        data.append(("nav", "send" if last else "next"))
        page = client.post(f"/s/{code}/questions", data=MultiDict(data))
        if last:
            yield page
            return
    raise AssertionError("the survey did not end within 10 pages")


def test_every_respondent_page_is_translated_in_the_pseudo_locale(
    pseudo_app, client, link, tmp_path
):
    code = link["code"]
    lang = pseudo_locale.CODE
    allowed = allow_list(pseudo_app)
    pages = {
        "start": client.get(f"/s/{code}?lang={lang}"),
        "privacy": client.get(f"/privacy?lang={lang}"),
        "accessibility": client.get(f"/accessibility?lang={lang}"),
        "404": client.get(f"/s/nothing-here?lang={lang}"),
        "405": client.get(f"/s/{code}/begin?lang={lang}"),
        "400, no token": client.post(f"/s/{code}/questions", data={"lang": lang}),
        "413": client.post(
            f"/s/{code}/questions?lang={lang}", data={"F1_comments": "x" * 70_000}
        ),
    }
    walked = list(walk(client, code, lang))
    final = walked.pop()
    assert final.status_code == 303
    assert final.headers["Location"].endswith(f"/s/{code}/done?lang={lang}")
    pages["thank-you"] = client.get(final.headers["Location"])
    for number, html in enumerate(walked, start=1):
        pages[f"questions {number}"] = html
    assert len(walked) == 6
    # A page with its errors: the first question is required.
    first = client.post(f"/s/{code}/begin", data={"lang": lang}).get_data(as_text=True)
    hidden = read_form(first).hidden
    pages["errors"] = client.post(
        f"/s/{code}/questions", data=MultiDict([*hidden, ("nav", "next")])
    )
    # A value no form offers: the 400 page lists the problems.
    pages["400, problems"] = client.post(
        f"/s/{code}/questions",
        data=MultiDict(
            [*hidden, ("A1_offence", "nonsense"), ("B9", "x"), ("nav", "next")]
        ),
    )
    # Too many submissions from one place.
    pseudo_app.extensions["flood_counter"] = FloodCounter(1)
    list(walk(client, code, lang))
    pages["429"] = list(walk(client, code, lang))[-1]
    # The database cannot open: the apology page, and a page of questions kept.
    pseudo_app.config["DATABASE"] = str(tmp_path / "no-such-folder" / "survey.db")
    pages["503"] = client.get(f"/s/{code}?lang={lang}")
    pages["503, answers kept"] = client.post(
        f"/s/{code}/questions",
        data=MultiDict([*hidden, ("A1_offence", "da"), ("nav", "next")]),
    )
    expected = {"errors": 400, "400, problems": 400, "429": 429, "503": 503}
    for name, response in pages.items():
        html = (
            response if isinstance(response, str) else response.get_data(as_text=True)
        )
        if not isinstance(response, str):
            status = response.status_code
            assert status == expected.get(name, status), name
            assert status != 500, name
        assert f'lang="{lang}"' in html, name
        assert untranslated(html, allowed) == [], name
    assert pages["503, answers kept"].status_code == 503
    assert pages["404"].status_code == 404
    assert pages["413"].status_code == 413


def test_english_pages_are_unchanged_by_the_pseudo_locale(pseudo_app, client, link):
    html = client.get(f"/s/{link['code']}").get_data(as_text=True)
    assert '<html lang="en" dir="ltr"' in html
    assert "Start now" in html
    assert not set(html) & pseudo_locale.MARKS - set("ẋ")


def test_the_untranslated_check_can_fail(pseudo_app):
    allowed = allow_list(pseudo_app)
    assert untranslated("<p>Ýéš ẋ</p><p>Continue</p>", allowed) == ["Continue"]
    assert untranslated("<p>0808 157 0192</p>", allowed) == []
    assert untranslated('<nav aria-label="Menu"></nav>', allowed) == ["Menu"]


ALL_LANGUAGES = ["en", "cy", "pl", "ur", "easy"]


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_no_cookie_in_any_language_and_the_language_is_carried(app, client, link, lang):
    app.config["LANGUAGES"] = ALL_LANGUAGES
    code = link["code"]
    query = "" if lang == "en" else f"?lang={lang}"
    start = client.get(f"/s/{code}{query}")
    responses = [
        start,
        client.get(f"/privacy{query}"),
        client.get(f"/accessibility{query}"),
    ]
    walked = list(walk(client, code, lang))
    final = walked.pop()
    responses += [final, client.get(final.headers["Location"])]
    assert final.headers["Location"] == f"/s/{code}/done{query}"
    for response in responses:
        assert "Set-Cookie" not in response.headers
    html_tag = 'lang="en"' if lang in ("en", "easy") else f'lang="{lang}"'
    direction = "rtl" if lang == "ur" else "ltr"
    for html in [start.get_data(as_text=True), *walked]:
        assert f'<html {html_tag} dir="{direction}"' in html
    expected_field = () if lang == "en" else (("lang", lang),)
    for html in walked:
        carried = [pair for pair in read_form(html).hidden if pair[0] == "lang"]
        assert tuple(carried) == expected_field
    start_html = start.get_data(as_text=True)
    assert re.search(
        r'<form[^>]*/begin"[^>]*>\s*'
        + (
            rf'<input type="hidden" name="lang" value="{lang}">'
            if lang != "en"
            else "<"
        ),
        start_html,
    )
    assert f'href="/privacy{query}"' in start_html


def test_the_start_page_lists_each_offered_language_in_its_own_name(app, client, link):
    app.config["LANGUAGES"] = ["en", "cy", "ur", "easy"]
    html = client.get(f"/s/{link['code']}?lang=cy").get_data(as_text=True)
    code = link["code"]
    assert (
        f'<a class="govuk-link" href="/s/{code}" hreflang="en" lang="en">English</a>'
        in html
    )
    assert '<span lang="cy">Cymraeg</span>' in html
    assert f'href="/s/{code}?lang=ur" hreflang="ur" lang="ur">اردو</a>' in html
    assert f'href="/s/{code}?lang=easy" hreflang="en" lang="en">Easy Read</a>' in html
    assert "Polski" not in html


def test_english_only_by_default_offers_no_list_and_ignores_lang(client, link):
    # Catalogues exist for Welsh, but LANGUAGES (English only) does not list it.
    html = client.get(f"/s/{link['code']}?lang=cy").get_data(as_text=True)
    assert '<html lang="en" dir="ltr"' in html
    assert "survey-languages" not in html
    assert 'name="lang"' not in html
    assert 'href="/privacy"' in html


@pytest.mark.parametrize("value", ["", "xx", "CY", "cy ", "en_GB", "../en", "ur\x00"])
def test_an_unknown_lang_is_english(app, client, link, value):
    app.config["LANGUAGES"] = ALL_LANGUAGES
    response = client.get(f"/s/{link['code']}", query_string={"lang": value})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="en" dir="ltr"' in html
    assert 'name="lang"' not in html


@pytest.mark.parametrize("path", ["/staff/login", "/results", "/dashboard/"])
def test_staff_pages_and_the_results_stay_english(app, client, path):
    app.config["LANGUAGES"] = ALL_LANGUAGES
    html = client.get(f"{path}?lang=ur", follow_redirects=True).get_data(as_text=True)
    assert '<html lang="en" dir="ltr"' in html
    assert "Skip to main content" in html


def test_a_language_not_configured_is_never_used_even_with_a_catalogue(
    pseudo_app, client, link
):
    pseudo_app.config["LANGUAGES"] = ["en", "cy"]
    html = client.get(f"/s/{link['code']}?lang=pl").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Start now" in html


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    lang=st.one_of(
        st.sampled_from(ALL_LANGUAGES),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    ),
    route=st.sampled_from(
        ["start", "begin", "questions", "answer", "done", "privacy", "accessibility"]
    ),
    twice=st.booleans(),
)
def test_any_lang_on_any_respondent_route_is_never_a_500(
    app, client, link, lang, route, twice
):
    app.config["LANGUAGES"] = ALL_LANGUAGES
    code = link["code"]
    args = {"lang": [lang, lang] if twice else lang}
    if route == "answer":
        first = client.post(f"/s/{code}/begin").get_data(as_text=True)
        data = MultiDict(
            [*read_form(first).hidden, ("A1_offence", "da"), ("nav", "next")]
        )
        data.setlist("lang", args["lang"] if twice else [lang])
        response = client.post(f"/s/{code}/questions", data=data)
    elif route == "begin":
        response = client.post(f"/s/{code}/begin", data=args)
    else:
        path = {
            "start": f"/s/{code}",
            "questions": f"/s/{code}/questions",
            "done": f"/s/{code}/done",
            "privacy": "/privacy",
            "accessibility": "/accessibility",
        }[route]
        response = client.get(path, query_string=args)
    assert response.status_code in (200, 303)
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("lang", ["cy", "easy", "xx"])
def test_the_response_records_the_language_it_was_read_in(app, client, db, link, lang):
    app.config["LANGUAGES"] = ["en", "cy", "easy"]
    response = walk_survey(client, link["code"], {"A1_offence": "da"}, lang=lang)
    assert response.status_code == 303
    [stored] = [row[0] for row in db.execute("SELECT language FROM responses")]
    # A code not offered ("xx") was English all along, and is stored so.
    assert stored == ("en" if lang == "xx" else lang)


def test_pages_in_another_language_say_names_and_addresses_are_found_in_english_only(
    pseudo_app, client, link
):
    # Redaction finds names, street addresses and dates by English words only: a
    # page in another language must not promise more (docs/privacy.md, Redaction).
    warning = (
        "We can only spot names, street addresses and dates when they are written in "
        "English. Please do not type them in any language."
    )
    for path in (f"/s/{link['code']}", "/privacy"):
        english = client.get(path).get_data(as_text=True)
        assert warning not in english
        other = client.get(f"{path}?lang={pseudo_locale.CODE}").get_data(as_text=True)
        assert pseudo_locale.pseudo(warning) in other, path


def test_phone_numbers_read_left_to_right_in_urdu(app, client, link):
    # Digits in a right-to-left sentence can be shown in the wrong order
    # ("0808 2000 247" as "247 2000 0808"): every phone link keeps its own direction.
    app.config["LANGUAGES"] = ["en", "ur"]
    html = client.get(f"/s/{link['code']}?lang=ur").get_data(as_text=True)
    assert 'dir="rtl"' in html
    phones = re.findall(r'<a [^>]*href="tel:[^"]*"[^>]*>', html)
    assert len(phones) == 3
    assert all('dir="ltr"' in tag for tag in phones), phones
