"""The database's schema as sqlite_utils Migrations: one function per change, in order.

sqlite-utils runs each migration once per database, so a change to the schema is a new
migration, never an edit to one that has run. storage.migrate applies them.
"""

from __future__ import annotations

import re
import secrets

from sqlite_utils import Database, Migrations

from analysis.perturbation import KEY_RANGE
from survey import questionnaire
from survey.files import RESPONSES_FILE_TABLES, STAFF_SCHEMA

migrations = Migrations("survey")


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


@migrations()
def m005_record_keys(db: Database) -> None:
    """A random record key on every response, for cell key perturbation."""
    # A cell's key is the sum of its responses' record keys (analysis.perturbation):
    # anyone who knew them could undo the perturbation, so they come from `secrets`,
    # one for each response on its own, and no export carries them.
    db.execute(
        "ALTER TABLE responses ADD COLUMN record_key INTEGER "
        f"CHECK (record_key BETWEEN 0 AND {KEY_RANGE - 1})"
    )
    ids = [row[0] for row in db.execute("SELECT id FROM responses")]
    db.conn.executemany(
        "UPDATE responses SET record_key = ? WHERE id = ?",
        [(secrets.randbelow(KEY_RANGE), id_) for id_ in ids],
    )


@migrations()
def m006_channels_belong_to_organisations(db: Database) -> None:
    """Channels as a table of their own, each belonging to one organisation or none."""
    # A channel's counts are what a link's page shows, so the channel, not the link,
    # says whose they are (docs/privacy.md §4). No organisation means admins only.
    db.execute(
        """CREATE TABLE channels (
          code TEXT PRIMARY KEY,
          organisation_id INTEGER REFERENCES organisations (id)
        )"""
    )
    # An existing channel goes to the one organisation its links name (links made
    # without one, by admins, name none). Links of two organisations on one channel
    # are what this migration closes: nothing says which was first by right, so such
    # a channel goes to no organisation, until an admin gives it to one
    # (flask assign-channel).
    db.execute(
        """INSERT INTO channels (code, organisation_id)
        SELECT channel, CASE WHEN count(DISTINCT organisation_id) = 1
          THEN max(organisation_id) END
        FROM links GROUP BY channel"""
    )
    # Responses through a channel no link names (demo data, say) keep it too, for no
    # organisation: else the first partner to type its code would get its counts.
    db.execute(
        "INSERT OR IGNORE INTO channels (code) SELECT DISTINCT channel FROM responses"
    )
    # A link's organisation is now its channel's: one place, so the two cannot differ.
    # SQLite cannot drop a column that references another table; copy the table.
    db.execute(
        """CREATE TABLE links_new (
          code TEXT PRIMARY KEY,
          label TEXT NOT NULL,
          channel TEXT NOT NULL REFERENCES channels (code),
          is_open INTEGER NOT NULL DEFAULT 1 CHECK (is_open IN (0, 1)),
          created TEXT NOT NULL,
          expires TEXT
        )"""
    )
    db.execute(
        "INSERT INTO links_new (code, label, channel, is_open, created, expires) "
        "SELECT code, label, channel, is_open, created, expires FROM links"
    )
    db.execute("DROP TABLE links")
    db.execute("ALTER TABLE links_new RENAME TO links")
    db.execute("CREATE INDEX links_channel ON links (channel)")


@migrations()
def m007_items_by_week(db: Database) -> None:
    """The B1–B6 index also holds the week, so α reads complete months from it alone."""
    items = ", ".join(f'"{c}"' for c in questionnaire.INDEX_ITEMS)
    db.execute("DROP INDEX responses_items")
    db.execute(f"CREATE INDEX responses_items ON responses ({items}, period)")


@migrations()
def m008_releases(db: Database) -> None:
    """Releases: a complete period's counts, frozen, in numbered revisions."""
    # Aggregates only, as JSON (survey.releases). The only times are ISO weeks: the
    # week the period starts (for ordering) and the week the revision was made.
    db.execute(
        """CREATE TABLE releases (
          period_type TEXT NOT NULL CHECK (period_type IN ('month', 'quarter', 'year')),
          period TEXT NOT NULL,
          revision INTEGER NOT NULL CHECK (revision >= 1),
          first_week TEXT NOT NULL,
          made_week TEXT NOT NULL,
          rows TEXT NOT NULL,
          note TEXT NOT NULL DEFAULT '',
          PRIMARY KEY (period_type, period, revision)
        )"""
    )


