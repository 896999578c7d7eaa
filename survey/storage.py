"""Every read and write of the survey's SQLite database; its schema as migrations."""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlite_utils import Database, Migrations

from survey import questionnaire
from survey.privacy import iso_week, redact

BUSY_TIMEOUT_MS = 5000
# Link codes are typed from paper and scanned from QR cards: lower case only, and none
# of 0 o 1 i l, which are easily mistaken for each other.
LINK_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
LINK_CODE_LENGTH = 8

migrations = Migrations("survey")


def connect(path: str) -> Database:
    """Open the database with the pragmas every connection must have."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    # No triggers and no sqlite-utils plugins here: skip their set-up on every request.
    db = Database(conn, recursive_triggers=False, execute_plugins=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return db


def migrate(db: Database, today: date | None = None) -> None:
    """Create or upgrade the schema; safe to run again."""
    migrations.apply(db)
    # sqlite-utils records the second each migration ran. Nothing in the file may be
    # finer than the ISO week, so keep only the week.
    week = iso_week(today or date.today())
    db.execute(
        f"UPDATE {migrations.migrations_table} SET applied_at = ? "
        "WHERE applied_at NOT GLOB '[0-9][0-9][0-9][0-9]-W[0-9][0-9]'",
        [week],
    )
    db.conn.commit()


def _answer_columns_sql(version: int) -> list[str]:
    columns = []
    for question in questionnaire.QUESTIONS:
        if question.version != version:
            continue
        if question.kind == "multi":
            for value in question.values:
                name = f'"{question.code}.{value}"'
                columns.append(f"{name} INTEGER CHECK ({name} IN (0, 1))")
        else:
            columns.append(f'"{question.code}" TEXT')
    return columns


def _in(column: str, values) -> str:
    listed = ", ".join(f"'{value}'" for value in sorted(values))
    return f'"{column}" IN ({listed})'


@migrations()
def m001_responses_and_links(db: Database) -> None:
    """Responses keyed by random ids in a WITHOUT ROWID table; distribution links."""
    # WITHOUT ROWID with a random key: rows are kept and read in key order, so nothing
    # in the file or in a SELECT reveals the order responses arrived in. sqlite-utils
    # cannot create such tables, hence the hand-written DDL.
    columns = ",\n  ".join(
        [
            "id TEXT PRIMARY KEY",
            "submission_id TEXT NOT NULL UNIQUE",
            "period TEXT NOT NULL",  # ISO week: the finest time kept, nothing finer
            "channel TEXT NOT NULL",
            "version INTEGER NOT NULL",
            *_answer_columns_sql(1),
            # The respondent's confidence index, worked out from B1–B6 once, when the
            # row is stored (response_row), instead of in every report. It adds
            # nothing that is not in the answers and is not part of the CSV layout.
            # A plain column, not a generated one: SQLite reads a generated column
            # from the table even when an index holds it, so the report's covering
            # index would no longer cover.
            "confidence_index REAL",
        ]
    )
    db.execute(f"CREATE TABLE responses (\n  {columns}\n) WITHOUT ROWID")
    db.execute("CREATE INDEX responses_period_channel ON responses (period, channel)")
    db.execute(
        """CREATE TABLE links (
          code TEXT PRIMARY KEY,
          label TEXT NOT NULL,
          channel TEXT NOT NULL,
          is_open INTEGER NOT NULL DEFAULT 1 CHECK (is_open IN (0, 1)),
          created TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX links_channel ON links (channel)")


@migrations()
def m002_indexes_for_the_report(db: Database) -> None:
    """What the report's GROUP BY reads, in group order, so it needs no sort."""
    # A covering index ordered by week, channel and offence: the report's GROUP BY
    # walks it in order. Like the table, it says nothing of arrival order: rows with
    # the same values are ordered by their random id.
    measured = list(dict.fromkeys(m.column for m in questionnaire.MEASURES))
    columns = ["period", "channel", "A1_offence", *measured, "confidence_index"]
    db.execute(
        "CREATE INDEX responses_counts ON responses ("
        + ", ".join(f'"{c}"' for c in columns)
        + ")"
    )
    items = ", ".join(f'"{c}"' for c in questionnaire.INDEX_ITEMS)
    db.execute(f"CREATE INDEX responses_items ON responses ({items})")
    db.execute("DROP INDEX responses_period_channel")


@migrations()
def m003_staff(db: Database) -> None:
    """Staff accounts, organisations, server-side sessions and the audit log."""
    db.execute(
        """CREATE TABLE organisations (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE
        )"""
    )
    # Failed logins are counted here, not in a process's memory, so every worker
    # sees the same count and a lock-out holds across them.
    db.execute(
        """CREATE TABLE staff (
          id INTEGER PRIMARY KEY,
          email TEXT NOT NULL UNIQUE COLLATE NOCASE,
          password_hash TEXT NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'partner')),
          organisation_id INTEGER REFERENCES organisations (id),
          disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
          failed_logins INTEGER NOT NULL DEFAULT 0,
          locked_until REAL NOT NULL DEFAULT 0,
          CHECK ((role = 'partner') = (organisation_id IS NOT NULL))
        )"""
    )
    # Only a hash of each session id is kept: a copy of the database gives no one a
    # session to replay. Times here are staff times, never a respondent's.
    db.execute(
        """CREATE TABLE sessions (
          id_hash TEXT PRIMARY KEY,
          staff_id INTEGER REFERENCES staff (id) ON DELETE CASCADE,
          data TEXT NOT NULL DEFAULT '{}',
          created REAL NOT NULL,
          last_seen REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE audit (
          id INTEGER PRIMARY KEY,
          at TEXT NOT NULL,
          staff_email TEXT,
          action TEXT NOT NULL,
          detail TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute(
        "ALTER TABLE links ADD COLUMN organisation_id INTEGER "
        "REFERENCES organisations (id)"
    )
    db.execute("ALTER TABLE links ADD COLUMN expires TEXT")


@migrations()
def m004_indexes_for_the_dashboard(db: Database) -> None:
    """What the About-you breakdowns and the comments pages read, without a scan."""
    measured = list(dict.fromkeys(m.column for m in questionnaire.MEASURES))
    about = [code for code, _ in questionnaire.ABOUT_YOU]
    columns = ", ".join(f'"{c}"' for c in ["period", *about, *measured])
    db.execute(f"CREATE INDEX responses_about ON responses ({columns})")
    # Partial indexes hold only the responses that have the text: a few in a hundred.
    for code in questionnaire.FREE_TEXT_CODES:
        db.execute(
            f'CREATE INDEX "responses_text_{code}" ON responses (period, "{code}") '
            f'WHERE "{code}" IS NOT NULL'
        )


# Responses ---------------------------------------------------------------------------


def new_response_id() -> str:
    """A random 128-bit id, so ids say nothing about order or time."""
    return secrets.token_hex(16)


def response_row(
    answers: questionnaire.Answers,
    *,
    period: str,
    channel: str,
    submission_id: str,
    response_id: str | None = None,
) -> dict:
    """A response as stored: free text redacted, multi-selects as 0/1 columns."""
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
        **row,
    }


ROW_COLUMNS = ["id", "submission_id", "period", "channel", "version"]
ROW_COLUMNS += [*questionnaire.storage_columns(), "confidence_index"]
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
) -> bool:
    """Store one response; False if this submission id was stored already (a retry)."""
    row = response_row(
        answers, period=period, channel=channel, submission_id=submission_id
    )
    try:
        with db.atomic():
            db.execute(INSERT_RESPONSE, row_values(row))
    except sqlite3.IntegrityError:
        if get_submission(db, submission_id):
            return False
        raise
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
    found = db.execute(
        "SELECT period, channel FROM responses WHERE submission_id = ?", [submission_id]
    ).fetchone()
    return {"period": found[0], "channel": found[1]} if found else None


def count_responses(db: Database) -> int:
    """How many responses are stored."""
    return db.execute("SELECT count(*) FROM responses").fetchone()[0]


def iter_export_rows(db: Database) -> Iterator[dict]:
    """Every response as a CSV row without free text, by period and channel."""
    columns = ["period", "channel", "version"] + [
        column
        for column in questionnaire.storage_columns()
        if column not in questionnaire.FREE_TEXT_CODES
    ]
    quoted = ", ".join(f'"{column}"' for column in columns)
    cursor = db.execute(f"SELECT {quoted} FROM responses ORDER BY period, channel, id")
    for values in cursor:
        yield dict(zip(columns, values, strict=True))


def _measure_sums() -> list[str]:
    """The number of responses, and each measure's successes (.x) and base (.n)."""
    sums = ["count(*) AS responses"]
    for m in questionnaire.MEASURES:
        sums.append(f'sum({_in(m.column, m.success)}) AS "{m.name}.x"')
        sums.append(f'sum({_in(m.column, m.base)}) AS "{m.name}.n"')
    return sums


def _counts_sql() -> str:
    """Counts for every measure per week, channel and offence type.

    It reads only the covering index responses_counts, in its order: no sort, no
    lookups into the table (see docs/performance.md).
    """
    columns = ["period", "channel", "coalesce(A1_offence, '') AS offence"]
    columns += _measure_sums()
    columns += [
        f'sum("B1_confidence" = \'{v}\') AS "B1_confidence.{v}"' for v in "12345"
    ]
    columns.append('count(confidence_index) AS "confidence_index.n"')
    columns.append('sum(confidence_index) AS "confidence_index.sum"')
    columns.append(
        'sum(confidence_index * confidence_index) AS "confidence_index.sumsq"'
    )
    return (
        f"SELECT {', '.join(columns)} FROM responses INDEXED BY responses_counts "
        "GROUP BY period, channel, A1_offence"
    )


def _reasons_sql() -> str:
    """Decline reasons and what would have helped, per week, channel and offence type.

    Only people who declined gave them, about a tenth of the responses: the query
    reads just those rows.
    """
    q = questionnaire
    reasons = [f'"D3_reasons.{r}"' for r, _ in q.REASONS]
    helps = [(h, f'"D6_would_help.{h}"') for h, _ in q.HELPS if h != "pns"]
    gave_reason = f"({' + '.join(reasons)}) >= 1"
    said_help = (
        f'("D6_would_help.pns" = 0 AND ({" + ".join(c for _, c in helps)}) >= 1)'
    )
    columns = ["period", "channel", "coalesce(A1_offence, '') AS offence"]
    # A ticked reason means a reason was given, and "prefer not to say" cannot be
    # ticked with anything else: the option columns need no condition of their own.
    columns.append(f'sum({gave_reason}) AS "reasons.n"')
    columns += [
        f'sum({column}) AS "reason.{r}"'
        for column, (r, _) in zip(reasons, q.REASONS, strict=True)
    ]
    columns.append(f'sum({said_help}) AS "helps.n"')
    columns += [f'sum({column}) AS "help.{h}"' for h, column in helps]
    # The unary + keeps SQLite off the index here: it would look every decliner up in
    # the table at random; a plain scan and a sort of those rows is quicker.
    return (
        f"SELECT {', '.join(columns)} FROM responses "
        "WHERE +D2_answered IN ('some', 'none') GROUP BY +period, channel, A1_offence"
    )


def _patterns_sql() -> str:
    """How many complete B1–B6 rows have each pattern of scores (for Cronbach's α)."""
    items = [f'"{c}"' for c in questionnaire.INDEX_ITEMS]
    complete = " AND ".join(
        _in(c, questionnaire.LIKERT_VALUES) for c in questionnaire.INDEX_ITEMS
    )
    return (
        f"SELECT {', '.join(items)}, count(*) "
        "FROM responses INDEXED BY responses_items "
        f"WHERE {complete} GROUP BY {', '.join(items)}"
    )


def _about_you_sql() -> str:
    """Counts for every measure per week and band of each About-you question.

    One pass over the covering index responses_about, grouped by every question at
    once, is shared by the per-question sums below (a materialised CTE, read once).
    """
    about = [code for code, _ in questionnaire.ABOUT_YOU]
    sums = _measure_sums()
    names = [total.rsplit(" AS ", 1)[1] for total in sums]
    grouped = ", ".join(f'"{c}"' for c in about)
    parts = [
        f"SELECT period, '{code}' AS question, coalesce(\"{code}\", '') AS band, "
        + ", ".join(f"sum({name}) AS {name}" for name in names)
        + f' FROM grouped GROUP BY period, "{code}"'
        for code in about
    ]
    return (
        f"WITH grouped AS MATERIALIZED (SELECT period, {grouped}, {', '.join(sums)} "
        "FROM responses INDEXED BY responses_about WHERE period >= ? "
        f"GROUP BY period, {grouped}) " + " UNION ALL ".join(parts)
    )


COUNTS_SQL = _counts_sql()
ABOUT_YOU_SQL = _about_you_sql()
REASONS_SQL = _reasons_sql()
PATTERNS_SQL = _patterns_sql()


def _dicts(db: Database, sql: str, params: Sequence = ()) -> list[dict]:
    cursor = db.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [
        {
            name: 0 if value is None else value
            for name, value in zip(names, row, strict=True)
        }
        for row in cursor
    ]


def count_measures(db: Database) -> list[dict]:
    """Counts for every measure by ISO week, channel and offence type (GROUP BY)."""
    return _dicts(db, COUNTS_SQL)


def count_about_you(db: Database, since_week: str) -> list[dict]:
    """Counts for every measure by ISO week and About-you band, from a week on."""
    return _dicts(db, ABOUT_YOU_SQL, [since_week])


def count_free_text(db: Database, code: str) -> list[tuple[str, int]]:
    """How many answers one free-text question has, week by week."""
    _check_free_text(code)
    return db.execute(
        f'SELECT period, count(*) FROM responses INDEXED BY "responses_text_{code}" '
        f'WHERE "{code}" IS NOT NULL GROUP BY period ORDER BY period'
    ).fetchall()


def list_free_text(
    db: Database, code: str, weeks: tuple[str, str], limit: int, offset: int = 0
) -> list[str]:
    """One free-text question's answers from a span of weeks, alphabetically, alone."""
    _check_free_text(code)
    return [row[0] for row in db.execute(free_text_sql(code), [*weeks, limit, offset])]


def free_text_sql(code: str) -> str:
    """The query for a page of one free-text question's answers from a span of weeks."""
    # Sorted by the text itself: nothing in the order says when an answer came.
    return (
        f'SELECT "{code}" FROM responses INDEXED BY "responses_text_{code}" '
        f'WHERE "{code}" IS NOT NULL AND period BETWEEN ? AND ? '
        f'ORDER BY "{code}" LIMIT ? OFFSET ?'
    )


def _check_free_text(code: str) -> None:
    if code not in questionnaire.FREE_TEXT_CODES:
        raise ValueError(f"{code} is not a free-text question")


def count_reasons(db: Database) -> list[dict]:
    """Decline reasons and what would have helped, by week, channel and offence type."""
    return _dicts(db, REASONS_SQL)


def read_report_counts(path: str, since_week: str) -> dict:
    """Everything the report reads, its GROUP BY queries run side by side.

    Each query gets its own connection in a thread of its own: SQLite lets other
    threads run while a query works. No more threads than cores, the longest query
    first: on two cores the others run one after another beside it, and the whole
    takes about as long as the longest.
    """

    def run(query):
        db = connect(path)
        try:
            return query(db)
        finally:
            db.close()

    queries = {
        "measures": count_measures,
        "reasons": count_reasons,
        "patterns": count_score_patterns,
        "about": lambda db: count_about_you(db, since_week),
    }
    workers = min(len(queries), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = dict(zip(queries, pool.map(run, queries.values()), strict=True))
    return results


def count_score_patterns(db: Database) -> list[tuple[list[int], int]]:
    """Each pattern of B1–B6 scores among complete rows, with how many have it."""
    return [
        ([int(score) for score in row[:-1]], row[-1])
        for row in db.execute(PATTERNS_SQL)
    ]


def purge_responses(db: Database, before_period: str) -> int:
    """Delete responses from weeks before `before_period`, then compact the file."""
    with db.atomic():
        deleted = db.execute(
            "DELETE FROM responses WHERE period < ?", [before_period]
        ).rowcount
    # VACUUM rewrites the file without the deleted rows' pages, so nothing of them
    # lingers in free pages.
    db.vacuum()
    return deleted


def backup(db: Database, path: str) -> str:
    """Copy the database to `path` with SQLite's online backup; its integrity check."""
    target = sqlite3.connect(path)
    try:
        db.conn.backup(target)
        return target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()


# Links -------------------------------------------------------------------------------


def new_link_code() -> str:
    """A short random code for a link, easy to type from a printed card."""
    return "".join(secrets.choice(LINK_ALPHABET) for _ in range(LINK_CODE_LENGTH))


def add_link(
    db: Database,
    *,
    label: str,
    channel: str,
    today: date,
    organisation_id: int | None = None,
    expires: date | None = None,
) -> dict:
    """Create an open link for a channel and return it."""
    link = {
        "code": new_link_code(),
        "label": label,
        "channel": channel,
        "is_open": 1,
        "created": today.isoformat(),
        "organisation_id": organisation_id,
        "expires": expires.isoformat() if expires else None,
    }
    db["links"].insert(link)
    return link


def get_link(db: Database, code: str) -> dict | None:
    """The link with this code, with its organisation's name, or None."""
    # Plain SQL: every survey request looks its link up, and rows_where would first
    # read the schema three times.
    cursor = db.execute(
        "SELECT links.*, organisations.name AS organisation FROM links "
        "LEFT JOIN organisations ON organisations.id = links.organisation_id "
        "WHERE code = ?",
        [code.lower()],
    )
    found = cursor.fetchone()
    if found is None:
        return None
    return dict(zip([column[0] for column in cursor.description], found, strict=True))


def get_open_link(db: Database, code: str, today: date) -> dict | None:
    """The link if open and not expired, else None: unknown, closed, expired alike."""
    link = get_link(db, code)
    if link is None or not link["is_open"]:
        return None
    if link["expires"] and link["expires"] < today.isoformat():
        return None
    return link


def set_link_open(db: Database, code: str, is_open: bool) -> None:
    """Open or close a link."""
    with db.atomic():
        db.execute("UPDATE links SET is_open = ? WHERE code = ?", [int(is_open), code])


def list_links(db: Database, organisation_id: int | None = None) -> list[dict]:
    """Every link (or one organisation's), by label."""
    where, params = (
        ("WHERE links.organisation_id = ?", [organisation_id])
        if (organisation_id is not None)
        else ("", [])
    )
    cursor = db.execute(
        "SELECT links.*, organisations.name AS organisation FROM links "
        "LEFT JOIN organisations ON organisations.id = links.organisation_id "
        f"{where} ORDER BY label, code",
        params,
    )
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def count_channel_weeks(db: Database, channel: str) -> list[tuple[str, int]]:
    """How many responses came through a channel, week by week."""
    return list(
        db.execute(
            "SELECT period, count(*) FROM responses INDEXED BY responses_counts "
            "WHERE period >= '' AND channel = ? GROUP BY period ORDER BY period",
            [channel],
        )
    )


def list_channels(db: Database) -> set[str]:
    """Every channel that has a link."""
    return {row[0] for row in db.execute("SELECT DISTINCT channel FROM links")}
