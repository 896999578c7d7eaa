"""Leaving leaves nothing behind: Back after Exit this page, and after the thanks.

The browser here keeps pages in its back/forward cache, as people's browsers do (the
`real_browser` fixture).
"""

import re

import pytest
from helpers import COMMENT, OTHER_REASON, ROUTE_PAGES, ROUTES
from playwright.sync_api import Error as PlaywrightError

from survey.questionnaire import QUESTIONS

PHONE = {"width": 375, "height": 667}
# Where a person may leave from: the start page, each page of questions, the thanks.
EXITS = [
    (path, where)
    for path, pages in ROUTE_PAGES.items()
    for where in ["start", *range(1, pages + 1), "thanks"]
    if where != "start" or path == "declined"
]
QUESTION_TEXTS = [
    question.text.replace("{force}", "the police")[:40] for question in QUESTIONS
]
A_PAGE_OF_QUESTIONS = re.compile(r"Page \d+ of \d+")


@pytest.fixture
def exit_url(app, live_server):
    """Exit this page leads to a page of the test server (there is no other network)."""
    app.config["EXIT_URL"] = f"{live_server}/privacy"
    return app.config["EXIT_URL"]


def answer_page(page, answers: dict) -> None:
    """Tick and type this page's answers from `answers` (every question on it)."""
    names = page.eval_on_selector_all(
        "form input[name], form textarea[name]",
        "els => [...new Set(els.filter(e => e.type !== 'hidden' && "
        "e.name !== 'website').map(e => e.name))]",
    )
    for name in names:
        value = answers.get(name)
        if value is None:
            continue
        for one in value if isinstance(value, list) else [value]:
            field = page.locator(f"[name='{name}']").first
            if field.get_attribute("type") in ("radio", "checkbox"):
                page.check(f"input[name='{name}'][value='{one}']")
            else:
                page.fill(f"[name='{name}']", one)


def continue_survey(page) -> None:
    """Send this page with Continue, or Send your answers on the last page."""
    last = page.is_visible("button[value='send']")
    with page.expect_navigation():
        page.click("button[value='send']" if last else "button[value='next']")


def walk_to(page, base: str, code: str, answers: dict, where) -> None:
    """Open the link and answer up to `where`: "start", a page number, or "thanks"."""
    page.goto("about:blank")
    page.goto(f"{base}/s/{code}")
    if where == "start":
        return
    with page.expect_navigation():
        page.click("button:has-text('Start now')")
    number = 1
    while True:
        answer_page(page, answers)
        if number == where:
            return  # answered, not yet sent: the person leaves from here
        continue_survey(page)
        if page.url.endswith("/done"):
            assert where == "thanks"
            return
        number += 1


def leave(page, how: str) -> None:
    """Leave by Exit this page: its button, Shift three times, or the plain link."""
    with page.expect_navigation():
        if how == "shift":
            for _ in range(3):
                page.keyboard.press("Shift")
        else:
            page.click(".govuk-exit-this-page__button")


def press_back(page) -> None:
    """The browser's Back button, once."""
    try:
        page.go_back(wait_until="load")
    except PlaywrightError as error:
        # A page that was the answer to a form is not kept: Chromium shows its "Confirm
        # Form Resubmission" page in its place, and Playwright reports that as an error.
        assert "ERR_CACHE_MISS" in str(error), error
        page.wait_for_load_state()


def assert_nothing_of_the_survey(page, step: str) -> None:
    """No answer, no typed text, no question, no title of a page of questions."""
    title = page.title()
    assert not A_PAGE_OF_QUESTIONS.search(title), (step, title)
    text = page.evaluate("() => document.body ? document.body.innerText : ''")
    html = page.content()
    for question in QUESTION_TEXTS:
        assert question not in text, (step, page.url, question)
    for typed in (OTHER_REASON, COMMENT):
        assert typed not in html, (step, page.url, typed)
    answered = page.evaluate(
        """() => [...document.querySelectorAll('input, textarea')].filter(e =>
             e.type !== 'hidden' && e.type !== 'submit' && (e.checked ||
               ((e.type === 'text' || e.tagName === 'TEXTAREA') && e.value)))
           .map(e => e.name)"""
    )
    assert answered == [], (step, page.url, answered)


