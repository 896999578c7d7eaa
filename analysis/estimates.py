"""The report's building blocks: a period's published figure, a comparison, the tests.

Every count is published perturbed by its cell key (analysis.perturbation), and every
figure is computed from the published counts, so anyone can recompute it from the
published tables; every test the report shows is kept in one list so that its p-values
can be adjusted together (Benjamini–Hochberg) once the report is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from analysis import disclosure, periods, perturbation, stats

SIGNIFICANCE = 0.05


@dataclass
class Options:
    """How to cut and publish the report."""

    today: date
    period_type: str = "quarter"
    calendar: bool = False
    threshold: int = 10
    min_base: int = 50
    # Off only in tests of the statistics themselves, which check exact values.
    perturb: bool = True
    # The report's filters ("" for none): they name its populations.
    channel: str = ""
    offence: str = ""
    # Whether a population (a period and its analysis.populations.Population) may
    # not be published: a report from releases asks their ledgers. None: all may.
    withheld: Callable[[tuple], bool] | None = None

    @property
    def ptable(self) -> perturbation.Ptable:
        return perturbation.ptable_for(self.threshold)


@dataclass
class Tests:
    """Every test the report shows, so that p-values can be adjusted together."""

    entries: list[dict] = field(default_factory=list)

    def add(self, entry: dict) -> dict:
        """Keep a shown test's entry, to adjust its p-value with the others later."""
        self.entries.append(entry)
        return entry

    def adjust(self) -> None:
        """Benjamini–Hochberg over every test added, and significance from that."""
        adjusted = stats.benjamini_hochberg(
            [entry["p_value"] for entry in self.entries]
        )
        for entry, p in zip(self.entries, adjusted, strict=True):
            entry["p_adjusted"] = p
            entry["significant"] = p < SIGNIFICANCE


def tested(result: stats.TestResult | stats.MannKendall) -> dict:
    """A test's entry: its method, statistic and p-value (details are added to it)."""
    return {
        "method": result.method,
        "statistic": result.statistic,
        "p_value": result.p_value,
    }


def not_shown(reason: str) -> dict:
    """A figure or test left out, and why (the reason completes a sentence)."""
    return {"shown": False, "reason": reason}


# A trend needs a direction over more than one step: with two periods it is the
# comparison of the two, which the report makes already (docs/statistics.md).
MINIMUM_TREND_PERIODS = 3


def too_few_periods(count: int, options: Options) -> dict | None:
    """Why no trend is tested over `count` periods, or None when there are enough.

    The true reason, not "too few responses": two years may hold thousands.
    """
    if count >= MINIMUM_TREND_PERIODS:
        return None
    unit = options.period_type + ("" if count == 1 else "s")
    return not_shown(
        f"there {'is' if count == 1 else 'are'} only {count} {unit}, and a trend "
        f"test needs at least {MINIMUM_TREND_PERIODS}"
    )


def complete_period(row: dict, options: Options) -> str | None:
    """The period a row's week belongs to, or None while that period is unfinished."""
    period = periods.period_of_week(
        row["period"], options.period_type, options.calendar
    )
    if periods.complete(period, options.period_type, options.today, options.calendar):
        return period
    return None


def counts_of(row: dict) -> Iterable[tuple[str, float]]:
    """A storage row's counts (its other values name the week and the group)."""
    return ((k, v) for k, v in row.items() if isinstance(v, int | float))


# The key of a group's counts that names its population, (period, Population): not
# a count (counts_of skips it), so adding up groups leaves it behind.
POPULATION = "population"


def published(counts: dict, name: str, options: Options) -> int:
    """A count as published: perturbed by its cell key (docs/disclosure.md).

    Every count of a withheld population is published as none: none of its figures
    is shown, and what is worked out from them is hidden with them.

    The same responses make the same cell key, so the same cell has the same value
    in every table, filter and period type, and differences between tables are not
    exact. With the ptable for the threshold, a published count is at least k
    exactly when the true count is: checks against k give the same answer on either.
    """
    if withheld(counts, options):
        return 0
    if not options.perturb:
        return int(counts.get(name, 0))
    return perturbation.perturbed(counts, name, options.ptable)


def withheld(counts: dict, options: Options) -> bool:
    """Whether the population of these counts may not be published."""
    population = counts.get(POPULATION)
    return (
        options.withheld is not None
        and population is not None
        and options.withheld(population)
    )


