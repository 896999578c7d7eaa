"""Configuration: what the app needs to start, and where settings come from."""

import re

import pytest
from helpers import CONTACTS, post_form, walk_survey

from survey import create_app


def test_threshold_below_five_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="never be below 5"):
        create_app({"SECRET_KEY": "k", "SUPPRESSION_THRESHOLD": 4})


@pytest.mark.parametrize("unset", CONTACTS)
def test_the_app_does_not_start_without_its_contacts(tmp_path, monkeypatch, unset):
    # A help box with no number to ring, or "contact us" without how, is refused at
    # start-up, whether the setting is missing or blank.
    monkeypatch.delenv(f"SURVEY_{unset}")
    with pytest.raises(RuntimeError, match=f"^{unset} not set"):
        create_app({"SECRET_KEY": "k"})
    with pytest.raises(RuntimeError, match=f"^{unset} not set"):
        create_app({"SECRET_KEY": "k", unset: "  "})


def test_every_missing_contact_is_named_at_once(tmp_path, monkeypatch):
    for key in CONTACTS:
        monkeypatch.delenv(f"SURVEY_{key}")
    with pytest.raises(RuntimeError) as error:
        create_app({"SECRET_KEY": "k"})
    assert str(error.value).startswith(", ".join(CONTACTS) + " not set")


def test_help_box_and_accessibility_statement_say_how_to_reach_people(client, link):
    start = client.get(f"/s/{link['code']}").get_data(as_text=True)
    assert "Exampleshire Support Service:" in start
    assert 'href="tel:08081570192" dir="ltr">0808 157 0192</a>' in start
    assert "(Monday to Friday, 9am to 5pm)" in start
    statement = " ".join(client.get("/accessibility").get_data(as_text=True).split())
    assert "contact the Police and Crime Commissioner: accessibility@example.org" in (
        statement
    )


@pytest.mark.parametrize("months", [0, -1, 1201])
def test_retention_outside_one_to_1200_months_is_refused(months):
    # 0 would have the monthly purge delete every response and every release.
    with pytest.raises(RuntimeError, match=f"RETENTION_MONTHS is {months}; it must"):
        create_app({"SECRET_KEY": "k", "RETENTION_MONTHS": months})
    for kept in (1, 1200):
        create_app({"SECRET_KEY": "k", "RETENTION_MONTHS": kept})


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        (["en", "ar"], "LANGUAGES lists ar, which the survey has no translation"),
        (["en", "fr", "cy", "xx"], "LANGUAGES lists fr, xx, which the survey has no"),
        ("cy", "LANGUAGES is 'cy': give a list of codes"),
    ],
)
def test_a_language_the_survey_cannot_show_stops_it_starting(
    monkeypatch, languages, message
):
    # Dropped without a word, a deployment would believe it offered the language.
    with pytest.raises(RuntimeError, match=re.escape(message)):
        create_app({"SECRET_KEY": "k", "LANGUAGES": languages})
    with pytest.raises(RuntimeError, match="choose from en, cy, pl, ur, easy"):
        create_app({"SECRET_KEY": "k", "LANGUAGES": ["en", "ar"]})
    monkeypatch.setenv("SURVEY_LANGUAGES", '["en", "ar"]')  # JSON, as the README says
    with pytest.raises(RuntimeError, match="LANGUAGES lists ar"):
        create_app({"SECRET_KEY": "k"})
    monkeypatch.setenv("SURVEY_LANGUAGES", '["en", "cy", "easy"]')
    assert create_app({"SECRET_KEY": "k"}).config["LANGUAGES"] == ["en", "cy", "easy"]


def test_missing_secret_key_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEY_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app()


def test_environment_variables_override_instance_config(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        "SECRET_KEY = 'from-file'\nFORCE_NAME = 'File Police'\n"
    )
    monkeypatch.setenv("SURVEY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SURVEY_FORCE_NAME", "Env Police")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["FORCE_NAME"] == "Env Police"
    assert app.config["DATABASE"] == str(tmp_path / "survey.db")
    assert create_app({"FORCE_NAME": "Test"}).config["FORCE_NAME"] == "Test"


def test_force_name_is_used_in_the_trust_question(app, client, link):
    app.config["FORCE_NAME"] = "Exampleshire Police"
    html = walk_survey(client, link["code"], {})  # page 1 with nothing: stays there
    html = client.post(f"/s/{link['code']}/begin").get_data(as_text=True)
    assert "Exampleshire Police" not in html  # B6 is on page 2
    page = post_form(
        client,
        link["code"],
        [
            (name, value)
            for name, value in re.findall(r'name="(token|page)" value="([^"]+)"', html)
        ]
        + [("A1_offence", "da"), ("nav", "next")],
    )
    assert "Exampleshire Police is an organisation that I can trust." in page.get_data(
        as_text=True
    )
