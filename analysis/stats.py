"""The statistical methods, fixed in advance: numbers in, numbers out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats
from scipy.optimize import brentq


@dataclass(frozen=True)
class Interval:
    """A confidence interval."""

    low: float
    high: float


@dataclass(frozen=True)
class TestResult:
    """A test's statistic and p-value, and which test was used."""

    statistic: float
    p_value: float
    method: str
    # For a trend test: "rising", "falling" or "flat" (a χ² statistic has no sign).
    direction: str = ""


@dataclass(frozen=True)
class MannKendall:
    """Mann–Kendall trend test with Sen's slope."""

    statistic: float
    z: float
    p_value: float
    sen_slope: float
    method: str = "mann-kendall"


@dataclass(frozen=True)
class PChart:
    """A p-chart: centre line, limits per period, and the periods outside them."""

    centre: list[float]
    lower: list[float]
    upper: list[float]
    flagged: list[bool]
    # "p-chart", or "laney-p-prime" when the limits are widened by σ_z, the spread
    # between periods against binomial sampling (as measured, whichever is used).
    method: str = "p-chart"
    sigma_z: float = 1.0


@dataclass(frozen=True)
class Cusum:
    """A two-sided standardised tabular CUSUM."""

    upper: list[float]
    lower: list[float]
    signal: int | None


@dataclass(frozen=True)
class Alpha:
    """Cronbach's alpha and alpha with each item left out."""

    alpha: float
    if_item_deleted: list[float]


# Checking arguments: bad input raises ValueError naming the problem, never nonsense.


def _finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    return value


def _count(name: str, value: int) -> int:
    _finite(name, value)
    if value < 0 or value != int(value):
        raise ValueError(f"{name} must be a whole number of at least 0, not {value!r}")
    return int(value)


def _proportion_counts(successes: int, n: int, which: str = "") -> tuple[int, int]:
    x = _count(f"successes{which}", successes)
    n = _count(f"n{which}", n)
    if n == 0:
        raise ValueError(
            f"n{which} must be at least 1: there is no proportion of nothing"
        )
    if x > n:
        raise ValueError(f"successes{which} ({x}) cannot exceed n{which} ({n})")
    return x, n


def _confidence(confidence: float) -> float:
    _finite("confidence", confidence)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")
    return confidence


def _values(name: str, values: Sequence[float], minimum: int = 1) -> list[float]:
    values = list(values)
    if len(values) < minimum:
        raise ValueError(f"{name} needs at least {minimum} values, got {len(values)}")
    for index, value in enumerate(values):
        _finite(f"{name}[{index}]", value)
    return [float(value) for value in values]


# Proportions ---------------------------------------------------------------------


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval for a proportion (no continuity correction)."""
    x, n = _proportion_counts(successes, n)
    z = stats.norm.ppf(1 - (1 - _confidence(confidence)) / 2)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if x == 0 else max(0.0, centre - half)
    high = 1.0 if x == n else min(1.0, centre + half)
    return Interval(low, high)


def newcombe_interval(
    x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95
) -> Interval:
    """Newcombe's hybrid score interval (method 10) for p1 − p2."""
    x1, n1 = _proportion_counts(x1, n1, "1")
    x2, n2 = _proportion_counts(x2, n2, "2")
    p1, p2 = x1 / n1, x2 / n2
    first = wilson_interval(x1, n1, confidence)
    second = wilson_interval(x2, n2, confidence)
    difference = p1 - p2
    low = difference - math.hypot(p1 - first.low, second.high - p2)
    high = difference + math.hypot(first.high - p1, p2 - second.low)
    return Interval(low, high)


def compare_proportions(
    x1: int, n1: int, x2: int, n2: int, exact: bool | None = None
) -> TestResult:
    """Pearson χ² without continuity correction; Fisher's exact test for small tables.

    Fisher's test is used when an expected count is below 5, or when `exact` is True;
    `exact=False` insists on Pearson's.
    """
    x1, n1 = _proportion_counts(x1, n1, "1")
    x2, n2 = _proportion_counts(x2, n2, "2")
    table = [[x1, n1 - x1], [x2, n2 - x2]]
    total = n1 + n2
    column_totals = (x1 + x2, total - x1 - x2)
    if 0 in column_totals:
        # Everyone, or no one, succeeded in both groups: nothing differs.
        return TestResult(0.0, 1.0, "pearson-chi2")
    expected = [n * column / total for n in (n1, n2) for column in column_totals]
    if exact or (exact is None and min(expected) < 5):
        result = stats.fisher_exact(table)
        return TestResult(float(result.statistic), float(result.pvalue), "fisher-exact")
    result = stats.chi2_contingency(table, correction=False)
    return TestResult(float(result.statistic), float(result.pvalue), "pearson-chi2")


