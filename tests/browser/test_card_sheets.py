"""Sheets of hand-out cards as Chromium prints them: A4 pages, the number of cards on
each, every QR code scanning to the link's public address, crop marks on the cuts."""

import re
import subprocess
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
import zxingcpp
from helpers import sign_in_in_browser
from PIL import Image
from test_accessibility import axe_violations

from survey import cards, link_store
from survey.cards import CARD_WORDINGS

DPI = 200
SCREENSHOTS = Path(__file__).parent / "screenshots"


def mm(pixels: float) -> float:
    """Pixels of a page drawn at DPI, in millimetres."""
    return pixels / DPI * 25.4


def px(millimetres: float) -> int:
    """Millimetres on a page drawn at DPI, in whole pixels."""
    return round(millimetres / 25.4 * DPI)


@pytest.fixture
def partner_page(app, browser, live_server, db, staff_accounts):
    """A page logged in as partner A (with the CSP bypassed for axe), and A's link."""
    link = link_store.add_link(
        db,
        label="Drop-in",
        channel="drop-in",
        today=date(2026, 4, 1),
        organisation_id=staff_accounts["partner_a"]["organisation_id"],
    )
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in_in_browser(
        page, live_server, app.config["DATABASE"], "partner.a@example.org"
    )
    yield page, link
    context.close()


# The longest own line the form takes, in wide letters, so that the room for it is
# checked at its tightest.
LONGEST_LINE = ("Mmm Www " * 8)[: cards.LINE_MAX]


def print_pages(page, tmp_path, name) -> list[Image.Image]:
    """The page printed by Chromium to PDF, then drawn in grey, one picture a page."""
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf))
    # A4 is 210 x 297 mm: 595 x 842 points.
    assert [(round(float(w)), round(float(h))) for w, h in boxes] == [(595, 842)]
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", f"{name}.pdf", name],
        cwd=tmp_path,
        check=True,
    )
    pictures = []
    for path in sorted(tmp_path.glob(f"{name}-*.png")):
        with Image.open(path) as picture:
            pictures.append(picture.convert("L"))
    return pictures


