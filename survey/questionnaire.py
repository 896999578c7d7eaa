"""The questionnaire as data: codes, answers, routing and pages, and what follows."""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.measures import Measure, ReportSpec
from survey import languages

VERSION = 1


def N_(text: str) -> str:
    """Mark `text` for translation; it is translated where it is shown to people.

    The stored codes never change with the language, and staff pages, the report
    and the CSV keep these English words.
    """
    return text


PNS = ("pns", N_("Prefer not to say"))
DK = ("dk", N_("Don't know"))
NOT_SURE = ("dk", N_("Not sure"))
YES_NO_NOT_SURE = (("yes", N_("Yes")), ("no", N_("No")), NOT_SURE)
YES_NO_DK = (("yes", N_("Yes")), ("no", N_("No")), DK)
AGREE_SCALE = (
    ("5", N_("Strongly agree")),
    ("4", N_("Tend to agree")),
    ("3", N_("Neither agree nor disagree")),
    ("2", N_("Tend to disagree")),
    ("1", N_("Strongly disagree")),
    DK,
)
SATISFACTION_SCALE = (
    ("5", N_("Very satisfied")),
    ("4", N_("Fairly satisfied")),
    ("3", N_("Neither satisfied nor dissatisfied")),
    ("2", N_("Fairly dissatisfied")),
    ("1", N_("Very dissatisfied")),
    DK,
)
CONTACT = frozenset({"lt3m", "3to12m", "gt12m"})
DECLINED = frozenset({"some", "none"})

DECLINE_REASONS = (
    (
        "fear_found_out",
        N_("I was afraid the person would find out, or that things would get worse"),
    ),
    (
        "not_safe_to_talk",
        N_(
            "It was not safe to talk: the person, or someone close to them, "
            "was there or nearby"
        ),
    ),
    ("no_prosecution", N_("I did not want them arrested or taken to court")),
    ("childrens_services", N_("I was worried about social services or my children")),
    ("immigration", N_("I was worried about my immigration status")),
    ("not_believed", N_("I did not think I would be believed or taken seriously")),
    ("past_experience", N_("I had a bad experience with the police before")),
    ("officer_manner", N_("The way the officer spoke to me or behaved")),
    ("too_personal", N_("The questions felt too personal")),
    ("not_explained", N_("Nobody explained why they were asking")),
    ("too_soon", N_("It was too soon: I was in shock or upset")),
    (
        "language",
        N_("Language: there was no interpreter, or a family member interpreted"),
    ),
    ("phone", N_("It was over the phone, not face to face")),
    ("no_difference", N_("I did not think it would make a difference")),
    ("not_serious", N_("I did not think what happened was serious enough")),
    ("shame", N_("Shame, or pressure from family or community")),
    ("dependence", N_("I depend on them for money, housing or care")),
    ("blamed", N_("I was worried I would be blamed or arrested myself")),
    ("other", N_("Another reason")),
    PNS,
)
WOULD_HELP = (
    ("later", N_("Being asked at a different time")),
    ("support_worker", N_("Having a support worker with me")),
    ("officer_gender", N_("Being asked by an officer of a gender I chose")),
    ("interpreter", N_("An interpreter")),
    ("private_place", N_("Being somewhere private")),
    ("face_to_face", N_("Being asked face to face")),
    ("know_what_happens", N_("Knowing what would happen with my answers")),
    ("nothing", N_("Nothing would have helped")),
    PNS,
)

SAFETY_INTRO = N_(
    "Police officers may ask a set of questions about your safety. These are "
    "sometimes called a risk assessment, DASH or DARA. They help decide what support "
    "and protection you get."
)
FREE_TEXT_WARNING = N_("Please do not include names, addresses or phone numbers.")


@dataclass(frozen=True)
class Question:
    """One item of the questionnaire; its code names the form field, column and key."""

    code: str
    text: str
    kind: str  # "single", "multi" or "text"
    options: tuple[tuple[str, str], ...] = ()
    required: bool = False
    # Routing: shown only when the answer to `when[0]` is (or, for a multi, includes)
    # one of `when[1]`. A question whose parent is hidden is hidden too.
    when: tuple[str, frozenset[str]] | None = None
    exclusive: frozenset[str] = field(default_factory=frozenset)
    max_length: int = 0
    hint: str = ""
    # The questionnaire version that first asked it: a migration adds its columns.
    version: int = 1
    # Said when a person answers it although routing hides it: only possible with
    # JavaScript off, where a conditional reveal shows its box anyway.
    hidden_message: str = ""
    required_message: str = ""

    @property
    def values(self) -> tuple[str, ...]:
        """The answer codes this question accepts."""
        return tuple(value for value, _ in self.options)


