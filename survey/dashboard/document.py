"""What the dashboard and the printed quarterly report say besides their tables: the
sentences of each page, the key findings, what each measure means, and how many
responses a report rests on.

Every sentence comes from the report the analysis package built (its entries and the
wording of analysis.wording), and every definition from the questionnaire: nothing is
worked out here, so the printed report can say nothing the dashboard does not
(docs/statistics.md, "Wording").
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis import wording
from survey import questionnaire

# The comparisons a measure's entry can hold, in the order a reader meets them.
COMPARISONS = ("latest_change", "year_on_year", "rolling_year")


@dataclass
class Findings:
    """The report's findings, sorted the way a councillor should read them."""

    significant: list[str]
    not_detected: list[str]
    not_compared: list[str]


def key_findings(built: dict) -> Findings:
    """Significant changes and trends first, then the changes too small to detect.

    A change that is not significant is given with the smallest change its bases
    could have shown (the minimum detectable change, in analysis.wording), so that
    "no change" is never read as "no difference".
    """
    found = Findings([], [], [])
    for measure in questionnaire.MEASURES:
        entry = built["measures"].get(measure.name)
        if entry is None:
            continue
        subject = wording.share(measure)
        for key in COMPARISONS:
            change = entry.get(key)
            if change is None:
                continue
            sentence = wording.change_sentence(subject, change)
            if not change.get("shown"):
                found.not_compared.append(sentence)
            elif change["significant"]:
                found.significant.append(sentence)
            else:
                found.not_detected.append(sentence)
        trend = entry.get("trend", {})
        if trend.get("shown", True) and trend.get("significant"):
            count = f"{len(entry['periods'])} {built['period_type']}s"
            found.significant.append(wording.trend_sentence(subject, trend, count))
    return found


@dataclass(frozen=True)
class Definition:
    """A measure as the questionnaire defines it: its question and what counts."""

    heading: str
    question: str
    counted: list[str]
    base: list[str]
    population: str


def _question_text(code: str, force: str) -> str:
    """A question as respondents read it, with the force named as on the survey."""
    text = questionnaire.BY_CODE[code].text.replace("{force}", force)
    return text[:1].upper() + text[1:]


def definitions(force: str) -> dict[str, Definition]:
    """Each headline measure's question, the answers counted and the answers in the
    base, in the questionnaire's order of answers; by the measure's name."""
    found = {}
    for measure in questionnaire.MEASURES:
        options = questionnaire.BY_CODE[measure.column].options
        found[measure.name] = Definition(
            heading=measure.heading,
            question=_question_text(measure.column, force),
            counted=[label for value, label in options if value in measure.success],
            base=[label for value, label in options if value in measure.base],
            population=measure.population,
        )
    return found


def index_questions(force: str) -> list[str]:
    """The six statements behind the confidence index, as respondents read them."""
    return [_question_text(code, force) for code in questionnaire.INDEX_ITEMS]


def responses(built: dict) -> dict:
    """The published number of responses: in the latest period and in all of them.

    The total adds up the published (perturbed) counts of the periods shown; a period
    whose count is not shown is left out, and the total then says "at least".
    """
    periods = built.get("responses", [])
    shown = [p["base"] for p in periods if p["base"] is not None]
    return {
        "latest": periods[-1]["base"] if periods else None,
        "total": sum(shown),
        "periods": len(periods),
        "complete": len(shown) == len(periods),
    }


def latest_hidden(built: dict) -> bool:
    """Whether no headline figure of the latest period may be published.

    The page then says that the latest complete period had too few responses, rather
    than offer a table of "not shown" as its figures.
    """
    return all(m["periods"][-1]["suppressed"] for m in built["measures"].values())


def significant_changes(built: dict) -> list[str]:
    """Every significant change and trend of the headline measures, for the main page.

    The headline table shows the previous period and the year earlier only; a change
    found over the rolling year or by the trend test must be seen there too.
    """
    return [
        sentence
        for name, entry in built["measures"].items()
        for sentence in wording.significant_changes(
            questionnaire.BY_MEASURE[name], entry, built["period_type"]
        )
    ]


def measure_sentences(name: str, built: dict) -> list[str]:
    """The measure's sentences: summary, year-on-year, rolling year, within channels."""
    subject = wording.share(questionnaire.BY_MEASURE[name])
    entry = built["measures"][name]
    sentences = [entry["summary"]]
    for key in ("year_on_year", "rolling_year"):
        if key in entry:
            sentences.append(wording.change_sentence(subject, entry[key]))
    count = f"{len(entry['periods'])} {built['period_type']}s"
    sentences.append(
        wording.trend_sentence(
            subject, entry["channel_adjusted_trend"], count, "within channels"
        )
    )
    return sentences


def ranked_changes(built: dict) -> list[str]:
    """A sentence for each reason or help whose change is significant."""
    sentences = []
    for key in ("reasons", "would_help"):
        for item in built[key]["ranked"]:
            change = item.get("change", {})
            if change.get("shown") and change["significant"]:
                subject = f"the share who ticked “{item['label']}”"
                sentences.append(wording.change_sentence(subject, change))
    return sentences
