"""Distribution links for staff: who sees which, closing, expiry, counts and cards."""

import io
import re
from datetime import date
from html import unescape

import pseudo_locale
import pytest
import segno
from helpers import csrf_token, log_in, release_due
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import perturbation
from survey import audit_log, link_store, storage
from survey.links import CHANNEL_TAKEN


def test_partner_creates_a_link_for_its_own_organisation(personas, db):
    client = personas["partner_a"]
    response = client.post(
        "/staff/links/new",
        data={
            "csrf_token": csrf_token(client, "/staff/links/new"),
            "label": "Drop-in, Tuesdays",
            "channel": "drop-in",
            "organisation": "2",
            "expires": "",
        },
    )
    # Partners cannot choose another organisation: "2" (Service B) is not offered.
    assert response.status_code == 400
    response = client.post(
        "/staff/links/new",
        data={
            "csrf_token": csrf_token(client, "/staff/links/new"),
            "label": "Drop-in, Tuesdays",
            "channel": "drop-in",
            "organisation": "1",
            "expires": "2027-03-31",
        },
    )
    assert response.status_code == 303
    [link] = link_store.list_links(db)
    assert link["organisation"] == "Service A" and link["expires"] == "2027-03-31"
    # Shown as people write dates, on the list and on the link's own page.
    assert "(until 31 March 2027)" in client.get("/staff/links").text
    shown = client.get(f"/staff/links/{link['code']}").text
    assert "works until 31 March 2027" in shown and "2027-03-31" not in shown
    assert "created a link" in [e["action"] for e in audit_log.list_entries(db)]


def new_link(client, channel, organisation="", label="Drop-in"):
    """Post the new-link form as a browser would."""
    return client.post(
        "/staff/links/new",
        data={
            "csrf_token": csrf_token(client, "/staff/links/new"),
            "label": label,
            "channel": channel,
            "organisation": organisation,
            "expires": "",
        },
    )


def add_responses(db, channel, week, count):
    """`count` responses through `channel` in `week`."""
    storage.add_rows(
        db,
        [
            storage.response_row(
                {"A1_offence": "da"},
                period=week,
                channel=channel,
                submission_id=storage.new_response_id(),
            )
            for _ in range(count)
        ],
    )


def test_a_partner_cannot_make_a_link_on_another_organisations_channel(
    db, personas, link_a, staff_accounts
):
    # The attack as it worked before channels had owners: partner B typed A's channel
    # code into the form and read A's monthly counts on the new link's page.
    add_responses(db, "outreach-north", "2026-W02", 23)
    other = personas["partner_b"]
    service_b = str(staff_accounts["partner_b"]["organisation_id"])
    response = new_link(other, "outreach-north", service_b)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and CHANNEL_TAKEN in html
    # The refusal says the code is taken, and nothing of whose it is or what it holds.
    assert "Service A" not in html and "Outreach, north" not in html
    assert [link["code"] for link in link_store.list_links(db)] == [link_a["code"]]
    assert "outreach-north" not in other.get("/staff/links").get_data(as_text=True)
    assert link_store.get_channel(db, "outreach-north")["organisation"] == "Service A"
    refusals = [e for e in audit_log.list_entries(db) if e["action"] != "logged in"]
    assert [(e["action"], e["detail"]) for e in refusals] == [
        ("was refused a channel", "outreach-north")
    ]


def test_a_new_channel_code_becomes_the_partners_organisations(db, personas):
    client = personas["partner_b"]
    assert new_link(client, "drop-in", "2").status_code == 303
    assert link_store.get_channel(db, "drop-in")["organisation"] == "Service B"
    # The same partner may add more links on it; the other organisation may not.
    assert new_link(client, "drop-in", "2", label="Second").status_code == 303
    assert new_link(personas["partner_a"], "drop-in", "1").status_code == 400
    assert len(link_store.list_links(db, 2)) == 2 and link_store.list_links(db, 1) == []


def test_a_channel_code_with_a_final_newline_is_refused(db, personas, link_a):
    response = new_link(personas["partner_b"], "outreach-north\n", "2")
    assert response.status_code == 400 and "lower-case letters" in response.text
    assert link_store.list_channels(db) == {"outreach-north"}


