"""The questionnaire's routing (every rule in survey/questionnaire.py) and storage."""

import pytest

from survey import questionnaire as q
from survey.questionnaire import is_shown, next_page, prune

CONTACT_QUESTIONS = [
    "C1_satisfied",
    "C2_informed",
    "C3_respected",
    "C4_orders",
    "C5_referred",
    "D1_offered",
]
OFFERED_QUESTIONS = ["D2_answered", "D4_explained", "D5_private"]
DECLINED_QUESTIONS = ["D3_reasons", "D6_would_help"]
ALWAYS = [
    "A1_offence",
    "A2_contact",
    "B1_confidence",
    "B2_relied_on",
    "B3_respect",
    "B4_fair",
    "B5_understand",
    "B6_trust",
    "B7_report_again",
    "E1_age",
    "E2_gender",
    "E3_disability",
    "F1_comments",
]


@pytest.mark.parametrize("code", ALWAYS)
def test_always_shown(code):
    assert is_shown(code, {})


@pytest.mark.parametrize("contact", ["lt3m", "3to12m", "gt12m"])
@pytest.mark.parametrize("code", CONTACT_QUESTIONS)
def test_contact_questions_shown_after_police_contact(code, contact):
    assert is_shown(code, {"A2_contact": contact})


@pytest.mark.parametrize("contact", ["none", "pns", None])
@pytest.mark.parametrize(
    "code", CONTACT_QUESTIONS + OFFERED_QUESTIONS + DECLINED_QUESTIONS
)
def test_contact_and_safety_questions_hidden_without_contact(code, contact):
    answers = {"D1_offered": "yes", "D2_answered": "none"}
    if contact:
        answers["A2_contact"] = contact
    assert not is_shown(code, answers)


@pytest.mark.parametrize("offered", ["yes", "no", "dk"])
@pytest.mark.parametrize("code", OFFERED_QUESTIONS)
def test_safety_questions_only_when_offered(code, offered):
    assert is_shown(code, {"A2_contact": "lt3m", "D1_offered": offered}) == (
        offered == "yes"
    )


@pytest.mark.parametrize("answered", ["all", "some", "none", "dk"])
@pytest.mark.parametrize("code", DECLINED_QUESTIONS)
def test_reasons_only_when_some_or_none_answered(code, answered):
    answers = {"A2_contact": "lt3m", "D1_offered": "yes", "D2_answered": answered}
    assert is_shown(code, answers) == (answered in ("some", "none"))


def test_other_reason_text_only_when_other_ticked():
    base = {"A2_contact": "lt3m", "D1_offered": "yes", "D2_answered": "some"}
    assert is_shown("D3_other_text", dict(base, D3_reasons=["shame", "other"]))
    assert not is_shown("D3_other_text", dict(base, D3_reasons=["shame"]))
    assert not is_shown("D3_other_text", base)
    # Hidden parents hide their children, whatever was once ticked.
    assert not is_shown(
        "D3_other_text", dict(base, D2_answered="all", D3_reasons=["other"])
    )


def test_pages_in_order_for_each_path():
    def pages(answers):
        found, page = [1], 1
        while (page := next_page(page, answers)) is not None:
            found.append(page)
        return found

    assert pages({"A2_contact": "none"}) == [1, 2, 6]
    assert pages({"A2_contact": "lt3m", "D1_offered": "no"}) == [1, 2, 3, 6]
    assert pages({"A2_contact": "lt3m", "D1_offered": "yes", "D2_answered": "all"}) == [
        1,
        2,
        3,
        4,
        6,
    ]
    assert pages(
        {"A2_contact": "lt3m", "D1_offered": "yes", "D2_answered": "none"}
    ) == [1, 2, 3, 4, 5, 6]


def test_prune_drops_answers_routing_hides():
    answers = {
        "A2_contact": "none",
        "C1_satisfied": "5",
        "D3_reasons": ["other"],
        "D3_other_text": "x",
    }
    assert prune(answers) == {"A2_contact": "none"}


def test_every_code_is_on_exactly_one_page():
    on_pages = [code for page in q.PAGES for code in page.codes]
    assert sorted(on_pages) == sorted(question.code for question in q.QUESTIONS)


def test_exclusive_options_are_offered():
    assert q.BY_CODE["D3_reasons"].exclusive == {"pns"}
    assert q.BY_CODE["D6_would_help"].exclusive == {"nothing", "pns"}


def test_row_round_trip():
    answers = {
        "A1_offence": "da",
        "A2_contact": "lt3m",
        "D1_offered": "yes",
        "D2_answered": "some",
        "D3_reasons": ["fear_found_out", "other"],
        "D3_other_text": "text",
    }
    row = q.to_row(answers)
    assert row["D3_reasons.fear_found_out"] == 1 and row["D3_reasons.shame"] == 0
    assert row["D6_would_help.nothing"] == 0  # shown but nothing ticked
    assert row["C1_satisfied"] is None
    csv_row = {key: "" if value is None else str(value) for key, value in row.items()}
    assert q.from_row(csv_row) == {
        "A1_offence": ["da"],
        "A2_contact": ["lt3m"],
        "D1_offered": ["yes"],
        "D2_answered": ["some"],
        "D3_reasons": ["fear_found_out", "other"],
        "D3_other_text": ["text"],
    }


def test_hidden_multi_select_is_empty_not_zero():
    row = q.to_row({"A2_contact": "none"})
    assert row["D3_reasons.shame"] is None


def test_csv_columns_follow_the_data_dictionary():
    columns = q.storage_columns()
    assert columns[0] == "A1_offence"
    assert (
        columns.index("D3_reasons.pns")
        < columns.index("D3_other_text")
        < columns.index("D4_explained")
    )
    assert len([c for c in columns if c.startswith("D3_reasons.")]) == 20
    assert len([c for c in columns if c.startswith("D6_would_help.")]) == 9
