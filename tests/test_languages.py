"""Languages: chosen on the start page, carried in the address and the forms, never
in a cookie; and every respondent-facing string goes through the catalogues."""

import re
from html.parser import HTMLParser

import pseudo_locale
import pytest
from helpers import CONTACTS, read_form
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
    """The text nodes a person sees or hears: the title and the body's words."""

    SKIPPED = frozenset({"script", "style"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self._skipping += 1

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
