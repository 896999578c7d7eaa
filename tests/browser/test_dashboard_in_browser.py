"""The dashboard as a person sees it: charts drawn under the real security policy, and
the quarterly report printed on A4 pages."""

import re

from helpers import release_due, sign_in_in_browser

from survey import clock, demo, storage


def log_in_as_analyst(page, live_server, db):
    sign_in_in_browser(page, live_server, db_path(db), "analyst@example.org")


def db_path(db):
    """The file a test's database connection has open."""
    return db.execute("PRAGMA database_list").fetchone()[2]


def test_charts_draw_under_the_content_security_policy(
    page, live_server, db, staff_accounts, password
):
    storage.add_rows(db, demo.generate(3000, 5, clock.today()))
    release_due(db)  # as `flask release` does; a page never does
    refused = []
    page.on("console", lambda message: refused.append(message.text))
    log_in_as_analyst(page, live_server, db)
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
    storage.add_rows(db, demo.generate(3000, 5, clock.today()))
    release_due(db)  # as `flask release` does; a page never does
    log_in_as_analyst(page, live_server, db)
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


# A4 less the report's 15 mm side margins, in CSS pixels (96 to the inch): the width
# Chromium lays the printed report out in (assets/survey.scss, @page).
PRINTED_WIDTH = round((210 - 2 * 15) / 25.4 * 96)


def test_printed_report_has_no_table_cell_wider_than_the_page(
    page, live_server, db, staff_accounts, password
):
    # Issue 13: the headline table's last column was cut off on paper.
    storage.add_rows(db, demo.generate(3000, 5, clock.today()))
    release_due(db)  # as `flask release` does; a page never does
    log_in_as_analyst(page, live_server, db)
    page.set_viewport_size({"width": PRINTED_WIDTH, "height": 1000})
    page.goto(f"{live_server}/dashboard/report")
    page.emulate_media(media="print")
    cells = page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const cells = [...document.querySelectorAll(
            '.dashboard-report th, .dashboard-report td')];
          const cut = cells.filter(cell =>
            cell.getBoundingClientRect().right > width + 0.5
            || cell.scrollWidth > cell.clientWidth + 1);
          return {count: cells.length, cut: cut.map(cell => cell.textContent.trim()),
                  page: document.documentElement.scrollWidth - width};
        }"""
    )
    assert cells["count"] > 300
    assert cells["cut"] == []
    assert cells["page"] <= 0  # nothing wider than the page at all
    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type /Page\b", pdf)) > 10
