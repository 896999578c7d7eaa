"""`python -m analysis report --db PATH`: the report from a survey database.

This shell is the one part of the package that reads the database (through the
survey's storage module); everything it calls is pure. It reads the released
periods' frozen counts (survey.releases), never the responses, so it publishes what
the dashboard does; like the dashboard's first request after a period ends, it makes
any release that is due first (docs/disclosure.md, releases).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from datetime import date

from survey import clock, stored
from survey.files import STAFF_SCHEMA, staff_path

from analysis import periods, render


def _parser() -> argparse.ArgumentParser:
    """The command line: one command, `report`, and how to cut and print it."""
    parser = argparse.ArgumentParser(prog="python -m analysis")
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
    choices = {
        "threshold": args.threshold,
        "min_base": args.min_base,
        "offence": "",
        "channel": "",
    }
    try:
        built = _stored_report(args.db, args.period, today, choices)
        if built is None:
            built = _built_report(args.db, args.period, today, choices)
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


def _stored_report(path: str, period_type: str, today: date, choices: dict):
    """The report as stored for the current releases, or None if it must be built.

    Only when nothing is due: the latest complete period of the type (as of the real
    date at the latest) has its release. This path loads neither SciPy nor the web
    app, so printing a stored report costs little more than reading it.
    """
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"ATTACH DATABASE ? AS {STAFF_SCHEMA}", [staff_path(path)])
        release_day = min(today, clock.today())
        latest = periods.latest_complete(release_day, period_type)
        found = conn.execute(
            "SELECT 1 FROM releases WHERE period_type = ? AND period = ?",
            [period_type, latest],
        ).fetchone()
        if found is None:
            return None
        released = stored.signature(conn, period_type, today)
        return stored.get_report(
            conn, stored.report_key(period_type, choices, released)
        )
    except sqlite3.OperationalError:  # an older database: no such table yet
        return None
    finally:
        conn.close()


def _built_report(path: str, period_type: str, today: date, choices: dict) -> dict:
    """Make due releases, build the report from the released counts, and store it.

    Releases are made as of the real date at the latest: a period that has not
    really ended cannot be released by asking for a report as if it had.
    """
    # Imported here: the stored report above needs none of them (docs/performance.md).
    from survey import questionnaire, releases, storage

    from analysis import report

    options = report.Options(
        today=today,
        period_type=period_type,
        threshold=choices["threshold"],
        min_base=choices["min_base"],
    )
    db = storage.connect(path)
    try:
        made = releases.make_due_releases(
            db, min(today, clock.today()), choices["threshold"]
        )
        releases.record_made(db, made, "report command")
        counts = releases.read_release_rows(db, period_type, today)
        released = stored.signature(db.conn, period_type, today)
        built = report.build(
            counts["measures"] + counts["reasons"],
            questionnaire.REPORT,
            options,
            counts["patterns"],
            counts["about"],
            [period for period, _ in released],
        )
        if counts["measures"]:
            key = stored.report_key(period_type, choices, released)
            stored.put_report(db.conn, key, period_type, choices, built)
        return built
    finally:
        db.close()


if __name__ == "__main__":
    raise SystemExit(main())
