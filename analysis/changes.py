"""A measure's changes over time: the latest period against the one before, a year
before and the four quarters before, and the trend over every period with its
control chart.

`series` is a measure's periods in order, each (period, x, n, other cells of its
base), as analysis.report gathers them; every figure is from published counts.
"""

from __future__ import annotations

from analysis import disclosure, periods, stats
from analysis.estimates import (
    Options,
    Tests,
    comparison,
    not_shown,
    tested,
    too_few_periods,
)


def changes(series: list, options: Options, tests: Tests) -> dict:
    """The latest period against the one before, a year before, and a rolling year."""
    latest = series[-1]
    previous = periods.shift(latest[0], options.period_type, -1, options.calendar)
    year_ago = periods.same_period_a_year_earlier(
        latest[0], options.period_type, options.calendar
    )
    lookup = {cell[0]: cell for cell in series}
    found = {}
    if previous in lookup:
        found["latest_change"] = comparison(
            "previous period", latest, lookup[previous], options, tests
        )
    # By year the previous period is the year earlier: one comparison, made once (a
    # second copy would be read twice and counted twice among the tests adjusted).
    if year_ago in lookup and year_ago != previous:
        found["year_on_year"] = comparison(
            "same period a year earlier", latest, lookup[year_ago], options, tests
        )
    if options.period_type == "quarter" and len(series) >= 8:
        found["rolling_year"] = comparison(
            "four quarters before",
            _pooled(series[-4:]),
            _pooled(series[-8:-4]),
            options,
            tests,
        )
    return found


def _pooled(series: list) -> tuple[str, int, int, tuple]:
    """Consecutive periods as one: "first to last", with their counts added up."""
    label = f"{series[0][0]} to {series[-1][0]}"
    others = tuple(sum(column) for column in zip(*(c[3] for c in series), strict=True))
    return label, sum(c[1] for c in series), sum(c[2] for c in series), others


def trend(series: list, published: list[dict], options: Options, tests: Tests) -> dict:
    """The Cochran–Armitage trend over every period, and the control chart."""
    # Every period, empty ones too: a trend shown over the periods with responses
    # would prove that a hidden period had none (zero counts as small).
    used = series
    few = too_few_periods(len(used), options)
    if few is not None:
        return {"trend": few}
    # Every period published too: a period hidden for its base alone (its cells pass
    # k) would come back from the test and the centre line with the others' counts.
    if any(e["suppressed"] for e in published) or not disclosure.can_test(
        [v for _, x, n, others in used for v in (x, n - x, *others)],
        options.threshold,
    ):
        return {
            "trend": not_shown("some periods have too few responses for a trend test")
        }
    successes, bases = [c[1] for c in used], [c[2] for c in used]
    test = stats.cochran_armitage(successes, bases)
    result = {
        "trend": tests.add(
            tested(test) | {"periods": len(used), "direction": test.direction}
        )
    }
    # Laney's p′ chart where the periods vary more than sampling alone would make
    # them, else the plain p-chart (docs/statistics.md, unusual periods).
    chart = stats.laney_p_chart(successes, bases)
    # A period's limits give its base, and whether it is outside them says something
    # of its estimate: both only where the estimate itself is published.
    shown = {e["period"] for e in published if not e["suppressed"]}
    limits = [
        {
            "period": p,
            "lower": low if p in shown else None,
            "upper": high if p in shown else None,
            "flagged": flag if p in shown else None,
        }
        for (p, *_), low, high, flag in zip(
            used, chart.lower, chart.upper, chart.flagged, strict=True
        )
    ]
    result["p_chart"] = {
        "method": chart.method,
        "sigma_z": chart.sigma_z,
        "centre": chart.centre[0],
        "flagged": [row["period"] for row in limits if row["flagged"]],
        "limits": limits,
    }
    return result