@pytest.mark.parametrize("size", ["a6", "business"])
def test_printed_sheets_hold_their_cards_each_scanning_to_the_link(
    app, partner_page, live_server, tmp_path, size
):
    page, link = partner_page
    sheet = cards.SHEETS[size]
    choices = {"size": size, "layout": "sheet", "pages": 2, "line": LONGEST_LINE}
    page.goto(f"{live_server}/staff/links/{link['code']}/card?{urlencode(choices)}")
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    public = app.config["PUBLIC_BASE_URL"].rstrip("/") + f"/s/{link['code']}"
    pictures = print_pages(page, tmp_path, size)
    assert len(pictures) == 2  # the pages asked for, and no more
    SCREENSHOTS.mkdir(exist_ok=True)
    pictures[0].save(SCREENSHOTS / f"print-sheet-{size}.png")
    for number, picture in enumerate(pictures, 1):
        found = zxingcpp.read_barcodes(picture)
        assert [code.text for code in found] == [public] * sheet.per_page, number
        # One QR code in each card's place on the grid.
        places = set()
        for code in found:
            corners = code.position
            x = mm((corners.top_left.x + corners.bottom_right.x) / 2) - sheet.left
            y = mm((corners.top_left.y + corners.bottom_right.y) / 2) - sheet.top
            assert 0 < x < sheet.columns * sheet.width, (number, x)
            assert 0 < y < sheet.rows * sheet.height, (number, y)
            places.add((int(x // sheet.width), int(y // sheet.height)))
        assert len(places) == sheet.per_page, number
        # Each crop mark is printed: dark at its middle; and the paper beside it is
        # not (the check can fail).
        for x1, y1, x2, y2 in cards.crop_marks(sheet):
            middle = px((x1 + x2) / 2), px((y1 + y2) / 2)
            assert darkest(picture, *middle) < 128, (number, x1, y1, x2, y2)
            beside = (middle[0] - px(1.5), middle[1]) if x1 == x2 else None
            beside = beside or (middle[0], middle[1] - px(1.5))
            assert darkest(picture, *beside, reach=1) > 200, (number, x1, y1)


def darkest(picture: Image.Image, x: int, y: int, reach: int = 2) -> int:
    """The darkest grey within `reach` pixels of (x, y)."""
    box = (x - reach, y - reach, x + reach + 1, y + reach + 1)
    return picture.crop(box).getextrema()[0]


def test_cards_keep_their_size_and_everything_fits_on_them(partner_page, live_server):
    page, link = partner_page
    # The longest wording, the longest line in wide letters.
    wording = max(CARD_WORDINGS, key=lambda key: len(CARD_WORDINGS[key]))
    for size in ("a6", "business"):
        choices = {
            "size": size,
            "layout": "sheet",
            "wording": wording,
            "line": LONGEST_LINE,
        }
        page.goto(f"{live_server}/staff/links/{link['code']}/card?{urlencode(choices)}")
        page.emulate_media(media="print")
        sheet = cards.SHEETS[size]
        boxes = page.locator(".survey-sheet .survey-card").evaluate_all(
            """cards => cards.map(card => {
              const box = card.getBoundingClientRect();
              const sheet = card.closest('.survey-sheet').getBoundingClientRect();
              const qr = card.querySelector('img').getBoundingClientRect();
              return {x: box.left - sheet.left, y: box.top - sheet.top,
                      width: box.width, height: box.height,
                      overflow: [card.scrollWidth - card.clientWidth,
                                 card.scrollHeight - card.clientHeight],
                      inside: [...card.children].every(child => {
                        const c = child.getBoundingClientRect();
                        return c.left >= box.left - 0.5 && c.right <= box.right + 0.5
                          && c.top >= box.top - 0.5 && c.bottom <= box.bottom + 0.5;
                      }),
                      qr: [qr.width, qr.height]};
            })"""
        )
        assert len(boxes) == sheet.per_page
        to_mm = 25.4 / 96  # CSS pixels are 96 to the inch
        for n, box in enumerate(boxes):
            column, row = n % sheet.columns, n // sheet.columns
            assert box["width"] * to_mm == pytest.approx(sheet.width, abs=0.1)
            assert box["height"] * to_mm == pytest.approx(sheet.height, abs=0.1)
            left = sheet.left + column * sheet.width
            top = sheet.top + row * sheet.height
            assert box["x"] * to_mm == pytest.approx(left, abs=0.1), (size, n)
            assert box["y"] * to_mm == pytest.approx(top, abs=0.1), (size, n)
            assert box["overflow"] == [0, 0], (size, n)
            assert box["inside"], (size, n)
            assert min(box["qr"]) * to_mm >= 28 - 0.1, size
        page.emulate_media(media="screen")


def test_card_page_with_errors_passes_the_accessibility_check(
    partner_page, live_server
):
    page, link = partner_page
    page.goto(f"{live_server}/staff/links/{link['code']}/card")
    page.fill("#pages", "0")
    page.fill("#line", "About the police")
    page.click("button:has-text('Show the cards')")
    assert page.is_visible(".govuk-error-summary")
    assert page.input_value("#line") == "About the police"
    assert page.locator(".survey-card").count() == 0
    assert axe_violations(page) == []


def test_single_cards_print_one_to_a_page(app, partner_page, live_server, tmp_path):
    page, link = partner_page
    page.goto(
        f"{live_server}/staff/links/{link['code']}/card?size=business&pages=3"
        "&line=Ask+us+for+a+paper+copy"
    )
    page.wait_for_load_state("networkidle")
    pictures = print_pages(page, tmp_path, "single")
    public = app.config["PUBLIC_BASE_URL"].rstrip("/") + f"/s/{link['code']}"
    assert len(pictures) == 3
    for picture in pictures:
        found = zxingcpp.read_barcodes(picture)
        assert [code.text for code in found] == [public]
    page.emulate_media(media="print")
    text = page.locator(".survey-card").first.inner_text()
    assert "Ask us for a paper copy" in text