def test_admins_choose_a_new_channels_organisation_and_keep_an_existing_ones(
    db, personas, link_a
):
    admin = personas["admin"]
    assert new_link(admin, "hospital", "2").status_code == 303
    assert new_link(admin, "admins-only", "").status_code == 303
    assert link_store.get_channel(db, "hospital")["organisation"] == "Service B"
    assert link_store.get_channel(db, "admins-only")["organisation_id"] is None
    # An admin may see whose a channel is, and is told rather than silently overruled.
    refused = new_link(admin, "outreach-north", "2")
    assert refused.status_code == 400
    assert "belongs to Service A" in refused.get_data(as_text=True)
    assert new_link(admin, "outreach-north", "1").status_code == 303
    assert len(link_store.list_links(db, 1)) == 2


def test_a_partner_sees_counts_only_for_its_own_channels(
    db, personas, link_a, staff_accounts
):
    link_b = link_store.add_link(
        db,
        label="Helpline",
        channel="helpline-b",
        today=date(2026, 4, 1),
        organisation_id=staff_accounts["partner_b"]["organisation_id"],
    )
    unowned = link_store.add_link(
        db, label="Shared", channel="shared", today=date(2026, 4, 1)
    )
    add_responses(db, "outreach-north", "2026-W02", 23)
    add_responses(db, "helpline-b", "2026-W02", 12)
    add_responses(db, "shared", "2026-W02", 31)
    release_due(db)
    other = personas["partner_b"]
    html = other.get(f"/staff/links/{link_b['code']}").get_data(as_text=True)
    cells = re.findall(r'<td class="govuk-table__cell[^"]*">([^<]+)</td>', html)
    # 12, not 12 + 23, as published: perturbed by the cell key of those 12.
    count = str(published_count(db, "helpline-b", "2026-W"))
    assert cells[:2] == ["January 2026", count]
    assert set(cells[3::2]) == {"fewer than 10"}  # the months since: none
    assert other.get(f"/staff/links/{link_a['code']}").status_code == 404
    # A channel of no organisation (as m006 leaves a contested one) is for admins.
    for partner in ("partner_a", "partner_b"):
        response = personas[partner].get(f"/staff/links/{unowned['code']}")
        assert response.status_code == 404
    listed = other.get("/staff/links").get_data(as_text=True)
    assert "Helpline" in listed and "Shared" not in listed
    assert "Outreach, north" not in listed


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    who=st.sampled_from(["admin", "partner_b"]),
    channel=st.sampled_from(["outreach-north", "drop-in", "shared", ""]) | st.text(),
    organisation=st.sampled_from(["", "1", "2", "99", "x"]) | st.text(max_size=5),
)
def test_random_link_forms_never_give_a_500_or_a_link_on_anothers_channel(
    db, personas, link_a, who, channel, organisation
):
    client = personas[who]
    if client.get("/staff/").status_code != 200:
        log_in(client, f"{who.replace('_', '.')}@example.org")
    before = link_store.list_links(db, 1)
    response = new_link(client, channel, organisation)
    assert response.status_code in (303, 400)
    assert link_store.get_channel(db, "outreach-north")["organisation"] == "Service A"
    if who == "partner_b":
        assert link_store.list_links(db, 1) == before


