"""Plain-English sentences for the report's figures, worded so as never to overstate.

A change is called a rise or a fall only when it is statistically significant after
adjusting for the report's other tests; a percentage is never given without its base;
a difference that is not significant says how large a change could have been seen.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from analysis import periods
from analysis.measures import Measure

if TYPE_CHECKING:  # only named in annotations: rendering needs no SciPy
    from analysis.estimates import Options


def percent(value: float) -> str:
    """A proportion as a whole percentage."""
    return f"{round(100 * value)}%"


def p_text(p: float) -> str:
    """A p-value as people read it, to 3 decimal places at most (analysis.publish)."""
    return "p < 0.001" if p < 0.0005 else f"p = {round(p, 3):g}"


def responses(base: int | None) -> str:
    """A published base, with its unit."""
    return f"{base:,} responses" if base is not None else "fewer than the threshold"


MONTH = re.compile(r"^(\d{4})-(\d{2})$")
NUMBERS = {2: "two", 3: "three", 4: "four", 6: "six", 12: "twelve"}


def period_name(label: str) -> str:
    """A period's label as a sentence says it.

    Months read "October 2026", not "2026-10"; quarters and years keep their labels
    ("2026/27 Q2"). Pooled periods ("X to Y", the rolling year) are named as what
    they are, "the four quarters X to Y", so that "from … to …" around them reads
    once (docs/statistics.md, wording).
    """
    if " to " in label:
        first, last = label.split(" to ", 1)
        kind = "quarter" if " Q" in first else "month" if MONTH.match(first) else "year"
        count = len(periods.span(first, last, kind, calendar="/" not in first))
        return f"the {NUMBERS.get(count, count)} {kind}s {label}"
    month = MONTH.match(label)
    if month:
        return date(int(month[1]), int(month[2]), 1).strftime("%B %Y")
    return label


def share(measure: Measure) -> str:
    """The measure as the subject of a sentence: "the share who would …"."""
    return f"the share who {measure.title}"


def _start(words: str) -> str:
    """Words that begin a sentence, with a capital."""
    return words[:1].upper() + words[1:]


def estimate_sentence(measure: Measure, entry: dict) -> str:
    """One period's figure, with its interval and base."""
    when = period_name(entry["period"])
    if entry.get("suppressed", True):
        return f"Too few responses in {when} to publish {share(measure)}."
    return (
        f"{percent(entry['estimate'])} of {measure.counted} in "
        f"{when} (95% CI {percent(entry['ci_low'])} to "
        f"{percent(entry['ci_high'])}, {responses(entry['base'])})."
    )


def change_sentence(subject: str, change: dict) -> str:
    """A comparison of two periods, worded by its significance.

    The subject is what changed, in lower case: "the share who …".
    """
    now, then = period_name(change["period"]), period_name(change["compared_with"])
    if not change.get("shown"):
        return (
            f"{_start(subject)} in {now} cannot be compared with {then}: "
            f"{change['reason']}."
        )
    later = f"{percent(change['estimate'])} ({responses(change['base'])})"
    earlier = (
        f"{percent(change['earlier_estimate'])} ({responses(change['earlier_base'])})"
    )
    if change["significant"]:
        verb, noun = ("rose", "rise") if change["difference"] > 0 else ("fell", "fall")
        return (
            f"{_start(subject)} {verb} from {earlier} in {then} to {later} in {now}. "
            f"This {noun} is statistically significant "
            f"({p_text(change['p_adjusted'])}, adjusted for the other tests in this "
            "report)."
        )
    sentence = (
        f"{_start(subject)} was {later} in {now} and {earlier} in {then}. "
        "This difference is not statistically significant"
    )
    return sentence + _detectable(change) + "."


def change_after_estimate(change: dict) -> str:
    """The latest change, after a sentence that gave the latest figure already.

    Only the earlier figure is new; the later one is not said twice.
    """
    then = period_name(change["compared_with"])
    earlier = (
        f"{percent(change['earlier_estimate'])} ({responses(change['earlier_base'])})"
    )
    if change["significant"]:
        noun = "rise" if change["difference"] > 0 else "fall"
        return (
            f"This is a statistically significant {noun} from {earlier} in {then} "
            f"({p_text(change['p_adjusted'])}, adjusted for the other tests in this "
            "report)."
        )
    return (
        f"It was {earlier} in {then}. This difference is not statistically "
        f"significant{_detectable(change)}."
    )


def _detectable(change: dict) -> str:
    """How large a change this many responses could have detected, if known."""
    detectable = change.get("minimum_detectable_change")
    if detectable is None:
        return ""
    points = round(100 * detectable)
    return (
        f": with this many responses, only changes of about {points} percentage "
        "points or more could be detected"
    )


