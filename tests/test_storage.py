"""Storage: the schema keeps nothing finer than the week and no arrival order."""

import re
import sqlite3
from datetime import date

import pytest
from scipy.stats import chisquare, spearmanr

from analysis.perturbation import KEY_RANGE
from survey import languages, link_store, questionnaire, releases, storage
from survey.schema import migrations

TIME_WORDS = re.compile(r"time|date|created|updated|stamp|hour|minute|second|day", re.I)


def columns(db, table):
    # PRAGMA table_info finds a table in either file (survey/files.py).
    return {row[1]: row[2] for row in db.execute(f"PRAGMA table_info({table})")}


def test_connection_pragmas(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == storage.BUSY_TIMEOUT_MS


def test_responses_table_is_without_rowid(db):
    sql = db.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'responses'"
    ).fetchone()[0]
    assert sql.rstrip().endswith("WITHOUT ROWID")
    with pytest.raises(sqlite3.OperationalError, match="rowid"):
        db.execute("SELECT rowid FROM responses")


def test_responses_have_no_column_finer_than_the_iso_week(db):
    names = columns(db, "responses")
    assert not [name for name in names if TIME_WORDS.search(name)]
    assert "period" in names
    assert names["id"] == "TEXT"  # a random text key: no integer or autoincrement key
    sql = " ".join(row[0] or "" for row in db.execute("SELECT sql FROM sqlite_master"))
    assert "AUTOINCREMENT" not in sql.upper()


def test_releases_have_no_column_finer_than_the_iso_week(db):
    names = columns(db, "releases")
    assert not [name for name in names if TIME_WORDS.search(name)]
    # What says when: the period's label and two ISO weeks, nothing finer.
    assert list(names) == [
        "period_type",
        "period",
        "revision",
        "first_week",
        "made_week",
        "rows",
        "note",
    ]
    row = storage.response_row(
        {"A1_offence": "da", "E1_age": "u25"},
        period="2025-W20",
        channel="c",
        submission_id="a",
    )
    storage.add_rows(db, [row])
    made = releases.make_release(db, "month", "2025-05", date(2026, 1, 1), 10)
    week = re.compile(r"\d{4}-W\d{2}")
    assert week.fullmatch(made["made_week"]) and week.fullmatch(made["first_week"])
    tables = [made["rows"][name] for name in ("measures", "reasons", "about")]
    # Rows are added up to the period, each labelled by the period's first week; the
    # one thing kept week by week is how many responses each week held.
    assert {r["period"] for rows in tables for r in rows} == {made["first_week"]}
    assert made["rows"]["weeks"] == {"2025-W20": 1}


def test_comment_batches_have_no_column_finer_than_the_iso_week(db):
    names = [*columns(db, "comment_batches"), *columns(db, "comment_batch_ends")]
    assert not [name for name in names if TIME_WORDS.search(name)]
    # What says when: quarters and ISO weeks, nothing finer; of the responses, the
    # texts alone (tests/test_comment_batches.py checks what is stored in them).
    assert names == [
        "question",
        "number",
        "first_quarter",
        "last_quarter",
        "first_week",
        "last_week",
        "count",
        "comments",
        "made_week",
        "question",
        "last_number",
        "last_quarter",
    ]


def test_responses_have_one_column_per_answer_and_option(db):
    names = list(columns(db, "responses"))
    assert names[:5] == ["id", "submission_id", "period", "channel", "version"]
    assert names[5:] == [
        *questionnaire.storage_columns(),
        "confidence_index",
        "record_key",
        "language",
    ]
    assert "D3_reasons.fear_found_out" in names and "D6_would_help.nothing" in names


def test_language_column_defaults_to_english_and_takes_short_codes_only(db):
    [language] = [
        row
        for row in db.execute("PRAGMA table_info(responses)")
        if row[1] == "language"
    ]
    assert (language[2], language[3], language[4]) == ("TEXT", 1, "'en'")
    db.execute(
        "INSERT INTO responses (id, submission_id, period, channel, version) "
        "VALUES ('a', 'a', '2026-W14', 'c', 1)"
    )
    assert db.execute("SELECT language FROM responses").fetchone() == ("en",)
    for bad in ("", "e", "EN", "en-GB", "x" * 9, "cy'"):
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(
                "INSERT INTO responses (id, submission_id, period, channel, version, "
                "language) VALUES ('b', 'b', '2026-W14', 'c', 1, ?)",
                [bad],
            )


@pytest.mark.parametrize("code", languages.LANGUAGE_CODES)
def test_add_response_stores_the_language_it_is_given(db, code):
    stored = storage.add_response(
        db,
        {"A1_offence": "da"},
        period="2026-W14",
        channel="c",
        submission_id="a" * 32,
        language=code,
    )
    assert stored
    assert db.execute("SELECT language FROM responses").fetchall() == [(code,)]


