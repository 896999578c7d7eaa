"""Releases: the report's counts for a complete period, made once and never changed.

A release freezes the rows of the report's GROUP BY queries for the weeks of one
period of one type (financial month, quarter or year): aggregates, never a response.
Reports of complete periods are built from the latest revision of each release, so a
late paper form or a purge cannot move a published figure. A revision is made only on
purpose (`flask release --revise`), once enough late responses have come in, and says
what changed. See docs/disclosure.md, "Releases".
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import date

from sqlite_utils import Database

from analysis import periods, perturbation, populations
from analysis.disclosure import shown_count
from survey import audit_log, comments, counts, ledger, questionnaire, storage
from survey.storage import get_row, list_rows

# Financial periods only, for now; calendar quarters and years can follow.
PERIOD_TYPES = periods.PERIOD_TYPES


class Refused(Exception):
    """A release that may not be made or revised, and why (the message says)."""


def period_weeks(period: str, period_type: str) -> tuple[str, str]:
    """The period's first week and the next period's: its weeks lie from one up to
    the other (a week belongs to the period holding its Thursday)."""
    return (
        periods.first_week(period, period_type),
        periods.first_week(periods.shift(period, period_type, 1), period_type),
    )


def get_release(
    db: Database, period_type: str, period: str, revision: int | None = None
) -> dict | None:
    """A period's release (its latest revision unless one is asked for), or None."""
    sql = "SELECT * FROM releases WHERE period_type = ? AND period = ? "
    params: list = [period_type, period]
    if revision is not None:
        sql += "AND revision = ? "
        params.append(revision)
    row = get_row(db, sql + "ORDER BY revision DESC LIMIT 1", params)
    return None if row is None else _decoded(row)


def delete_releases_before(db: Database, before_week: str) -> int:
    """Delete every release of a period that ended before `before_week`.

    A release holds counts by week, channel and offence type: for a group of one,
    one person's answers. It may not outlive the responses the retention period
    deletes (docs/privacy.md §6), so a period wholly past retention goes with them.
    A release of any later period is never touched.
    """
    gone = [
        (row["period_type"], row["period"])
        for row in list_rows(db, "SELECT DISTINCT period_type, period FROM releases")
        if period_weeks(row["period"], row["period_type"])[1] <= before_week
    ]
    with db.atomic():
        db.conn.executemany(
            "DELETE FROM releases WHERE period_type = ? AND period = ?", gone
        )
    return len(gone)


def list_releases(db: Database, period_type: str) -> list[dict]:
    """The latest revision of every released period of a type, in period order."""
    return [
        _decoded(row)
        for row in list_rows(
            db,
            "SELECT * FROM releases AS r WHERE period_type = ? AND revision = "
            "(SELECT max(revision) FROM releases WHERE period_type = r.period_type "
            "AND period = r.period) ORDER BY first_week",
            [period_type],
        )
    ]


def released_channels(db: Database, period_type: str) -> set[str]:
    """Every channel with a response in the latest revision of a release of the type.

    Read by SQLite from the stored JSON, without decoding every release in Python
    (tens of milliseconds, not hundreds, at a million responses).
    """
    return {
        row[0]
        for row in db.execute(
            "SELECT DISTINCT json_extract(j.value, '$.channel') "
            "FROM releases AS r, json_each(r.rows, '$.measures') AS j "
            "WHERE r.period_type = ? AND r.revision = (SELECT max(revision) "
            "FROM releases WHERE period_type = r.period_type AND period = r.period)",
            [period_type],
        )
        if row[0]
    }


def _decoded(row: dict) -> dict:
    row["rows"] = json.loads(row["rows"])
    return row


def make_release(
    db: Database, period_type: str, period: str, today: date, threshold: int
) -> dict:
    """Freeze a complete period's counts as its release; an existing one is returned.

    A quarter's release also fixes the comment batches it fills (comments.fix_batches).
    Refused (Refused) while any week of the period is still to come.
    """
    _check(period_type, period, today)
    _check_not_purged(db, period_type, period)
    release = _store(db, period_type, period, today, 1, threshold)[0]
    if period_type == comments.PERIOD:
        comments.fix_batches(db, today, threshold)
    return release


def make_due_releases(db: Database, today: date, threshold: int) -> list[dict]:
    """Release every complete period that has none yet, of every type; those made.

    From the period of the earliest week with responses up to the latest complete
    one, empty periods too: a period released as empty stays empty, rather than be
    released later around a late form that would be its one response. Then fixes
    the comment batches the released quarters fill (comments.fix_batches).
    """
    ledger.backfill(db, threshold, today)
    made = _make_due_releases(db, today, threshold)
    comments.fix_batches(db, today, threshold)
    return made


