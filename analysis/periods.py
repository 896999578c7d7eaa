"""Reporting periods: ISO weeks into months, quarters and years, never overlapping.

A week belongs to the month that holds its Thursday. UK policing reports by financial
year (April to March): quarters are financial unless calendar ones are asked for.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

PERIOD_TYPES = ("month", "quarter", "year")


def week_thursday(week: str) -> date:
    """The Thursday of an ISO week written `2026-W14`."""
    try:
        year, number = week.split("-W")
        return date.fromisocalendar(int(year), int(number), 4)
    except ValueError as error:
        raise ValueError(f"{week!r} is not an ISO week such as 2026-W14") from error


def week_of(day: date) -> str:
    """The ISO week a day falls in."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def label(day: date, period_type: str, calendar: bool = False) -> str:
    """The label of the period of `period_type` that holds `day`."""
    if period_type == "month":
        return f"{day.year}-{day.month:02d}"
    if calendar:
        if period_type == "quarter":
            return f"{day.year} Q{(day.month - 1) // 3 + 1}"
        if period_type == "year":
            return str(day.year)
    else:
        start = day.year if day.month >= 4 else day.year - 1
        year = f"{start}/{(start + 1) % 100:02d}"
        if period_type == "quarter":
            return f"{year} Q{(day.month - 4) % 12 // 3 + 1}"
        if period_type == "year":
            return year
    raise ValueError(f"period type must be one of {', '.join(PERIOD_TYPES)}")


def period_of_week(week: str, period_type: str, calendar: bool = False) -> str:
    """The period a week belongs to: the one holding its Thursday."""
    return label(week_thursday(week), period_type, calendar)


def first_day(period: str, period_type: str, calendar: bool = False) -> date:
    """The first day of a period, from its label."""
    if period_type == "month":
        year, month = period.split("-")
        return date(int(year), int(month), 1)
    if calendar:
        if period_type == "quarter":
            year, quarter = period.split(" Q")
            return date(int(year), 3 * (int(quarter) - 1) + 1, 1)
        return date(int(period), 1, 1)
    start = int(period[:4])
    if period_type == "quarter":
        number = int(period.split(" Q")[1])
        first = 4 + 3 * (number - 1)  # its first month, counted from January
        return date(start + (first - 1) // 12, (first - 1) % 12 + 1, 1)
    return date(start, 4, 1)


def shift(period: str, period_type: str, steps: int, calendar: bool = False) -> str:
    """The period `steps` periods after (or, if negative, before) `period`."""
    start = first_day(period, period_type, calendar)
    months = {"month": 1, "quarter": 3, "year": 12}[period_type] * steps
    index = start.year * 12 + start.month - 1 + months
    return label(date(index // 12, index % 12 + 1, 1), period_type, calendar)


def same_period_a_year_earlier(
    period: str, period_type: str, calendar: bool = False
) -> str:
    """The matching period twelve months earlier."""
    steps = {"month": 12, "quarter": 4, "year": 1}[period_type]
    return shift(period, period_type, -steps, calendar)


def complete(
    period: str, period_type: str, today: date, calendar: bool = False
) -> bool:
    """Whether every week of the period is over: this week belongs to a later one."""
    current = period_of_week(week_of(today), period_type, calendar)
    return first_day(current, period_type, calendar) > first_day(
        period, period_type, calendar
    )


def first_week(period: str, period_type: str, calendar: bool = False) -> str:
    """The first ISO week that belongs to a period: the one with its first Thursday."""
    start = first_day(period, period_type, calendar)
    return week_of(start + timedelta(days=(3 - start.weekday()) % 7))


def unfinished_from(today: date, period_type: str, calendar: bool = False) -> str:
    """The first week of the period under way: every earlier week is complete."""
    current = period_of_week(week_of(today), period_type, calendar)
    return first_week(current, period_type, calendar)


def span(first: str, last: str, period_type: str, calendar: bool = False) -> list[str]:
    """Every period from `first` to `last`, in order, including empty ones."""
    periods = [first]
    while periods[-1] != last:
        periods.append(shift(periods[-1], period_type, 1, calendar))
        if len(periods) > 10_000:
            raise ValueError(f"{last!r} does not follow {first!r}")
    return periods


def latest_complete(today: date, period_type: str, calendar: bool = False) -> str:
    """The latest period every week of which is over: the one before this week's.

    Counted by weeks, as `complete` counts: on Wednesday 31 March 2027 the week under
    way holds Thursday 1 April, so the financial year 2026/27 is already complete.
    """
    current = period_of_week(week_of(today), period_type, calendar)
    return shift(current, period_type, -1, calendar)


def since_week(today: date, period_type: str = "year", calendar: bool = False) -> str:
    """The first week of the latest complete period: where a report's reading starts."""
    # The About-you breakdowns cover the latest complete period only. The latest
    # complete month or quarter starts no earlier than the latest complete year, so
    # the default serves every period type (of financial or of calendar periods).
    latest = latest_complete(today, period_type, calendar)
    return first_week(latest, period_type, calendar)


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier, or that month's last day where it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def retention_cutoff(today: date, months: int) -> str:
    """The first week kept when `months` are kept: earlier weeks are purged."""
    return week_of(months_before(today, months))
