"""The commissioner's report: every headline measure per period, its changes and trend.

Input is the weekly counts storage supplies (one row per ISO week, channel and offence
type); output is a plain dict, ready for JSON, with a sentence for each figure.
Estimates, intervals and tests use the unrounded counts; what is published obeys the
disclosure rules. Only complete periods are reported: the unfinished one never is.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from analysis import disclosure, periods, stats, wording

SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class MeasureSpec:
    """What the report needs to know of a proportion measure."""

    name: str
    title: str
    population: str
    outcome: str
    # The 1–5 question behind it, for tests on the whole scale ("" if none).
    likert: str = ""


@dataclass(frozen=True)
class ReportSpec:
    """The measures, reasons and help options to report, with their wording."""

    measures: Sequence[MeasureSpec]
    reasons: Sequence[tuple[str, str]]
    helps: Sequence[tuple[str, str]]
    # The About-you questions to break measures down by: (code, title, bands), each
    # band a (value, label) pair. Their rows come separately (see build).
    about_you: Sequence[tuple[str, str, Sequence[tuple[str, str]]]] = ()


@dataclass
class Options:
    """How to cut and publish the report."""

    today: date
    period_type: str = "quarter"
    calendar: bool = False
    threshold: int = 10
    min_base: int = 50


@dataclass
class _Tests:
    """Every test the report shows, so that p-values can be adjusted together."""

    entries: list[dict] = field(default_factory=list)

    def add(self, entry: dict) -> dict:
        self.entries.append(entry)
        return entry

    def adjust(self) -> None:
        adjusted = stats.benjamini_hochberg(
            [entry["p_value"] for entry in self.entries]
        )
        for entry, p in zip(self.entries, adjusted, strict=True):
            entry["p_adjusted"] = p
            entry["significant"] = p < SIGNIFICANCE


def build(
    rows: Iterable[dict],
    spec: ReportSpec,
    options: Options,
    score_patterns: Iterable[tuple[Sequence[int], int]] = (),
    about_rows: Iterable[dict] | None = None,
) -> dict:
    """The whole report from storage's weekly counts (and B1–B6 score patterns).

    `about_rows` are the same counts by week and About-you band (keys "question"
    and "band" instead of channel and offence); None leaves those breakdowns out.
    """
    k = options.threshold
    by_period: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    by_channel: dict[str, dict[str, dict[str, float]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(float))
    )
    by_offence: dict[str, dict[str, dict[str, float]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(float))
    )
    for row in rows:
        period = _complete_period(row, options)
        if period is None:
            continue
        for key, value in _counts_of(row):
            by_period[period][key] += value
            by_channel[period][row["channel"]][key] += value
            by_offence[period][row["offence"] or "not given"][key] += value
    if not by_period:
        return {
            "period_type": options.period_type,
            "calendar": options.calendar,
            "threshold": k,
            "periods": [],
            "measures": {},
            "summary": "There are no responses from a complete period yet.",
        }
    ordered = periods.span(
        min(by_period), max(by_period), options.period_type, options.calendar
    )
    tests = _Tests()
    report = {
        "period_type": options.period_type,
        "calendar": options.calendar,
        "threshold": k,
        "minimum_base_for_percentages": options.min_base,
        "periods": ordered,
        "latest_complete_period": ordered[-1],
        "responses": [
            {
                "period": p,
                "base": disclosure.publish_count(int(by_period[p]["responses"]), k),
            }
            for p in ordered
        ],
        "measures": {},
    }
    by_band = _by_band(spec, about_rows, options) if about_rows is not None else None
    for measure in spec.measures:
        entry = _measure(
            measure, ordered, by_period, by_channel, by_offence, options, tests
        )
        if by_band is not None:
            entry["by_about_you"] = {
                code: _breakdown(measure, bands, ordered[-1], options, tests)
                for code, bands in by_band.items()
            }
        report["measures"][measure.name] = entry
    report["confidence_index"] = _index(ordered, by_period, options, tests)
    report["reasons"] = _ranked(
        "reason", "reasons.n", spec.reasons, ordered, by_period, options, tests
    )
    report["would_help"] = _ranked(
        "help", "helps.n", spec.helps, ordered, by_period, options, tests
    )
    report["cronbach_alpha"] = _alpha(score_patterns, k)
    tests.adjust()
    report["tests_adjusted_together"] = len(tests.entries)
    for measure in spec.measures:
        entry = report["measures"][measure.name]
        entry["summary"] = wording.measure_summary(measure, entry, options)
    report["confidence_index"]["summary"] = wording.index_summary(
        report["confidence_index"]
    )
    return report


def _by_band(spec: ReportSpec, about_rows: Iterable[dict], options: Options) -> dict:
    """Counts per About-you question, complete period and band (by its label)."""
    labels = {code: dict(bands) for code, _, bands in spec.about_you}
    by_band: dict = {
        code: defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
        for code in labels
    }
    for row in about_rows:
        period = _complete_period(row, options)
        if row["question"] not in labels or period is None:
            continue
        band = labels[row["question"]].get(row["band"], "Not answered")
        for key, value in _counts_of(row):
            by_band[row["question"]][period][band][key] += value
    return by_band


def _complete_period(row: dict, options: Options) -> str | None:
    """The period a row's week belongs to, or None while that period is unfinished."""
    period = periods.period_of_week(
        row["period"], options.period_type, options.calendar
    )
    if periods.complete(period, options.period_type, options.today, options.calendar):
        return period
    return None


