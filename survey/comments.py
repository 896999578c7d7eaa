"""Comment batches: free-text answers in batches of at least k, fixed once and kept.

A batch is cut when the quarters it pools are released (survey.releases calls
fix_batches) and stored with its texts; the dashboard shows the stored batches and
never cuts them again. Cutting them again on every request let one late paper comment,
or a purge, move the batches, and comparing them before and after isolated fewer than
k comments (docs/disclosure.md, attack 13 and "Comment batches").
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

from sqlite_utils import Database

from analysis import disclosure, periods
from survey import counts, questionnaire
from survey.storage import list_rows

# Batches pool whole financial quarters, whatever period the rest of the dashboard
# shows: batches cut by several period types could be compared to pin an answer to a
# shorter time than any batch shows.
PERIOD = "quarter"


def fix_batches(db: Database, today: date, threshold: int) -> list[dict]:
    """Fix every batch that the released quarters now fill, for every question.

    For each free-text question, the released quarters after its last batch are pooled
    oldest first with their answers as stored now, as disclosure.release_in_batches
    pools them: a batch closes once it holds `threshold` answers, and the quarters
    after the last one closed wait for later quarters. Returns the batches this call
    made, without their texts.

    Called right after quarters are released (releases.make_release and
    make_due_releases), in a transaction of its own rather than inside each
    release's: a batch depends only on which quarters are released and on the
    comments stored when it is fixed, and nothing shows a batch before it is fixed,
    so the moment between the two gives nothing away. It is safe to call again, so
    fixing that was interrupted is done by the next call. The transaction holds
    SQLite's write lock, and (question, number) and (question, first quarter) are
    unique: two processes releasing at once fix each batch once.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        made = []
        for code in questionnaire.FREE_TEXT_CODES:
            made += _fix_question(db, code, today, threshold)
        db.conn.commit()
    except sqlite3.IntegrityError:
        # Another process fixed them between our read and our insert: theirs stand.
        db.conn.rollback()
        return []
    except BaseException:
        db.conn.rollback()
        raise
    return made


def _fix_question(db: Database, code: str, today: date, threshold: int) -> list[dict]:
    """Store the batches one question's waiting quarters fill, and move its end."""
    end = db.execute(
        "SELECT last_number, last_quarter FROM comment_batch_ends WHERE question = ?",
        [code],
    ).fetchone()
    number, after = end or (0, None)
    quarters = _waiting_quarters(db, after, today)
    if not quarters:
        return []
    answers = dict.fromkeys(quarters, 0)
    for week, count in counts.count_free_text(db, code):
        quarter = periods.period_of_week(week, PERIOD)
        if quarter in answers:
            answers[quarter] += count
    made = []
    first = quarters[0]
    for batch in disclosure.release_in_batches(list(answers.items()), threshold):
        # A batch covers every quarter from the end of the one before, empty ones
        # too: each quarter up to the newest batch's end is in exactly one batch.
        number += 1
        made.append(_store(db, code, number, first, batch["last"], today))
        first = periods.shift(batch["last"], PERIOD, 1)
    if made:
        db.execute(
            "INSERT INTO comment_batch_ends (question, last_number, last_quarter) "
            "VALUES (?, ?, ?) ON CONFLICT (question) DO UPDATE SET "
            "last_number = excluded.last_number, last_quarter = excluded.last_quarter",
            [code, number, made[-1]["last"]],
        )
    return made


def _waiting_quarters(db: Database, after: str | None, today: date) -> list[str]:
    """The released quarters after `after`, in order, up to the first not released.

    With no batch yet, from the quarter of the earliest week with responses, where
    releases start (releases.make_due_releases). A quarter not released yet stops
    the run, so none is passed over and left out of every batch.
    """
    if after is None:
        earliest = db.execute("SELECT min(period) FROM responses").fetchone()[0]
        if earliest is None:
            return []
        quarter = periods.period_of_week(earliest, PERIOD)
    else:
        quarter = periods.shift(after, PERIOD, 1)
    released = {
        row[0]
        for row in db.execute(
            "SELECT DISTINCT period FROM releases WHERE period_type = ?", [PERIOD]
        )
    }
    quarters = []
    while quarter in released and periods.complete(quarter, PERIOD, today):
        quarters.append(quarter)
        quarter = periods.shift(quarter, PERIOD, 1)
    return quarters


def _store(
    db: Database, code: str, number: int, first: str, last: str, today: date
) -> dict:
    """Store one batch with its texts, alphabetically; the batch without them."""
    weeks = (periods.first_week(first, PERIOD), _last_week(last))
    # Sorted by the text itself: nothing in the order says when an answer came.
    texts = sorted(counts.list_free_text(db, code, weeks))
    db.execute(
        "INSERT INTO comment_batches (question, number, first_quarter, last_quarter, "
        "first_week, last_week, count, comments, made_week) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            code,
            number,
            first,
            last,
            *weeks,
            len(texts),
            json.dumps(texts, ensure_ascii=False),
            periods.week_of(today),
        ],
    )
    return {
        "question": code,
        "number": number,
        "first": first,
        "last": last,
        "count": len(texts),
    }


def _last_week(quarter: str) -> str:
    """The last ISO week that belongs to a quarter: the one before the next's first."""
    following = periods.first_week(periods.shift(quarter, PERIOD, 1), PERIOD)
    return periods.week_of(periods.week_thursday(following) - timedelta(days=7))


def list_batches(db: Database, code: str) -> list[dict]:
    """One question's fixed batches in order, without their texts."""
    return list_rows(
        db,
        "SELECT number, first_quarter AS first, last_quarter AS last, count "
        "FROM comment_batches WHERE question = ? ORDER BY number",
        [code],
    )


def read_comments(
    db: Database, code: str, number: int, limit: int, offset: int = 0
) -> list[str]:
    """A page of one batch's texts, in the order stored (alphabetical)."""
    return [
        row[0]
        for row in db.execute(
            "SELECT texts.value FROM comment_batches, json_each(comments) AS texts "
            "WHERE question = ? AND number = ? ORDER BY texts.key LIMIT ? OFFSET ?",
            [code, number, limit, offset],
        )
    ]


def delete_batches_before(db: Database, before_week: str) -> int:
    """Delete every batch whose first week is before `before_week`; how many went.

    A batch holds comment texts, so it may not outlive the responses the retention
    period deletes (docs/privacy.md §6): a batch that began before the purge's cutoff
    goes whole, whatever its later quarters hold. Every later batch keeps its number
    and its contents, and comment_batch_ends keeps how far the batches went, so the
    quarters of a deleted batch are never pooled again.
    """
    with db.atomic():
        return db.execute(
            "DELETE FROM comment_batches WHERE first_week < ?", [before_week]
        ).rowcount
