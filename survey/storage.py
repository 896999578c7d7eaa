"""The survey's SQLite database: connections, and responses as kept.

The schema is in survey.schema, links and channels in survey.link_store, what staff
pages count in survey.counts, staff accounts in survey.accounts; every query's rows
come back as dicts through get_row and list_rows, here.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from sqlite_utils import Database

from analysis import periods
from analysis.perturbation import KEY_RANGE
from survey import clock, languages, questionnaire
from survey.files import STAFF_SCHEMA, staff_path
from survey.redaction import redact
from survey.schema import migrations

BUSY_TIMEOUT_MS = 5000
# Responses as CSV, in and out: an import may carry free text, an export never does.
# An import may leave the language out: its rows are English (transfer.py).
CSV_COLUMNS = [
    "period",
    "channel",
    "version",
    questionnaire.LANGUAGE_COLUMN,
    *questionnaire.storage_columns(),
]
EXPORT_COLUMNS = [c for c in CSV_COLUMNS if c not in questionnaire.FREE_TEXT_CODES]


def connect(path: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Database:
    """Open the responses file, with the staff file attached, and their pragmas.

    survey/files.py says why there are two files. Unqualified table names resolve to
    whichever file holds the table, so no query needs to say which.
    """
    conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000)
    try:
        # No triggers and no sqlite-utils plugins: skip their set-up on every request.
        db = Database(conn, recursive_triggers=False, execute_plugins=False)
        db.execute(f"ATTACH DATABASE ? AS {STAFF_SCHEMA}", [staff_path(path)])
        # Can fail as well as any write: it creates the -wal and -shm files SQLite
        # removed when the last connection closed (a full disk, a read-only folder).
        for schema in ("main", STAFF_SCHEMA):
            db.execute(f"PRAGMA {schema}.journal_mode=WAL")
            db.execute(f"PRAGMA {schema}.synchronous=FULL")
        db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    except sqlite3.Error:
        # The caller never gets this connection, so it is closed here.
        conn.close()
        raise
    return db


def empty_responses_log(db: Database) -> bool:
    """Copy the responses file's write-ahead log into it and empty the log, if free.

    The log keeps pages in the order their transactions committed: left alone, it
    would say which response came before which until SQLite next reset it. Emptied
    after every stored response, it holds at most the responses stored while a
    reader was busy with the file, and only until the next one finds it free
    (docs/privacy.md §2). It never waits: a reader mid-report makes it return False
    at once, and the response is stored whatever it returns.
    """
    [timeout] = db.execute("PRAGMA busy_timeout").fetchone()
    db.execute("PRAGMA busy_timeout=0")
    try:
        busy, _, _ = db.execute("PRAGMA main.wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        db.execute(f"PRAGMA busy_timeout={int(timeout)}")
    return not busy


def get_row(db: Database, sql: str, params: Sequence = ()) -> dict | None:
    """The first row a query returns, keyed by column name, or None."""
    cursor = db.execute(sql, params)
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([column[0] for column in cursor.description], row, strict=True))


@contextmanager
def immediate(db: Database) -> Iterator[None]:
    """A transaction that takes the write lock at once: what it reads, then writes,
    no other process changes in between. Committed at the end, rolled back on error.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


def list_rows(db: Database, sql: str, params: Sequence = ()) -> list[dict]:
    """Every row a query returns, each keyed by column name."""
    cursor = db.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def migrate(db: Database, today: date | None = None) -> None:
    """Create or upgrade the schema (survey.schema); safe to run again."""
    migrations.apply(db)
    # sqlite-utils records the second each migration ran. Nothing in the file may be
    # finer than the ISO week, so keep only the week.
    week = periods.week_of(today or clock.today())
    db.execute(
        f"UPDATE {migrations.migrations_table} SET applied_at = ? "
        "WHERE applied_at NOT GLOB '[0-9][0-9][0-9][0-9]-W[0-9][0-9]'",
        [week],
    )
    db.conn.commit()
    # The seconds sqlite-utils wrote are in the log until it is emptied.
    empty_responses_log(db)


# Responses ---------------------------------------------------------------------------


def new_response_id() -> str:
    """A random 128-bit id, so ids say nothing about order or time."""
    return secrets.token_hex(16)


def new_record_key() -> int:
    """A random record key for a response, 0 to 255, for cell key perturbation."""
    return secrets.randbelow(KEY_RANGE)