def _counts_of(row: dict) -> Iterable[tuple[str, float]]:
    """A storage row's counts (its other values name the week and the group)."""
    return ((k, v) for k, v in row.items() if isinstance(v, int | float))


def _cells(counts: dict, name: str) -> tuple[int, int]:
    return int(counts.get(f"{name}.x", 0)), int(counts.get(f"{name}.n", 0))


def _estimate(period: str, x: int, n: int, options: Options) -> dict:
    """One period's published figure for a proportion."""
    k = options.threshold
    entry = {"period": period, "base": disclosure.publish_count(n, k)}
    if not disclosure.can_show_proportion(x, n, k, options.min_base):
        entry["suppressed"] = True
        return entry
    interval = stats.wilson_interval(x, n)
    entry.update(
        estimate=x / n, ci_low=interval.low, ci_high=interval.high, suppressed=False
    )
    return entry


def _comparison(
    label: str,
    later: tuple[str, int, int],
    earlier: tuple[str, int, int],
    options: Options,
    tests: _Tests,
) -> dict:
    """One period against another: difference, Newcombe interval and test."""
    (p2, x2, n2), (p1, x1, n1) = later, earlier
    entry = {"period": p2, "compared_with": p1, "comparison": label}
    k, min_base = options.threshold, options.min_base
    # A comparison gives both percentages, so each must be publishable on its own.
    if not (
        disclosure.can_show_proportion(x1, n1, k, min_base)
        and disclosure.can_show_proportion(x2, n2, k, min_base)
        and disclosure.can_test((x1, n1 - x1, x2, n2 - x2), k)
    ):
        entry["shown"] = False
        entry["reason"] = "too few responses in one of the periods to compare them"
        return entry
    interval = stats.newcombe_interval(x2, n2, x1, n1)
    test = stats.compare_proportions(x2, n2, x1, n1)
    entry.update(
        shown=True,
        estimate=x2 / n2,
        earlier_estimate=x1 / n1,
        difference=x2 / n2 - x1 / n1,
        ci_low=interval.low,
        ci_high=interval.high,
        method=test.method,
        statistic=test.statistic,
        p_value=test.p_value,
        base=disclosure.round_count(n2),
        earlier_base=disclosure.round_count(n1),
    )
    detectable = _detectable_change(min(n1, n2), x1 / n1)
    if detectable is not None:
        entry["minimum_detectable_change"] = detectable
    return tests.add(entry)