def test_add_response_is_english_unless_told_and_refuses_unknown_codes(db):
    storage.add_response(
        db, {"A1_offence": "da"}, period="2026-W14", channel="c", submission_id="a" * 32
    )
    assert db.execute("SELECT language FROM responses").fetchall() == [("en",)]
    for bad in ("fr", "EN", "", None, "easy read"):
        with pytest.raises(ValueError, match="not a language code"):
            storage.add_response(
                db,
                {"A1_offence": "da"},
                period="2026-W14",
                channel="c",
                submission_id="b" * 32,
                language=bad,
            )
    assert storage.count_responses(db) == 1


def test_the_language_migration_makes_every_earlier_response_english(tmp_path):
    db = storage.connect(str(tmp_path / "old.db"))
    migrations.apply(db, stop_before="m016_response_language")
    db.conn.executemany(
        "INSERT INTO responses (id, submission_id, period, channel, version) "
        "VALUES (?, ?, '2026-W14', 'c', 1)",
        [(storage.new_response_id(), storage.new_response_id()) for _ in range(3)],
    )
    db.conn.commit()
    storage.migrate(db)
    assert db.execute(
        "SELECT language, count(*) FROM responses GROUP BY 1"
    ).fetchall() == [("en", 3)]
    about = db["responses"].indexes
    [columns_of] = [index.columns for index in about if index.name == "responses_about"]
    assert columns_of[:5] == [
        "period",
        "E1_age",
        "E2_gender",
        "E3_disability",
        "language",
    ]
    assert columns_of[-1] == "record_key"


def test_migrate_is_safe_to_run_again(db):
    storage.migrate(db)
    storage.migrate(db)
    assert storage.count_responses(db) == 0


def test_same_submission_id_is_stored_once(db):
    answers = {"A1_offence": "da"}
    first = storage.add_response(
        db, answers, period="2026-W14", channel="c", submission_id="a" * 32
    )
    again = storage.add_response(
        db, answers, period="2026-W14", channel="c", submission_id="a" * 32
    )
    assert (first, again) == (True, False)
    assert storage.count_responses(db) == 1


def test_row_order_does_not_reveal_insertion_order(db):
    n = 10_000
    rows = [
        storage.response_row(
            {
                "A1_offence": "da",
                "F1_comments": f"row {i}",
            },  # insertion order, readable
            period="2026-W14",
            channel="c",
            submission_id=storage.new_response_id(),
        )
        for i in range(n)
    ]
    storage.add_rows(db, rows)
    for query in (
        "SELECT F1_comments FROM responses",
        "SELECT F1_comments FROM responses WHERE period = '2026-W14'",
        "SELECT F1_comments FROM responses WHERE channel = 'c'",
        "SELECT F1_comments FROM responses ORDER BY period, channel",
    ):
        read = [int(row[0].split()[1]) for row in db.execute(query)]
        assert len(read) == n
        rho = spearmanr(range(n), read).statistic
        assert abs(rho) < 0.05, (query, rho)


def record_keys(db):
    return [row[0] for row in db.execute("SELECT record_key FROM responses")]


def test_every_stored_response_gets_a_record_key_in_range(db):
    storage.add_response(
        db, {"A1_offence": "da"}, period="2026-W14", channel="c", submission_id="a" * 32
    )
    storage.add_rows(
        db,
        [
            storage.response_row(
                {"A1_offence": "da"},
                period="2026-W14",
                channel="c",
                submission_id=storage.new_response_id(),
            )
            for _ in range(50)
        ],
    )
    keys = record_keys(db)
    assert len(keys) == 51
    assert all(isinstance(key, int) and 0 <= key < KEY_RANGE for key in keys)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute("UPDATE responses SET record_key = ?", [KEY_RANGE])


def test_record_keys_are_uniform_and_do_not_follow_insertion_order(db):
    n = 10_000
    rows = [
        storage.response_row(
            {"A1_offence": "da", "F1_comments": f"row {i}"},
            period="2026-W14",
            channel="c",
            submission_id=storage.new_response_id(),
        )
        for i in range(n)
    ]
    storage.add_rows(db, rows)
    read = db.execute("SELECT F1_comments, record_key FROM responses").fetchall()
    order = [int(comment.split()[1]) for comment, _ in read]
    keys = [key for _, key in read]
    assert abs(spearmanr(order, keys).statistic) < 0.05
    assert chisquare([keys.count(key) for key in range(KEY_RANGE)]).pvalue > 0.001


def test_migration_gives_every_existing_response_its_own_record_key(tmp_path):
    db = storage.connect(str(tmp_path / "old.db"))
    migrations.apply(db, stop_before="m005_record_keys")
    db.conn.executemany(
        "INSERT INTO responses (id, submission_id, period, channel, version) "
        "VALUES (?, ?, '2026-W14', 'c', 1)",
        [(storage.new_response_id(), storage.new_response_id()) for _ in range(500)],
    )
    db.conn.commit()
    storage.migrate(db)
    keys = record_keys(db)
    assert len(keys) == 500
    assert all(0 <= key < KEY_RANGE for key in keys)
    assert len(set(keys)) > 100  # drawn one by one, not one key for every row


def test_free_text_is_redacted_whoever_stores_it(db):
    row = storage.response_row(
        {"A1_offence": "da", "F1_comments": "call 07700 900123"},
        period="2026-W14",
        channel="c",
        submission_id="b" * 32,
    )
    assert row["F1_comments"] == "call [removed]"


