"""Checking a response's answers: the form made from the questionnaire, and routing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovRadioInput,
)
from wtforms import Form, RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from survey.questionnaire import (
    BY_CODE,
    PAGE_OF,
    QUESTIONS,
    Answers,
    Question,
    is_shown,
)

# Fields every survey page carries besides the answers. `website` is the honeypot:
# hidden from people, filled in by bots.
CONTROL_FIELDS = frozenset({"page", "token", "nav", "website"})
NOT_SHOWN = "Choose one of the answers shown"
# Control characters other than tab and newline have no place in a comment.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _exclusive(question: Question):
    def check(form, field):
        ticked = set(field.data or [])
        for value, label in question.options:
            if value in question.exclusive and value in ticked and len(ticked) > 1:
                raise ValidationError(
                    f"{label} cannot be ticked with other answers: "
                    f"untick {label} or untick the others"
                )

    return check


def _offered(question: Question):
    # WTForms' own choice check rebuilds every choice on every request; a set is
    # enough, and every submission checks all 25 questions.
    values = frozenset(question.values)

    def check(form, field):
        given = field.data if isinstance(field.data, list) else [field.data]
        if not values.issuperset(given):
            raise StopValidation(NOT_SHOWN)

    return check


def _field(question: Question):
    choices = [SelectChoice(value, label) for value, label in question.options]
    if question.kind == "single":
        first = (
            InputRequired(question.required_message)
            if question.required
            else Optional()
        )
        return RadioField(
            question.text,
            choices=choices,
            validators=[first, _offered(question)],
            widget=GovRadioInput(),
            validate_choice=False,
        )
    if question.kind == "multi":
        return SelectMultipleField(
            question.text,
            choices=choices,
            validators=[Optional(), _offered(question), _exclusive(question)],
            widget=GovCheckboxesInput(),
            validate_choice=False,
        )
    limit = question.max_length
    return TextAreaField(
        question.text,
        validators=[
            Optional(),
            Length(
                max=limit, message=f"Keep your answer to {limit} characters or fewer"
            ),
        ],
        widget=GovCharacterCount(),
        filters=[_clean_text],
    )


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = _CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.strip()


ResponseForm = type(
    "ResponseForm", (Form,), {question.code: _field(question) for question in QUESTIONS}
)


@dataclass
class Checked:
    """The outcome of checking answers sent up to and including one page."""

    form: Form
    answers: Answers
    # Things no form of ours can send (unknown fields, values not offered, answers to
    # questions that do not apply): the request is refused as a whole.
    problems: list[str] = field(default_factory=list)

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """Errors a person can fix on the page they are looking at."""
        return {name: errors for name, errors in self.form.errors.items() if errors}

    @property
    def ok(self) -> bool:
        """Whether the answers can be taken as they are."""
        return not self.problems and not self.field_errors


def check(formdata, page: int | None = None) -> Checked:
    """Check answers sent on `page` (None: a whole response, as from a CSV row).

    Errors on the page a person is looking at become field errors shown beside the
    question; anything else is a problem that refuses the request. Answers carried from
    later pages that routing now hides (the person went back and changed an earlier
    answer) are dropped, as a person would expect.
    """
    problems = [
        f"“{_shorten(name)}” is not a question in this survey"
        for name in formdata
        if name not in BY_CODE and name not in CONTROL_FIELDS
    ]
    for code, question in BY_CODE.items():
        if question.kind != "multi" and len(formdata.getlist(code)) > 1:
            problems.append(f"{code}: more than one answer was sent")
        if question.kind == "multi":
            values = formdata.getlist(code)
            if len(values) != len(set(values)):
                problems.append(f"{code}: the same answer was sent twice")

    form = ResponseForm(formdata)
    form.validate()
    answers = _answers_of(form, invalid=set(form.errors))
    for code in list(form.errors):
        if page is None or PAGE_OF[code] != page:
            problems.extend(f"{code}: {error}" for error in form[code].errors)
            form[code].errors = []

    for code in list(answers):
        if is_shown(code, answers):
            continue
        if page is not None and PAGE_OF[code] > page:
            continue
        if page is not None and PAGE_OF[code] == page and BY_CODE[code].hidden_message:
            form[code].errors = [BY_CODE[code].hidden_message]
        else:
            problems.append(
                f"{code}: this question does not apply to the other answers"
            )
    answers = {
        code: value for code, value in answers.items() if is_shown(code, answers)
    }
    return Checked(form=form, answers=answers, problems=problems)


def _answers_of(form: Form, invalid: set[str]) -> Answers:
    answers: Answers = {}
    for question in QUESTIONS:
        if question.code in invalid:
            continue
        data = form[question.code].data
        if question.kind == "multi":
            ticked = set(data or [])
            if ticked:
                answers[question.code] = [v for v in question.values if v in ticked]
        elif data:
            answers[question.code] = data
    return answers


def _shorten(name: str) -> str:
    printable = "".join(ch if ch.isprintable() else "?" for ch in name)
    return printable if len(printable) <= 40 else printable[:40] + "…"
