"""Published releases: the released periods an admin has chosen to show the public.

A release is made for staff when its period ends (survey.releases); showing it on the
public results page (/results) is a separate, deliberate step, so the commissioner
decides when a quarter's figures go out. A row holds only the period type, the period
and the ISO week it was published in: nothing finer (docs/privacy.md §2), and who did
it goes to the audit log, not here.
"""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from analysis import periods
from survey.storage import list_rows


def publish(db: Database, period_type: str, period: str, today: date) -> bool:
    """Mark a released period as published; False if it already was.

    The caller checks that the period is released: this table only remembers the
    choice.
    """
    with db.atomic():
        cursor = db.execute(
            "INSERT OR IGNORE INTO published_releases "
            "(period_type, period, published_week) VALUES (?, ?, ?)",
            [period_type, period, periods.week_of(today)],
        )
    return cursor.rowcount == 1


def withdraw(db: Database, period_type: str, period: str) -> bool:
    """Take a period off the public page; False if it was not published."""
    with db.atomic():
        cursor = db.execute(
            "DELETE FROM published_releases WHERE period_type = ? AND period = ?",
            [period_type, period],
        )
    return cursor.rowcount == 1


def list_published(db: Database, period_type: str | None = None) -> list[dict]:
    """Every published period (of one type, if given), as stored, in no set order."""
    sql = "SELECT period_type, period, published_week FROM published_releases"
    params: list = []
    if period_type is not None:
        sql += " WHERE period_type = ?"
        params.append(period_type)
    return list_rows(db, sql, params)


def newest_first(rows: list[dict]) -> list[dict]:
    """Published periods with the latest-ending first; at the same end, the longest
    first (a year before the quarter and month that end with it)."""
    order = {name: rank for rank, name in enumerate(periods.PERIOD_TYPES)}

    def key(row):
        end = periods.first_day(
            periods.shift(row["period"], row["period_type"], 1), row["period_type"]
        )
        return (end, order[row["period_type"]])

    return sorted(rows, key=key, reverse=True)