def test_link_codes_are_short_and_unambiguous(db):
    codes = {
        link_store.add_link(db, label="x", channel="c", today=date(2026, 4, 1))["code"]
        for _ in range(200)
    }
    assert len(codes) == 200
    for code in codes:
        assert len(code) == link_store.LINK_CODE_LENGTH
        assert not set(code) & set("01oil")


def test_closed_link_is_not_open(db):
    link = link_store.add_link(db, label="x", channel="c", today=date(2026, 4, 1))
    link_store.set_link_open(db, link["code"], False)
    assert link_store.get_open_link(db, link["code"], date(2026, 5, 1)) is None
    assert link_store.get_link(db, link["code"])["is_open"] == 0
    link_store.set_link_open(db, link["code"], True)
    assert (
        link_store.get_open_link(db, link["code"], date(2026, 5, 1))["channel"] == "c"
    )


def test_expired_link_is_not_open_from_the_day_after(db):
    link = link_store.add_link(
        db, label="x", channel="c", today=date(2026, 4, 1), expires=date(2026, 6, 30)
    )
    assert link_store.get_open_link(db, link["code"], date(2026, 6, 30)) is not None
    assert link_store.get_open_link(db, link["code"], date(2026, 7, 1)) is None


@pytest.mark.parametrize(
    ("answers", "index"),
    [
        (
            {
                "B1_confidence": "5",
                "B2_relied_on": "5",
                "B3_respect": "5",
                "B4_fair": "5",
            },
            100,
        ),
        (
            {
                "B1_confidence": "1",
                "B2_relied_on": "3",
                "B3_respect": "dk",
                "B4_fair": "2",
                "B5_understand": "2",
            },
            25,
        ),
        ({"B1_confidence": "4", "B2_relied_on": "4", "B3_respect": "dk"}, None),
    ],
)
def test_confidence_index_is_stored_with_the_response(db, answers, index):
    row = storage.response_row(
        {"A1_offence": "da", **answers},
        period="2026-W14",
        channel="c",
        submission_id=storage.new_response_id(),
    )
    storage.add_rows(db, [row])
    [stored] = list(db["responses"].rows)
    assert stored["confidence_index"] == index


def test_existing_channels_go_to_the_one_organisation_their_links_name(tmp_path):
    db = storage.connect(str(tmp_path / "old.db"))
    migrations.apply(db, stop_before="m006_channels_belong_to_organisations")
    db["organisations"].insert_all([{"id": 1, "name": "A"}, {"id": 2, "name": "B"}])
    old_links = [
        ("a1", "only-a", 1),
        ("a2", "only-a", None),  # an admin's link on A's channel
        ("n1", "nobody", None),
        ("s1", "shared", 1),
        ("s2", "shared", 2),  # B on A's channel, or A on B's: nothing says which
    ]
    for code, channel, organisation_id in old_links:
        db.execute(
            "INSERT INTO links (code, label, channel, created, organisation_id) "
            "VALUES (?, 'x', ?, '2026-04-01', ?)",
            [code, channel, organisation_id],
        )
    # Responses through a channel that no link names, as demo data makes them (the
    # columns of the time: storage's rows have columns later migrations added).
    db.execute(
        "INSERT INTO responses (id, submission_id, period, channel, version) "
        "VALUES ('a', 'a', '2026-W14', 'unlinked', 1)"
    )
    db.conn.commit()
    storage.migrate(db)
    owners = dict(db.execute("SELECT code, organisation_id FROM channels"))
    assert owners == {"only-a": 1, "nobody": None, "shared": None, "unlinked": None}
    assert [link["code"] for link in link_store.list_links(db, 1)] == ["a1", "a2"]
    assert link_store.list_links(db, 2) == []
    assert link_store.get_link(db, "s2")["organisation_id"] is None
    assert "organisation_id" not in columns(db, "links")
    assert db["links"].indexes[0].columns == ["channel"]
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO links (code, label, channel, created, is_open) "
            "VALUES ('z', 'x', 'nobody', '2026-04-01', 2)"
        )


def test_a_link_takes_its_channel_and_never_another_organisations(db):
    db["organisations"].insert_all([{"id": 1, "name": "A"}, {"id": 2, "name": "B"}])
    first = link_store.add_link(
        db, label="x", channel="c", today=date(2026, 4, 1), organisation_id=1
    )
    assert link_store.get_channel(db, "c")["organisation"] == "A"
    assert (
        link_store.add_link(
            db, label="y", channel="c", today=date(2026, 4, 1), organisation_id=2
        )
        is None
    )
    assert (
        link_store.add_link(db, label="y", channel="c", today=date(2026, 4, 1)) is None
    )
    again = link_store.add_link(
        db, label="z", channel="c", today=date(2026, 4, 1), organisation_id=1
    )
    assert [link["code"] for link in link_store.list_links(db)] == [
        first["code"],
        again["code"],
    ]
    assert link_store.list_channels(db) == {"c"}