def chi_square(table: Sequence[Sequence[int]]) -> TestResult:
    """Pearson χ² test of independence on an r × c table of counts."""
    rows = [[_count("table cell", cell) for cell in row] for row in table]
    if (
        len(rows) < 2
        or any(len(row) != len(rows[0]) for row in rows)
        or len(rows[0]) < 2
    ):
        raise ValueError(
            "table must have at least 2 rows and 2 columns, all the same length"
        )
    rows = [row for row in rows if sum(row)]
    columns = [column for column in zip(*rows, strict=True) if sum(column)]
    if len(rows) < 2 or len(columns) < 2:
        return TestResult(0.0, 1.0, "pearson-chi2")
    result = stats.chi2_contingency(
        [list(row) for row in zip(*columns, strict=True)], correction=False
    )
    return TestResult(float(result.statistic), float(result.pvalue), "pearson-chi2")


def cochran_armitage(
    successes: Sequence[int],
    totals: Sequence[int],
    scores: Sequence[float] | None = None,
) -> TestResult:
    """χ² test for a linear trend in proportions, as R's prop.trend.test."""
    return stratified_cochran_armitage([(successes, totals)], scores)


def stratified_cochran_armitage(
    strata: Sequence[tuple],
    scores: Sequence[float] | None = None,
) -> TestResult:
    """Cochran–Armitage trend test summed over strata (e.g. channels): adjusted trend.

    Each stratum is (successes, totals) or (successes, totals, its own scores), for a
    stratum seen in only some periods. Each contributes its own score-weighted
    deviation and variance, so a change in the mix of strata over time is not
    mistaken for a trend.
    """
    if not strata:
        raise ValueError("strata must hold at least one (successes, totals) pair")
    numerator = variance = 0.0
    for stratum in strata:
        successes, totals = stratum[0], stratum[1]
        own_scores = stratum[2] if len(stratum) > 2 else scores
        if len(successes) != len(totals):
            raise ValueError("successes and totals must have the same length")
        k = len(totals)
        if k < 2:
            raise ValueError("a trend needs at least 2 periods")
        pairs = [
            _proportion_counts(x, n, f"[{i}]")
            for i, (x, n) in enumerate(zip(successes, totals, strict=True))
        ]
        score = (
            _values("scores", own_scores, k)
            if own_scores is not None
            else list(range(1, k + 1))
        )
        if len(score) != k:
            raise ValueError("scores must have one value per period")
        total = sum(n for _, n in pairs)
        pbar = sum(x for x, _ in pairs) / total
        sbar = sum(n * s for (_, n), s in zip(pairs, score, strict=True)) / total
        numerator += sum(
            (x - n * pbar) * (s - sbar) for (x, n), s in zip(pairs, score, strict=True)
        )
        variance += (
            pbar
            * (1 - pbar)
            * sum(n * (s - sbar) ** 2 for (_, n), s in zip(pairs, score, strict=True))
        )
    if variance == 0:
        return TestResult(0.0, 1.0, "cochran-armitage", "flat")
    statistic = numerator**2 / variance
    p_value = float(stats.chi2.sf(statistic, 1))
    method = "cochran-armitage" if len(strata) == 1 else "stratified-cochran-armitage"
    direction = "rising" if numerator > 0 else "falling" if numerator < 0 else "flat"
    return TestResult(float(statistic), p_value, method, direction)


# Ordinal scores and means -----------------------------------------------------------


