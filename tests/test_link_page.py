"""A link's page: its full address, QR downloads, messages, asking before closing."""

import io
import re
from datetime import date
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import zxingcpp
from helpers import csrf_token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from survey import audit_log, link_store

PUBLIC = "https://survey.example.org"  # SURVEY_PUBLIC_BASE_URL, as conftest sets it
# Words a message must not carry: it may be read by the person who hurts the reader.
GIVEAWAY = re.compile(
    r"abuse|police|crime|criminal|victim|stalk|harass|violen|domestic|offen|safety|"
    r"risk|DASH|DARA|assault|partner",
    re.I,
)


def attribute(html, element_id, name):
    """An attribute of the element with this id, unescaped as a browser reads it."""
    tag = re.search(rf'<[a-z]+ [^>]*id="{element_id}"[^>]*>', html)[0]
    found = re.search(rf'\s{name}(?:="([^"]*)")?[\s>]', tag)
    return None if found is None else unescape(found[1] or "")


def words(html):
    """A page's text with its tags taken out and its spaces made single."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def href(html, text):
    """The address of the link whose text is `text`, unescaped."""
    return unescape(re.search(rf'<a [^>]*href="([^"]+)"[^>]*>{text}</a>', html)[1])


def test_the_page_shows_the_full_public_address_to_select(personas, link_a):
    # The test client asks for http://localhost/: the address is the public one, as
    # on cards, never the one a request claims to be for.
    response = personas["partner_a"].get(f"/staff/links/{link_a['code']}")
    html = response.get_data(as_text=True)
    url = f"{PUBLIC}/s/{link_a['code']}"
    shown = re.search(r'<textarea [^>]*id="survey-address"[^>]*>(.*?)</textarea>', html)
    assert unescape(shown[1]) == url
    # Read-only, not disabled: it can be focused, selected and copied without a script.
    assert attribute(html, "survey-address", "readonly") == ""
    assert attribute(html, "survey-address", "disabled") is None
    assert '<label class="govuk-label" for="survey-address">' in html
    # The copy button comes from assets/survey.js alone; the page has none of its own.
    assert attribute(html, "survey-address", "data-survey-copy") == "Copy the address"
    assert "Copy the address</button>" not in html
    assert "localhost" not in html


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_qr_code_downloads_are_attachments_named_after_the_link(personas, link_a, fmt):
    response = personas["partner_a"].get(f"/staff/links/{link_a['code']}/qr-code.{fmt}")
    assert response.status_code == 200
    assert response.mimetype == {"svg": "image/svg+xml", "png": "image/png"}[fmt]
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="qr-code-outreach-north-{link_a["code"]}.{fmt}"'
    )
    page = personas["partner_a"].get(f"/staff/links/{link_a['code']}").text
    assert f"/staff/links/{link_a['code']}/qr-code.{fmt}" in page


def test_the_png_download_scans_to_the_public_address(personas, link_a):
    response = personas["partner_a"].get(f"/staff/links/{link_a['code']}/qr-code.png")
    picture = Image.open(io.BytesIO(response.get_data()))
    assert picture.format == "PNG" and picture.width >= 600
    found = [code.text for code in zxingcpp.read_barcodes(picture)]
    assert found == [f"{PUBLIC}/s/{link_a['code']}"]


def test_the_svg_download_is_a_standalone_file(personas, link_a):
    # Its scan, drawn by a browser, is in tests/browser/test_link_page_in_browser.py.
    body = personas["partner_a"].get(f"/staff/links/{link_a['code']}/qr-code.svg").text
    assert body.startswith("<?xml") and 'xmlns="http://www.w3.org/2000/svg"' in body
    assert "<path" in body


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ('Drop-in "Tuesdays"; 2pm\r\nX: y', "qr-code-drop-in-tuesdays-2pm-x-y-{code}"),
        ("Café – Été", "qr-code-caf-t-{code}"),
        ("———", "qr-code-{code}"),
        ("a" * 60, "qr-code-" + "a" * 40 + "-{code}"),
    ],
)
def test_qr_file_names_hold_only_safe_characters(db, personas, label, name):
    link = link_store.add_link(db, label=label, channel="x", today=date(2026, 4, 1))
    response = personas["admin"].get(f"/staff/links/{link['code']}/qr-code.png")
    expected = name.format(code=link["code"])
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{expected}.png"'
    )


def test_only_png_and_svg_are_offered_and_only_to_the_links_own_staff(personas, link_a):
    code = link_a["code"]
    for fmt in ("PNG", "jpg", "svgz", "png.", "svg%00"):
        path = f"/staff/links/{code}/qr-code.{fmt}"
        assert personas["partner_a"].get(path).status_code == 404, fmt
    for path in (f"/staff/links/{code}/qr-code.png", f"/staff/links/{code}/close"):
        assert personas["partner_b"].get(path).status_code == 404, path
        assert personas["analyst"].get(path).status_code == 403, path
        assert personas["admin"].get(path).status_code == 200, path


def test_text_this_link_opens_a_message_with_the_address(personas, link_a):
    html = personas["partner_a"].get(f"/staff/links/{link_a['code']}").text
    url = f"{PUBLIC}/s/{link_a['code']}"
    sms = href(html, "Text this link")
    # "sms:?&body=": no number, and a form iOS and Android both read.
    assert sms.startswith("sms:?&body=")
    body = unquote(sms.removeprefix("sms:?&body="))
    assert body.endswith(f" {url}") and len(body) <= 160
    assert not GIVEAWAY.search(body.replace(url, ""))
    # Nothing unencoded that a messaging app would read as the end of the body.
    assert not re.search(r"[ &?#+]", sms.removeprefix("sms:?&body="))
    # The same text on the page, for a messaging app the link does not open.
    shown = re.search(r'<textarea [^>]*id="sms-text"[^>]*>(.*?)</textarea>', html, re.S)
    assert unescape(shown[1]) == body


def test_the_email_template_is_discreet_and_shown_for_copying(personas, link_a):
    html = personas["partner_a"].get(f"/staff/links/{link_a['code']}").text
    url = f"{PUBLIC}/s/{link_a['code']}"
    mailto = urlsplit(href(html, "E-mail this link"))
    assert mailto.scheme == "mailto" and mailto.path == ""
    # %20 for spaces (a + would show as itself) and CRLF line breaks (RFC 6068).
    assert "+" not in mailto.query and "%0D%0A" in mailto.query
    fields = parse_qs(mailto.query)
    subject, body = fields["subject"][0], fields["body"][0].replace("\r\n", "\n")
    assert url in body.split("\n")
    assert not GIVEAWAY.search(subject) and not GIVEAWAY.search(body.replace(url, ""))
    # The same text on the page, to copy into an e-mail program the link does not open.
    assert attribute(html, "email-subject", "value") == subject
    shown = re.search(
        r'<textarea [^>]*id="email-body"[^>]*>(.*?)</textarea>', html, re.S
    )
    assert unescape(shown[1]) == body


def test_messages_stay_discreet_on_the_page_too(personas, link_a):
    html = personas["partner_a"].get(f"/staff/links/{link_a['code']}").text
    section = html[html.index("Send the link") : html.index("QR code</h2>")]
    text = unescape(re.sub(r"<[^>]+>", " ", section))
    assert not GIVEAWAY.search(text.replace(link_a["code"], ""))


def test_the_figures_say_they_are_the_channels_and_name_its_other_links(
    db, personas, link_a, staff_accounts
):
    client = personas["partner_a"]
    alone = words(client.get(f"/staff/links/{link_a['code']}").text)
    assert "not the link: these" in alone and "with its other link" not in alone
    assert "give it a channel of its own" in alone
    assert 'A month reads "fewer than 10" when fewer than 10' in alone
    link_store.add_link(
        db,
        label="Outreach, south",
        channel="outreach-north",
        today=date(2026, 4, 1),
        organisation_id=staff_accounts["partner_a"]["organisation_id"],
    )
    shared = words(client.get(f"/staff/links/{link_a['code']}").text)
    assert "with its other link (Outreach, south)" in shared


def test_closing_asks_first_and_the_get_changes_nothing(db, personas, link_a):
    client = personas["partner_a"]
    code = link_a["code"]
    page = client.get(f"/staff/links/{code}").text
    assert href(page, "Close the link") == f"/staff/links/{code}/close"
    asked = client.get(f"/staff/links/{code}/close")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Close this link?" in html
    assert f'<form method="post" action="/staff/links/{code}/close"' in html
    assert "Yes, close the link</button>" in html
    assert f"{PUBLIC}/s/{code}" in html
    # Only asked: the link still works and nothing is in the audit log.
    assert link_store.get_link(db, code)["is_open"] == 1
    assert "closed a link" not in [e["action"] for e in audit_log.list_entries(db)]
    done = client.post(
        f"/staff/links/{code}/close",
        data={"csrf_token": csrf_token(client, f"/staff/links/{code}/close")},
    )
    assert done.status_code == 303
    assert done.headers["Location"] == f"/staff/links/{code}"
    assert link_store.get_link(db, code)["is_open"] == 0
    assert ("closed a link", code) in [
        (e["action"], e["detail"]) for e in audit_log.list_entries(db)
    ]
    # Closed: asking to close again goes back to the link, which offers reopening.
    again = client.get(f"/staff/links/{code}/close")
    assert again.status_code == 303
    page = client.get(f"/staff/links/{code}").text
    assert href(page, "Reopen the link") == f"/staff/links/{code}/reopen"


def test_reopening_asks_first_too(db, personas, link_a):
    client = personas["partner_a"]
    code = link_a["code"]
    link_store.set_link_open(db, code, False)
    assert client.get(f"/staff/links/{code}/reopen").status_code == 200
    html = client.get(f"/staff/links/{code}/reopen").text
    assert "Reopen this link?" in html and "answer the survey again" in html
    assert f'<form method="post" action="/staff/links/{code}/reopen"' in html
    assert link_store.get_link(db, code)["is_open"] == 0
    done = client.post(
        f"/staff/links/{code}/reopen",
        data={"csrf_token": csrf_token(client, f"/staff/links/{code}/reopen")},
    )
    assert done.status_code == 303 and link_store.get_link(db, code)["is_open"] == 1
    assert "reopened a link" in [e["action"] for e in audit_log.list_entries(db)]
    assert client.get(f"/staff/links/{code}/reopen").status_code == 303


def test_reopening_an_expired_link_says_it_will_still_not_work(db, personas):
    link = link_store.add_link(
        db,
        label="Old",
        channel="old",
        today=date(2026, 1, 1),
        expires=date(2026, 1, 2),  # long past
    )
    link_store.set_link_open(db, link["code"], False)
    html = personas["admin"].get(f"/staff/links/{link['code']}/reopen").text
    assert "reopened, it still will not work" in html


def test_a_close_without_its_token_changes_nothing(db, personas, link_a):
    response = personas["partner_a"].post(f"/staff/links/{link_a['code']}/close")
    assert response.status_code == 400
    assert link_store.get_link(db, link_a["code"])["is_open"] == 1


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    tail=st.sampled_from(["", "/close", "/reopen", "/qr-code.png", "/qr-code.svg"]),
    code=st.text(
        # Not control characters: the test client drops tabs and line breaks from a
        # URL, as browsers do, and /staff/links//close is redirected (308).
        st.characters(exclude_categories=["Cs", "Cc"], exclude_characters="/?#%"),
        min_size=1,
        max_size=40,
    ),
)
def test_any_code_gives_a_page_or_a_404_never_a_500(personas, link_a, tail, code):
    response = personas["partner_a"].get(f"/staff/links/{code}{tail}")
    assert response.status_code in (200, 303, 404)


def test_responses_record_the_channel_never_the_link(db):
    # docs/privacy.md §2: a link column would narrow who answered to those a worker
    # handed that link to; a link's page shows its channel's figures instead.
    columns = set(db["responses"].columns_dict)
    assert "channel" in columns
    assert not {name for name in columns if "link" in name or name == "code"}
