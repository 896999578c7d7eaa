"""The one report recipe: read a period type's released counts, build the report
from them, and keep it.

The dashboard with its exports and PDF, the public results page (through
survey/dashboard/figures.py, which keeps reports in the process as well) and the
report command (survey/report_command.py) all get their reports here. A report is
built only from releases (survey/releases.py), never from the responses, and stored
(survey/stored.py) under a key of everything it depends on, so none is built twice.

Only the standard library and survey.stored are imported at the top: printing a
stored report loads neither SciPy nor sqlite-utils (docs/performance.md, the report).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from analysis import periods
from survey import stored

if TYPE_CHECKING:  # not imported at run time: see the docstring
    from sqlite_utils import Database

PERIOD_TYPES = ("month", "quarter", "year")


@dataclass(frozen=True)
class Choice:
    """What a report is of: the period type, the filters, the release, the rules.

    `through` is a released period: the report as it was when that period was the
    latest released one (None: the latest).
    """

    period_type: str = "quarter"
    offence: str = ""
    channel: str = ""
    through: str | None = None
    threshold: int = 10
    min_base: int = 50

    def options(self) -> dict:
        """The rules and filters, as a stored report's key and options hold them."""
        return {
            "threshold": self.threshold,
            "min_base": self.min_base,
            "offence": self.offence,
            "channel": self.channel,
        }


@dataclass
class Released:
    """The releases a report of a choice is built from, and its stored key."""

    periods: list = field(default_factory=list)
    key: str = ""


def released(conn: sqlite3.Connection, choice: Choice, today: date) -> Released:
    """The releases the choice's report is built from as of `today`, and its key."""
    signature = stored.signature(conn, choice.period_type, today, choice.through)
    key = stored.report_key(choice.period_type, choice.options(), signature)
    return Released(signature, key)


def stored_report(conn: sqlite3.Connection, choice: Choice, today: date) -> dict | None:
    """The report as stored for the choice's current releases, or None."""
    return stored.get_report(conn, released(conn, choice, today).key)


def report(
    db,
    choice: Choice,
    today: date,
    counts: Callable[[list], dict] | None = None,
    signature: list | None = None,
) -> dict:
    """The choice's report: stored, else built from the released counts and stored.

    `signature` is the releases to build it from ([period, revision] each, as
    stored.signature gives them; read now if not given), and `counts` gives their
    counts (read_counts, unless the caller keeps them: the dashboard reads them once
    for every filter of one release set). The key and the counts are of the same
    releases, though `flask release` makes another meanwhile. A report of no
    release (a fresh database) is built but not stored.
    """
    if signature is None:
        found = released(db.conn, choice, today)
    else:
        key = stored.report_key(choice.period_type, choice.options(), signature)
        found = Released(signature, key)
    built = stored.get_report(db.conn, found.key)
    if built is not None:
        return built
    rows = (counts or (lambda periods: read_counts(db, choice, periods)))(found.periods)
    built = build(rows, choice, today, [period for period, _ in found.periods])
    if found.periods:
        options = choice.options()
        stored.put_report(db.conn, found.key, choice.period_type, options, built)
    return built


def read_counts(db, choice: Choice, signature: list) -> dict:
    """The counts of exactly the releases in `signature`, for the report."""
    counts = read_exactly(db, choice.period_type, signature)
    counts["rows"] = counts["measures"] + counts["reasons"]
    return counts


def build(counts: dict, choice: Choice, today: date, span: list) -> dict:
    """Build the report for the choice from released counts (analysis.report)."""
    from analysis import report as analysis_report  # here: see the docstring
    from survey import questionnaire

    rows = counts["rows"]
    if choice.offence:
        rows = [row for row in rows if row["offence"] == choice.offence]
    if choice.channel:
        rows = [row for row in rows if row["channel"] == choice.channel]
    # About-you bands are counted for every response, not per channel or offence type
    # (that many small groups would mostly be suppressed): with a filter on, those
    # breakdowns are left out rather than shown for the wrong responses.
    about = None if choice.offence or choice.channel else counts["about"]
    # Each release's ledger names the populations it publishes (survey/ledger.py): of
    # any other, not a figure is shown. A count read without ledgers has none to ask.
    published = counts.get("published")

    def withheld(population: tuple) -> bool:
        period, group = population
        return published is not None and group.key not in published.get(period, ())

    options = analysis_report.Options(
        today=today,
        period_type=choice.period_type,
        threshold=choice.threshold,
        min_base=choice.min_base,
        channel=choice.channel,
        offence=choice.offence,
        withheld=withheld,
    )
    # Cronbach's alpha describes the whole scale, not a filtered slice of it: every
    # released period, whatever the filter (report.build, span).
    return analysis_report.build(
        rows, questionnaire.REPORT, options, counts["patterns"], about, span
    )


def released_through(ordered: list, through: str | None) -> list:
    """Released periods (or rows naming them first) up to and with `through`.

    `ordered` is in period order; `through` None keeps them all.
    """
    if through is None:
        return ordered
    names = [item["period"] if isinstance(item, dict) else item[0] for item in ordered]
    return ordered[: names.index(through) + 1] if through in names else []


def read_release_rows(
    db: Database,
    period_type: str,
    until: date | None = None,
    through: str | None = None,
) -> dict:
    """Every released period's counts, as counts.read_report_counts gives them live.

    The latest revision of each release of the type (of periods complete by `until`,
    if given, and up to the period `through`, if given: the report as it was when
    that period was the latest), one after another: measures, reasons and About-you
    rows, each count with its record keys summed beside it, and the B1–B6 score
    patterns up to the last of those periods' end.
    """
    from survey import releases  # here: see the module's docstring

    chosen = [
        release
        for release in released_through(
            releases.list_releases(db, period_type), through
        )
        if until is None or periods.complete(release["period"], period_type, until)
    ]
    from survey import ledger

    counts = _added_up(chosen)
    signature = [(release["period"], release["revision"]) for release in chosen]
    counts["published"] = ledger.published_keys(db, period_type, signature)
    return counts


def read_exactly(db: Database, period_type: str, signature: list) -> dict:
    """The counts of exactly these releases, [period, revision] each, in that order:
    what a report keyed by that list (survey/stored.py) must be built from, though
    a release or revision is made meanwhile."""
    from survey import (
        ledger,
        releases,  # here: see the module's docstring
    )

    found = [
        releases.get_release(db, period_type, period, revision)
        for period, revision in signature
    ]
    # One purged meanwhile is left out: the report stored under a key of releases
    # that are gone is never asked for again.
    counts = _added_up([release for release in found if release is not None])
    counts["published"] = ledger.published_keys(db, period_type, signature)
    return counts


def _added_up(chosen: list[dict]) -> dict:
    """The releases' rows one after another, and their score patterns added up."""
    result: dict = {"measures": [], "reasons": [], "about": []}
    patterns: Counter = Counter()
    for release in chosen:
        rows = release["rows"]
        for name in result:
            result[name] += rows[name]
        for scores, count in rows["patterns"]:
            patterns[tuple(scores)] += count
    result["patterns"] = [
        (list(scores), count) for scores, count in sorted(patterns.items())
    ]
    return result
