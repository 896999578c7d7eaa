"""What staff pages read about the responses: counts, never a response whole.

The report's GROUP BY queries, built from the questionnaire and run side by side; the
counts some pages show week by week; free-text answers a page at a time, alone.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from sqlite_utils import Database

from survey import questionnaire, storage


def _in(column: str, values) -> str:
    listed = ", ".join(f"'{value}'" for value in sorted(values))
    return f'"{column}" IN ({listed})'


def _counted_with_keys(name: str, condition: str | None) -> list[str]:
    """A count and, beside it, its responses' record keys summed ("<name>.key").

    A cell's key is the sum of its responses' record keys (docs/disclosure.md, cell
    key perturbation): sums per week and group add up to the sums of any period and
    any merged group, so the report can perturb every count it publishes.
    """
    if condition is None:
        return [f'count(*) AS "{name}"', f'sum(record_key) AS "{name}.key"']
    return [
        f'sum({condition}) AS "{name}"',
        f'sum(CASE WHEN {condition} THEN record_key END) AS "{name}.key"',
    ]


def _measure_sums() -> list[str]:
    """The number of responses, and each measure's successes (.x) and base (.n)."""
    sums = _counted_with_keys("responses", None)
    for m in questionnaire.MEASURES:
        sums += _counted_with_keys(f"{m.name}.x", _in(m.column, m.success))
        sums += _counted_with_keys(f"{m.name}.n", _in(m.column, m.base))
    return sums


def _counts_sql(release: bool = False) -> str:
    """Counts for every measure per week, channel and offence type, with key sums.

    It reads only the covering index responses_counts, in its order: no sort, no
    lookups into the table (see docs/performance.md). For a release, the weeks of one
    period only.
    """
    columns = ["period", "channel", "coalesce(A1_offence, '') AS offence"]
    columns += _measure_sums()
    for v in "12345":
        columns += _counted_with_keys(
            f"B1_confidence.{v}", f"\"B1_confidence\" = '{v}'"
        )
    columns += _counted_with_keys("confidence_index.n", "confidence_index IS NOT NULL")
    columns.append('sum(confidence_index) AS "confidence_index.sum"')
    columns.append(
        'sum(confidence_index * confidence_index) AS "confidence_index.sumsq"'
    )
    return (
        f"SELECT {', '.join(columns)} FROM responses INDEXED BY responses_counts "
        + (_WEEKS if release else "")
        + "GROUP BY period, channel, A1_offence"
    )


# The weeks of one period: from its first week up to the next period's first week.
_WEEKS = "WHERE period >= ? AND period < ? "


def _reasons_sql(release: bool = False) -> str:
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
    columns += _counted_with_keys("reasons.n", gave_reason)
    for column, (r, _) in zip(reasons, q.REASONS, strict=True):
        columns += _counted_with_keys(f"reason.{r}", f"{column} = 1")
    columns += _counted_with_keys("helps.n", said_help)
    for h, column in helps:
        columns += _counted_with_keys(f"help.{h}", f"{column} = 1")
    # The unary + keeps SQLite off the index here: it would look every decliner up in
    # the table at random; a plain scan and a sort of those rows is quicker.
    weeks = "AND +period >= ? AND +period < ? " if release else ""
    return (
        f"SELECT {', '.join(columns)} FROM responses "
        f"WHERE +D2_answered IN ('some', 'none') {weeks}"
        "GROUP BY +period, channel, A1_offence"
    )


def _patterns_sql(release: bool = False) -> str:
    """How many complete B1–B6 rows have each pattern of scores (for Cronbach's α).

    For a release, those of one period's weeks only.
    """
    items = [f'"{c}"' for c in questionnaire.INDEX_ITEMS]
    complete = " AND ".join(
        _in(c, questionnaire.LIKERT_VALUES) for c in questionnaire.INDEX_ITEMS
    )
    # Complete months only (period < the first week of the month under way): one
    # response more this week must not move a published α (docs/disclosure.md).
    return (
        f"SELECT {', '.join(items)}, count(*) "
        "FROM responses INDEXED BY responses_items "
        f"WHERE {complete} AND "
        + ("period >= ? AND period < ? " if release else "period < ? ")
        + f"GROUP BY {', '.join(items)}"
    )


def _about_you_sql(release: bool = False) -> str:
    """Counts for every measure per week and band of each About-you question, and
    per week and language (as a question of its own, "language").

    One pass over the covering index responses_about, grouped by every question at
    once, is shared by the per-question sums below (a materialised CTE, read once).
    """
    about = [code for code, _, _ in questionnaire.BANDED]
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
        + ("AND period < ? " if release else "")
        + f"GROUP BY period, {grouped}) "
        + " UNION ALL ".join(parts)
    )


