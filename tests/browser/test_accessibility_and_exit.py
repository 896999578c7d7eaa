"""Exit this page, axe-core on every page, 400% zoom, and focus never hidden."""

from datetime import date
from pathlib import Path

import pytest

from survey import storage

AXE = (
    Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
).read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def survey_link(db):
    """An open link."""
    return storage.add_link(
        db, label="Browser", channel="browser", today=date(2026, 4, 1)
    )


@pytest.fixture
def exit_url(app, live_server):
    """Exit this page leads to a page of the test server (there is no other network)."""
    app.config["EXIT_URL"] = f"{live_server}/accessibility"
    return app.config["EXIT_URL"]


def start_survey(page, base, code):
    page.goto(f"{base}/s/{code}/questions")
    page.check("input[name='A1_offence'][value='harassment']")


@pytest.mark.parametrize("how", ["click", "shift"])
def test_exit_this_page_leaves_and_back_does_not_return(
    page, live_server, survey_link, exit_url, how
):
    page.goto("about:blank")
    start_survey(page, live_server, survey_link["code"])
    with page.expect_navigation():
        if how == "click":
            page.click(".govuk-exit-this-page__button")
        else:
            for _ in range(3):
                page.keyboard.press("Shift")
    assert page.url == exit_url
    page.go_back()
    # location.replace took the survey out of the tab's history: Back goes to the
    # page before it, not to the answers.
    assert "/s/" not in page.url
    assert "harassment" not in page.content()


def test_exit_this_page_works_without_javascript(
    browser, live_server, survey_link, exit_url
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    start_survey(page, live_server, survey_link["code"])
    with page.expect_navigation():
        page.click(".govuk-exit-this-page__button")
    assert page.url == exit_url
    context.close()


def axe_violations(page) -> list:
    page.add_script_tag(content=AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        (v["id"], [node["target"] for node in v["nodes"]][:3])
        for v in result["violations"]
    ]


def test_the_accessibility_check_finds_real_problems(page):
    # The harness must be able to fail: a page with known faults.
    page.set_content(
        "<html><body><img src='x.png'><input type='text'>"
        "<p style='color:#ccc;background:#fff'>pale text</p></body></html>"
    )
    found = {rule for rule, _ in axe_violations(page)}
    assert {"image-alt", "label", "color-contrast", "html-has-lang"} <= found


def respondent_pages(page, base, code):
    """Every page a respondent can see, in the state they see it in: (name, action)."""
    yield "start", lambda: page.goto(f"{base}/s/{code}")
    yield "page 1", lambda: page.goto(f"{base}/s/{code}/questions")
    yield "page 1 with errors", lambda: page.click("button[value='next']")

    def go(values):
        def action():
            for name, value in values:
                page.check(f"input[name='{name}'][value='{value}']")
            page.click("button[value='next']")

        return action

    yield "page 2", go([("A1_offence", "da"), ("A2_contact", "lt3m")])
    yield "page 3", go([("B1_confidence", "2")])
    yield "page 4", go([("D1_offered", "yes")])
    yield "page 5", go([("D2_answered", "some")])

    def both_exclusive_and_other():
        # GOV.UK's script unticks "Prefer not to say" when another box is ticked; a
        # browser without it can send both, which is the error state to check.
        page.evaluate(
            "for (const v of ['pns', 'shame']) document.querySelector("
            "`input[name='D3_reasons'][value='${v}']`).checked = true"
        )
        page.click("button[value='next']")

    yield "page 5 with errors", both_exclusive_and_other

    def fix_and_continue():
        page.uncheck("input[name='D3_reasons'][value='pns']")
        page.click("button[value='next']")

    yield "page 6", fix_and_continue
    yield "thanks", lambda: page.click("button[value='send']")
    yield "not found", lambda: page.goto(f"{base}/s/unknown1")
    yield "privacy", lambda: page.goto(f"{base}/privacy")
    yield "accessibility", lambda: page.goto(f"{base}/accessibility")


def test_no_accessibility_violations_on_respondent_pages(
    browser, live_server, survey_link
):
    context = browser.new_context(bypass_csp=True)  # to inject axe-core
    page = context.new_page()
    checked = []
    for name, action in respondent_pages(page, live_server, survey_link["code"]):
        action()
        page.wait_for_load_state()
        assert axe_violations(page) == [], name
        checked.append(name)
    assert len(checked) == 13
    context.close()


def test_no_accessibility_violations_on_staff_pages(
    browser, live_server, db, staff_accounts, password
):
    link = storage.add_link(
        db,
        label="A",
        channel="a",
        today=date(2026, 4, 1),
        organisation_id=staff_accounts["partner_a"]["organisation_id"],
    )
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/staff/login")
    page.click("button:has-text('Log in')")  # empty: the error state
    assert axe_violations(page) == [], "login with errors"
    page.fill("#email", "admin@example.org")
    page.fill("#password", password)
    page.click("button:has-text('Log in')")
    for path in (
        "/staff/",
        "/staff/users",
        "/staff/users/2",
        "/staff/organisations",
        "/staff/audit",
        "/staff/links",
        "/staff/links/new",
        f"/staff/links/{link['code']}",
        f"/staff/links/{link['code']}/card",
    ):
        page.goto(f"{live_server}{path}")
        assert axe_violations(page) == [], path
    page.goto(f"{live_server}/staff/users")
    page.click("button:has-text('Create account')")  # empty: the error state
    assert axe_violations(page) == [], "new account with errors"
    context.close()


def test_survey_reflows_at_400_percent_zoom(browser, live_server, survey_link):
    # 400% zoom of a 1280 px wide window leaves 320 CSS pixels.
    context = browser.new_context(viewport={"width": 320, "height": 256})
    page = context.new_page()
    for path in (f"/s/{survey_link['code']}", f"/s/{survey_link['code']}/questions"):
        page.goto(f"{live_server}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth"
            " - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
    context.close()


def test_focus_is_never_hidden_behind_exit_this_page(browser, live_server, survey_link):
    context = browser.new_context(viewport={"width": 375, "height": 640})
    page = context.new_page()
    page.goto(f"{live_server}/s/{survey_link['code']}/questions")
    hidden = []
    for _ in range(40):
        page.keyboard.press("Tab")
        covered = page.evaluate(
            """() => {
              const el = document.activeElement;
              if (!el || el === document.body) return null;
              const box = el.getBoundingClientRect();
              const x = box.left + box.width / 2, y = box.top + box.height / 2;
              const top = document.elementFromPoint(x, y);
              if (!top || el.contains(top) || top.contains(el)
                  || (el.labels && [...el.labels].some(l => l.contains(top)))) {
                return null;
              }
              return el.outerHTML.slice(0, 80);
            }"""
        )
        if covered:
            hidden.append(covered)
    assert hidden == []
    context.close()