def mann_kendall(values: Sequence[float]) -> MannKendall:
    """Mann–Kendall trend test (tie-corrected, continuity-corrected) and Sen's slope."""
    y = _values("values", values, minimum=3)
    n = len(y)
    s = sum(
        (y[j] > y[i]) - (y[j] < y[i]) for i in range(n - 1) for j in range(i + 1, n)
    )
    ties: dict[float, int] = {}
    for value in y:
        ties[value] = ties.get(value, 0) + 1
    var_s = (
        n * (n - 1) * (2 * n + 5)
        - sum(t * (t - 1) * (2 * t + 5) for t in ties.values())
    ) / 18
    # The continuity correction moves S one step towards zero.
    z = 0.0 if s == 0 or var_s == 0 else (s - math.copysign(1, s)) / math.sqrt(var_s)
    p_value = float(2 * stats.norm.sf(abs(z)))
    slopes = sorted(
        (y[j] - y[i]) / (j - i) for i in range(n - 1) for j in range(i + 1, n)
    )
    middle = len(slopes) // 2
    sen = (
        slopes[middle] if len(slopes) % 2 else (slopes[middle - 1] + slopes[middle]) / 2
    )
    return MannKendall(float(s), float(z), p_value, float(sen))


def mann_whitney(x: Sequence[float], y: Sequence[float]) -> TestResult:
    """Mann–Whitney U of x (normal approximation, tie and continuity corrected)."""
    first, second = _values("x", x), _values("y", y)
    result = stats.mannwhitneyu(
        first, second, alternative="two-sided", use_continuity=True, method="asymptotic"
    )
    return TestResult(float(result.statistic), float(result.pvalue), "mann-whitney")


def kruskal_wallis(*groups: Sequence[float]) -> TestResult:
    """Kruskal–Wallis H (tie-corrected) across two or more groups."""
    if len(groups) < 2:
        raise ValueError("kruskal_wallis needs at least 2 groups")
    checked = [_values(f"group {i + 1}", group) for i, group in enumerate(groups)]
    if len({value for group in checked for value in group}) == 1:
        return TestResult(0.0, 1.0, "kruskal-wallis")  # every value the same
    result = stats.kruskal(*checked)
    return TestResult(float(result.statistic), float(result.pvalue), "kruskal-wallis")


def _midranks(tables: Sequence[Sequence[int]]) -> tuple[list[float], int, float]:
    """Midrank of each category over all groups, N, and the tie term Σ(t³ − t)."""
    totals = [sum(column) for column in zip(*tables, strict=True)]
    ranks, below = [], 0
    for t in totals:
        ranks.append(below + (t + 1) / 2)
        below += t
    return ranks, below, float(sum(t**3 - t for t in totals))


def _ordinal_counts(name: str, groups: Sequence[Sequence[int]]) -> list[list[int]]:
    checked = [[_count(f"{name} count", c) for c in group] for group in groups]
    if len({len(group) for group in checked}) != 1 or not checked[0]:
        raise ValueError(f"{name}: every group needs a count for each category")
    if any(sum(group) == 0 for group in checked):
        raise ValueError(f"{name}: every group needs at least one response")
    return checked


def mann_whitney_counts(x: Sequence[int], y: Sequence[int]) -> TestResult:
    """Mann–Whitney U of x from counts per ordered category; as mann_whitney gives.

    The whole scale of a large survey is a handful of counts: working from them keeps
    the cost independent of how many responses there are.
    """
    first, second = _ordinal_counts("mann_whitney_counts", [x, y])
    ranks, n, ties = _midranks([first, second])
    n1, n2 = sum(first), sum(second)
    u = sum(c * r for c, r in zip(first, ranks, strict=True)) - n1 * (n1 + 1) / 2
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:
        return TestResult(float(u), 1.0, "mann-whitney")
    shift = u - n1 * n2 / 2
    z = (shift - math.copysign(0.5, shift) if shift else 0.0) / math.sqrt(variance)
    return TestResult(float(u), float(2 * stats.norm.sf(abs(z))), "mann-whitney")


def kruskal_wallis_counts(*groups: Sequence[int]) -> TestResult:
    """Kruskal–Wallis H (tie-corrected) from counts per ordered category and group."""
    if len(groups) < 2:
        raise ValueError("kruskal_wallis_counts needs at least 2 groups")
    tables = _ordinal_counts("kruskal_wallis_counts", groups)
    ranks, n, ties = _midranks(tables)
    correction = 1 - ties / (n**3 - n)
    if correction <= 0:
        return TestResult(0.0, 1.0, "kruskal-wallis")
    h = 12 / (n * (n + 1)) * sum(
        sum(c * r for c, r in zip(group, ranks, strict=True)) ** 2 / sum(group)
        for group in tables
    ) - 3 * (n + 1)
    h /= correction
    return TestResult(
        float(h), float(stats.chi2.sf(h, len(tables) - 1)), "kruskal-wallis"
    )