def _detectable_change(n: int, p1: float) -> float | None:
    """The smallest rise from p1 that n per group would detect (80% power)."""
    if n < 2 or not 0 < p1 < 1:
        return None
    try:
        return stats.minimum_detectable_proportion(n, p1) - p1
    except ValueError:
        return None


def _measure(
    measure, ordered, by_period, by_channel, by_offence, options, tests
) -> dict:
    k = options.threshold
    cells = [(p, *_cells(by_period[p], measure.name)) for p in ordered]
    entry: dict = {
        "title": measure.title,
        "periods": [_estimate(p, x, n, options) for p, x, n in cells],
    }
    latest = cells[-1]
    previous = periods.shift(latest[0], options.period_type, -1, options.calendar)
    year_ago = periods.same_period_a_year_earlier(
        latest[0], options.period_type, options.calendar
    )
    lookup = {p: (p, x, n) for p, x, n in cells}
    if previous in lookup:
        entry["latest_change"] = _comparison(
            "previous period", latest, lookup[previous], options, tests
        )
    if year_ago in lookup:
        entry["year_on_year"] = _comparison(
            "same period a year earlier", latest, lookup[year_ago], options, tests
        )
    if options.period_type == "quarter" and len(cells) >= 8:
        recent, before = cells[-4:], cells[-8:-4]
        entry["rolling_year"] = _comparison(
            "four quarters before",
            (
                f"{recent[0][0]} to {recent[-1][0]}",
                sum(c[1] for c in recent),
                sum(c[2] for c in recent),
            ),
            (
                f"{before[0][0]} to {before[-1][0]}",
                sum(c[1] for c in before),
                sum(c[2] for c in before),
            ),
            options,
            tests,
        )
    used = [c for c in cells if c[2] > 0]
    if len(used) >= 3 and disclosure.can_test(
        [v for _, x, n in used for v in (x, n - x)], k
    ):
        trend = stats.cochran_armitage([x for _, x, _ in used], [n for _, _, n in used])
        entry["trend"] = tests.add(
            {
                "method": trend.method,
                "statistic": trend.statistic,
                "p_value": trend.p_value,
                "periods": len(used),
                "direction": trend.direction,
            }
        )
        chart = stats.p_chart([x for _, x, _ in used], [n for _, _, n in used])
        # Whether a period is outside its limits says something of its estimate, so
        # it is given only where the estimate itself is published.
        shown = {e["period"] for e in entry["periods"] if not e["suppressed"]}
        limits = [
            {
                "period": p,
                "lower": low,
                "upper": high,
                "flagged": flag if p in shown else None,
            }
            for (p, _, _), low, high, flag in zip(
                used, chart.lower, chart.upper, chart.flagged, strict=True
            )
        ]
        entry["p_chart"] = {
            "centre": chart.centre[0],
            "flagged": [row["period"] for row in limits if row["flagged"]],
            "limits": limits,
        }
    else:
        entry["trend"] = {
            "shown": False,
            "reason": "some periods have too few responses for a trend test",
        }
    if measure.likert:
        entry["likert"] = _likert(
            measure.likert, latest[0], previous, by_period, by_channel, options, tests
        )
    entry["by_channel"] = _breakdown(measure, by_channel, latest[0], options, tests)
    entry["by_offence"] = _breakdown(measure, by_offence, latest[0], options, tests)
    entry["channel_adjusted_trend"] = _adjusted_trend(
        measure, ordered, by_channel, options, tests
    )
    return entry


def _distribution(counts: dict, column: str) -> list[int]:
    return [int(counts.get(f"{column}.{score}", 0)) for score in range(1, 6)]


