"""The commissioner's report: every headline measure per period, its changes and trend.

Input is the weekly counts storage supplies (one row per ISO week, channel and offence
type); output is a plain dict, ready for JSON, with a sentence for each figure.
Every count is published perturbed by its cell key, and estimates, intervals and tests
are computed from the published counts (analysis.estimates.published); what is
published obeys the disclosure rules. Only complete periods are reported: the
unfinished one never is.
Changes and trends of a measure live in analysis.changes, breakdowns by group in
analysis.breakdowns, the 1–5 scale and the index in analysis.scale, and the pieces
they share in analysis.estimates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from analysis import (
    breakdowns,
    changes,
    disclosure,
    periods,
    populations,
    publish,
    scale,
    wording,
)
from analysis.estimates import (
    POPULATION,
    Options,
    Tests,
    comparison,
    complete_period,
    counts_of,
    difference_cell,
    estimate,
    nested_cells,
    published,
    withheld,
)
from analysis.measures import Measure, ReportSpec


def _nested(depth: int):
    """A dict of dicts `depth` deep whose leaves are counts starting at 0."""
    if depth == 1:
        return defaultdict(float)
    return defaultdict(lambda: _nested(depth - 1))


@dataclass
class _Counts:
    """The complete periods' counts: overall, by channel and by offence type."""

    by_period: dict
    by_channel: dict
    by_offence: dict
    ordered: list[str]


def _gather(
    rows: Iterable[dict], options: Options, span: Sequence[str] | None = None
) -> _Counts:
    """Add up storage's weekly rows into complete periods, overall and by group.

    The periods reported are `span` (those complete of it), when given, else every
    period from the first with a row to the last.
    """
    by_period, by_channel, by_offence = _nested(2), _nested(3), _nested(3)
    whole = populations.view(options.channel, options.offence)
    for row in rows:
        period = complete_period(row, options)
        if period is None:
            continue
        channel, offence = row["channel"], row["offence"]
        in_period = by_period[period]
        in_channel = by_channel[period][channel]
        in_offence = by_offence[period][offence or "not given"]
        for key, value in counts_of(row):
            in_period[key] += value
            in_channel[key] += value
            in_offence[key] += value
        # Each group's population, for the ledgers' withheld ones (estimates.published).
        in_period[POPULATION] = (period, whole)
        in_channel[POPULATION] = (
            period,
            replace(whole, channels=frozenset([channel])),
        )
        in_offence[POPULATION] = (
            period,
            replace(whole, offences=frozenset([offence])),
        )
    if span is not None:
        ordered = [
            p
            for p in span
            if periods.complete(p, options.period_type, options.today, options.calendar)
        ]
    elif by_period:
        ordered = periods.span(
            min(by_period), max(by_period), options.period_type, options.calendar
        )
    else:
        ordered = []
    return _Counts(by_period, by_channel, by_offence, ordered)


def _latest_complete(options: Options) -> str:
    """The latest complete period as of `options.today`, with responses or not.

    A report read without a span of released periods stops at the last period with
    responses; the heading still names the latest complete one, so that the earlier
    period is never called the latest complete (docs/statistics.md, periods).
    """
    return periods.latest_complete(options.today, options.period_type, options.calendar)


def build(
    rows: Iterable[dict],
    spec: ReportSpec,
    options: Options,
    score_patterns: Iterable[tuple[Sequence[int], int]] = (),
    about_rows: Iterable[dict] | None = None,
    span: Sequence[str] | None = None,
) -> dict:
    """The whole report from storage's weekly counts (and B1–B6 score patterns).

    `about_rows` are the same counts by week and About-you band (keys "question"
    and "band" instead of channel and offence); None leaves those breakdowns out.
    `span` lists the periods to report (the released ones): a report filtered to one
    channel must list the same periods as the whole, or one that stops early would
    prove the channel had no response since (docs/disclosure.md).
    """
    counts = _gather(rows, options, span)
    report = _heading(counts, options, span is None)
    if not counts.ordered:
        return report
    tests = Tests()
    _measures(report, spec, counts, options, tests, about_rows)
    report["confidence_index"] = _index(report, spec, counts, options, tests)
    report["reasons"] = _ranked(
        "reason", "reasons.n", spec.reasons, counts, options, tests
    )
    report["would_help"] = _ranked(
        "help", "helps.n", spec.helps, counts, options, tests
    )
    report["cronbach_alpha"] = scale.alpha(score_patterns, options.threshold)
    tests.adjust()
    report["tests_adjusted_together"] = len(tests.entries)
    for measure in spec.measures:
        entry = report["measures"][measure.name]
        entry["summary"] = wording.measure_summary(measure, entry, options)
    report["confidence_index"]["summary"] = wording.index_summary(
        report["confidence_index"]
    )
    return publish.published(report)


def _measures(
    report: dict,
    spec: ReportSpec,
    counts: _Counts,
    options: Options,
    tests: Tests,
    about_rows: Iterable[dict] | None,
) -> None:
    """Each measure's periods, changes and breakdowns, into `report["measures"]`."""
    by_band, unrecorded = None, set()
    latest = counts.ordered[-1]
    if about_rows is not None:
        by_band = breakdowns.by_band(spec.about_you, about_rows, options)
        unrecorded = breakdowns.unrecorded(by_band, latest)
    wider = _wider(spec.measures)
    for measure in spec.measures:
        within = wider.get(measure.name)
        entry = _measure(measure, within, counts, options, tests)
        if by_band is not None:
            entry["by_about_you"] = {
                code: (
                    {"period": latest, "groups": [], "not_recorded": True}
                    if code in unrecorded
                    else breakdowns.breakdown(
                        measure.name, bands, latest, options, tests, within
                    )
                )
                for code, bands in by_band.items()
            }
        report["measures"][measure.name] = entry