def leave_and_go_back(real_browser, base, code, path, where, how) -> None:
    """Answer up to `where`, leave `how`, then press Back three times."""
    answers = ROUTES[path]
    context = real_browser.new_context(
        java_script_enabled=how != "link", viewport=PHONE
    )
    page = context.new_page()
    walk_to(page, base, code, answers, where)
    leave(page, how)
    assert page.url == f"{base}/privacy"
    for presses in (1, 2, 3):
        press_back(page)
        assert_nothing_of_the_survey(page, f"{path}, left at {where}, Back x{presses}")
    context.close()


@pytest.mark.parametrize("how", ["click", "link"], ids=["js-on", "js-off"])
@pytest.mark.parametrize(
    ("path", "where"), EXITS, ids=[f"{path}-{where}" for path, where in EXITS]
)
def test_back_after_exit_this_page_shows_nothing_of_the_survey(
    real_browser, live_server, survey_link, exit_url, path, where, how
):
    leave_and_go_back(real_browser, live_server, survey_link["code"], path, where, how)


@pytest.mark.parametrize("where", [1, 3, 6, "thanks"])
def test_back_after_pressing_shift_three_times_shows_nothing(
    real_browser, live_server, survey_link, exit_url, where
):
    leave_and_go_back(
        real_browser, live_server, survey_link["code"], "declined", where, "shift"
    )


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
@pytest.mark.parametrize("path", list(ROUTES))
def test_a_finished_survey_cannot_be_paged_back_through(
    real_browser, live_server, survey_link, path, js
):
    answers, pages = ROUTES[path], ROUTE_PAGES[path]
    context = real_browser.new_context(java_script_enabled=js, viewport=PHONE)
    page = context.new_page()
    walk_to(page, live_server, survey_link["code"], answers, "thanks")
    for presses in range(1, pages + 2):
        press_back(page)
        assert_nothing_of_the_survey(page, f"{path}, Back x{presses} from the thanks")
    context.close()


@pytest.fixture
def answered_page(real_browser, live_server, survey_link):
    """The fifth page of the declined path, its questions answered, not yet sent."""
    context = real_browser.new_context(viewport=PHONE)
    page = context.new_page()
    walk_to(page, live_server, survey_link["code"], ROUTES["declined"], 5)
    yield page
    context.close()


def test_the_check_finds_answers_on_a_page_that_shows_them(answered_page):
    # The assertion must be able to fail: a page of questions, answered.
    with pytest.raises(AssertionError):
        assert_nothing_of_the_survey(answered_page, "a page being answered")


def test_a_page_restored_from_the_back_forward_cache_is_blanked(
    answered_page, live_server, survey_link
):
    # This Chromium never keeps a page of questions in that cache (each is a no-store
    # answer to a POST), but a browser that did would fire pageshow with persisted.
    page = answered_page
    with page.expect_navigation():
        page.evaluate(
            "window.dispatchEvent(new PageTransitionEvent('pageshow', "
            "{persisted: true}))"
        )
    assert page.url == f"{live_server}/s/{survey_link['code']}"
    assert_nothing_of_the_survey(page, "restored from the cache")


def visible_text_of_first_screen(page) -> str:
    """The words a glance at the phone's first screen shows, in page order."""
    return page.evaluate(
        """() => {
          const words = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const node = walker.currentNode;
            if (!node.textContent.trim()) continue;
            const range = document.createRange();
            range.selectNodeContents(node);
            const visible = [...range.getClientRects()].some(r =>
              r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight);
            // checkVisibility is false inside a closed <details>, whose text still
            // has boxes.
            const shown = node.parentElement.checkVisibility({
              visibilityProperty: true,
            });
            if (visible && shown) {
              words.push(node.textContent.trim());
            }
          }
          return words.join(' ');
        }"""
    )


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_the_first_screen_says_nothing_to_a_glance(
    browser, live_server, survey_link, js
):
    context = browser.new_context(java_script_enabled=js, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/s/{survey_link['code']}")
    first_screen = visible_text_of_first_screen(page)
    alarming = re.compile(
        r"abuse|police|stalk|harass|victim|crime|violen|risk|safety|DASH|DARA", re.I
    )
    assert "Your views survey" in first_screen
    assert "What this survey is about" in first_screen
    assert not alarming.search(first_screen), alarming.search(first_screen)
    assert not alarming.search(page.title())
    # The purpose is one tap away.
    page.click("text=What this survey is about")
    assert page.is_visible("text=domestic abuse, stalking or harassment")
    context.close()
