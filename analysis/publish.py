"""Every number in a report at the precision the publication rule allows, and no finer.

An estimate printed to 16 digits beside its interval gives away the exact count and
base behind it, undoing the rounding of published counts (docs/disclosure.md). So
whatever is published, on a page, in a chart, a CSV or JSON, carries: percentages as
whole percentages (proportions to 2 decimal places), the 0–100 index in whole points,
p-values to 3 decimal places, test statistics to 2, counts as integers, and any other
number to 3 decimal places at most.
"""

from __future__ import annotations

from typing import Any

# Proportions (0 to 1, or a difference of two): whole percentages.
PROPORTIONS = frozenset(
    {
        "estimate",
        "earlier_estimate",
        "difference",
        "ci_low",
        "ci_high",
        "minimum_detectable_change",
        "centre",
        "lower",
        "upper",
    }
)
P_VALUES = frozenset({"p_value", "p_adjusted"})
STATISTICS = frozenset(
    {
        "statistic",
        "z",
        "median",
        "earlier_median",
        "alpha",
        "if_item_deleted",
        "sigma_z",
    }
)
# Sen's slope of the index is printed in points a period, to one decimal place.
SLOPES = frozenset({"sen_slope"})
INDEX = "confidence_index"
OTHERWISE = 3


def published(report: dict) -> dict:
    """A copy of `report` with every number at its published precision."""
    return _round(report, None, in_index=False)


def _round(value: Any, key: str | None, *, in_index: bool) -> Any:
    if isinstance(value, dict):
        return {
            name: _round(
                inner,
                name if _places(name, in_index) is not None else key,
                in_index=in_index or name == INDEX,
            )
            for name, inner in value.items()
        }
    if isinstance(value, list | tuple):
        return [_round(inner, key, in_index=in_index) for inner in value]
    if isinstance(value, float):
        places = _places(key, in_index)
        if places == 0:
            return int(round(value))
        # `or 0.0` turns -0.0, which reads as a sign where there is none, into 0.0.
        return round(value, OTHERWISE if places is None else places) or 0.0
    return value


def _places(key: str | None, in_index: bool) -> int | None:
    """Decimal places for a number under `key`; None when no rule names it."""
    if key in PROPORTIONS:
        return 0 if in_index else 2
    if key in P_VALUES:
        return 3
    if key in STATISTICS:
        return 2
    if key in SLOPES:
        return 1
    return None