def _index(
    report: dict, spec: ReportSpec, counts: _Counts, options: Options, tests: Tests
) -> dict:
    """The confidence index of every period whose 1–5 measures are all shown."""
    # The index of a period whose 1–5 measure is hidden could say what was hidden:
    # "0 (0 to 0)" over 50 people says every one of them scored 1 (docs/disclosure.md).
    scale_shown = [
        {
            e["period"]
            for e in report["measures"][m.name]["periods"]
            if not e["suppressed"]
        }
        for m in spec.measures
        if m.scale
    ]
    return scale.index(
        counts.ordered,
        counts.by_period,
        options,
        tests,
        set.intersection(*scale_shown) if scale_shown else None,
    )


def _heading(counts: _Counts, options: Options, unreleased: bool = False) -> dict:
    """What the report covers and how it is published (all of it, if it is empty).

    `latest_reported_period` is the period the figures are for; it is the latest
    complete period (`latest_complete_period`) unless, read without releases, the
    latest complete periods had no responses and are not listed.
    """
    k, ordered = options.threshold, counts.ordered
    report = {
        "period_type": options.period_type,
        "calendar": options.calendar,
        "threshold": k,
    }
    if not ordered:
        return report | {
            "periods": [],
            "measures": {},
            "summary": "There are no responses from a complete period yet.",
        }
    return report | {
        "minimum_base_for_percentages": options.min_base,
        "periods": ordered,
        "latest_complete_period": _latest_complete(options)
        if unreleased
        else ordered[-1],
        "latest_reported_period": ordered[-1],
        "responses": [
            {
                "period": p,
                "base": disclosure.shown_count(
                    published(counts.by_period[p], "responses", options), k
                ),
            }
            | ({"withheld": True} if withheld(counts.by_period[p], options) else {})
            for p in ordered
        ],
        "measures": {},
    }


def _wider(measures: Sequence[Measure]) -> dict[str, str]:
    """Each measure whose counted answers lie within another's on the same base.

    Published side by side, the two give the cell between them ("declined some or
    all" less "declined all" is "declined some"), so that cell must pass k too.
    """
    wider = {}
    for narrow in measures:
        around = [
            m
            for m in measures
            if m.column == narrow.column
            and m.base == narrow.base
            and narrow.success < m.success
        ]
        if around:
            wider[narrow.name] = min(around, key=lambda m: len(m.success)).name
    return wider


def _measure(
    measure: Measure, within: str | None, counts: _Counts, options: Options, tests
) -> dict:
    """One measure: each period's figure, its changes, trend and breakdowns."""
    series = [
        (p, *nested_cells(counts.by_period[p], measure.name, within, options))
        for p in counts.ordered
    ]
    entry: dict = {
        "title": measure.heading,
        "periods": [estimate(*cell, options) for cell in series],
    }
    entry.update(changes.changes(series, options, tests))
    entry.update(changes.trend(series, entry["periods"], options, tests))
    latest = series[-1][0]
    if measure.scale:
        previous = periods.shift(latest, options.period_type, -1, options.calendar)
        entry["likert"] = scale.likert(
            measure.column,
            latest,
            previous,
            counts.by_period,
            counts.by_channel,
            options,
            tests,
        )
    for key, groups in (
        ("by_channel", counts.by_channel),
        ("by_offence", counts.by_offence),
    ):
        entry[key] = breakdowns.breakdown(
            measure.name, groups, latest, options, tests, within
        )
    entry["channel_adjusted_trend"] = breakdowns.adjusted_trend(
        measure.name, counts.ordered, counts.by_channel, options, tests, within
    )
    return entry


def _ranked(
    prefix: str,
    base_key: str,
    choices: Sequence[tuple[str, str]],
    counts: _Counts,
    options: Options,
    tests: Tests,
) -> dict:
    """Reasons (or what would have helped) in the latest period, ranked, with change."""
    by_period, latest = counts.by_period, counts.ordered[-1]
    previous = periods.shift(latest, options.period_type, -1, options.calendar)
    n = published(by_period[latest], base_key, options)
    before = by_period.get(previous, {})
    n_before = published(before, base_key, options)
    items = []
    for code, text in choices:
        x = min(published(by_period[latest], f"{prefix}.{code}", options), n)
        rest = (
            difference_cell(by_period[latest], base_key, f"{prefix}.{code}", options),
        )
        item = {"code": code, "label": text, **estimate(latest, x, n, rest, options)}
        if n_before:
            x_before = min(published(before, f"{prefix}.{code}", options), n_before)
            rest_before = difference_cell(before, base_key, f"{prefix}.{code}", options)
            item["change"] = comparison(
                "previous period",
                (latest, x, n, rest),
                (previous, x_before, n_before, (rest_before,)),
                options,
                tests,
            )
        items.append(item)
    items.sort(key=lambda item: -item.get("estimate", -1))
    return {
        "period": latest,
        "base": disclosure.shown_count(n, options.threshold),
        "ranked": items,
    }
