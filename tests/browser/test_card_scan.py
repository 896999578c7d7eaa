"""A printed hand-out card's QR code scans to the survey's address."""

import io

import zxingcpp
from helpers import sign_in_in_browser
from PIL import Image

from survey import link_store


def test_printed_card_qr_code_scans_to_the_link(
    page, app, live_server, db, staff_accounts, password
):
    from datetime import date

    link = link_store.add_link(
        db,
        label="Drop-in",
        channel="drop-in",
        today=date(2026, 4, 1),
        organisation_id=staff_accounts["partner_a"]["organisation_id"],
    )
    sign_in_in_browser(
        page, live_server, app.config["DATABASE"], "partner.a@example.org", password
    )
    for size in ("a6", "business"):
        page.goto(f"{live_server}/staff/links/{link['code']}/card?size={size}")
        page.emulate_media(media="print")
        card = page.locator(".survey-card")
        picture = Image.open(io.BytesIO(card.screenshot()))
        found = zxingcpp.read_barcodes(picture)
        # The public address (PUBLIC_BASE_URL), never the one the request came to.
        public = app.config["PUBLIC_BASE_URL"].rstrip("/")
        assert [code.text for code in found] == [f"{public}/s/{link['code']}"], size
        assert card.inner_text().count(f"/s/{link['code']}") == 1
        page.emulate_media(media="screen")