def cells(counts: dict, name: str, options: Options) -> tuple[int, int]:
    """A measure's published successes and base in one group's counts."""
    n = published(counts, f"{name}.n", options)
    # Perturbed apart, x could come out above n when (nearly) everyone is counted.
    return min(published(counts, f"{name}.x", options), n), n


def publishable(x: int, n: int, others: Sequence[int], options: Options) -> bool:
    """Whether x of n may be published, with the other cells of its base it reveals.

    `others` are cells of the same base that publishing x of n gives away, each
    published as a cell of its own: the complement n − x, and the cell between x and
    a wider measure's count ("declined all the questions" beside "declined some or
    all" gives the number who declined some; docs/disclosure.md, measures on one
    base).
    """
    k = options.threshold
    return disclosure.can_show_proportion(x, n, k, options.min_base) and all(
        cell >= k for cell in others
    )


def difference_cell(counts: dict, whole: str, part: str, options: Options) -> int:
    """The cell of those counted in `whole` and not in `part`, published on its own.

    Its members' record keys are the whole's less the part's, so it has a cell key
    of its own; perturbed as a cell, it is k or more exactly when the true count is.
    """
    difference: dict = {
        f"rest{suffix}": counts.get(f"{whole}{suffix}", 0)
        - counts.get(f"{part}{suffix}", 0)
        for suffix in ("", ".key")
    }
    difference[POPULATION] = counts.get(POPULATION)
    return published(difference, "rest", options)


def nested_cells(
    counts: dict, name: str, within: str | None, options: Options
) -> tuple[int, int, tuple[int, ...]]:
    """A measure's x and n in one group, and the other cells publishing it reveals.

    The third part is what `publishable` must also pass: the cell between this
    measure and its wider one, if it has one (counted by the wider measure and not
    by this one), and last the complement n − x. Each is a cell of its own with its
    own cell key: the difference of two published counts is not a published count,
    and could pass k when the true cell does not (docs/disclosure.md).
    """
    x, n = cells(counts, name, options)
    complement = difference_cell(counts, f"{name}.n", f"{name}.x", options)
    if within is None:
        return x, n, (complement,)
    between = difference_cell(counts, f"{within}.x", f"{name}.x", options)
    return x, n, (between, complement)


def estimate(
    period: str, x: int, n: int, others: Sequence[int], options: Options
) -> dict:
    """One period's published figure for a proportion (`others` as `publishable`).

    x and n are published counts: the estimate and interval follow from them alone.
    """
    k = options.threshold
    entry: dict = {"period": period, "base": disclosure.shown_count(n, k)}
    if not publishable(x, n, others, options):
        entry["suppressed"] = True
        return entry
    interval = stats.wilson_interval(x, n)
    entry.update(
        count=x,
        estimate=x / n,
        ci_low=interval.low,
        ci_high=interval.high,
        suppressed=False,
    )
    return entry


def comparison(
    label: str,
    later: tuple,
    earlier: tuple,
    options: Options,
    tests: Tests,
) -> dict:
    """One period against another: difference, Newcombe interval and test.

    Each side is (period, x, n) or (period, x, n, others), as `publishable` takes them.
    """
    (p2, x2, n2, *rest2), (p1, x1, n1, *rest1) = later, earlier
    others2, others1 = (rest2[0] if rest2 else ()), (rest1[0] if rest1 else ())
    entry = {"period": p2, "compared_with": p1, "comparison": label}
    # A comparison gives both percentages, so each must be publishable on its own.
    if not (
        publishable(x1, n1, others1, options)
        and publishable(x2, n2, others2, options)
        and disclosure.can_test((x1, n1 - x1, x2, n2 - x2), options.threshold)
    ):
        return entry | not_shown(
            "too few responses in one of the periods to compare them"
        )
    interval = stats.newcombe_interval(x2, n2, x1, n1)
    entry.update(
        shown=True,
        estimate=x2 / n2,
        earlier_estimate=x1 / n1,
        difference=x2 / n2 - x1 / n1,
        ci_low=interval.low,
        ci_high=interval.high,
        **tested(stats.compare_proportions(x2, n2, x1, n1)),
        count=x2,
        base=n2,
        earlier_count=x1,
        earlier_base=n1,
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
