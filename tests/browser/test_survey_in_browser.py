"""The survey in a real browser, by keyboard alone, with JavaScript on and off.

On every page: no cookie, nothing in localStorage, sessionStorage or IndexedDB, and no
request to any origin but the app's own.
"""

from pathlib import Path

import pytest
from helpers import ROUTES

SCREENSHOTS = Path(__file__).parent / "screenshots"


def focused_matches(page, selector: str) -> bool:
    return page.evaluate("s => document.activeElement.matches(s)", selector)


def tab_to(page, selector: str, limit: int = 200) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        if focused_matches(page, selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def choose_radio(page, name: str, value: str) -> None:
    """Tab into a radio group, then move with the arrow keys to the answer."""
    tab_to(page, f"input[name='{name}']")
    for _ in range(12):
        if focused_matches(page, f"input[name='{name}'][value='{value}']"):
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"arrow keys never reached {name}={value}")


def answer_page(page, answers: dict) -> None:
    """Answer the questions on this page from `answers`, by keyboard."""
    names = page.eval_on_selector_all(
        "form input[name], form textarea[name]",
        "els => [...new Set(els"
        ".filter(e => e.type !== 'hidden' && e.name !== 'website')"
        ".map(e => e.name))]",
    )
    for name in names:
        if name not in answers:
            continue
        value = answers[name]
        kind = page.get_attribute(f"[name='{name}']", "type")
        if isinstance(value, list):
            for one in value:
                tab_to(page, f"input[name='{name}'][value='{one}']")
                page.keyboard.press("Space")
        elif kind == "radio":
            choose_radio(page, name, value)
        else:
            if not page.is_visible(f"[name='{name}']"):
                continue
            tab_to(page, f"[name='{name}']")
            page.keyboard.type(value)


def assert_no_traces(page, context, base: str, requests: list[str], js: bool) -> None:
    assert context.cookies() == []
    assert all(url.startswith(base) for url in requests), [
        u for u in requests if not u.startswith(base)
    ]
    if js:
        assert page.evaluate("localStorage.length") == 0
        assert page.evaluate("sessionStorage.length") == 0
        assert page.evaluate("async () => (await indexedDB.databases()).length") == 0


def walk_by_keyboard(browser, base, code, db, answers, js, lang=None, name=None):
    """The whole survey by keyboard at 375 px, checking for traces on every page.

    `lang` is chosen as a respondent would, on the start page. Returns the stored row
    and the thank-you page's heading.
    """
    context = browser.new_context(
        java_script_enabled=js, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base}/s/{code}")
    if lang:
        tab_to(page, f"a[hreflang][href$='lang={lang}']")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert_no_traces(page, context, base, requests, js)
    tab_to(page, ".govuk-button--start")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for number in range(1, 10):
        assert_no_traces(page, context, base, requests, js)
        if name:
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(
                path=SCREENSHOTS / f"{name}-{'js' if js else 'nojs'}-{number}.png",
                full_page=True,
            )
        if lang:  # Easy Read is English to the browser
            assert page.get_attribute("html", "lang") == (
                "en" if lang == "easy" else lang
            )
        answer_page(page, answers)
        last = page.is_visible("button[value='send']")
        tab_to(page, "button[value='send']" if last else "button[value='next']")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        if last:
            break
    assert page.url.split("?")[0].endswith("/done")
    if lang:
        assert f"lang={lang}" in page.url
    assert_no_traces(page, context, base, requests, js)
    heading = page.inner_text("h1")
    context.close()
    [row] = list(db["responses"].rows)
    for question, value in answers.items():
        if isinstance(value, list):
            assert all(row[f"{question}.{one}"] == 1 for one in value)
        else:
            assert row[question] == value
    return row, heading


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
@pytest.mark.parametrize("path", list(ROUTES))
def test_whole_survey_by_keyboard_leaves_no_trace(
    browser, live_server, survey_link, db, path, js
):
    row, heading = walk_by_keyboard(
        browser, live_server, survey_link["code"], db, ROUTES[path], js, name=path
    )
    assert heading == "Thank you"
    assert row["language"] == "en"


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
@pytest.mark.parametrize("lang", ["cy", "pl", "ur", "easy"])
def test_whole_survey_in_each_language_by_keyboard(
    app, browser, live_server, survey_link, db, lang, js
):
    app.config["LANGUAGES"] = ["en", "cy", "pl", "ur", "easy"]
    row, _ = walk_by_keyboard(
        browser, live_server, survey_link["code"], db, ROUTES["answered-all"], js, lang
    )
    assert row["language"] == lang


def test_screenshots_at_phone_and_desktop_widths(browser, live_server, survey_link):
    SCREENSHOTS.mkdir(exist_ok=True)
    for width in (375, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server}/s/{survey_link['code']}")
        page.screenshot(path=SCREENSHOTS / f"start-{width}.png", full_page=True)
        page.click("button:has-text('Start now')")
        page.screenshot(path=SCREENSHOTS / f"page-1-{width}.png", full_page=True)
        page.click("button[value='next']")  # no answer to the required question
        page.screenshot(path=SCREENSHOTS / f"page-1-error-{width}.png", full_page=True)
        assert page.is_visible(".govuk-error-summary")
        context.close()
    assert len(list(SCREENSHOTS.glob("*-375.png"))) >= 3
