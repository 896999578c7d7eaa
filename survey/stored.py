"""Reports built from a set of releases, stored so that none is built twice.

A report is fixed by what it is built from: the releases of its period type (each
period's latest revision), the options (threshold, minimum base, filters) and the code
that builds it. Each built report is stored under a key made of all of these, so the
dashboard's first request after a worker starts, and `python -m survey report`, read
it in a few milliseconds instead of building it again (docs/performance.md). A new or
revised release, a purge, other options or another version of the code make another
key: a stored report is never out of date, only unused, and the one it replaces is
deleted when it is stored.

Standard library only, and nothing here imports Flask, SciPy or sqlite-utils: the
report command reads a stored report without loading them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from functools import cache
from pathlib import Path

from analysis import periods

ROOT = Path(__file__).resolve().parent.parent
# Everything a report's figures and words can depend on besides its releases and
# options: all of both packages' code and data, rather than a list kept by hand that
# would miss the next module the recipe comes to import. A release of new code makes
# every stored report unused; each is built again once, when it is first asked for.
SOURCES = ("analysis/**/*.py", "analysis/**/*.csv", "survey/**/*.py")


@cache
def code_version() -> str:
    """A digest of the code that builds reports: change any of it, and the key."""
    digest = hashlib.sha256()
    for pattern in SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            name = path.relative_to(ROOT).as_posix()
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def signature(
    conn: sqlite3.Connection, period_type: str, today, through: str | None = None
) -> list:
    """The releases a report of the type is built from: each complete period's latest
    revision, up to the period `through` if given (reports.read_release_rows)."""
    rows = conn.execute(
        "SELECT period, max(revision) FROM releases WHERE period_type = ? "
        "GROUP BY period ORDER BY first_week",
        [period_type],
    ).fetchall()
    released = [
        [period, revision]
        for period, revision in rows
        if periods.complete(period, period_type, today)
    ]
    if through is None:
        return released
    names = [period for period, _ in released]
    return released[: names.index(through) + 1] if through in names else []


def report_key(period_type: str, choices: dict, released: list) -> str:
    """The key of a report: its type, options and filters, releases and code."""
    text = json.dumps(
        [code_version(), period_type, sorted(choices.items()), released],
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def get_report(conn: sqlite3.Connection, key: str) -> dict | None:
    """A stored report, or None."""
    row = conn.execute(
        "SELECT built FROM stored_reports WHERE key = ?", [key]
    ).fetchone()
    return None if row is None else json.loads(row[0])


def put_report(
    conn: sqlite3.Connection, key: str, period_type: str, choices: dict, built: dict
) -> None:
    """Store a built report, in place of the one with the same type, options and
    latest period (an older revision's): a past release's report, asked for on the
    dashboard, does not push out the latest one's."""
    latest = built.get("latest_complete_period")
    options = json.dumps([*sorted(choices.items()), latest], separators=(",", ":"))
    with conn:
        conn.execute(
            "DELETE FROM stored_reports WHERE period_type = ? AND options = ? "
            "AND key != ?",
            [period_type, options, key],
        )
        conn.execute(
            "INSERT OR IGNORE INTO stored_reports (key, period_type, options, built) "
            "VALUES (?, ?, ?, ?)",
            [key, period_type, options, json.dumps(built, separators=(",", ":"))],
        )


def delete_reports(conn: sqlite3.Connection) -> None:
    """Delete every stored report (a purge: none may outlive a release it used)."""
    with conn:
        conn.execute("DELETE FROM stored_reports")
