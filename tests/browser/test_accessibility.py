"""axe-core on every page, 400% zoom, and focus never hidden (Exit: test_leaving)."""

import json
from datetime import date
from pathlib import Path

import pyotp
from helpers import SECRET, release_due, sign_in_in_browser, totp_code

from survey import accounts, clock, demo, integrity, link_store, releases, storage

AXE = (
    Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
).read_text()
SCREENSHOTS = Path(__file__).parent / "screenshots"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def start_survey(page, base, code):
    page.goto(f"{base}/s/{code}")
    page.click("button:has-text('Start now')")
    page.check("input[name='A1_offence'][value='harassment']")


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
    yield "page 1", lambda: page.click("button:has-text('Start now')")
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

    def send_with_an_old_token():
        # A form left open for hours: the answers come back with a notice.
        old = integrity.issue_token(SECRET, clock.hour() - 24)
        page.evaluate(
            "t => document.querySelector(\"input[name='token']\").value = t", old
        )
        page.click("button[value='send']")

    yield "page 6, form too old", send_with_an_old_token
    yield "thanks", lambda: page.click("button[value='send']")
    yield "not found", lambda: page.goto(f"{base}/s/unknown1")
    yield "privacy", lambda: page.goto(f"{base}/privacy")
    yield "accessibility", lambda: page.goto(f"{base}/accessibility")


def test_no_accessibility_violations_on_respondent_pages(
    browser, live_server, survey_link
):
    context = browser.new_context(  # bypass_csp lets the test inject axe-core
        bypass_csp=True, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    checked = []
    for name, action in respondent_pages(page, live_server, survey_link["code"]):
        action()
        page.wait_for_load_state()
        assert axe_violations(page) == [], name
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(
            path=SCREENSHOTS / f"desktop-{name.replace(' ', '-')}.png", full_page=True
        )
        assert context.cookies() == [], name
        checked.append(name)
    assert len(checked) == 14
    assert [url for url in requests if not url.startswith(live_server)] == []
    context.close()


def test_no_accessibility_violations_on_staff_pages(
    app, browser, live_server, db, staff_accounts, password
):
    link = link_store.add_link(
        db,
        label="A",
        channel="a",
        today=date(2026, 4, 1),
        organisation_id=staff_accounts["partner_a"]["organisation_id"],
    )
    # Figures to show, so the dashboard's tables are checked, not its empty state.
    storage.add_rows(db, demo.generate(3000, 5, clock.today()))
    release_due(db)  # as `flask release` does; a page never does
    # A measure for the measure pages; no table is named so, so an export is a 404.
    arguments = {
        "staff_id": 2,
        "code": link["code"],
        "name": "confidence",
        "key": "reasons",
        "fmt": "csv",
    }
    # Charts are images served as downloads, which a browser does not open as a page:
    # the pages that show them, with their alt text, are checked.
    downloads = {"dashboard.chart", "dashboard.ranked_chart"}
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/staff/login")
    page.click("button:has-text('Log in')")  # empty: the error state
    assert axe_violations(page) == [], "login with errors"
    # The second step, empty (its error state) then with the analyst's code.
    page.fill("#email", "analyst@example.org")
    page.fill("#password", password)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{live_server}/staff/login/code")
    assert axe_violations(page) == [], "second step"
    page.click("button:has-text('Continue')")
    assert page.is_visible(".govuk-error-summary")
    assert axe_violations(page) == [], "second step with errors"
    page.fill("#code", totp_code(app.config["DATABASE"], "analyst@example.org"))
    page.click("button:has-text('Continue')")
    page.wait_for_url(f"{live_server}/staff/")
    # Enrolment and the recovery codes: the admin's second factor is reset first.
    accounts.reset_second_factor(db, staff_accounts["admin"]["id"])
    page.goto(f"{live_server}/staff/login")
    page.fill("#email", "admin@example.org")
    page.fill("#password", password)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{live_server}/staff/login/enrol")
    assert axe_violations(page) == [], "enrolment"
    page.click("button:has-text('Continue')")
    assert page.is_visible(".govuk-error-summary")
    assert axe_violations(page) == [], "enrolment with errors"
    secret = page.locator("code").first.inner_text().replace(" ", "")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("button:has-text('Continue')")
    page.wait_for_selector("h1:has-text('Your recovery codes')")
    assert axe_violations(page) == [], "recovery codes"
    # Every page under /staff and /dashboard, from the URL map: a new page is checked
    # without anyone having to remember to add it here.
    checked = []
    for rule in app.url_map.iter_rules():
        if (
            not rule.rule.startswith(("/staff", "/dashboard"))
            or "GET" not in rule.methods
            or rule.endpoint in downloads
            # The report's PDF is a download, not a page: a browser does not show it.
            or rule.rule.endswith(".pdf")
        ):
            continue
        response = page.goto(f"{live_server}{rule.build(arguments)[1]}")
        if "text/html" not in response.headers.get("content-type", ""):
            continue  # the QR code's SVG, exports
        assert axe_violations(page) == [], rule.rule
        checked.append(rule.rule)
    assert len(checked) >= 10
    for path, button in (
        ("/staff/users", "Create account"),
        ("/staff/links/new", "Create link"),
        ("/staff/organisations", "Add organisation"),
    ):
        page.goto(f"{live_server}{path}")
        page.click(f"button:has-text('{button}')")  # empty: the error state
        assert page.is_visible(".govuk-error-summary"), path
        assert axe_violations(page) == [], f"{path} with errors"
    context.close()


def test_survey_reflows_at_400_percent_zoom(browser, live_server, survey_link):
    # 400% zoom of a 1280 px wide window leaves 320 CSS pixels.
    context = browser.new_context(viewport={"width": 320, "height": 256})
    page = context.new_page()
    checked = 0
    for name, action in respondent_pages(page, live_server, survey_link["code"]):
        action()
        page.wait_for_load_state()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth"
            " - document.documentElement.clientWidth"
        )
        assert overflow <= 0, name
        checked += 1
    assert checked == 14
    context.close()