def due_releases(db: Database, today: date) -> list[tuple[str, str]]:
    """Every complete period with no release yet, as (period type, period), oldest
    first in each type: what make_due_releases would make. Reads only."""
    earliest = db.execute("SELECT min(period) FROM responses").fetchone()[0]
    if earliest is None:
        return []
    # Never from before the latest purge: those periods' releases went with it, and
    # a period it cut into is never released from what is left of it.
    purged = storage.purged_before(db)
    due = []
    for period_type in PERIOD_TYPES:
        first = periods.period_of_week(earliest, period_type)
        if not periods.complete(first, period_type, today):
            continue
        # By the week under way, as periods.complete has it: on 30 April 2025 the
        # week is May's, so April is due.
        latest = periods.latest_complete(today, period_type)
        released = {
            row[0]
            for row in db.execute(
                "SELECT DISTINCT period FROM releases WHERE period_type = ?",
                [period_type],
            )
        }
        due += [
            (period_type, period)
            for period in periods.span(first, latest, period_type)
            if period not in released
            and (purged is None or period_weeks(period, period_type)[0] >= purged)
        ]
    return due


def _make_due_releases(db: Database, today: date, threshold: int) -> list[dict]:
    made = []
    for period_type, period in due_releases(db, today):
        release, new = _store(db, period_type, period, today, 1, threshold)
        if new:
            made.append(release)
    return made


def record_made(db: Database, made: list[dict], how: str) -> None:
    """Write each release made to the audit log, saying what made it."""
    for one in made:
        detail = f"{one['period_type']} {one['period']}"
        audit_log.record(db, None, f"made a release ({how})", detail)


def late_responses(db: Database, release: dict) -> int:
    """How many responses of the release's period are stored now beyond those frozen.

    Compared week by week: a week with fewer than were frozen (after a purge) does
    not hide late responses in another.
    """
    frozen = release["rows"]["weeks"]
    now = db.execute(
        "SELECT period, count(*) FROM responses INDEXED BY responses_counts "
        "WHERE period >= ? AND period < ? GROUP BY period",
        period_weeks(release["period"], release["period_type"]),
    )
    return sum(max(0, count - frozen.get(week, 0)) for week, count in now)


def revise_release(
    db: Database, period_type: str, period: str, today: date, threshold: int
) -> dict:
    """Make the next revision of a release from today's responses, with a note.

    Refused (Refused) unless the release exists and at least `threshold` late
    responses have come in for its period since it was made.
    """
    current = get_release(db, period_type, period)
    if current is None:
        raise Refused(f"{period} ({period_type}) has no release to revise.")
    _check_not_purged(db, period_type, period)
    late = late_responses(db, current)
    if late < threshold:
        raise Refused(
            f"{period} ({period_type}) has {late} late response(s); a revision "
            f"needs at least {threshold}. Nothing was revised."
        )
    revision = current["revision"] + 1
    return _store(db, period_type, period, today, revision, threshold)[0]


def _summed(rows: list[dict], first_week: str, groups: tuple[str, ...]) -> list[dict]:
    """Weekly rows added up to the whole period, one row per group.

    The report uses nothing finer than the period, and counts and key sums add up
    alike, so the release keeps nothing finer either: each row carries the period's
    first week as its `period`, which the report maps back to the period.
    """
    summed: dict[tuple, dict] = {}
    for row in rows:
        group = tuple(row[name] for name in groups)
        total = summed.setdefault(
            group, {"period": first_week} | dict(zip(groups, group, strict=True))
        )
        for name, value in row.items():
            if name != "period" and name not in groups:
                total[name] = total.get(name, 0) + value
    return [summed[group] for group in sorted(summed)]


def _frozen_rows(db: Database, weeks: tuple[str, str]) -> dict:
    """What a release holds: the period's counts, added up to the period."""
    rows = counts.read_period_counts(db, weeks)
    by_week: Counter[str] = Counter()
    for row in rows["measures"]:
        by_week[row["period"]] += row["responses"]
    return {
        "measures": _summed(rows["measures"], weeks[0], ("channel", "offence")),
        "reasons": _summed(rows["reasons"], weeks[0], ("channel", "offence")),
        "about": _summed(rows["about"], weeks[0], ("question", "band")),
        "patterns": rows["patterns"],
        # How many responses each week held, and nothing else of the week: a later
        # revision counts late responses week by week (late_responses).
        "weeks": dict(sorted(by_week.items())),
    }


def _check_not_purged(db: Database, period_type: str, period: str) -> None:
    """Refuse a period a purge has cut into: what is left of it is fewer responses
    than were published, and the difference would be the purged respondents."""
    purged = storage.purged_before(db)
    if purged is not None and period_weeks(period, period_type)[0] < purged:
        raise Refused(
            f"{period} ({period_type}) began before the latest purge (week "
            f"{purged}): it is never released or revised from what is left of it."
        )


