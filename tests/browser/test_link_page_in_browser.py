"""A link's page in Chromium: the copy button, the address without JavaScript, axe."""

import io

import pytest
import zxingcpp
from helpers import release_due, sign_in_in_browser
from PIL import Image
from test_accessibility import SCREENSHOTS, axe_violations

from survey import link_store, storage


@pytest.fixture
def link_a(link_a, db):
    """Organisation A's link (conftest), with two finished months of responses,
    released as `flask release` releases them (a page never does)."""
    storage.add_rows(
        db,
        [
            storage.response_row(
                {"A1_offence": "da"},
                period=week,
                channel="outreach-north",
                submission_id=storage.new_response_id(),
            )
            for week, count in (("2026-W02", 14), ("2026-W07", 3))
            for _ in range(count)
        ],
    )
    release_due(db)
    return link_a


def logged_in(context, live_server, app):
    """A page of the context, logged in as partner A."""
    page = context.new_page()
    sign_in_in_browser(
        page, live_server, app.config["DATABASE"], "partner.a@example.org"
    )
    return page


def public_url(app, link):
    """The link's address as cards and the link page print it."""
    return f"{app.config['PUBLIC_BASE_URL'].rstrip('/')}/s/{link['code']}"


def test_the_copy_button_puts_the_address_on_the_clipboard(
    app, browser, live_server, link_a, password
):
    context = browser.new_context(bypass_csp=True)  # bypass_csp: for axe-core only
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = logged_in(context, live_server, app)
    page.goto(f"{live_server}/staff/links/{link_a['code']}")
    button = page.get_by_role("button", name="Copy the address")
    assert button.is_visible()
    page.evaluate("navigator.clipboard.writeText('something else')")
    button.click()
    status = page.locator("#survey-address + div [role=status]")
    status.get_by_text("Copied").wait_for(timeout=5000)
    assert page.evaluate("navigator.clipboard.readText()") == public_url(app, link_a)
    # The e-mail's text has a button of its own, and copies as shown.
    page.get_by_role("button", name="Copy the message").click()
    page.locator("#email-body + div [role=status]").get_by_text("Copied").wait_for(
        timeout=5000
    )
    message = page.evaluate("navigator.clipboard.readText()")
    assert message == page.input_value("#email-body")
    assert public_url(app, link_a) in message
    # Checked with the buttons and a message in the page, as a person finds it.
    assert axe_violations(page) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "desktop-link-page.png", full_page=True)
    context.close()


def test_without_a_clipboard_the_button_selects_the_address(
    app, browser, live_server, link_a, password
):
    # No clipboard permission: the script falls back to selecting the address, and
    # says so rather than claim it was copied.
    context = browser.new_context()
    page = logged_in(context, live_server, app)
    page.goto(f"{live_server}/staff/links/{link_a['code']}")
    page.evaluate("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.evaluate("document.execCommand = () => false")
    page.get_by_role("button", name="Copy the address").click()
    page.locator("#survey-address + div [role=status]").get_by_text(
        "Selected"
    ).wait_for(timeout=5000)
    selected = page.evaluate(
        "(() => { const f = document.activeElement;"
        " return f.value.slice(f.selectionStart, f.selectionEnd) })()"
    )
    assert selected == public_url(app, link_a)
    context.close()


def test_without_javascript_the_address_is_there_to_select(
    app, browser, live_server, db, link_a, password
):
    context = browser.new_context(java_script_enabled=False)
    page = logged_in(context, live_server, app)
    page.goto(f"{live_server}/staff/links/{link_a['code']}")
    assert page.locator("button:has-text('Copy')").count() == 0
    field = page.locator("#survey-address")
    assert field.is_visible() and field.input_value() == public_url(app, link_a)
    # Selectable by hand: click into it and select everything in it.
    field.click()
    page.keyboard.press("Control+A")
    selected = page.evaluate(
        "(() => { const f = document.querySelector('#survey-address');"
        " return document.activeElement === f"
        " && f.value.slice(f.selectionStart, f.selectionEnd) })()"
    )
    assert selected == public_url(app, link_a)
    # The whole address shows in the field, none of it scrolled out of sight.
    assert page.evaluate(
        "(() => { const f = document.querySelector('#survey-address');"
        " return f.scrollWidth <= f.clientWidth"
        " && f.scrollHeight <= f.clientHeight })()"
    )
    # Months by name, the channel's figures explained.
    table = page.locator("table.govuk-table").inner_text()
    assert "January 2026" in table and "February 2026\tfewer than 10" in table
    # Closing asks first, and works as a plain form.
    page.click("text=Close the link")
    assert page.locator("h1").inner_text() == "Close this link?"
    page.click("button:has-text('Yes, close the link')")
    page.wait_for_url(f"{live_server}/staff/links/{link_a['code']}")
    assert link_store.get_link(db, link_a["code"])["is_open"] == 0
    assert page.locator("text=Reopen the link").is_visible()
    context.close()


def test_confirmation_pages_pass_axe(app, browser, live_server, link_a, password):
    context = browser.new_context(bypass_csp=True)
    page = logged_in(context, live_server, app)
    code = link_a["code"]
    page.goto(f"{live_server}/staff/links/{code}/close")
    assert page.locator("h1").inner_text() == "Close this link?"
    assert axe_violations(page) == [], "close"
    page.click("button:has-text('Yes, close the link')")
    page.goto(f"{live_server}/staff/links/{code}/reopen")
    assert page.locator("h1").inner_text() == "Reopen this link?"
    assert axe_violations(page) == [], "reopen"
    page.goto(f"{live_server}/staff/links/{code}")
    assert axe_violations(page) == [], "closed link"
    context.close()


def test_the_svg_download_scans_to_the_address(
    app, browser, live_server, link_a, password
):
    context = browser.new_context()
    page = logged_in(context, live_server, app)
    response = context.request.get(
        f"{live_server}/staff/links/{link_a['code']}/qr-code.svg"
    )
    assert response.headers["content-disposition"].startswith("attachment;")
    # Drawn by the browser, as a design program or a web page would draw the file.
    page.set_content(response.text())
    picture = Image.open(io.BytesIO(page.locator("svg").screenshot()))
    found = [code.text for code in zxingcpp.read_barcodes(picture)]
    assert found == [public_url(app, link_a)]
    context.close()


def test_the_link_page_fits_a_phone(app, browser, live_server, link_a, password):
    # "Text this link" is for a worker's phone: the page must not scroll sideways there.
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = logged_in(context, live_server, app)
    page.goto(f"{live_server}/staff/links/{link_a['code']}")
    assert page.get_by_role("button", name="Copy the text message").is_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    # The address and the messages show whole, none of them scrolled out of sight.
    for field in ("#survey-address", "#sms-text", "#email-body"):
        assert page.evaluate(
            "f => f.scrollWidth <= f.clientWidth && f.scrollHeight <= f.clientHeight",
            page.locator(field).element_handle(),
        ), field
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "phone-link-page.png", full_page=True)
    context.close()