# Many tests, unusual periods, shifts ------------------------------------------------


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values, in input order (as R's p.adjust)."""
    p = _values("p_values", p_values, minimum=0)
    if any(not 0 <= value <= 1 for value in p):
        raise ValueError("p-values must lie between 0 and 1")
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i], reverse=True)
    adjusted = [0.0] * m
    running = 1.0
    for rank, index in zip(range(m, 0, -1), order, strict=True):
        running = min(running, p[index] * m / rank)
        adjusted[index] = running
    return adjusted


def p_chart(
    successes: Sequence[int], totals: Sequence[int], sigma: float = 3
) -> PChart:
    """Shewhart p-chart: p̄ = Σx/Σn, limits p̄ ± σ√(p̄(1−p̄)/nᵢ) clipped to [0, 1]."""
    if len(successes) != len(totals) or not totals:
        raise ValueError("successes and totals must be non-empty and the same length")
    pairs = [
        _proportion_counts(x, n, f"[{i}]")
        for i, (x, n) in enumerate(zip(successes, totals, strict=True))
    ]
    _finite("sigma", sigma)
    pbar = sum(x for x, _ in pairs) / sum(n for _, n in pairs)
    lower, upper, flagged = [], [], []
    for x, n in pairs:
        spread = sigma * math.sqrt(pbar * (1 - pbar) / n)
        lower.append(max(0.0, pbar - spread))
        upper.append(min(1.0, pbar + spread))
        flagged.append(not lower[-1] <= x / n <= upper[-1])
    return PChart([pbar] * len(pairs), lower, upper, flagged)


# d2 for a moving range of two: the mean range of two standard normal values, 2/√π.
D2 = 1.128


def laney_sigma_z(successes: Sequence[int], totals: Sequence[int]) -> float:
    """How much more the periods vary than binomial sampling alone would make them.

    Laney's σ_z: each period's z-score against the centre, z_i = (p_i − p̄)/σ_pi,
    and their spread estimated from the mean moving range of consecutive z-scores,
    divided by d2 = 1.128 (as an individuals chart does). 1 means binomial variation.
    """
    if len(successes) != len(totals) or len(totals) < 2:
        raise ValueError("successes and totals must be the same length, at least 2")
    pairs = [
        _proportion_counts(x, n, f"[{i}]")
        for i, (x, n) in enumerate(zip(successes, totals, strict=True))
    ]
    pbar = sum(x for x, _ in pairs) / sum(n for _, n in pairs)
    if pbar in (0.0, 1.0):
        return 1.0  # every period at 0% (or 100%): there is no spread to measure
    z = [(x / n - pbar) / math.sqrt(pbar * (1 - pbar) / n) for x, n in pairs]
    ranges = [abs(b - a) for a, b in zip(z, z[1:], strict=False)]
    return sum(ranges) / len(ranges) / D2


def laney_p_chart(
    successes: Sequence[int], totals: Sequence[int], sigma: float = 3
) -> PChart:
    """Laney's p′ chart: the p-chart's limits widened by σ_z when σ_z exceeds 1.

    With bases in the thousands the p-chart's limits are so tight that ordinary
    variation between periods (which binomial sampling does not cover) flags most of
    them. Laney's p′ chart, which NHS England's Making Data Count uses for large
    denominators, sets the limits at p̄ ± 3·σ_pi·σ_z instead. When σ_z is 1 or less
    the periods vary no more than sampling would make them, and narrowing the limits
    below the p-chart's would flag chance; the plain p-chart is used then
    (docs/statistics.md, unusual periods).
    """
    chart = p_chart(successes, totals, sigma)
    sigma_z = laney_sigma_z(successes, totals)
    if sigma_z <= 1:
        return PChart(
            chart.centre, chart.lower, chart.upper, chart.flagged, "p-chart", sigma_z
        )
    pbar = chart.centre[0]
    lower, upper, flagged = [], [], []
    for x, n in zip(successes, totals, strict=True):
        spread = sigma * math.sqrt(pbar * (1 - pbar) / n) * sigma_z
        lower.append(max(0.0, pbar - spread))
        upper.append(min(1.0, pbar + spread))
        flagged.append(not lower[-1] <= x / n <= upper[-1])
    return PChart(chart.centre, lower, upper, flagged, "laney-p-prime", sigma_z)