COUNTS_SQL = _counts_sql()
ABOUT_YOU_SQL = _about_you_sql()
REASONS_SQL = _reasons_sql()
PATTERNS_SQL = _patterns_sql()
# The same queries for the weeks of one period: what a release freezes.
RELEASE_SQL = {
    "measures": _counts_sql(release=True),
    "reasons": _reasons_sql(release=True),
    "patterns": _patterns_sql(release=True),
    "about": _about_you_sql(release=True),
}


def _counted(db: Database, sql: str, params: Sequence = ()) -> list[dict]:
    # sum() is NULL for a group where no row has a value to add; the report wants 0.
    return [
        {name: 0 if value is None else value for name, value in row.items()}
        for row in storage.list_rows(db, sql, params)
    ]


def count_measures(db: Database) -> list[dict]:
    """Counts for every measure by ISO week, channel and offence type (GROUP BY)."""
    return _counted(db, COUNTS_SQL)


def count_reasons(db: Database) -> list[dict]:
    """Decline reasons and what would have helped, by week, channel and offence type."""
    return _counted(db, REASONS_SQL)


def count_score_patterns(db: Database, before_week: str) -> list[tuple[list[int], int]]:
    """Each pattern of B1–B6 scores among rows that rated all six, before a week."""
    return [
        ([int(score) for score in row[:-1]], row[-1])
        for row in db.execute(PATTERNS_SQL, [before_week])
    ]


def count_about_you(db: Database, since_week: str) -> list[dict]:
    """Counts for every measure by ISO week and About-you band, from a week on."""
    return _counted(db, ABOUT_YOU_SQL, [since_week])


def read_report_counts(path: str, since_week: str, before_week: str) -> dict:
    """Everything the report reads, its GROUP BY queries run side by side.

    The About-you counts start at `since_week`; the score patterns for Cronbach's α
    stop before `before_week`, the first week of the month under way.

    Each query gets its own connection in a thread of its own: SQLite lets other
    threads run while a query works. No more threads than cores, the longest query
    first: on two cores the others run one after another beside it, and the whole
    takes about as long as the longest.
    """

    def run(query):
        db = storage.connect(path)
        try:
            return query(db)
        finally:
            db.close()

    queries = {
        "measures": count_measures,
        "reasons": count_reasons,
        "patterns": lambda db: count_score_patterns(db, before_week),
        "about": lambda db: count_about_you(db, since_week),
    }
    workers = min(len(queries), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = dict(zip(queries, pool.map(run, queries.values()), strict=True))
    return results


def read_period_counts(db: Database, weeks: tuple[str, str]) -> dict:
    """What the report reads, for the weeks from weeks[0] up to (not with) weeks[1].

    The rows of the report's GROUP BY queries for one period, on one connection (the
    caller's transaction): what a release freezes. The measures rows carry their
    record keys summed too (….key).
    """
    sql = RELEASE_SQL
    return {
        "measures": _counted(db, sql["measures"], weeks),
        "reasons": _counted(db, sql["reasons"], weeks),
        "patterns": [
            [[int(score) for score in row[:-1]], row[-1]]
            for row in db.execute(sql["patterns"], weeks)
        ],
        "about": _counted(db, sql["about"], weeks),
    }


# Week by week: free text, and responses by channel -------------------------------


def count_free_text(db: Database, code: str) -> list[tuple[str, int]]:
    """How many answers one free-text question has, week by week."""
    _check_free_text(code)
    return db.execute(
        f'SELECT period, count(*) FROM responses INDEXED BY "responses_text_{code}" '
        f'WHERE "{code}" IS NOT NULL GROUP BY period ORDER BY period'
    ).fetchall()


def list_free_text(
    db: Database, code: str, weeks: tuple[str, str], limit: int = -1, offset: int = 0
) -> list[str]:
    """One free-text question's answers from a span of weeks, alphabetically, alone.

    All of them unless a limit is given (SQLite reads LIMIT -1 as none).
    """
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


def count_recent_weeks(db: Database, since_week: str) -> list[dict]:
    """How many responses each channel had, week by week, from a week on.

    For the flood flags alone (analysis.volume), which are not published figures.
    """
    return storage.list_rows(
        db,
        "SELECT period, channel, count(*) AS responses "
        "FROM responses INDEXED BY responses_counts "
        "WHERE period >= ? GROUP BY period, channel",
        [since_week],
    )