@dataclass(frozen=True)
class Page:
    """A page of the survey: a heading, optional intro and the questions it asks."""

    heading: str
    codes: tuple[str, ...]
    intro: str = ""


def _agree(code: str, statement: str) -> Question:
    return Question(code, statement, "single", AGREE_SCALE)


QUESTIONS: tuple[Question, ...] = (
    Question(
        "A1_offence",
        N_("What were you in contact with the police about?"),
        "single",
        (
            ("da", N_("Domestic abuse by a partner, ex-partner or family member")),
            ("stalking", N_("Stalking")),
            ("harassment", N_("Harassment")),
            ("other", N_("Something else")),
            PNS,
        ),
        required=True,
        hint=N_("Choose the one that fits best."),
        required_message=N_(
            "Choose what you were in contact with the police about, "
            "or choose Prefer not to say"
        ),
    ),
    Question(
        "A2_contact",
        N_("When did you last have contact with the police about this?"),
        "single",
        (
            ("lt3m", N_("In the last 3 months")),
            ("3to12m", N_("3 to 12 months ago")),
            ("gt12m", N_("More than a year ago")),
            ("none", N_("I have not had contact with the police about this")),
            PNS,
        ),
    ),
    _agree(
        "B1_confidence",
        N_(
            "Taking everything into account, I have confidence in the police "
            "in this area."
        ),
    ),
    _agree(
        "B2_relied_on",
        N_("The police can be relied on to be there when you need them."),
    ),
    _agree(
        "B3_respect",
        N_("The police would treat you with respect if you had contact with them."),
    ),
    _agree(
        "B4_fair",
        N_("The police treat everyone fairly regardless of who they are."),
    ),
    _agree(
        "B5_understand",
        N_("The police understand the issues that affect people like me."),
    ),
    _agree("B6_trust", N_("{force} is an organisation that I can trust.")),
    Question(
        "B7_report_again",
        N_(
            "If something like this happened again, how likely would you be to contact "
            "the police?"
        ),
        "single",
        (
            ("4", N_("Very likely")),
            ("3", N_("Fairly likely")),
            ("2", N_("Not very likely")),
            ("1", N_("Not at all likely")),
            DK,
        ),
    ),
    Question(
        "C1_satisfied",
        N_(
            "Taking the whole experience into account, how satisfied or "
            "dissatisfied are you with the service the police gave you?"
        ),
        "single",
        SATISFACTION_SCALE,
        when=("A2_contact", CONTACT),
    ),
    Question(
        "C2_informed",
        N_(
            "How satisfied or dissatisfied are you with how well you were "
            "kept informed?"
        ),
        "single",
        SATISFACTION_SCALE,
        when=("A2_contact", CONTACT),
    ),
    Question(
        "C3_respected",
        N_("Did the police officers treat you with respect?"),
        "single",
        YES_NO_NOT_SURE,
        when=("A2_contact", CONTACT),
    ),
    Question(
        "C4_orders",
        N_(
            "Did the police tell you about protective orders, such as a Stalking "
            "Protection Order or a Domestic Abuse Protection Order?"
        ),
        "single",
        YES_NO_NOT_SURE,
        when=("A2_contact", CONTACT),
    ),
    Question(
        "C5_referred",
        N_("Did the police offer to put you in touch with a support service?"),
        "single",
        YES_NO_NOT_SURE,
        when=("A2_contact", CONTACT),
    ),
    Question(
        "D1_offered",
        N_(
            "Did a police officer offer to go through a set of safety "
            "questions with you?"
        ),
        "single",
        YES_NO_NOT_SURE,
        when=("A2_contact", CONTACT),
        # Explained where the safety questions are first asked about, not a page later.
        hint=SAFETY_INTRO,
    ),
    Question(
        "D2_answered",
        N_("How many of the questions did you answer?"),
        "single",
        (
            ("all", N_("All of them")),
            ("some", N_("Some of them")),
            ("none", N_("None of them")),
            NOT_SURE,
        ),
        when=("D1_offered", frozenset({"yes"})),
    ),
    Question(
        "D3_reasons",
        N_("Why did you not answer some or all of the questions?"),
        "multi",
        DECLINE_REASONS,
        when=("D2_answered", DECLINED),
        exclusive=frozenset({"pns"}),
        hint=N_("Tick all that apply."),
    ),
    Question(
        "D3_other_text",
        N_("Other reason"),
        "text",
        when=("D3_reasons", frozenset({"other"})),
        max_length=500,
        hint=FREE_TEXT_WARNING,
        hidden_message=N_(
            "You wrote another reason: tick Another reason as well, or clear this box"
        ),
    ),
    Question(
        "D4_explained",
        N_("Did the officer explain why they were asking the questions?"),
        "single",
        YES_NO_DK,
        when=("D1_offered", frozenset({"yes"})),
    ),
    Question(
        "D5_private",
        N_("Were you somewhere private where it was safe to talk?"),
        "single",
        YES_NO_DK,
        when=("D1_offered", frozenset({"yes"})),
    ),
    Question(
        "D6_would_help",
        N_("What would have made you more likely to answer?"),
        "multi",
        WOULD_HELP,
        when=("D2_answered", DECLINED),
        exclusive=frozenset({"nothing", "pns"}),
        hint=N_("Tick all that apply."),
    ),
    Question(
        "E1_age",
        N_("What is your age?"),
        "single",
        (
            ("u25", N_("Under 25")),
            ("25to44", N_("25 to 44")),
            ("45to64", N_("45 to 64")),
            ("65plus", N_("65 or over")),
            PNS,
        ),
    ),
    Question(
        "E2_gender",
        N_("What is your gender?"),
        "single",
        (
            ("woman", N_("Woman")),
            ("man", N_("Man")),
            ("other", N_("In another way")),
            PNS,
        ),
    ),
    Question(
        "E3_disability",
        N_("Do you have a disability or long-term health condition?"),
        "single",
        (("yes", N_("Yes")), ("no", N_("No")), PNS),
    ),
    Question(
        "F1_comments",
        N_(
            "Is there anything else you want to tell us about your experience with "
            "the police?"
        ),
        "text",
        max_length=1000,
        hint=FREE_TEXT_WARNING,
    ),
)

