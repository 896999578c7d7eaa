"""`python -m survey report --db PATH`: the commissioner's report from a database.

It reads the released periods' frozen counts through the one report recipe
(survey/reports.py), never the responses, so it publishes what the dashboard does;
it makes any release that is due first, as `flask release` does (docs/disclosure.md,
releases). A report already stored for the current releases is printed without
loading SciPy or the web app.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from datetime import date

from analysis import periods, render
from survey import clock, reports
from survey.files import STAFF_SCHEMA, staff_path


def _parser() -> argparse.ArgumentParser:
    """The command line: one command, `report`, and how to cut and print it."""
    parser = argparse.ArgumentParser(prog="python -m survey")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("report", help="the commissioner's report")
    command.add_argument("--db", required=True, help="the survey's SQLite file")
    command.add_argument(
        "--period", choices=("month", "quarter", "year"), default="quarter"
    )
    command.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text"
    )
    command.add_argument(
        "--threshold",
        type=int,
        default=10,
        help="suppress counts below this (never below 5)",
    )
    command.add_argument(
        "--min-base",
        type=int,
        default=50,
        help="smallest base a percentage is shown for",
    )
    command.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="report as if today were this date (YYYY-MM-DD)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.threshold < 5:
        parser.error("--threshold may never be below 5")
    if not os.path.exists(args.db):
        parser.error(f"no database at {args.db}")
    today = args.today or clock.today()
    choice = reports.Choice(
        args.period, threshold=args.threshold, min_base=args.min_base
    )
    try:
        built = _stored_report(args.db, choice, today)
        if built is None:
            built = _built_report(args.db, choice, today)
    except sqlite3.DatabaseError as error:
        parser.error(
            f"{args.db} is not a survey database ({error}); "
            "create one with: flask --app survey init-db"
        )
    if args.format == "json":
        json.dump(built, sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif args.format == "markdown":
        sys.stdout.write(render.markdown(built))
    else:
        sys.stdout.write(render.text(built))
    return 0


def _stored_report(path: str, choice: reports.Choice, today: date) -> dict | None:
    """The report as stored for the current releases, or None if it must be built.

    Only when nothing is due: the latest complete period of the type (as of the real
    date at the latest) has its release.
    """
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"ATTACH DATABASE ? AS {STAFF_SCHEMA}", [staff_path(path)])
        latest = periods.latest_complete(min(today, clock.today()), choice.period_type)
        found = conn.execute(
            "SELECT 1 FROM releases WHERE period_type = ? AND period = ?",
            [choice.period_type, latest],
        ).fetchone()
        if found is None:
            return None
        return reports.stored_report(conn, choice, today)
    except sqlite3.OperationalError:  # an older database: no such table yet
        return None
    finally:
        conn.close()


def _built_report(path: str, choice: reports.Choice, today: date) -> dict:
    """Make due releases, then the report from the released counts (stored).

    Releases are made as of the real date at the latest: a period that has not
    really ended cannot be released by asking for a report as if it had.
    """
    # Imported here: the stored report above needs neither (docs/performance.md).
    from survey import releases, storage

    db = storage.connect(path)
    try:
        made = releases.make_due_releases(
            db, min(today, clock.today()), choice.threshold
        )
        releases.record_made(db, made, "report command")
        return reports.report(db, choice, today)
    finally:
        db.close()


if __name__ == "__main__":
    raise SystemExit(main())