def test_focus_is_visible_and_never_hidden_behind_exit_this_page(
    browser, live_server, survey_link
):
    context = browser.new_context(viewport={"width": 375, "height": 640})
    page = context.new_page()
    start_survey(page, live_server, survey_link["code"])
    hidden, invisible, stops = [], [], 0
    for _ in range(30):
        page.keyboard.press("Tab")
        element = page.evaluate_handle("document.activeElement")
        if page.evaluate("el => el === document.body", element):
            continue
        covered = page.evaluate(
            """el => {
              const box = el.getBoundingClientRect();
              const x = box.left + box.width / 2, y = box.top + box.height / 2;
              const top = document.elementFromPoint(x, y);
              if (!top || el.contains(top) || top.contains(el)
                  || (el.labels && [...el.labels].some(l => l.contains(top)))) {
                return null;
              }
              return el.outerHTML.slice(0, 80);
            }""",
            element,
        )
        if covered:
            hidden.append(covered)
        box = element.bounding_box()
        if not box or box["width"] == 0:
            continue
        # The focus indicator must show: the element looks different with focus.
        clip = {
            "x": max(box["x"] - 6, 0),
            "y": max(box["y"] - 6, 0),
            "width": box["width"] + 12,
            "height": box["height"] + 12,
        }
        focused = page.screenshot(clip=clip)
        page.evaluate("el => el.blur()", element)
        plain = page.screenshot(clip=clip)
        page.evaluate("el => el.focus()", element)
        if focused == plain:
            invisible.append(page.evaluate("el => el.outerHTML.slice(0, 80)", element))
        stops += 1
    assert hidden == []
    assert invisible == []
    assert stops >= 10
    context.close()


def test_no_accessibility_violations_on_a_breakdown_not_recorded(
    browser, live_server, db, staff_accounts, password
):
    """A release made before responses recorded their language: its breakdowns page
    says so, in a table of no rows that is still a well-formed one."""
    storage.add_rows(db, demo.generate(3000, 5, clock.today()))
    releases.make_due_releases(db, clock.today(), 10)
    for period, revision, stored in db.execute(
        "SELECT period, revision, rows FROM releases"
    ).fetchall():
        rows = json.loads(stored)
        rows["about"] = [r for r in rows["about"] if r["question"] != "language"]
        db.execute(
            "UPDATE releases SET rows = ? WHERE period = ? AND revision = ?",
            [json.dumps(rows), period, revision],
        )
    db.conn.commit()
    database = db.execute("PRAGMA database_list").fetchone()[2]
    context = browser.new_context(bypass_csp=True)  # to run axe's inline script
    page = context.new_page()
    sign_in_in_browser(page, live_server, database, "analyst@example.org")
    page.goto(f"{live_server}/dashboard/breakdowns?measure=confidence")
    assert page.is_visible("text=Language was not recorded before this release")
    assert page.is_visible("caption:has-text('by age')")
    assert axe_violations(page) == []
    context.close()