BY_CODE: dict[str, Question] = {q.code: q for q in QUESTIONS}

PAGES: tuple[Page, ...] = (
    Page(N_("What happened"), ("A1_offence", "A2_contact")),
    Page(
        N_("Confidence in the police"),
        (
            "B1_confidence",
            "B2_relied_on",
            "B3_respect",
            "B4_fair",
            "B5_understand",
            "B6_trust",
            "B7_report_again",
        ),
        intro=N_("How much do you agree or disagree with each of these?"),
    ),
    Page(
        N_("Your contact with the police"),
        (
            "C1_satisfied",
            "C2_informed",
            "C3_respected",
            "C4_orders",
            "C5_referred",
            "D1_offered",
        ),
    ),
    Page(
        N_("The safety questions"),
        ("D2_answered", "D4_explained", "D5_private"),
        intro=SAFETY_INTRO,
    ),
    Page(
        N_("Why you did not answer"),
        ("D3_reasons", "D3_other_text", "D6_would_help"),
    ),
    Page(N_("About you"), ("E1_age", "E2_gender", "E3_disability", "F1_comments")),
)
LAST_PAGE = len(PAGES)
PAGE_OF: dict[str, int] = {
    code: number for number, page in enumerate(PAGES, start=1) for code in page.codes
}
FREE_TEXT_CODES: tuple[str, ...] = tuple(q.code for q in QUESTIONS if q.kind == "text")

Answers = dict[str, "str | list[str]"]


def is_shown(code: str, answers: Answers) -> bool:
    """Whether question `code` is asked, given the answers so far."""
    question = BY_CODE[code]
    if question.when is None:
        return True
    parent, values = question.when
    if not is_shown(parent, answers):
        return False
    given = answers.get(parent)
    if isinstance(given, list):
        return bool(values.intersection(given))
    return given in values


def page_applies(number: int, answers: Answers) -> bool:
    """Whether any question of page `number` (1-based) is asked."""
    return any(is_shown(code, answers) for code in PAGES[number - 1].codes)


def next_page(number: int, answers: Answers) -> int | None:
    """The next page after `number` that applies, or None after the last."""
    for candidate in range(number + 1, LAST_PAGE + 1):
        if page_applies(candidate, answers):
            return candidate
    return None


def previous_page(number: int, answers: Answers) -> int:
    """The page before `number` that applies (page 1 always does)."""
    for candidate in range(number - 1, 0, -1):
        if page_applies(candidate, answers):
            return candidate
    return 1


def prune(answers: Answers) -> Answers:
    """The answers without those to questions that routing now hides."""
    return {code: value for code, value in answers.items() if is_shown(code, answers)}


# Each multi-select's (value, column) pairs, made once: to_row runs for every response.
OPTION_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    question.code: tuple(
        (value, f"{question.code}.{value}") for value in question.values
    )
    for question in QUESTIONS
    if question.kind == "multi"
}


def storage_columns() -> list[str]:
    """Answer columns in storage and CSV order; a multi-select has one per option."""
    columns = []
    for question in QUESTIONS:
        if question.kind == "multi":
            columns.extend(f"{question.code}.{value}" for value in question.values)
        else:
            columns.append(question.code)
    return columns


