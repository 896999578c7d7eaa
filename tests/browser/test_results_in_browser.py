"""The public results page in a real browser, as the respondent pages are checked.

It is linked from the thank-you page, so the same rules hold (docs/privacy.md §1): no
axe violation, no cookie or storage, no request to another origin, with JavaScript on
and off, and Exit this page there and working.
"""

from pathlib import Path

import pytest
from test_accessibility import axe_violations
from test_survey_in_browser import assert_no_traces, tab_to

from survey import clock, published
from survey.dashboard import figures

SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture
def two_published(app, db, demo_rows):
    """The last two released quarters, published."""
    with app.test_request_context():
        quarters = figures.released_periods("quarter")[-2:]
    for period in quarters:
        published.publish(db, "quarter", period, clock.today())
    return quarters


def test_the_empty_results_page_has_no_accessibility_violations(
    browser, live_server, demo_rows
):
    context = browser.new_context(bypass_csp=True)  # to inject axe-core
    page = context.new_page()
    page.goto(f"{live_server}/results")
    assert "No results have been published yet" in page.inner_text("main")
    assert axe_violations(page) == []
    assert context.cookies() == []
    context.close()


def test_the_results_page_has_no_accessibility_violations(
    browser, live_server, two_published
):
    context = browser.new_context(
        bypass_csp=True, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{live_server}/results")
    for period in two_published:
        assert f"Quarter: {period}" in page.inner_text("main")
    assert axe_violations(page) == []
    # The chart's figures, inside their details, are checked open too.
    for summary in page.locator("summary").all():
        summary.click()
    assert axe_violations(page) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "desktop-results.png", full_page=True)
    context.close()


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_the_results_page_leaves_no_trace(browser, live_server, two_published, js):
    context = browser.new_context(java_script_enabled=js)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server}/results")
    page.wait_for_load_state("networkidle")
    # The charts were loaded, from the app itself.
    assert any(url.endswith("/confidence.svg") for url in requests)
    assert page.evaluate(
        "[...document.images].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert_no_traces(page, context, live_server, requests, js)
    context.close()


def test_exit_this_page_is_reachable_by_keyboard_and_leaves(
    app, browser, live_server, two_published
):
    # There is no other network: Exit this page leads to a page of the test server.
    app.config["EXIT_URL"] = f"{live_server}/privacy"
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/results")
    tab_to(page, ".govuk-exit-this-page__button", limit=10)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{live_server}/privacy"
    assert context.cookies() == []
    context.close()