def test_link_form_errors_are_shown(personas):
    client = personas["admin"]
    response = client.post(
        "/staff/links/new",
        data={
            "csrf_token": csrf_token(client, "/staff/links/new"),
            "label": "",
            "channel": "Bad Channel",
            "organisation": "1",
            "expires": "31/03/2027",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "govuk-error-summary" in html
    assert "Enter a label" in html and "lower-case letters" in html


def test_partners_see_only_their_own_links(personas, link_a):
    code = link_a["code"]
    for path in (
        f"/staff/links/{code}",
        f"/staff/links/{code}/card",
        f"/staff/links/{code}/qr.svg",
    ):
        assert personas["partner_a"].get(path).status_code == 200, path
        assert personas["partner_b"].get(path).status_code == 404, path
        assert personas["admin"].get(path).status_code == 200, path
        assert personas["analyst"].get(path).status_code == 403, path
    other = personas["partner_b"]
    closing = other.post(
        f"/staff/links/{code}/close",
        data={"csrf_token": csrf_token(other, "/staff/links")},
    )
    assert closing.status_code == 404
    assert "Outreach, north" in personas["partner_a"].get("/staff/links").get_data(
        as_text=True
    )
    assert "Outreach, north" not in other.get("/staff/links").get_data(as_text=True)


def test_closing_and_expiry_give_the_same_404_as_an_unknown_link(
    app, db, personas, link_a
):
    client = personas["partner_a"]
    respondent = app.test_client()
    unknown = respondent.get("/s/zzzzzzzz").get_data()
    close = client.post(
        f"/staff/links/{link_a['code']}/close",
        data={"csrf_token": csrf_token(client, "/staff/links")},
    )
    assert close.status_code == 303
    closed = respondent.get(f"/s/{link_a['code']}")
    assert closed.status_code == 404 and closed.get_data() == unknown
    client.post(
        f"/staff/links/{link_a['code']}/reopen",
        data={"csrf_token": csrf_token(client, "/staff/links")},
    )
    assert respondent.get(f"/s/{link_a['code']}").status_code == 200
    expired = link_store.add_link(
        db,
        label="Old",
        channel="old",
        today=date(2026, 1, 1),
        expires=date(2026, 1, 2),  # long past
    )
    gone = respondent.get(f"/s/{expired['code']}")
    assert gone.status_code == 404 and gone.get_data() == unknown
    actions = [e["action"] for e in audit_log.list_entries(db)]
    assert "closed a link" in actions and "reopened a link" in actions


def test_monthly_counts_are_suppressed_and_rounded(db, personas, link_a):
    rows = []
    for week, count in (("2026-W02", 12), ("2026-W03", 1), ("2026-W07", 3)):
        rows += [
            storage.response_row(
                {"A1_offence": "da"},
                period=week,
                channel="outreach-north",
                submission_id=storage.new_response_id(),
            )
            for _ in range(count)
        ]
    storage.add_rows(db, rows)
    release_due(db)
    html = (
        personas["partner_a"]
        .get(f"/staff/links/{link_a['code']}")
        .get_data(as_text=True)
    )
    cells = re.findall(r'<td class="govuk-table__cell[^"]*">([^<]+)</td>', html)
    # January's 13 as published (perturbed by its cell key); February's 3 hidden,
    # and so is every month since, with none: a month of none reads as one of a few.
    january = published_count(db, "outreach-north", "2026-W0", before="2026-W06")
    assert abs(january - 13) <= 2
    assert cells[:4] == ["January 2026", str(january), "February 2026", "fewer than 10"]
    assert set(cells[5::2]) == {"fewer than 10"} and len(cells) > 4


def published_count(db, channel, prefix, before="2026-W06"):
    """A channel's responses from weeks starting `prefix`, as the release publishes."""
    n, keys = db.execute(
        "SELECT count(*), sum(record_key) FROM responses WHERE channel = ? "
        "AND period LIKE ? AND period < ?",
        [channel, f"{prefix}%", before],
    ).fetchone()
    return perturbation.perturb(n, perturbation.cell_key(keys))


def test_card_is_discreet_and_carries_the_short_address(personas, link_a):
    html = (
        personas["partner_a"]
        .get(f"/staff/links/{link_a['code']}/card")
        .get_data(as_text=True)
    )
    [card] = cards_in(html)
    assert "Have your say about local services" in card
    assert f"/s/{link_a['code']}" in card
    assert not re.search(r"abuse|police|crime|stalk|harass|victim", card, re.I)
    business = personas["partner_a"].get(
        f"/staff/links/{link_a['code']}/card?size=business&wording=feedback"
    )
    assert "survey-card--business" in business.get_data(as_text=True)
    # A size that is not offered (a changed address) is refused with the form.
    refused = personas["partner_a"].get(f"/staff/links/{link_a['code']}/card?size=huge")
    assert refused.status_code == 400 and "Choose a card size" in refused.text
    assert cards_in(refused.text) == []


CARD = re.compile(r'<div class="survey-card survey-card--(\w+)"[^>]*>(.*?)</div>', re.S)


def cards_in(html: str) -> list[str]:
    """The hand-out cards on a page, as HTML."""
    return [body for _, body in CARD.findall(html)]


def card_page(client, code, **choices):
    """The card page for these choices, as the form's GET sends them."""
    return client.get(f"/staff/links/{code}/card", query_string=choices)


@pytest.mark.parametrize(
    "size, layout, pages, per_page",
    [
        ("a6", "single", "1", 1),
        ("business", "single", "3", 1),
        ("a6", "sheet", "2", 4),
        ("business", "sheet", "3", 10),
        ("business", "sheet", "20", 10),
    ],
)
def test_a_worker_chooses_the_layout_and_the_number_of_pages(
    personas, link_a, size, layout, pages, per_page
):
    response = card_page(
        personas["partner_a"], link_a["code"], size=size, layout=layout, pages=pages
    )
    html = response.text
    assert response.status_code == 200
    found = CARD.findall(html)
    assert len(found) == int(pages) * per_page
    assert {kind for kind, _ in found} == {size}
    sheets = re.findall(r'class="survey-sheet survey-sheet--(\w+)"', html)
    assert sheets == ([size] * int(pages) if layout == "sheet" else [])
    said = re.search(r'id="what-prints">(.*?)</p>', html, re.S).group(1)
    assert " ".join(said.split()).startswith(
        f"{pages} page{'s' if pages != '1' else ''} of A4 with {per_page} card"
    )


def test_a_sheet_has_crop_marks_at_both_ends_of_every_cut(personas, link_a):
    html = card_page(
        personas["partner_a"], link_a["code"], size="business", layout="sheet"
    ).text
    lines = [
        tuple(float(v) for v in found)
        for found in re.findall(
            r'<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"/>', html
        )
    ]
    # Ten business cards, 2 by 5 from 20 mm and 11 mm: three cuts down, six across.
    downs = sorted({x1 for x1, _, x2, _ in lines if x1 == x2})
    across = sorted({y1 for _, y1, _, y2 in lines if y1 == y2})
    assert downs == [20, 105, 190]
    assert across == [11, 66, 121, 176, 231, 286]
    assert len(lines) == 2 * (3 + 6)
    # Every mark is in the margin, clear of the cards.
    for x1, y1, x2, y2 in lines:
        if x1 == x2:
            assert y2 <= 11 - 2 or y1 >= 286 + 2
        else:
            assert x2 <= 20 - 2 or x1 >= 190 + 2


def test_the_worker_chooses_the_wording_and_an_own_line(personas, link_a):
    client = personas["partner_a"]
    response = card_page(
        client,
        link_a["code"],
        wording="survey",
        line="  Ask us for a paper copy  ",
        layout="sheet",
    )
    assert response.status_code == 200
    found = cards_in(response.text)
    assert len(found) == 4
    for card in found:
        assert "A short survey, about 5 minutes" in card
        assert '<p class="survey-card__line">Ask us for a paper copy</p>' in card
    # Without a line, the card has none.
    assert "survey-card__line" not in card_page(client, link_a["code"]).text


def test_an_own_line_cannot_break_the_page(personas, link_a):
    line = '"><script>alert(1)</script><b>Hi</b> & co'
    response = card_page(personas["partner_a"], link_a["code"], line=line)
    assert response.status_code == 200
    [card] = cards_in(response.text)
    assert "<script>" not in response.text and "<b>" not in card
    assert (
        "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;Hi&lt;/b&gt; &amp; co"
        in card
    )


@pytest.mark.parametrize(
    "choices, message",
    [
        ({"line": "x" * 61}, "Your own line must be 60 characters or less"),
        ({"line": "Tea\tand cake"}, "must not include line breaks, tabs"),
        ({"line": "Tea\r\nand cake"}, "must not include line breaks, tabs"),
        ({"line": "Tea\u202eand cake"}, "must not include line breaks, tabs"),
        ({"line": "Tea\u200band cake"}, "must not include line breaks, tabs"),
        ({"line": "Tea\x00and cake"}, "must not include line breaks, tabs"),
        ({"line": "About the police response"}, "Remove ‘police’"),
        ({"line": "If you were ABUSED"}, "Remove ‘ABUSED’"),
        ({"line": "Domestic violence"}, "Remove ‘Domestic’"),
        ({"line": "Ｖｉｃｔｉｍ support"}, "Remove ‘Victim’"),
        ({"pages": "0"}, "Number of pages must be between 1 and 20"),
        ({"pages": "21"}, "Number of pages must be between 1 and 20"),
        ({"pages": "9" * 5000}, "Number of pages must be between 1 and 20"),
        ({"pages": ""}, "Enter the number of pages"),
        ({"pages": "two"}, "Enter the number of pages as a number, like 2"),
        ({"pages": "-1"}, "Enter the number of pages as a number, like 2"),
        ({"pages": "٣"}, "Enter the number of pages as a number, like 2"),
        ({"layout": "poster"}, "Choose how many cards go on each page"),
        ({"wording": "abuse"}, "Choose the wording"),
        ({"size": ""}, "Choose a card size"),
    ],
)
def test_card_choices_are_checked_with_a_message_and_kept(
    personas, link_a, choices, message
):
    response = card_page(personas["partner_a"], link_a["code"], **choices)
    html = response.text
    assert response.status_code == 400
    assert "govuk-error-summary" in html and message in html
    assert "<title>Error: Hand-out cards" in html
    assert cards_in(html) == []  # nothing to print until it is put right
    if "line" in choices:
        # What was typed stays in the field, to be put right, less hidden characters.
        typed = re.search(r'<input[^>]*name="line"[^>]*value="([^"]*)"', html)
        kept = unescape(typed.group(1))
        assert kept == re.sub("[\t\r\n\u202e\u200b\x00]", "", choices["line"])
        if "must not include" in message:
            again = card_page(personas["partner_a"], link_a["code"], line=kept)
            assert again.status_code == 200 and len(cards_in(again.text)) == 1


def test_an_own_line_may_use_ordinary_words_near_the_refused_ones(personas, link_a):
    # Word stems are refused, not strings: these are ordinary words.
    for line in ("Our policy on privacy", "Grapes and a beanstalk", "Crimson card"):
        response = card_page(personas["partner_a"], link_a["code"], line=line)
        assert response.status_code == 200, line
        [card] = cards_in(response.text)
        assert line in card


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    size=st.sampled_from(["a6", "business", ""]) | st.text(max_size=5),
    layout=st.sampled_from(["single", "sheet"]) | st.text(max_size=5),
    pages=st.sampled_from(["1", "20", "0"]) | st.text(max_size=6),
    line=st.text(max_size=70),
)
def test_random_card_choices_never_give_a_500(
    personas, link_a, size, layout, pages, line
):
    response = card_page(
        personas["partner_a"],
        link_a["code"],
        size=size,
        layout=layout,
        pages=pages,
        line=line,
    )
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert len(cards_in(response.text)) >= 1
        assert "<script>" not in response.text


def test_qr_code_is_svg_served_by_the_app(personas, link_a):
    response = personas["partner_a"].get(f"/staff/links/{link_a['code']}/qr.svg")
    assert response.mimetype == "image/svg+xml"
    body = response.get_data(as_text=True)
    assert body.startswith("<svg") and "<path" in body
    assert "QR code for the survey address" in body


def test_cards_print_in_the_language_chosen_and_open_the_survey_in_it(
    app, personas, link_a, tmp_path
):
    app.config["TRANSLATIONS_DIRECTORY"] = str(pseudo_locale.build(tmp_path))
    app.config["LANGUAGES"] = ["en", pseudo_locale.CODE]
    partner = personas["partner_a"]
    page = f"/staff/links/{link_a['code']}/card"
    assert "Language of the cards" in partner.get(page).text
    response = partner.get(f"{page}?wording=feedback&language={pseudo_locale.CODE}")
    assert response.status_code == 200
    [card] = cards_in(response.text)
    assert pseudo_locale.pseudo("We would like your feedback") in unescape(card)
    assert pseudo_locale.pseudo("Anonymous. About 5 minutes.") in unescape(card)
    assert f'lang="{pseudo_locale.CODE}"' in response.text
    # The QR code and the address open the survey in that language.
    address = f"https://survey.example.org/s/{link_a['code']}?lang={pseudo_locale.CODE}"
    [qr_src] = re.findall(r'class="survey-card__qr" src="([^"]+)"', response.text)
    qr = partner.get(unescape(qr_src))
    expected = io.BytesIO()
    segno.make(address, error="m").save(
        expected,
        kind="svg",
        scale=4,
        border=2,
        xmldecl=False,
        svgns=True,
        title="QR code for the survey address",
    )
    assert qr.data == expected.getvalue()
    assert f"/s/{link_a['code']}?lang={pseudo_locale.CODE}" in unescape(card)
    # English cards are as before; a language not offered is refused with the form.
    [english] = cards_in(partner.get(f"{page}?wording=feedback").text)
    assert "We would like your feedback" in english and "?lang=" not in english
    refused = partner.get(f"{page}?language=cy")
    assert refused.status_code == 400
    assert "Choose one of the languages offered" in refused.text


def test_english_only_cards_offer_no_language(personas, link_a):
    html = personas["partner_a"].get(f"/staff/links/{link_a['code']}/card").text
    assert "Language of the cards" not in html
