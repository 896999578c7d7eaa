"""Other languages on a phone: right to left for Urdu, and 40% longer text."""

import shutil
from pathlib import Path

import pseudo_locale
import pytest
from test_accessibility import axe_violations
from test_survey_in_browser import tab_to

PHONE = {"width": 375, "height": 667}
# The Urdu catalogue as shipped (compiled by make setup): a complete draft.
URDU = Path(__file__).resolve().parents[2] / "translations" / "ur"


@pytest.fixture
def translated(app, tmp_path):
    """The app with the pseudo-locale (as pl) and the Urdu catalogue, both offered."""
    pseudo_locale.build(tmp_path)
    assert (URDU / "LC_MESSAGES" / "messages.mo").exists(), "run make messages-compile"
    shutil.copytree(URDU, tmp_path / "ur")
    app.config["TRANSLATIONS_DIRECTORY"] = str(tmp_path)
    app.config["LANGUAGES"] = ["en", "pl", "ur"]
    return app


def survey_pages(page, base, code, lang):
    """Every respondent page in `lang`, reached by its buttons: (name, action)."""

    def go(values):
        def action():
            for name, value in values:
                page.check(f"input[name='{name}'][value='{value}']")
            page.click("button[value='next']")

        return action

    yield "start", lambda: page.goto(f"{base}/s/{code}?lang={lang}")
    yield "page 1", lambda: page.click("button.govuk-button--start")
    yield "page 1 with errors", lambda: page.click("button[value='next']")
    yield "page 2", go([("A1_offence", "da"), ("A2_contact", "lt3m")])
    yield "page 3", go([("B1_confidence", "2")])
    yield "page 4", go([("D1_offered", "yes")])
    yield "page 5", go([("D2_answered", "some")])
    yield "page 6", go([("D3_reasons", "other")])
    yield "thanks", lambda: page.click("button[value='send']")
    yield "privacy", lambda: page.click("a[href^='/privacy']")
    yield "accessibility", lambda: page.click("a[href^='/accessibility']")
    yield "not found", lambda: page.goto(f"{base}/s/unknown1?lang={lang}")


def overflow(page) -> int:
    """How far the page is wider than the screen: above 0 scrolls sideways."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_urdu_is_right_to_left_accessible_and_fits_a_phone(
    translated, browser, live_server, survey_link
):
    context = browser.new_context(bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    checked = []
    for name, action in survey_pages(page, live_server, survey_link["code"], "ur"):
        action()
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.dir") == "rtl", name
        assert page.evaluate("document.documentElement.lang") == "ur", name
        assert overflow(page) <= 0, name
        assert axe_violations(page) == [], name
        assert context.cookies() == [], name
        checked.append(name)
    assert len(checked) == 12
    assert "یہ صفحہ چھوڑ دیں" in page.inner_text(".govuk-exit-this-page__button")
    assert [url for url in requests if not url.startswith(live_server)] == []
    context.close()


def test_exit_this_page_is_reachable_by_keyboard_right_to_left(
    translated, browser, live_server, survey_link
):
    translated.config["EXIT_URL"] = f"{live_server}/accessibility"
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/s/{survey_link['code']}?lang=ur")
    page.click("button.govuk-button--start")
    page.wait_for_load_state()
    tab_to(page, ".govuk-exit-this-page__button", limit=10)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{live_server}/accessibility"
    assert context.cookies() == []
    context.close()


def test_pages_40_percent_longer_do_not_scroll_sideways_on_a_phone(
    translated, browser, live_server, survey_link
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    checked = 0
    code = survey_link["code"]
    for name, action in survey_pages(page, live_server, code, pseudo_locale.CODE):
        action()
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.lang") == "pl", name
        assert pseudo_locale.PADDING in page.inner_text("main"), name
        assert overflow(page) <= 0, name
        checked += 1
    assert checked == 12
    context.close()