def _check(period_type: str, period: str, today: date) -> None:
    if period_type not in PERIOD_TYPES:
        raise Refused(f"period type must be one of {', '.join(PERIOD_TYPES)}")
    try:
        complete = periods.complete(period, period_type, today)
        well_formed = periods.label(periods.first_day(period, period_type), period_type)
    except (ValueError, IndexError) as error:
        raise Refused(f"{period!r} is not a {period_type}") from error
    if well_formed != period:
        raise Refused(f"{period!r} is not a {period_type} such as {well_formed}")
    if not complete:
        raise Refused(f"{period} ({period_type}) is not over yet: no release is made.")


def _store(
    db: Database,
    period_type: str,
    period: str,
    today: date,
    revision: int,
    threshold: int,
) -> tuple[dict, bool]:
    """Read the period's counts and store them as a revision, in one transaction.

    Returns the revision, and whether this call made it (False: it existed).
    """
    weeks = period_weeks(period, period_type)
    # Read and write under one write lock: two processes making the same release
    # (two workers' first requests, or cron beside one) cannot both store it, and
    # what is frozen is what the database held at that moment.
    db.execute("BEGIN IMMEDIATE")
    try:
        existing = get_release(db, period_type, period, revision)
        if existing is not None:
            db.conn.rollback()
            return existing, False
        before = None
        if revision > 1:
            before = get_release(db, period_type, period, revision - 1)
        rows = _frozen_rows(db, weeks)
        db.execute(
            "INSERT INTO releases (period_type, period, revision, first_week, "
            "made_week, rows, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                period_type,
                period,
                revision,
                weeks[0],
                periods.week_of(today),
                json.dumps(rows, sort_keys=True, separators=(",", ":")),
                _note(before["rows"], rows, threshold) if before else "",
            ],
        )
        # Checked where it is made: the populations it publishes, against every
        # other published one (survey/ledger.py).
        ledger.make_ledger(
            db, period_type, period, revision, weeks, rows, threshold, today
        )
        db.conn.commit()
    except sqlite3.IntegrityError:
        # Another process stored it between our check and our insert (the unique
        # constraint is the last word): theirs is the release.
        db.conn.rollback()
        return _stored(db, period_type, period, revision), False
    except BaseException:
        db.conn.rollback()
        raise
    return _stored(db, period_type, period, revision), True


def _stored(db: Database, period_type: str, period: str, revision: int) -> dict:
    """A release known to be stored (made just now, here or by another process)."""
    release = get_release(db, period_type, period, revision)
    assert release is not None
    return release


def _note(before: dict, after: dict, threshold: int) -> str:
    """What a revision changed: responses, and each measure's base, as published."""
    ptable = perturbation.ptable_for(threshold)

    def total(rows: dict, name: str) -> dict:
        return {
            part: sum(row[part] for row in rows["measures"])
            for part in (name, f"{name}.key")
        }

    def change(label: str, name: str) -> str:
        # As counts are published: perturbed, and below the threshold not at all.
        shown = [
            shown_count(
                perturbation.perturbed(total(rows, name), name, ptable), threshold
            )
            for rows in (before, after)
        ]
        words = [f"fewer than {threshold}" if n is None else str(n) for n in shown]
        return f"{label} {words[0]} → {words[1]}"

    changes = [change("responses", "responses")]
    changes += [change(f"{m.name} base", f"{m.name}.n") for m in questionnaire.MEASURES]
    return "Revised for late responses: " + "; ".join(changes) + "."


def channel_totals(
    db: Database, channel: str, period_type: str, threshold: int
) -> list[tuple]:
    """Each released period's responses through one channel, with their key sum.

    A period whose ledger withholds the channel's population counts none of it, and
    says so ("withheld") when it had k or more: nothing of it is shown.

    From the channel's first released period with a response on, empty periods
    too: a period shown as "fewer than k" may hold none or a few.
    """
    found: list[tuple] = []
    chosen = list_releases(db, period_type)
    published = ledger.published_keys(
        db, period_type, [(r["period"], r["revision"]) for r in chosen]
    )
    population = populations.view(channel).key
    for release in chosen:
        total = {"responses": 0, "responses.key": 0}
        for row in release["rows"]["measures"]:
            if row["channel"] == channel:
                total["responses"] += row["responses"]
                total["responses.key"] += row["responses.key"]
        if found or total["responses"]:
            # The channel's population as its ledger has it: withheld, not a count.
            if population not in published.get(release["period"], ()):
                total["withheld"] = total["responses"] >= threshold
                total["responses"] = 0
            found.append((release["period"], total))
    return found
