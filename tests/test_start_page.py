"""The start page and the first page of questions: what they say, how they open."""

import re

import pytest
from helpers import ROUTES, page_heading, post_form, read_form

from survey import link_store


def test_start_page_explains_anonymity_exit_and_help(client, link):
    response = client.get(f"/s/{link['code']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "about 5 minutes" in html
    assert "We never record who you are, your device, your internet address" in html
    assert "Exit this page" in html
    assert "browser history may still show" in html
    assert "0808 2000 247" in html and "press 55" in html


def test_start_page_reads_neutrally_with_the_topic_behind_a_disclosure(client, link):
    html = client.get(f"/s/{link['code']}").get_data(as_text=True)
    assert page_heading(html) == "Your views survey"
    first_line = re.search(r'<p class="govuk-body-l">(.*?)</p>', html, re.S).group(1)
    assert not re.search(r"abuse|police|stalk|harass|crime", first_line, re.I)
    about = re.search(r"<details.*?</details>", html, re.S).group(0)
    assert "What this survey is about" in about
    assert "domestic abuse, stalking or" in about and "the police" in about


def test_start_now_is_a_form_that_posts_for_the_first_page(client, link):
    code = link["code"]
    html = client.get(f"/s/{code}").get_data(as_text=True)
    assert re.search(rf'<form method="post" action="/s/{code}/begin"', html)
    first = client.post(f"/s/{code}/begin")
    assert first.status_code == 200
    assert "Page 1 of 6" in first.get_data(as_text=True)


def test_the_address_of_the_questions_leads_back_to_the_start(client, link):
    # A page of questions is only ever the answer to a POST, so a history entry or a
    # typed address never shows one again.
    response = client.get(f"/s/{link['code']}/questions")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/s/{link['code']}"


def test_first_page_from_another_site_or_a_closed_link_is_refused(client, db, link):
    cross_site = {"Sec-Fetch-Site": "cross-site"}
    assert (
        client.post(f"/s/{link['code']}/begin", headers=cross_site).status_code == 403
    )
    link_store.set_link_open(db, link["code"], False)
    assert client.post(f"/s/{link['code']}/begin").status_code == 404


def test_forms_of_answers_ask_the_browser_to_keep_nothing(client, link):
    # autocomplete="off" on the form: no restoring answers from history, no autofill
    # store of what was typed (docs/privacy.md §1).
    page = client.post(f"/s/{link['code']}/begin")
    for _ in range(6):
        html = page.get_data(as_text=True)
        assert re.search(r'<form method="post"[^>]*autocomplete="off"', html)
        form = read_form(html)
        data = [pair for pair in form.hidden if pair[0] != "website"]
        for name, value in ROUTES["declined"].items():
            if name in form.fields:
                data += [
                    (name, one)
                    for one in (value if isinstance(value, list) else [value])
                ]
        page = post_form(client, link["code"], data + [("nav", "next")])
        if "Send your answers" in page.get_data(as_text=True):
            break
    assert "About you" in page.get_data(as_text=True)


def test_safety_questions_are_explained_where_they_are_first_asked_about(client, link):
    data = read_form(
        client.post(f"/s/{link['code']}/begin").get_data(as_text=True)
    ).hidden
    data += [("A1_offence", "da"), ("A2_contact", "lt3m"), ("nav", "next")]
    page_two = post_form(client, link["code"], data).get_data(as_text=True)
    data = [pair for pair in read_form(page_two).hidden if pair[0] != "website"]
    page_three = post_form(client, link["code"], data + [("nav", "next")])
    html = page_three.get_data(as_text=True)
    offered = html.index("offer to go through a set of safety questions")
    assert "DASH or DARA" in html[offered : offered + 800]


# Each kind the start page and the privacy notice name, with a sentence holding one and
# what redaction leaves of it (docs/privacy.md §2).
REMOVED_KINDS = [
    ("phone numbers", "ring 07700 900123", "ring [removed]"),
    ("email addresses", "me@example.com", "[removed]"),
    ("email addresses", "jo dot bloggs at gmail dot com", "[removed]"),
    ("web addresses", "www.example.org/page", "[removed]"),
    ("social media usernames", "@somebody_1", "[removed]"),
    ("house numbers with a street name", "at 12 Mill Lane", "at [removed]"),
    ("flat numbers", "in flat 2b", "in [removed]"),
    ("postcodes", "SW1A 1AA", "[removed]"),
    ("postcodes", "my postcode is LS6", "my postcode is [removed]"),
    (
        "names that come straight after words like",
        "my name is Jo",
        "my name is [removed]",
    ),
    (
        "&ldquo;my name is&rdquo; or &ldquo;called&rdquo;",
        "a man called Sam Bloggs",
        "a man called [removed]",
    ),
    ("dates of birth", "DOB 12/03/1985", "DOB [removed]"),
    ("full dates (day, month and year)", "on 12 March 2024", "on [removed]"),
    ("car registrations", "his car is AB12 CDE", "his car is [removed]"),
    (
        "police crime or incident reference numbers",
        "crime number 12345/24",
        "crime number [removed]",
    ),
    (
        "police crime or incident reference numbers",
        "incident 0456 of 12/03/2024",
        "incident [removed]",
    ),
    ("National Insurance numbers", "QQ 12 34 56 C", "[removed]"),
    ("NHS numbers", "943 476 5919", "[removed]"),
    ("other long numbers", "4929 1234 5678 9012", "[removed]"),
]


@pytest.mark.parametrize("page", ["start", "privacy"])
@pytest.mark.parametrize(("named", "sentence", "left"), REMOVED_KINDS)
def test_start_page_and_privacy_notice_name_only_what_redaction_removes(
    client, link, page, named, sentence, left
):
    from survey.redaction import redact

    path = f"/s/{link['code']}" if page == "start" else "/privacy"
    html = " ".join(client.get(path).get_data(as_text=True).split())
    assert named in html
    assert redact(f"x {sentence} and y") == f"x {left} and y"


@pytest.mark.parametrize("path", ["/s/{code}", "/privacy"])
def test_both_pages_say_other_names_and_places_may_be_kept(client, link, path):
    from survey.redaction import redact

    html = client.get(path.format(code=link["code"])).get_data(as_text=True)
    html = " ".join(html.split())
    assert "We cannot spot other names, or places without a house number or" in html
    assert "Please do not type them." in html
    # That is true: a name without a cue, and a street without a number, stay.
    assert redact("Anna Smith lives on Mill Lane") == "Anna Smith lives on Mill Lane"
    # Both pages list the same kinds.
    kinds = re.search(r"we remove[^<]*</p> <ul[^>]*>(.*?)</ul>", html).group(1)
    start = " ".join(client.get(f"/s/{link['code']}").get_data(as_text=True).split())
    assert kinds in start