@migrations()
def m009_comment_batches(db: Database) -> None:
    """Comment batches, fixed when their quarters are released, and how far they go."""
    # A batch holds the texts of one free-text question from a run of whole financial
    # quarters, as a JSON list sorted alphabetically: the texts only, already redacted
    # when the responses were stored (storage.response_row), never a week, channel or
    # other answer of theirs. Its times are quarters and ISO weeks, nothing finer
    # (docs/privacy.md §2). A batch is never changed; a purge deletes it whole
    # (docs/disclosure.md, "Comment batches").
    db.execute(
        """CREATE TABLE comment_batches (
          question TEXT NOT NULL,
          number INTEGER NOT NULL CHECK (number >= 1),
          first_quarter TEXT NOT NULL,
          last_quarter TEXT NOT NULL,
          first_week TEXT NOT NULL,
          last_week TEXT NOT NULL,
          count INTEGER NOT NULL CHECK (count >= 1),
          comments TEXT NOT NULL,
          made_week TEXT NOT NULL,
          PRIMARY KEY (question, number),
          UNIQUE (question, first_quarter)
        )"""
    )
    # The last batch each question has had: kept when a purge deletes the batches, so
    # that quarters already shown in one are never pooled again into another.
    db.execute(
        """CREATE TABLE comment_batch_ends (
          question TEXT PRIMARY KEY,
          last_number INTEGER NOT NULL,
          last_quarter TEXT NOT NULL
        )"""
    )


@migrations()
def m010_record_keys_in_indexes(db: Database) -> None:
    """The report's covering indexes hold the record key too, and old releases go."""
    # Every count is published with its cell key (the sum of its responses' record
    # keys): the GROUP BY queries sum the keys beside the counts, from the index alone
    # (survey/counts.py). The key is random, so the index's order still says nothing
    # of when a response came.
    measured = list(dict.fromkeys(m.column for m in questionnaire.MEASURES))
    counts = ["period", "channel", "A1_offence", *measured, "confidence_index"]
    about = ["period", *(code for code, _ in questionnaire.ABOUT_YOU), *measured]
    for name, columns in (("responses_counts", counts), ("responses_about", about)):
        listed = ", ".join(f'"{c}"' for c in [*columns, "record_key"])
        db.execute(f"DROP INDEX {name}")
        db.execute(f"CREATE INDEX {name} ON responses ({listed})")
    # Releases made before every count carried its key cannot be perturbed: none was
    # ever published (the dashboard did not read releases yet). They are made again,
    # with the keys, the next time releases are made.
    db.execute("DELETE FROM releases")


@migrations()
def m011_stored_reports(db: Database) -> None:
    """Reports built from releases, stored under a key of what built them."""
    # survey/stored.py: aggregates of aggregates, with no time in them at all.
    db.execute(
        """CREATE TABLE stored_reports (
          key TEXT PRIMARY KEY,
          period_type TEXT NOT NULL,
          options TEXT NOT NULL,
          built TEXT NOT NULL
        )"""
    )


@migrations()
def m012_published_releases(db: Database) -> None:
    """The releases an admin has chosen to show on the public results page."""
    # survey/published.py: which period of which type, and the ISO week it was
    # published in; nothing finer, and no one's name (docs/privacy.md §2; the audit
    # log says who).
    db.execute(
        """CREATE TABLE published_releases (
          period_type TEXT NOT NULL,
          period TEXT NOT NULL,
          published_week TEXT NOT NULL,
          PRIMARY KEY (period_type, period)
        )"""
    )


@migrations()
def m013_two_factor(db: Database) -> None:
    """Each account's second factor (a TOTP secret) and its hashed recovery codes."""
    # Unqualified table names: they resolve wherever the staff tables live. A secret
    # of NULL means the account enrols at its next sign-in. The last accepted time
    # step (30 seconds) is the only time kept: a code is refused once used, so one
    # seen over a shoulder cannot be used again (survey/accounts.py).
    db.execute("ALTER TABLE staff ADD COLUMN totp_secret TEXT")
    db.execute("ALTER TABLE staff ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0")
    # Only a SHA-256 hash of each code: they are random and long (80 bits), so a copy
    # of the database gives no one a code, and a used code's row is deleted.
    db.execute(
        """CREATE TABLE recovery_codes (
          code_hash TEXT PRIMARY KEY,
          staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE
        )"""
    )
    db.execute("CREATE INDEX recovery_codes_staff ON recovery_codes (staff_id)")


