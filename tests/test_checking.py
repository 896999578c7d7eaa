"""Checking answers: the rule of each question, and where its errors are shown."""

import pytest
from werkzeug.datastructures import MultiDict

from survey.checking import NOT_SHOWN, check, clean_text, rule
from survey.questionnaire import BY_CODE


@pytest.mark.parametrize(
    ("code", "values", "message"),
    [
        ("A1_offence", [], "Choose what you were in contact with the police about"),
        ("A1_offence", ["da"], None),
        ("A1_offence", ["burglary"], NOT_SHOWN),
        ("A1_offence", ["da", "stalking"], "more than one answer was sent"),
        ("A2_contact", [], None),
        ("B1_confidence", ["6"], NOT_SHOWN),
        ("D3_reasons", ["shame", "shame"], "the same answer was sent twice"),
        ("D3_reasons", ["pns", "shame"], "Prefer not to say cannot be ticked"),
        ("D6_would_help", ["nothing", "later"], "Nothing would have helped cannot be"),
        ("D6_would_help", ["nothing"], None),
        ("F1_comments", ["x" * 1000], None),
        ("F1_comments", ["x" * 1001], "Keep your answer to 1000 characters or fewer"),
        ("F1_comments", ["   "], None),
    ],
)
def test_rule(code, values, message):
    found = rule(BY_CODE[code], values)
    if message is None:
        assert found is None
    else:
        assert found.startswith(message)


def test_clean_text_removes_control_characters_and_normalises_lines():
    assert clean_text("  a\r\nb\x00c\x1b\t \n") == "a\nbc"


def test_errors_on_the_page_seen_are_field_errors():
    checked = check(MultiDict([("A1_offence", "burglary")]), page=1)
    assert checked.field_errors == {"A1_offence": [NOT_SHOWN]}
    assert checked.problems == []
    assert "A1_offence" not in checked.answers


def test_errors_in_carried_answers_are_problems():
    checked = check(MultiDict([("A1_offence", "burglary")]), page=2)
    assert checked.problems == [f"A1_offence: {NOT_SHOWN}"]


def test_unknown_fields_are_problems():
    checked = check(MultiDict([("A1_offence", "da"), ("evil\x00field", "1")]), page=1)
    assert checked.problems == ["“evil?field” is not a question in this survey"]


def test_whole_response_check_reports_everything_as_problems():
    checked = check(MultiDict([("A2_contact", "none"), ("C1_satisfied", "5")]))
    assert checked.form is None and checked.field_errors == {}
    assert any(p.startswith("A1_offence: Choose what") for p in checked.problems)
    assert "C1_satisfied: this question does not apply to the other answers" in (
        checked.problems
    )


def test_answers_keep_option_order_and_cleaned_text():
    formdata = MultiDict(
        [
            ("A1_offence", "da"),
            ("A2_contact", "lt3m"),
            ("D1_offered", "yes"),
            ("D2_answered", "some"),
            ("D3_reasons", "other"),
            ("D3_reasons", "fear_found_out"),
            ("D3_other_text", " too tired \r\n"),
        ]
    )
    checked = check(formdata, page=5)
    assert checked.problems == [] and checked.field_errors == {}
    assert checked.answers["D3_reasons"] == ["fear_found_out", "other"]
    assert checked.answers["D3_other_text"] == "too tired"
