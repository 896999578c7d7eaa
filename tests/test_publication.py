"""What the report publishes: nothing finer than the publication rule, and nothing that
gives away a hidden period (docs/disclosure.md)."""

import json
import re

import pytest
from helpers import REPORT_TODAY as TODAY
from helpers import confidence_row as counts
from helpers import keyed

from analysis import periods
from analysis import report as reports
from survey import questionnaire
from survey.counts import read_report_counts

ONE = reports.ReportSpec(
    measures=[questionnaire.BY_MEASURE["confidence"]], reasons=[], helps=[]
)


def test_no_period_is_flagged_where_its_estimate_is_not_shown():
    # The third quarter has a base of 40: its cells pass k, but a percentage needs 50.
    rows = [
        counts("2025-W15", 100, 200),
        counts("2025-W28", 100, 200),
        counts("2025-W41", 39 - 10, 40),
        counts("2026-W02", 100, 200),
    ]
    built = reports.build(keyed(rows), ONE, reports.Options(today=TODAY))
    entry = built["measures"]["confidence"]
    assert entry["periods"][2]["suppressed"]
    # 29 of 40 is far outside the limits, and must not say so. Its limits would give
    # its base, and the centre line and the trend, with the other periods' published
    # counts, its count: none of them is shown over a span with a hidden period.
    assert "p_chart" not in entry
    assert entry["trend"]["shown"] is False
    assert "Unusual periods" not in entry["summary"]
    # Nor is its percentage given anywhere else, in a comparison for instance.
    assert "72%" not in entry["summary"]


def _numbers(value, key=None):
    """Every number in a report, with the key it sits under."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _numbers(inner, name)
    elif isinstance(value, list):
        for inner in value:
            yield from _numbers(inner, key)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield key, value


@pytest.mark.parametrize("period_type", ["month", "quarter", "year"])
def test_no_published_number_is_finer_than_the_publication_rule(demo_db, period_type):
    # An estimate to 16 digits beside its interval gives away its exact count and base.
    counts = read_report_counts(
        demo_db,
        periods.since_week(TODAY, period_type),
        periods.unfinished_from(TODAY, "month"),
    )
    options = reports.Options(today=TODAY, period_type=period_type)
    built = reports.build(
        counts["measures"] + counts["reasons"],
        questionnaire.REPORT,
        options,
        counts["patterns"],
        counts["about"],
    )
    seen = 0
    for key, number in _numbers(built):
        seen += 1
        assert round(number, 3) == number, (key, number)
        if key in ("estimate", "ci_low", "ci_high", "difference"):
            assert round(number, 2) == number, (key, number)
        if key in ("p_value", "p_adjusted"):
            assert round(number, 3) == number
        if key in ("base", "count", "earlier_base", "earlier_count"):
            # Perturbed counts, published as whole numbers (docs/disclosure.md).
            assert isinstance(number, int), (key, number)
    for period in built["confidence_index"]["periods"]:
        if "estimate" in period:
            assert isinstance(period["estimate"], int)  # whole points of 0 to 100
    assert seen > 1000
    text = json.dumps(built)
    assert not re.search(r"\d\.\d{4,}", text)


def test_the_index_needs_the_base_a_percentage_needs():
    # Ten responses, every one scoring 1 on every statement: "0 (0 to 0)" would say
    # what each of them answered.
    rows = [
        counts("2025-W15", 100, 200) | _index(200, 60.0, 30.0),
        counts("2025-W28", 0, 10) | _index(10, 0.0, 0.0),
        counts("2025-W41", 100, 200) | _index(200, 55.0, 30.0),
    ]
    built = reports.build(keyed(rows), ONE, reports.Options(today=TODAY))
    index = {p["period"]: p for p in built["confidence_index"]["periods"]}
    assert index["2025/26 Q2"]["suppressed"] and "estimate" not in index["2025/26 Q2"]
    assert index["2025/26 Q1"]["estimate"] == 60
    many = counts("2025-W28", 30, 60) | _index(60, 40.0, 20.0)
    built = reports.build(
        keyed([rows[0], many, rows[2]]), ONE, reports.Options(today=TODAY)
    )
    assert built["confidence_index"]["periods"][1]["estimate"] == 40
    # 60 of whom none was confident: the index is hidden with the measure, whatever
    # its base, or "0 (0 to 0)" would say what every one of them scored.
    none = counts("2025-W28", 0, 60) | _index(60, 0.0, 0.0)
    built = reports.build(
        keyed([rows[0], none, rows[2]]), ONE, reports.Options(today=TODAY)
    )
    assert built["confidence_index"]["periods"][1]["suppressed"]


def _index(n: int, mean: float, sd: float) -> dict:
    """The index's sums for `n` responses with this mean and standard deviation."""
    total = n * mean
    return {
        "confidence_index.n": n,
        "confidence_index.sum": total,
        "confidence_index.sumsq": sd * sd * (n - 1) + total * mean,
    }


def test_a_shown_trend_never_proves_a_hidden_period_was_empty():
    # The second quarter had no responses at all. A trend over the other three would
    # tell anyone that it was empty rather than small: it is not shown either way.
    empty = [
        counts("2025-W15", 100, 200),
        counts("2025-W41", 110, 200),
        counts("2026-W02", 120, 200),
    ]
    small = empty + [counts("2025-W28", 3, 6)]
    for rows in (empty, small):
        built = reports.build(keyed(rows), ONE, reports.Options(today=TODAY))
        entry = built["measures"]["confidence"]
        assert built["periods"][1] == "2025/26 Q2"
        assert entry["periods"][1]["suppressed"]
        assert entry["trend"] == {
            "shown": False,
            "reason": "some periods have too few responses for a trend test",
        }