def response_row(
    answers: questionnaire.Answers,
    *,
    period: str,
    channel: str,
    submission_id: str,
    response_id: str | None = None,
    record_key: int | None = None,
    language: str = languages.DEFAULT,
) -> dict:
    """A response as stored: free text redacted, multi-selects as 0/1 columns.

    `language` is the code of the language it was given in (survey/languages.py);
    any other raises ValueError rather than store a language no count knows.
    """
    if not languages.is_language(language):
        raise ValueError(f"{language!r} is not a language code")
    row = questionnaire.to_row(answers)
    for code in questionnaire.FREE_TEXT_CODES:
        if row.get(code):
            row[code] = redact(row[code])
    row["confidence_index"] = questionnaire.confidence_index(answers)
    return {
        "id": response_id or new_response_id(),
        "submission_id": submission_id,
        "period": period,
        "channel": channel,
        "version": questionnaire.VERSION,
        "language": language,
        **row,
        "record_key": new_record_key() if record_key is None else record_key,
    }


ROW_COLUMNS = ["id", "submission_id", "period", "channel", "version", "language"]
ROW_COLUMNS += [*questionnaire.storage_columns(), "confidence_index", "record_key"]
INSERT_RESPONSE = "INSERT INTO responses ({}) VALUES ({})".format(
    ", ".join(f'"{name}"' for name in ROW_COLUMNS), ", ".join("?" * len(ROW_COLUMNS))
)


def row_values(row: dict) -> list[object]:
    """A stored row's values in ROW_COLUMNS order, as add_row_values takes them."""
    return [row.get(name) for name in ROW_COLUMNS]


def add_response(
    db: Database,
    answers: questionnaire.Answers,
    *,
    period: str,
    channel: str,
    submission_id: str,
    language: str = languages.DEFAULT,
) -> bool:
    """Store one response; False if this submission id was stored already (a retry).

    `language` as response_row takes it: a code of survey/languages.py.
    """
    row = response_row(
        answers,
        period=period,
        channel=channel,
        submission_id=submission_id,
        language=language,
    )
    try:
        with db.atomic():
            db.execute(INSERT_RESPONSE, row_values(row))
    except sqlite3.IntegrityError:
        if get_submission(db, submission_id):
            return False
        raise
    try:
        empty_responses_log(db)
    except sqlite3.Error as error:  # stored all the same: the next one empties it
        logging.getLogger(__name__).warning("could not empty the log: %s", error)
    return True


def add_rows(db: Database, rows: Iterable[dict]) -> int:
    """Store prepared response rows in one transaction: all of them or none."""
    return add_row_values(db, [row_values(row) for row in rows])


def add_row_values(db: Database, values: list[list[object]]) -> int:
    """Store rows given as row_values lists in one transaction (the bulk-load path)."""
    with db.atomic():
        db.conn.executemany(INSERT_RESPONSE, values)
    return len(values)


def get_submission(db: Database, submission_id: str) -> dict | None:
    """The period and channel of the response with this submission id, or None."""
    return get_row(
        db,
        "SELECT period, channel FROM responses WHERE submission_id = ?",
        [submission_id],
    )


def count_responses(db: Database) -> int:
    """How many responses are stored."""
    return db.execute("SELECT count(*) FROM responses").fetchone()[0]


def iter_export_rows(db: Database) -> Iterator[dict]:
    """Every response as a CSV row without free text, by period and channel."""
    quoted = ", ".join(f'"{column}"' for column in EXPORT_COLUMNS)
    cursor = db.execute(f"SELECT {quoted} FROM responses ORDER BY period, channel, id")
    # Row by row, not list_rows: a whole export need not fit in memory at once.
    for values in cursor:
        yield dict(zip(EXPORT_COLUMNS, values, strict=True))


def purge_responses(db: Database, before_period: str) -> int:
    """Delete responses from weeks before `before_period`, note that week (the latest
    purge's, never moved back), then compact the file."""
    with db.atomic():
        deleted = db.execute(
            "DELETE FROM responses WHERE period < ?", [before_period]
        ).rowcount
        db.execute(
            "INSERT INTO purges (one, before_week) VALUES (1, ?) ON CONFLICT (one) "
            "DO UPDATE SET before_week = max(before_week, excluded.before_week)",
            [before_period],
        )
    # VACUUM rewrites each file without the deleted rows' pages, so nothing of them
    # lingers in free pages: the responses, and the staff file's releases and comment
    # batches that the caller deleted before.
    db.execute("VACUUM main")
    db.execute(f"VACUUM {STAFF_SCHEMA}")
    return deleted


def purged_before(db: Database) -> str | None:
    """The week before which every response has been purged, or None."""
    row = db.execute("SELECT before_week FROM purges").fetchone()
    return None if row is None else row[0]


def backup(db: Database, path: str) -> str:
    """Copy both files to `path` and the staff file beside it; their integrity check.

    SQLite's online backup, one file at a time; "ok" only if both copies pass.
    """
    results = []
    for schema, target_path in (("main", path), (STAFF_SCHEMA, staff_path(path))):
        target = sqlite3.connect(target_path)
        try:
            db.conn.backup(target, name=schema)
            results.append(target.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            target.close()
    return "ok" if results == ["ok", "ok"] else "; ".join(results)
