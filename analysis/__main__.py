"""`python -m analysis report --db PATH`: the report from a survey database.

This shell is the one part of the package that reads the database (through the
survey's storage module); everything it calls is pure. With --from-releases it reads
the released periods' frozen counts (survey.releases) instead of the responses.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from datetime import date

from survey import questionnaire, releases, storage
from survey.counts import read_report_counts

from analysis import periods, render, report


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
        "--calendar",
        action="store_true",
        help="calendar quarters and years instead of financial ones",
    )
    # Opt-in until the dashboard reads releases too: the command and the dashboard
    # must not publish different figures for one period.
    command.add_argument(
        "--from-releases",
        action="store_true",
        help="build from the released periods only (made by flask release), "
        "never from the responses",
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
    options = report.Options(
        today=args.today or date.today(),
        period_type=args.period,
        calendar=args.calendar,
        threshold=args.threshold,
        min_base=args.min_base,
    )
    if args.from_releases and args.calendar:
        parser.error("releases are of financial periods only: drop --calendar")
    try:
        if args.from_releases:
            counts = _released_counts(args.db, args.period)
        else:
            since = periods.since_week(options.today, args.period, args.calendar)
            counts = read_report_counts(
                args.db, since, periods.unfinished_from(options.today, "month")
            )
    except sqlite3.DatabaseError as error:
        parser.error(
            f"{args.db} is not a survey database ({error}); "
            "create one with: flask --app survey init-db"
        )
    built = report.build(
        counts["measures"] + counts["reasons"],
        questionnaire.REPORT,
        options,
        counts["patterns"],
        counts["about"],
    )
    if args.format == "json":
        json.dump(built, sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif args.format == "markdown":
        sys.stdout.write(render.markdown(built))
    else:
        sys.stdout.write(render.text(built))
    return 0


def _released_counts(path: str, period_type: str) -> dict:
    """The released periods' counts, as read_report_counts gives them live."""
    db = storage.connect(path)
    try:
        return releases.read_release_rows(db, period_type)
    finally:
        db.close()


if __name__ == "__main__":
    raise SystemExit(main())
