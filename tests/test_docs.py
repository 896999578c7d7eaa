"""The README says what the code does: its configuration table and its layout."""

import ast
import re
from pathlib import Path

from survey import app as survey_app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# create_app puts the database in the instance folder; its default in DEFAULTS is a
# placeholder for that.
STATED_AS = {"DATABASE": "instance/survey.db"}
REQUIRED = "none (required)"


def section(text: str, heading: str) -> str:
    """The text of a `## heading` section, up to the next one."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : None if end == -1 else end]


def configuration_table(text: str) -> dict[str, str]:
    """Each key in the Configuration table, with its default cell's value."""
    stated = {}
    for line in section(text, "Configuration").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        keys = re.findall(r"`([^`]+)`", cells[0])
        values = re.findall(r"`([^`]+)`", cells[1])
        if cells[1] == REQUIRED:
            values = [REQUIRED] * len(keys)
        assert len(values) == len(keys), f"a default for each of {keys}"
        stated.update(zip(keys, values, strict=True))
    return stated


def same(stated: str, default) -> bool:
    """Whether the table's default cell says the value the code has."""
    if stated == REQUIRED:
        return default in (None, "")
    try:
        return ast.literal_eval(stated) == default
    except (ValueError, SyntaxError):
        return stated == str(default)


def table_problems(text: str, defaults: dict) -> list[str]:
    """What the README's configuration table gets wrong about `defaults`."""
    stated = configuration_table(text)
    problems = [f"{key} is not in the table" for key in defaults if key not in stated]
    problems += [f"{key} is not a setting" for key in stated if key not in defaults]
    for key, default in defaults.items():
        if key in stated and not same(stated[key], STATED_AS.get(key, default)):
            problems.append(
                f"{key}: the table says {stated[key]}, the code {default!r}"
            )
    return problems


def test_the_configuration_table_states_every_default_as_the_code_has_it():
    assert table_problems(README, survey_app.DEFAULTS) == []


def test_the_table_check_fails_when_a_default_changes_and_the_readme_does_not():
    for key, changed in (
        ("SUPPRESSION_THRESHOLD", 11),
        ("SERVICE_NAME", "Another name"),
        ("LANGUAGES", ["en", "cy"]),
        ("SECRET_KEY", "set"),
        ("SESSION_COOKIE_SECURE", False),
    ):
        defaults = survey_app.DEFAULTS | {key: changed}
        assert table_problems(README, defaults) == [
            f"{key}: the table says {configuration_table(README)[key]}, "
            f"the code {changed!r}"
        ]
    assert table_problems(README, survey_app.DEFAULTS | {"NEW_SETTING": 1}) == [
        "NEW_SETTING is not in the table"
    ]
    fewer = dict(survey_app.DEFAULTS)
    del fewer["FLOOD_LIMIT"]
    assert table_problems(README, fewer) == ["FLOOD_LIMIT is not a setting"]


def test_the_readme_says_where_the_defaults_are():
    text = section(README, "Configuration")
    assert "the defaults in `survey/app.py`" in text
    assert "DEFAULTS = {" in (ROOT / "survey" / "app.py").read_text()


def test_the_layout_names_every_module():
    layout = section(README, "Layout")
    for folder in ("survey", "survey/dashboard", "analysis"):
        for module in sorted((ROOT / folder).glob("*.py")):
            assert module.name in layout, f"{folder}/{module.name}"


def test_the_languages_offered_in_the_readme_are_the_ones_the_survey_has():
    from survey import languages

    row = next(
        line
        for line in section(README, "Configuration").splitlines()
        if line.startswith("| `LANGUAGES`")
    )
    meaning = row.split("|")[3]
    named = re.findall(r"`([a-z]{2,4})`", meaning)
    assert sorted(named) == sorted(languages.LANGUAGE_CODES)