def trend_sentence(
    subject: str, trend: dict, count_label: str, within: str = ""
) -> str:
    """The trend test over all periods, worded by its significance.

    The subject is what is tested, in lower case; `within` says where ("within
    channels") when the test is not of the whole.
    """
    test = f"test of the trend {within}" if within else "trend test"
    if not trend.get("shown", True):
        return f"No {test} is shown for {subject}: {trend['reason']}."
    where = f" {within}" if within else ""
    if trend["significant"]:
        return (
            f"Over these {count_label}, {subject} shows a statistically significant "
            f"{trend['direction']} trend{where} ({p_text(trend['p_adjusted'])}, "
            "adjusted)."
        )
    return (
        f"Over these {count_label}, {subject} shows no statistically significant "
        f"trend{where} ({p_text(trend['p_adjusted'])}, adjusted)."
    )


def measure_summary(measure: Measure, entry: dict, options: Options) -> str:
    """The sentences a councillor can read aloud for one measure."""
    latest = entry["periods"][-1]
    parts = [estimate_sentence(measure, latest)]
    change = entry.get("latest_change")
    if change is not None and change.get("shown") and not latest["suppressed"]:
        parts.append(change_after_estimate(change))
    elif change is not None:
        parts.append(change_sentence(share(measure), change))
    count_label = f"{len(entry['periods'])} {options.period_type}s"
    parts.append(trend_sentence(share(measure), entry["trend"], count_label))
    chart = entry.get("p_chart", {})
    if chart.get("flagged"):
        parts.append(
            f"Unusual periods (outside the control limits of {chart_name(chart)}): "
            + ", ".join(period_name(p) for p in chart["flagged"])
            + "."
        )
    return " ".join(parts)


CHART_NAMES = {"laney-p-prime": "a Laney p′ chart", "p-chart": "a p-chart"}


def chart_name(chart: dict) -> str:
    """The control chart used, as a sentence names it: the method is chosen by the
    data (docs/statistics.md, unusual periods), so the reader is told which."""
    return CHART_NAMES.get(chart.get("method", "p-chart"), "a p-chart")


def index_summary(index: dict) -> str:
    """Sentences for the 0–100 confidence index."""
    latest = index["periods"][-1]
    if latest.get("suppressed", True):
        first = (
            f"Too few responses in {period_name(latest['period'])} to publish the "
            "confidence index."
        )
    else:
        first = (
            f"The confidence index (0 to 100) was {latest['estimate']:.0f} in "
            f"{period_name(latest['period'])} (95% CI {latest['ci_low']:.0f} to "
            f"{latest['ci_high']:.0f}, {responses(latest['base'])})."
        )
    trend = index["trend"]
    if not trend.get("shown", True):
        return f"{first} {trend['reason'].capitalize()}."
    if trend["significant"]:
        direction = trend.get("direction") or (
            "rising" if trend["statistic"] > 0 else "falling"
        )
        second = (
            f"It shows a statistically significant {direction} trend "
            f"({_slope_text(trend['sen_slope'], direction)}"
            f"{p_text(trend['p_adjusted'])}, adjusted)."
        )
    else:
        second = (
            "It shows no statistically significant trend "
            f"({p_text(trend['p_adjusted'])}, adjusted)."
        )
    return f"{first} {second}"


def _slope_text(slope: float, direction: str) -> str:
    """Sen's slope in points a period, as it agrees with the trend's direction.

    The direction comes from the test; a slope that rounds to 0.0 is "less than 0.1
    points a period", never "+0.0", and a slope of the other sign (a median of
    pairwise slopes can be) is left out rather than contradict the words.
    """
    rounded = round(slope, 1)
    if rounded == 0:
        return "less than 0.1 points a period, "
    if (rounded > 0) != (direction == "rising"):
        return ""
    return f"{rounded:+.1f} points a period, "


CHANGES = ("latest_change", "year_on_year", "rolling_year")


def significant_changes(measure: Measure, entry: dict, period_type: str) -> list[str]:
    """A sentence for each significant change and trend of one measure.

    A main page that shows the figures must not leave out a change that is real:
    whichever comparison found it (previous period, year earlier, rolling year) or
    the trend, every one significant after adjustment is said there.
    """
    sentences = [
        change_sentence(share(measure), entry[key])
        for key in CHANGES
        if entry.get(key, {}).get("significant")
    ]
    if entry["trend"].get("significant"):
        count_label = f"{len(entry['periods'])} {period_type}s"
        sentences.append(trend_sentence(share(measure), entry["trend"], count_label))
    return sentences
