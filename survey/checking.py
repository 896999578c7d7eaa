"""Checking a response's answers: one rule per question, and a form for each page.

The rule for a question (`rule`) is the only place its answers are judged. A page's
WTForms form runs it for the questions a person can see, so errors show beside them;
answers carried from other pages in hidden fields, and rows of a CSV import, go
through the same rule directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovRadioInput,
)
from wtforms import Form, RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from survey.questionnaire import (
    BY_CODE,
    N_,
    PAGE_OF,
    PAGES,
    QUESTIONS,
    Answers,
    Question,
    is_shown,
)

# Fields every survey page carries besides the answers. `website` is the honeypot:
# hidden from people, filled in by bots; `lang` is the language the pages are in.
CONTROL_FIELDS = frozenset({"page", "token", "nav", "website", "lang"})
NOT_SHOWN = N_("Choose one of the answers shown")
# Control characters other than tab and newline have no place in a comment.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_OFFERED = {question.code: frozenset(question.values) for question in QUESTIONS}


def clean_text(value: str) -> str:
    """Free text with line endings made plain, control characters gone, ends trimmed."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_CHARACTERS.sub("", value).strip()


def _given(question: Question, values: list[str]) -> list[str]:
    if question.kind == "text":
        return [clean_text(value) for value in values if clean_text(value)]
    return [value for value in values if value != ""]


def rule(question: Question, values: list[str]) -> str | None:
    """What is wrong with the values sent for `question`, in plain words, or None.

    In the respondent's language on a page; in English elsewhere (a CSV import).
    """
    given = _given(question, values)
    if not given:
        return gettext(question.required_message) if question.required else None
    if question.kind != "multi" and len(given) > 1:
        return gettext("more than one answer was sent")
    if question.kind == "text":
        if len(given[0]) > question.max_length:
            return gettext(
                "Keep your answer to %(count)s characters or fewer",
                count=question.max_length,
            )
        return None
    if not _OFFERED[question.code].issuperset(given):
        return gettext(NOT_SHOWN)
    if len(set(given)) != len(given):
        return gettext("the same answer was sent twice")
    for value, label in question.options:
        if value in question.exclusive and value in given and len(given) > 1:
            return gettext(
                "%(label)s cannot be ticked with other answers: "
                "untick %(label)s or untick the others",
                label=gettext(label),
            )
    return None


def answer_of(question: Question, values: list[str]) -> str | list[str] | None:
    """The answer stored for values that passed `rule`; None when unanswered."""
    given = _given(question, values)
    if not given:
        return None
    if question.kind == "multi":
        return [value for value in question.values if value in given]
    return given[0]


def _checked_by_rule(question: Question):
    def check(form, field):
        message = rule(question, field.raw_data or [])
        if message:
            raise StopValidation(message)

    return check


class _ErrorInLanguage:
    """A GOV.UK widget whose hidden "Error:" is in the language of the page."""

    def map_gov_params(self, field, **kwargs):
        """The widget's parameters, with the hidden prefix of its error translated."""
        params = super().map_gov_params(field, **kwargs)
        if "errorMessage" in params:
            params["errorMessage"]["visuallyHiddenText"] = gettext("Error")
        return params


class _Radios(_ErrorInLanguage, GovRadioInput):
    """Radios for a single-choice question."""


class _Checkboxes(_ErrorInLanguage, GovCheckboxesInput):
    """Checkboxes for a multi-select question."""


class _CharacterCount(_ErrorInLanguage, GovCharacterCount):
    """A text box with a character count, for free text."""


_CHOICE_FIELDS = {
    "single": (RadioField, _Radios),
    "multi": (SelectMultipleField, _Checkboxes),
}


def _field(question: Question):
    validators = [_checked_by_rule(question)]
    if question.kind not in _CHOICE_FIELDS:
        return TextAreaField(
            question.text, validators=validators, widget=_CharacterCount()
        )
    field_class, widget = _CHOICE_FIELDS[question.kind]
    # The rule checks the choices, with a message for people: WTForms' is not.
    return field_class(
        question.text,
        choices=[SelectChoice(value, label) for value, label in question.options],
        validators=validators,
        widget=widget(),
        validate_choice=False,
    )


# One form class per page, holding only that page's questions.
PAGE_FORMS: dict[int, type[Form]] = {
    number: type(
        f"Page{number}Form",
        (Form,),
        {code: _field(BY_CODE[code]) for code in page.codes},
    )
    for number, page in enumerate(PAGES, start=1)
}


def page_form(number: int, answers: Answers) -> Form:
    """Page `number`'s form, filled in with the answers given so far."""
    return PAGE_FORMS[number](data=answers)


def translate_choices(form: Form) -> Form:
    """The form with its answers' labels in the respondent's language; codes kept."""
    for field_ in form:
        if getattr(field_, "choices", None):
            field_.choices = [
                SelectChoice(choice.value, gettext(choice.label))
                for choice in field_.choices
            ]
    return form


@dataclass
class Checked:
    """The outcome of checking answers sent up to and including one page."""

    form: Form | None
    answers: Answers
    # Things no form of ours can send (unknown fields, values not offered, answers to
    # questions that do not apply): the request is refused as a whole.
    problems: list[str] = field(default_factory=list)

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """Errors a person can fix on the page they are looking at."""
        if self.form is None:
            return {}
        return {name: errors for name, errors in self.form.errors.items() if errors}


def check(formdata, page: int | None = None) -> Checked:
    """Check answers sent on `page` (None: a whole response, as from a CSV row).

    Errors on the page a person is looking at become field errors shown beside the
    question; anything else is a problem that refuses the request. Answers carried from
    later pages that routing now hides (the person went back and changed an earlier
    answer) are dropped, as a person would expect.
    """
    problems = [
        gettext("“%(name)s” is not a question in this survey", name=_shorten(name))
        for name in formdata
        if name not in BY_CODE and name not in CONTROL_FIELDS
    ]
    form = None
    if page is not None:
        form = PAGE_FORMS[page](formdata)
        form.validate()
    answers: Answers = {}
    for question in QUESTIONS:
        values = formdata.getlist(question.code)
        on_page = form is not None and question.code in form
        if on_page and form[question.code].errors:
            continue
        if not on_page and (message := rule(question, values)):
            problems.append(f"{question.code}: {message}")
            continue
        if (answer := answer_of(question, values)) is not None:
            answers[question.code] = answer

    for code in list(answers):
        if is_shown(code, answers):
            continue
        if page is not None and PAGE_OF[code] > page:
            continue
        if page is not None and PAGE_OF[code] == page and BY_CODE[code].hidden_message:
            form[code].errors = [gettext(BY_CODE[code].hidden_message)]
        else:
            problems.append(
                code
                + ": "
                + gettext("this question does not apply to the other answers")
            )
    answers = {
        code: value for code, value in answers.items() if is_shown(code, answers)
    }
    return Checked(form=form, answers=answers, problems=problems)


def _shorten(name: str) -> str:
    printable = "".join(ch if ch.isprintable() else "?" for ch in name)
    return printable if len(printable) <= 40 else printable[:40] + "…"
