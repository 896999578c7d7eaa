"""Periods: weeks go to the month of their Thursday; financial quarters by default."""

from datetime import date, timedelta

import pytest

from analysis import periods


@pytest.mark.parametrize(
    ("week", "month", "quarter", "year", "calendar_quarter"),
    [
        ("2026-W14", "2026-04", "2026/27 Q1", "2026/27", "2026 Q2"),  # Thu 2 April
        ("2026-W13", "2026-03", "2025/26 Q4", "2025/26", "2026 Q1"),  # Thu 26 March
        ("2025-W01", "2025-01", "2024/25 Q4", "2024/25", "2025 Q1"),  # Thu 2 January
        ("2020-W53", "2020-12", "2020/21 Q3", "2020/21", "2020 Q4"),  # Thu 31 December
        ("2026-W27", "2026-07", "2026/27 Q2", "2026/27", "2026 Q3"),  # Thu 2 July
        ("2026-W40", "2026-10", "2026/27 Q3", "2026/27", "2026 Q4"),  # Thu 1 October
    ],
)
def test_week_belongs_to_the_period_of_its_thursday(
    week, month, quarter, year, calendar_quarter
):
    assert periods.period_of_week(week, "month") == month
    assert periods.period_of_week(week, "quarter") == quarter
    assert periods.period_of_week(week, "year") == year
    assert periods.period_of_week(week, "quarter", calendar=True) == calendar_quarter


def test_a_week_split_across_months_goes_to_one_month_only():
    # Monday 29 June to Sunday 5 July 2026: Thursday 2 July, so July.
    assert periods.period_of_week("2026-W27", "month") == "2026-07"
    assert periods.period_of_week("2026-W26", "month") == "2026-06"


@pytest.mark.parametrize(
    ("period", "kind", "calendar", "before", "year_ago"),
    [
        ("2026/27 Q1", "quarter", False, "2025/26 Q4", "2025/26 Q1"),
        ("2026-01", "month", False, "2025-12", "2025-01"),
        ("2026/27", "year", False, "2025/26", "2025/26"),
        ("2026 Q1", "quarter", True, "2025 Q4", "2025 Q1"),
        ("2026", "year", True, "2025", "2025"),
    ],
)
def test_previous_and_year_earlier_periods(period, kind, calendar, before, year_ago):
    assert periods.shift(period, kind, -1, calendar) == before
    assert periods.same_period_a_year_earlier(period, kind, calendar) == year_ago


def test_complete_periods_exclude_the_one_this_week_belongs_to():
    today = date(2026, 11, 23)  # week 48, Thursday 26 November
    assert not periods.complete("2026/27 Q3", "quarter", today)
    assert periods.complete("2026/27 Q2", "quarter", today)
    assert periods.complete("2026-10", "month", today)
    assert not periods.complete("2026-11", "month", today)
    # Wednesday 1 July 2026 is in week 27, which belongs to July: June is complete.
    assert periods.complete("2026-06", "month", date(2026, 7, 1))
    # Tuesday 30 June is in week 27 too: June is over then as well.
    assert periods.complete("2026-06", "month", date(2026, 6, 30))
    assert not periods.complete("2026-06", "month", date(2026, 6, 28))


def test_span_fills_empty_periods():
    assert periods.span("2025/26 Q3", "2026/27 Q2", "quarter") == [
        "2025/26 Q3",
        "2025/26 Q4",
        "2026/27 Q1",
        "2026/27 Q2",
    ]


@pytest.mark.parametrize("week", ["2026-W54", "2026-14", "W14", "2025-W53"])
def test_bad_weeks_raise_value_error(week):
    with pytest.raises(ValueError, match="not an ISO week"):
        periods.period_of_week(week, "month")


def test_unknown_period_type_is_refused():
    with pytest.raises(ValueError, match="period type must be one of"):
        periods.period_of_week("2026-W14", "fortnight")


@pytest.mark.parametrize(
    ("period", "period_type", "week"),
    [
        ("2026-04", "month", "2026-W14"),  # 1 April 2026 is a Wednesday
        ("2026-10", "month", "2026-W40"),  # 1 October is a Thursday: its own week
        ("2026-11", "month", "2026-W45"),  # 1 November is a Sunday
        ("2026/27 Q3", "quarter", "2026-W40"),
        ("2026/27", "year", "2026-W14"),
    ],
)
def test_first_week_is_the_one_with_the_period_s_first_thursday(
    period, period_type, week
):
    assert periods.first_week(period, period_type) == week
    assert periods.period_of_week(week, period_type) == period
    before = periods.week_of(periods.week_thursday(week) - timedelta(days=7))
    assert periods.period_of_week(before, period_type) != period


def test_every_week_before_the_period_under_way_is_complete():
    today = date(2026, 11, 24)
    first = periods.unfinished_from(today, "month")
    assert first == "2026-W45"
    earlier = periods.week_of(periods.week_thursday(first) - timedelta(days=7))
    month = periods.period_of_week(earlier, "month")
    assert periods.complete(month, "month", today)
    assert not periods.complete(periods.period_of_week(first, "month"), "month", today)


@pytest.mark.parametrize(
    ("day", "month", "quarter", "year"),
    [
        # Thursday of week 53, whose Thursday makes it December's.
        (date(2026, 12, 31), "2026-11", "2026/27 Q2", "2025/26"),
        # New Year's Day is in the same week 53: December is still under way.
        (date(2027, 1, 1), "2026-11", "2026/27 Q2", "2025/26"),
        (date(2027, 1, 4), "2026-12", "2026/27 Q3", "2025/26"),  # Monday of week 1
        # The week of 31 March 2027 holds Thursday 1 April: it is April's, so March,
        # the quarter and the financial year are all over on their last day.
        (date(2027, 3, 31), "2027-03", "2026/27 Q4", "2026/27"),
        (date(2027, 4, 1), "2027-03", "2026/27 Q4", "2026/27"),
        (date(2028, 2, 29), "2028-02", "2027/28 Q3", "2026/27"),  # week of 2 March
    ],
)
def test_the_latest_complete_period_on_awkward_days(day, month, quarter, year):
    for period_type, latest in (("month", month), ("quarter", quarter), ("year", year)):
        assert periods.latest_complete(day, period_type) == latest
        assert periods.complete(latest, period_type, day)
        after = periods.shift(latest, period_type, 1)
        assert not periods.complete(after, period_type, day)
    assert periods.since_week(day) == periods.first_week(year, "year")


def test_iso_week_53_belongs_to_december_and_its_quarter_and_year():
    assert periods.week_of(date(2027, 1, 3)) == "2026-W53"
    assert periods.period_of_week("2026-W53", "month") == "2026-12"
    assert periods.period_of_week("2026-W53", "quarter") == "2026/27 Q3"
    assert periods.period_of_week("2026-W53", "quarter", calendar=True) == "2026 Q4"
    assert periods.period_of_week("2026-W53", "year", calendar=True) == "2026"
    assert periods.first_week("2027-01", "month") == "2027-W01"