def to_row(answers: Answers) -> dict[str, str | int | None]:
    """Answers flattened for storage: codes, and 0/1 per option (None if not asked)."""
    row: dict[str, str | int | None] = {}
    for question in QUESTIONS:
        given = answers.get(question.code)
        if question.kind != "multi":
            row[question.code] = given or None
        elif is_shown(question.code, answers):
            ticked = set(given or ())
            for value, column in OPTION_COLUMNS[question.code]:
                row[column] = 1 if value in ticked else 0
        else:
            row.update(
                dict.fromkeys(column for _, column in OPTION_COLUMNS[question.code])
            )
    return row


def from_row(row: dict[str, str]) -> dict[str, list[str]]:
    """Turn a flat CSV row back into form data (field name to list of values)."""
    formdata: dict[str, list[str]] = {}
    for question in QUESTIONS:
        if question.kind == "multi":
            ticked = [
                value
                for value in question.values
                if (row.get(f"{question.code}.{value}") or "").strip() == "1"
            ]
            if ticked:
                formdata[question.code] = ticked
        else:
            value = (row.get(question.code) or "").strip()
            if value:
                formdata[question.code] = [value]
    return formdata


LIKERT_VALUES = frozenset({"1", "2", "3", "4", "5"})
# Those offered the safety questions who said how many they answered.
DECLINE_BASE = frozenset({"all", "some", "none"})
# The headline measures, each defined once: storage counts them, the report analyses
# them and every sentence names them by their title ("62% of respondents had
# confidence in the police"; "the share who had confidence in the police rose …").
MEASURES: tuple[Measure, ...] = (
    Measure(
        name="confidence",
        title="had confidence in the police",
        column="B1_confidence",
        success=frozenset({"5", "4"}),
        base=LIKERT_VALUES,
        scale=True,
    ),
    Measure(
        name="satisfaction",
        title="were satisfied with the service",
        column="C1_satisfied",
        success=frozenset({"5", "4"}),
        base=LIKERT_VALUES,
        population="respondents in contact with the police",
    ),
    Measure(
        name="report_again",
        title="would contact the police again",
        column="B7_report_again",
        success=frozenset({"4", "3"}),
        base=frozenset({"1", "2", "3", "4"}),
    ),
    Measure(
        name="declined",
        title="declined some or all of the safety questions",
        column="D2_answered",
        success=DECLINED,
        base=DECLINE_BASE,
        population="those offered the safety questions",
        statement="those offered the safety questions declined some or all of them",
    ),
    Measure(
        name="declined_fully",
        title="declined all of the safety questions",
        column="D2_answered",
        success=frozenset({"none"}),
        base=DECLINE_BASE,
        population="those offered the safety questions",
        statement="those offered the safety questions declined all of them",
    ),
    Measure(
        name="told_about_orders",
        title="were told about protective orders",
        column="C4_orders",
        success=frozenset({"yes"}),
        base=frozenset({"yes", "no"}),
        population="respondents in contact with the police",
    ),
)
BY_MEASURE: dict[str, Measure] = {m.name: m for m in MEASURES}
# The confidence index: B1–B6 rescaled to 0–100, for those who rated at least 4 of 6.
INDEX_ITEMS = (
    "B1_confidence",
    "B2_relied_on",
    "B3_respect",
    "B4_fair",
    "B5_understand",
    "B6_trust",
)
INDEX_MINIMUM_ITEMS = 4
REASONS = tuple((value, label) for value, label in DECLINE_REASONS if value != "pns")
HELPS = tuple((value, label) for value, label in WOULD_HELP if value != "pns")
# The About-you questions measures are broken down by, with the short titles used in
# breakdowns. Only coarse bands, and only groups that pass the threshold, are shown.
ABOUT_YOU: tuple[tuple[str, str], ...] = (
    ("E1_age", "Age"),
    ("E2_gender", "Gender"),
    ("E3_disability", "Disability or long-term health condition"),
)
# Every response's language is counted as the About-you answers are, and broken
# down by under the same rules (suppression, merging, perturbation): (code, title,
# bands), the About-you questions first. Staff read each language's English name.
LANGUAGE_COLUMN = "language"
BANDED: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    *((code, title, BY_CODE[code].options) for code, title in ABOUT_YOU),
    (LANGUAGE_COLUMN, "Language", tuple(languages.STAFF_NAMES.items())),
)
# What the report is asked about, all from the definitions above.
REPORT = ReportSpec(
    measures=MEASURES,
    reasons=REASONS,
    helps=HELPS,
    about_you=BANDED,
)


def confidence_index(answers: Answers) -> float | None:
    """The 0–100 confidence index: mean of B1–B6 as (score − 1) × 25, if 4+ rated."""
    scores = [int(v) for c in INDEX_ITEMS if (v := answers.get(c)) in LIKERT_VALUES]
    if len(scores) < INDEX_MINIMUM_ITEMS:
        return None
    return (sum(scores) / len(scores) - 1) * 25