@migrations()
def m014_staff_file(db: Database) -> None:
    """Everything but the responses moves to the staff file (survey/files.py)."""
    # Each table is made again in the attached staff file from its own DDL, with its
    # indexes, then copied and dropped here. A table a later migration creates must
    # name the staff file itself: tests/test_files.py fails on any other table here.
    tables = db.execute(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    for name, sql in tables:
        if name in RESPONSES_FILE_TABLES:
            continue
        indexes = db.execute(
            "SELECT sql FROM main.sqlite_master WHERE type = 'index' "
            "AND tbl_name = ? AND sql IS NOT NULL",
            [name],
        ).fetchall()
        db.execute(_in_staff_file(sql, "TABLE"))
        db.execute(f'INSERT INTO {STAFF_SCHEMA}."{name}" SELECT * FROM main."{name}"')
        db.execute(f'DROP TABLE main."{name}"')
        for (index_sql,) in indexes:
            db.execute(_in_staff_file(index_sql, "INDEX"))


def _in_staff_file(sql: str, kind: str) -> str:
    """A CREATE TABLE or CREATE INDEX statement, made to create it in the staff file."""
    return re.sub(
        rf"^CREATE (UNIQUE )?{kind} ",
        lambda match: f"CREATE {match[1] or ''}{kind} {STAFF_SCHEMA}.",
        sql,
        count=1,
    )


@migrations(transactional=False)
def m015_compact_responses_file(db: Database) -> None:
    """Rewrite the responses file without the free pages the tables moved out left."""
    # Free pages keep what was on them: audit rows and session times would linger.
    db.execute("VACUUM main")


@migrations()
def m016_response_language(db: Database) -> None:
    """The language each response was given in, and the About-you index holds it."""
    # A short code (survey/languages.py lists those a response may have); every
    # response stored before is English, the only language the survey had. The
    # CHECK is on the code's shape, so that a language added later needs no
    # migration; storage refuses a code not in the list.
    db.execute(
        "ALTER TABLE responses ADD COLUMN language TEXT NOT NULL DEFAULT 'en' "
        "CHECK (length(language) BETWEEN 2 AND 8 AND language NOT GLOB '*[^a-z]*')"
    )
    # The breakdown by language is read with the About-you ones, in one GROUP BY
    # over this index (survey/counts.py): the language after the About-you columns
    # keeps that GROUP BY in index order, with no sort and no lookup in the table.
    measured = list(dict.fromkeys(m.column for m in questionnaire.MEASURES))
    about = [code for code, _ in questionnaire.ABOUT_YOU]
    listed = ", ".join(
        f'"{c}"' for c in ["period", *about, "language", *measured, "record_key"]
    )
    db.execute("DROP INDEX responses_about")
    db.execute(f"CREATE INDEX responses_about ON responses ({listed})")


@migrations()
def m017_purges(db: Database) -> None:
    """The week before which the latest purge deleted everything (staff file)."""
    # An import or a release must not reach back before it: a paper form from then
    # would bring back periods whose releases were purged, with its answers alone in
    # one (survey/transfer.py, releases.due_releases). One row; only weeks.
    db.execute(
        f"CREATE TABLE {STAFF_SCHEMA}.purges (one INTEGER PRIMARY KEY CHECK (one = 1), "
        "before_week TEXT NOT NULL)"
    )


@migrations()
def m018_release_ledgers(db: Database) -> None:
    """Each release's ledger, and the index its counts by group are read from."""
    # A ledger holds, for one release, the counts of its months' responses by
    # channel, offence type and About-you bands (never published: what checks that
    # no two published populations differ by fewer than k), the populations it
    # publishes with their sizes, which it withholds and why (survey/ledger.py).
    # The weeks say which periods it meets; nothing finer than a week.
    db.execute(
        f"""CREATE TABLE {STAFF_SCHEMA}.release_ledgers (
          period_type TEXT NOT NULL,
          period TEXT NOT NULL,
          revision INTEGER NOT NULL,
          first_week TEXT NOT NULL,
          end_week TEXT NOT NULL,
          ledger TEXT NOT NULL,
          PRIMARY KEY (period_type, period, revision)
        )"""
    )
    # A ledger goes with its release, however the release is deleted (a purge past
    # retention deletes both: survey.releases.delete_releases_before).
    db.execute(
        f"CREATE TRIGGER {STAFF_SCHEMA}.release_ledger_goes_with_its_release "
        "AFTER DELETE ON releases BEGIN DELETE FROM release_ledgers WHERE "
        "period_type = old.period_type AND period = old.period AND "
        "revision = old.revision; END"
    )
    # Rows with the same values are in the order of their random id, as in every
    # other index: nothing of when a response came.
    about = [code for code, _ in questionnaire.ABOUT_YOU]
    listed = ", ".join(
        f'"{c}"' for c in ["period", "channel", "A1_offence", *about, "language"]
    )
    db.execute(f"CREATE INDEX responses_groups ON responses ({listed})")