def _median(distribution: list[int]) -> float:
    """The median score of a 1–5 distribution given as counts."""
    total = sum(distribution)

    def score_at(position: int) -> int:  # 1-based position among the ordered scores
        running = 0
        for score, count in enumerate(distribution, start=1):
            running += count
            if running >= position:
                return score
        raise ValueError("position beyond the distribution")

    if total % 2:
        return float(score_at(total // 2 + 1))
    return (score_at(total // 2) + score_at(total // 2 + 1)) / 2


def _likert(column, latest, previous, by_period, by_channel, options, tests) -> dict:
    """The 1–5 scale: latest period against the one before, and between channels."""
    k = options.threshold
    result: dict = {"column": column}
    now = _distribution(by_period[latest], column)
    before = _distribution(by_period.get(previous, {}), column)
    if sum(before) and disclosure.can_test(now + before, k):
        test = stats.mann_whitney_counts(now, before)
        result["against_previous"] = tests.add(
            {
                "method": test.method,
                "statistic": test.statistic,
                "p_value": test.p_value,
                "period": latest,
                "compared_with": previous,
                "median": _median(now),
                "earlier_median": _median(before),
            }
        )
    else:
        result["against_previous"] = {
            "shown": False,
            "reason": "too few responses at some point of the scale",
        }
    groups = [_distribution(counts, column) for counts in by_channel[latest].values()]
    groups = [group for group in groups if sum(group)]
    if len(groups) >= 2 and disclosure.can_test([c for g in groups for c in g], k):
        test = stats.kruskal_wallis_counts(*groups)
        result["between_channels"] = tests.add(
            {
                "method": test.method,
                "statistic": test.statistic,
                "p_value": test.p_value,
                "groups": len(groups),
                "period": latest,
            }
        )
    else:
        result["between_channels"] = {
            "shown": False,
            "reason": "some channels have too few responses at some point of the scale",
        }
    return result


def _breakdown(measure, groups_by_period, period, options, tests) -> dict:
    """The latest period by group (channel or offence type), small groups merged."""
    k = options.threshold
    raw = {
        name: _cells(counts, measure.name)
        for name, counts in groups_by_period[period].items()
    }
    mapping = disclosure.merge_small_groups(
        {name: n for name, (_, n) in raw.items()}, k
    )
    merged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, (x, n) in raw.items():
        merged[mapping[name]][0] += x
        merged[mapping[name]][1] += n
    names = sorted(merged, key=lambda name: (name == disclosure.OTHER, name))
    table = [[merged[name][0], merged[name][1] - merged[name][0]] for name in names]
    entry: dict = {"period": period, "groups": []}
    if len(names) < 2:
        entry["groups"] = [
            _estimate(name, *merged[name], options) | {"group": name} for name in names
        ]
        return entry
    hidden = disclosure.suppress(table, k)
    for name, (x, n), cells_hidden in zip(
        names, (merged[n] for n in names), hidden, strict=True
    ):
        if any(cells_hidden):
            entry["groups"].append({"group": name, "base": None, "suppressed": True})
        else:
            entry["groups"].append({"group": name, **_estimate(name, x, n, options)})
    if disclosure.can_test([cell for row in table for cell in row], k):
        test = stats.chi_square(table)
        entry["test"] = tests.add(
            {
                "method": test.method,
                "statistic": test.statistic,
                "p_value": test.p_value,
                "groups": len(names),
            }
        )
    else:
        entry["test"] = {
            "shown": False,
            "reason": "some groups have too few responses for a test",
        }
    return entry


def _adjusted_trend(measure, ordered, by_channel, options, tests) -> dict:
    """The trend within channels, so a changing mix of channels is not taken for one."""
    strata, every_cell = [], []
    for channel in sorted({c for p in ordered for c in by_channel[p]}):
        # Each channel is scored by the periods it has responses in, on one scale.
        present = [
            (index + 1, *_cells(by_channel[p][channel], measure.name))
            for index, p in enumerate(ordered)
            if channel in by_channel[p]
        ]
        present = [(score, x, n) for score, x, n in present if n > 0]
        if len(present) >= 2:
            strata.append(
                (
                    [x for _, x, _ in present],
                    [n for _, _, n in present],
                    [score for score, _, _ in present],
                )
            )
            every_cell += [v for _, x, n in present for v in (x, n - x)]
    if not strata or not disclosure.can_test(every_cell, options.threshold):
        return {
            "shown": False,
            "reason": "some channels have too few responses in some periods",
        }
    trend = stats.stratified_cochran_armitage(strata)
    return tests.add(
        {
            "method": "stratified-cochran-armitage",
            "statistic": trend.statistic,
            "p_value": trend.p_value,
            "strata": len(strata),
            "direction": trend.direction,
        }
    )


def _index(ordered, by_period, options, tests) -> dict:
    """The 0–100 confidence index per period: mean, interval, and its trend."""
    k = options.threshold
    entries, means = [], []
    for p in ordered:
        counts = by_period[p]
        n = int(counts.get("confidence_index.n", 0))
        entry = {"period": p, "base": disclosure.publish_count(n, k)}
        if n < max(k, 2):
            entries.append(entry | {"suppressed": True})
            continue
        mean = counts["confidence_index.sum"] / n
        variance = max(
            0.0, (counts["confidence_index.sumsq"] - n * mean * mean) / (n - 1)
        )
        half = 1.959963984540054 * math.sqrt(variance / n)
        entries.append(
            entry
            | {
                "suppressed": False,
                "estimate": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
            }
        )
        means.append(mean)
    result: dict = {"periods": entries}
    if len(means) >= 3 and len(means) == len(ordered):
        trend = stats.mann_kendall(means)
        result["trend"] = tests.add(
            {
                "method": "mann-kendall",
                "statistic": trend.statistic,
                "z": trend.z,
                "p_value": trend.p_value,
                "sen_slope": trend.sen_slope,
            }
        )
    else:
        result["trend"] = {
            "shown": False,
            "reason": "some periods have too few responses for a trend test",
        }
    return result


def _ranked(prefix, base_key, options_, ordered, by_period, options, tests) -> dict:
    """Reasons (or what would have helped) in the latest period, ranked, with change."""
    latest = ordered[-1]
    previous = periods.shift(latest, options.period_type, -1, options.calendar)
    n = int(by_period[latest].get(base_key, 0))
    n_before = int(by_period[previous].get(base_key, 0)) if previous in by_period else 0
    items = []
    for code, text in options_:
        x = int(by_period[latest].get(f"{prefix}.{code}", 0))
        item = {"code": code, "label": text, **_estimate(latest, x, n, options)}
        if n_before:
            x_before = int(by_period[previous].get(f"{prefix}.{code}", 0))
            item["change"] = _comparison(
                "previous period",
                (latest, x, n),
                (previous, x_before, n_before),
                options,
                tests,
            )
        items.append(item)
    items.sort(key=lambda item: -item.get("estimate", -1))
    return {
        "period": latest,
        "base": disclosure.publish_count(n, options.threshold),
        "ranked": items,
    }


def _alpha(score_patterns, k: int) -> dict:
    """Cronbach's α for B1–B6 over every response that rated all six."""
    patterns = [(list(scores), count) for scores, count in score_patterns]
    n = sum(count for _, count in patterns)
    if n < max(k, 2) or not patterns or len(patterns[0][0]) < 3:
        return {"shown": False, "reason": "too few responses rated all six statements"}
    items = range(len(patterns[0][0]))
    sums = [sum(scores[i] * count for scores, count in patterns) for i in items]

    def covariance(i, j):
        products = sum(scores[i] * scores[j] * count for scores, count in patterns)
        return (products - sums[i] * sums[j] / n) / (n - 1)

    matrix = [[covariance(i, j) for j in items] for i in items]

    def alpha(kept):
        whole = sum(matrix[i][j] for i in kept for j in kept)
        if whole == 0:
            return None
        return (
            len(kept) / (len(kept) - 1) * (1 - sum(matrix[i][i] for i in kept) / whole)
        )

    every = list(items)
    return {
        "shown": True,
        "alpha": alpha(every),
        "if_item_deleted": [alpha([i for i in every if i != left]) for left in every],
        "base": disclosure.round_count(n),
    }
