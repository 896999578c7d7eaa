"""Flask commands that move responses in and out as CSV: paper forms typed up, in;
every response without its free text, out. The layout is storage.CSV_COLUMNS."""

from __future__ import annotations

import csv
from collections.abc import Sequence

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.datastructures import MultiDict

from analysis import periods
from survey import (
    checking,
    clock,
    languages,
    link_store,
    privacy,
    questionnaire,
    storage,
)
from survey.db import get_db
from survey.downloads import defuse_formula

MOST_ERRORS_SHOWN = 50
# Paper forms are from this survey's years: an earlier week in an import is a slip.
EARLIEST_PERIOD = "2020-W01"


@click.command("import-responses")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_responses(file):
    """Import typed-up paper responses from a CSV file: all rows or none."""
    db, today = get_db(), clock.today()
    # A form older than the retention period would be purged at the next purge, and
    # would bring back the releases purged before it: one person's row among them.
    kept_from = periods.retention_cutoff(
        today, int(current_app.config["RETENTION_MONTHS"])
    )
    # Nor from before the latest purge, if it kept fewer months (purge --months).
    kept_from = max(kept_from, storage.purged_before(db) or kept_from)
    rows, errors = _read_import(
        file, link_store.list_channels(db), periods.week_of(today), kept_from
    )
    if errors:
        for error in errors[:MOST_ERRORS_SHOWN]:
            click.echo(error, err=True)
        if len(errors) > MOST_ERRORS_SHOWN:
            click.echo(f"… and {len(errors) - MOST_ERRORS_SHOWN} more.", err=True)
        raise click.ClickException(
            f"Nothing was imported: {len(errors)} problem(s) in {file}. "
            "Correct them and import the whole file again."
        )
    stored = storage.add_rows(db, rows)
    click.echo(f"Imported {stored} responses from {file}.")


def _read_import(
    path: str, channels: set[str], this_week: str, kept_from: str
) -> tuple[list[dict], list[str]]:
    """Check each row of an import like a web submission: (rows to store, errors)."""
    expected = storage.CSV_COLUMNS
    # A file without the language column is English: paper forms typed up before
    # the survey recorded languages, and exports made before then, import as ever.
    required = [c for c in storage.EXPORT_COLUMNS if c != questionnaire.LANGUAGE_COLUMN]
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            errors = _header_problems(reader.fieldnames or [], expected, required)
            if errors:
                return [], errors
            rows, errors = [], []
            for row in reader:
                line = reader.line_num
                problems = _row_problems(row, channels, this_week, kept_from)
                formdata = MultiDict(
                    [
                        (code, value)
                        for code, values in questionnaire.from_row(row).items()
                        for value in values
                    ]
                )
                checked = checking.check(formdata)
                problems += checked.problems
                if problems:
                    errors.extend(f"Row {line}: {problem}" for problem in problems)
                    continue
                rows.append(
                    storage.response_row(
                        checked.answers,
                        period=row["period"].strip(),
                        channel=row["channel"].strip(),
                        submission_id=storage.new_response_id(),
                        language=_language(row),
                    )
                )
    except UnicodeDecodeError:
        return [], [
            f"{path} is not a UTF-8 text file: save it as 'CSV UTF-8' and try again."
        ]
    except csv.Error as error:
        return [], [f"{path} could not be read as CSV: {error}"]
    if not rows and not errors:
        errors.append(f"{path} has no responses in it.")
    return rows, errors


def _header_problems(header: Sequence[str], expected, required) -> list[str]:
    """What is wrong with an import's header row: missing, unknown or repeated columns.

    A repeated column would be read as its last cell alone, silently dropping the
    others, so the file is refused rather than half-read.
    """
    errors = []
    missing = [column for column in required if column not in header]
    if missing:
        errors.append("Missing columns: " + ", ".join(missing))
    unknown = [column for column in header if column not in expected]
    if unknown:
        errors.append("Columns this survey does not have: " + ", ".join(unknown))
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        errors.append("Columns named more than once: " + ", ".join(repeated))
    return errors


def _language(row: dict) -> str:
    """The row's language code: an empty cell, or no such column, is English."""
    code = (row.get(questionnaire.LANGUAGE_COLUMN) or "").strip().lower()
    return code or languages.DEFAULT


def _row_problems(
    row: dict, channels: set[str], this_week: str, kept_from: str
) -> list[str]:
    problems = []
    if None in row:
        problems.append("this row has more cells than the header")
    period = (row.get("period") or "").strip()
    if not privacy.is_iso_week(period):
        problems.append(f"period: '{period}' is not an ISO week such as 2026-W14")
    elif period > this_week:
        problems.append(f"period: {period} is in the future")
    elif period < max(EARLIEST_PERIOD, kept_from):
        # A typing slip such as 1900-W01 would fall outside every report's range.
        problems.append(
            f"period: {period} is before {max(EARLIEST_PERIOD, kept_from)}, the "
            "earliest week allowed (older responses are not kept: RETENTION_MONTHS)"
        )
    channel = (row.get("channel") or "").strip()
    if channel not in channels:
        problems.append(
            f"channel: '{channel}' does not exist; create it with a link first: "
            f"flask --app survey create-link LABEL --channel {channel or 'CHANNEL'}"
        )
    if (row.get("version") or "").strip() != str(questionnaire.VERSION):
        problems.append(f"version: must be {questionnaire.VERSION}")
    if not languages.is_language(_language(row)):
        shown = (row.get(questionnaire.LANGUAGE_COLUMN) or "").strip()[:20]
        problems.append(
            f"language: '{shown}' is not a language code; use one of "
            + ", ".join(languages.LANGUAGE_CODES)
            + " (empty is en)"
        )
    for question in questionnaire.QUESTIONS:
        if question.kind != "multi":
            continue
        for value in question.values:
            column = f"{question.code}.{value}"
            if (row.get(column) or "").strip() not in ("", "0", "1"):
                problems.append(f"{column}: must be 0, 1 or empty")
    return problems


@click.command("export-responses")
@click.argument("file", type=click.File("w", encoding="utf-8", lazy=True))
@with_appcontext
def export_responses(file):
    """Export every response as CSV, without free text, for analysts."""
    writer = csv.DictWriter(
        file, fieldnames=storage.EXPORT_COLUMNS, lineterminator="\n"
    )
    writer.writeheader()
    count = 0
    for row in storage.iter_export_rows(get_db()):
        writer.writerow({key: defuse_formula(value) for key, value in row.items()})
        count += 1
    click.echo(f"Exported {count:,} responses.", err=True)
