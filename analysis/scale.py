"""The 1–5 confidence scale: its distribution's tests, the 0–100 index and Cronbach's α.

A measure on the scale (B1) is compared as a whole distribution as well as a share
(Mann–Whitney between periods, Kruskal–Wallis between channels); the index is the
mean of B1–B6 rescaled to 0–100, with its trend tested by Mann–Kendall.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from analysis import disclosure, stats
from analysis.estimates import (
    Options,
    Tests,
    not_shown,
    published,
    tested,
    too_few_periods,
)

# The 97.5th percentile of the standard normal, for a 95% interval of a mean.
Z_95 = 1.959963984540054


def _distribution(counts: dict, column: str, options: Options) -> list[int]:
    """How many gave each score 1–5, as published counts."""
    return [published(counts, f"{column}.{score}", options) for score in range(1, 6)]


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


def likert(
    column: str,
    latest: str,
    previous: str,
    by_period: dict,
    by_channel: dict,
    options: Options,
    tests: Tests,
) -> dict:
    """The 1–5 scale: latest period against the one before, and between channels."""
    k = options.threshold
    result: dict = {"column": column}
    now = _distribution(by_period[latest], column, options)
    before = _distribution(by_period.get(previous, {}), column, options)
    if sum(before) and disclosure.can_test(now + before, k):
        result["against_previous"] = tests.add(
            tested(stats.mann_whitney_counts(now, before))
            | {
                "period": latest,
                "compared_with": previous,
                "median": _median(now),
                "earlier_median": _median(before),
            }
        )
    else:
        result["against_previous"] = not_shown(
            "too few responses at some point of the scale"
        )
    groups = [
        _distribution(counts, column, options) for counts in by_channel[latest].values()
    ]
    groups = [group for group in groups if sum(group)]
    if len(groups) >= 2 and disclosure.can_test([c for g in groups for c in g], k):
        result["between_channels"] = tests.add(
            tested(stats.kruskal_wallis_counts(*groups))
            | {"groups": len(groups), "period": latest}
        )
    else:
        result["between_channels"] = not_shown(
            "some channels have too few responses at some point of the scale"
        )
    return result


def _index_estimate(
    period: str, counts: dict, options: Options, allowed: bool = True
) -> dict:
    """One period's mean index, with a normal 95% interval, or suppressed.

    The base is published perturbed, as every count; the mean is of scores, not a
    count, so it and its interval come from the true sums and count, and are
    published in whole points (docs/disclosure.md).
    """
    k = options.threshold
    base = published(counts, "confidence_index.n", options)
    entry = {"period": period, "base": disclosure.shown_count(base, k)}
    # A mean needs the base a percentage needs: over a handful of responses, "0 (0 to
    # 0)" says what every one of them answered (docs/disclosure.md). Decided on the
    # published base alone, as percentages are: on the true one, a published base of
    # 51 beside a hidden index would say the true base is under 50.
    n = int(counts.get("confidence_index.n", 0))
    if not allowed or base < max(k, options.min_base, 2) or n < 2:
        return entry | {"suppressed": True}
    mean = counts["confidence_index.sum"] / n
    variance = max(0.0, (counts["confidence_index.sumsq"] - n * mean * mean) / (n - 1))
    half = Z_95 * math.sqrt(variance / n)
    return entry | {
        "suppressed": False,
        "estimate": mean,
        "ci_low": mean - half,
        "ci_high": mean + half,
    }


def index(
    ordered: list[str],
    by_period: dict,
    options: Options,
    tests: Tests,
    shown_with: set[str] | None = None,
) -> dict:
    """The 0–100 confidence index per period: mean, interval, and its trend.

    `shown_with`, if given, are the periods whose measure on the 1–5 scale is
    published: the index is shown for those only. Where that measure is hidden (too
    few on one side of it), a mean of everyone's scores would tell what they gave.
    """
    entries = [
        _index_estimate(p, by_period[p], options, shown_with is None or p in shown_with)
        for p in ordered
    ]
    means = [entry["estimate"] for entry in entries if not entry["suppressed"]]
    result: dict = {"periods": entries}
    few = too_few_periods(len(ordered), options)
    # Mann–Kendall needs every period: a gap would make the trend look steadier.
    if few is not None:
        result["trend"] = few
    elif len(means) == len(ordered):
        trend = stats.mann_kendall(means)
        result["trend"] = tests.add(
            tested(trend)
            | {
                "z": trend.z,
                "sen_slope": trend.sen_slope,
                "direction": _direction(trend.statistic),
            }
        )
    else:
        result["trend"] = not_shown(
            "some periods have too few responses for a trend test"
        )
    return result


def _direction(s: float) -> str:
    """Which way Mann–Kendall's S points: the test's direction, not Sen's slope's.

    Sen's slope is a median of pairwise slopes and can be 0 (or, rarely, of the
    other sign) when S is significant, so the word comes from S (docs/statistics.md).
    """
    return "rising" if s > 0 else "falling" if s < 0 else "flat"


def alpha(score_patterns: Iterable[tuple[Sequence[int], int]], k: int) -> dict:
    """Cronbach's α for B1–B6 over every response that rated all six."""
    patterns = [(list(scores), count) for scores, count in score_patterns]
    n = sum(count for _, count in patterns)
    if n < max(k, 2) or not patterns or len(patterns[0][0]) < 3:
        return not_shown("too few responses rated all six statements")
    items = range(len(patterns[0][0]))
    sums = [sum(scores[i] * count for scores, count in patterns) for i in items]

    def covariance(i, j):
        products = sum(scores[i] * scores[j] * count for scores, count in patterns)
        return (products - sums[i] * sums[j] / n) / (n - 1)

    matrix = [[covariance(i, j) for j in items] for i in items]

    def alpha_of(kept):
        whole = sum(matrix[i][j] for i in kept for j in kept)
        if whole == 0:
            return None
        return (
            len(kept) / (len(kept) - 1) * (1 - sum(matrix[i][i] for i in kept) / whole)
        )

    every = list(items)
    return {
        "shown": True,
        "alpha": alpha_of(every),
        "if_item_deleted": [
            alpha_of([i for i in every if i != left]) for left in every
        ],
        "base": disclosure.round_count(n),
    }
