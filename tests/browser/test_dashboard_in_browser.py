"""The dashboard as a person sees it: charts drawn under the real security policy, and
the quarterly report printed on A4 pages."""

import re
from datetime import date

from survey import demo, storage


def log_in_as_analyst(page, live_server, password):
    page.goto(f"{live_server}/staff/login")
    page.fill("#email", "analyst@example.org")
    page.fill("#password", password)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{live_server}/staff/")


def test_charts_draw_under_the_content_security_policy(
    page, live_server, db, staff_accounts, password
):
    storage.add_rows(db, demo.generate(3000, 5, date.today()))
    refused = []
    page.on("console", lambda message: refused.append(message.text))
    log_in_as_analyst(page, live_server, password)
    for path, count in (
        ("measures/confidence", 1),
        ("measures/declined", 1),
        ("measures/confidence_index", 1),
        ("reasons", 2),  # why people declined, and what would have helped
    ):
        page.goto(f"{live_server}/dashboard/{path}")
        charts = page.locator(".dashboard-chart img")
        charts.first.wait_for()
        page.wait_for_load_state("networkidle")
        assert charts.count() == count, path
        for chart in charts.all():
            size = chart.evaluate("img => [img.complete, img.naturalWidth, img.width]")
            assert size[0] and size[1] > 300 and size[2] > 300, path
            # Drawn, not blank: the estimate's blue is on the screen.
            picture = chart.screenshot()
            assert len(picture) > 5000, path
    assert [text for text in refused if "Content Security Policy" in text] == []


def test_quarterly_report_prints_on_a4_pages(
    page, live_server, db, staff_accounts, password
):
    storage.add_rows(db, demo.generate(3000, 5, date.today()))
    log_in_as_analyst(page, live_server, password)
    page.goto(f"{live_server}/dashboard/report")
    page.wait_for_load_state("networkidle")
    assert page.locator(".dashboard-chart img").count() == 7
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf))
    # A4 is 210 x 297 mm: 595 x 842 points.
    assert [(round(float(w)), round(float(h))) for w, h in boxes] == [(595, 842)]
    pages = len(re.findall(rb"/Type /Page\b", pdf))
    sections = page.locator(".dashboard-report__section").count()
    assert pages >= sections + 1  # each section starts a page of its own
    page.emulate_media(media="print")
    breaks = page.locator(".dashboard-report__section").evaluate_all(
        "sections => sections.map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks == ["page"] * sections
    # Navigation, filters and download links are not printed.
    assert not page.locator("nav").first.is_visible()
    assert not page.locator(".survey-no-print").first.is_visible()
    assert page.locator("h1").is_visible()