def cusum(
    successes: Sequence[int],
    totals: Sequence[int],
    target: float,
    k: float = 0.5,
    h: float = 4,
) -> Cusum:
    """Standardised two-sided tabular CUSUM against a target proportion."""
    if len(successes) != len(totals) or not totals:
        raise ValueError("successes and totals must be non-empty and the same length")
    _finite("target", target)
    if not 0 < target < 1:
        raise ValueError(f"target must be between 0 and 1, not {target!r}")
    _finite("k", k)
    _finite("h", h)
    upper, lower, signal = [], [], None
    high = low = 0.0
    for period, (x, n) in enumerate(zip(successes, totals, strict=True), start=1):
        x, n = _proportion_counts(x, n, f"[{period - 1}]")
        z = (x / n - target) / math.sqrt(target * (1 - target) / n)
        high = max(0.0, z - k + high)
        low = max(0.0, -z - k + low)
        upper.append(high)
        lower.append(low)
        if signal is None and (high > h or low > h):
            signal = period
    return Cusum(upper, lower, signal)


# Scales and power -------------------------------------------------------------------


def cronbach_alpha(rows: Sequence[Sequence[float]]) -> Alpha:
    """Cronbach's α for complete rows of item scores, with α if each item is deleted."""
    data = [_values(f"row {i + 1}", row, minimum=2) for i, row in enumerate(rows)]
    if len(data) < 2:
        raise ValueError("cronbach_alpha needs at least 2 rows")
    if len({len(row) for row in data}) != 1:
        raise ValueError("every row must have the same number of items")

    def alpha(columns: list[int]) -> float:
        k = len(columns)
        item_variance = sum(_variance([row[c] for row in data]) for c in columns)
        total_variance = _variance([sum(row[c] for c in columns) for row in data])
        if total_variance == 0:
            raise ValueError("the rows' totals do not vary: alpha is undefined")
        return k / (k - 1) * (1 - item_variance / total_variance)

    items = list(range(len(data[0])))
    deleted = (
        [alpha([c for c in items if c != left]) for left in items]
        if len(items) > 2
        else [float("nan")] * len(items)
    )
    return Alpha(alpha(items), deleted)


def _variance(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return sum((value - mean) ** 2 for value in values) / (len(values) - 1)


def _power(n: float, p1: float, p2: float, alpha: float) -> float:
    # R's power.prop.test with strict = FALSE.
    q = stats.norm.ppf(1 - alpha / 2)
    pooled = math.sqrt((p1 + p2) * (2 - p1 - p2) / 2)
    spread = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return float(stats.norm.cdf((math.sqrt(n) * abs(p1 - p2) - q * pooled) / spread))


def _check_power_args(p1: float, alpha: float, power: float) -> None:
    for name, value in (("p1", p1), ("alpha", alpha), ("power", power)):
        _finite(name, value)
        if not 0 < value < 1:
            raise ValueError(f"{name} must be between 0 and 1, not {value!r}")


def sample_size_two_proportions(
    p1: float, p2: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Responses needed per group to detect p1 against p2, as R's power.prop.test."""
    _check_power_args(p1, alpha, power)
    _finite("p2", p2)
    if not 0 < p2 < 1 or p1 == p2:
        raise ValueError("p2 must be between 0 and 1 and differ from p1")
    q = stats.norm.ppf(1 - alpha / 2)
    pooled = math.sqrt((p1 + p2) * (2 - p1 - p2) / 2)
    spread = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return ((q * pooled + stats.norm.ppf(power) * spread) / abs(p1 - p2)) ** 2


def minimum_detectable_proportion(
    n: float, p1: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    """The smallest p2 above p1 that `n` per group detects with the given power."""
    _check_power_args(p1, alpha, power)
    _finite("n", n)
    if n < 2:
        raise ValueError(f"n must be at least 2 per group, not {n!r}")
    ceiling = 1 - 1e-12
    if _power(n, p1, ceiling, alpha) < power:
        raise ValueError(f"no p2 below 1 can be detected with n = {n}")
    return float(
        brentq(
            lambda p2: _power(n, p1, p2, alpha) - power, p1 + 1e-12, ceiling, xtol=1e-14
        )
    )
