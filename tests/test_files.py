"""The files on disk (survey/files.py, docs/privacy.md §2): neither the order in which
people answered nor when can be read from them.

Responses are written between staff actions that are stamped to the second (the audit
log, sessions). The tests read the files themselves, byte by byte, as someone with a
copy of the instance folder would, rather than asking SQLite.
"""

import os
import re
import secrets
import sqlite3
import struct
import time
from datetime import date
from pathlib import Path

from helpers import log_in, walk_survey
from scipy.stats import kendalltau

from survey import audit_log, link_store, storage
from survey.files import RESPONSES_FILE_TABLES, STAFF_SCHEMA, staff_path
from survey.schema import migrations

# A date or a clock time written as text, as the audit log writes them.
TEXT_TIME = re.compile(rb"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}")
ANSWERS = {"A1_offence": "da", "A2_contact": "none", "B1_confidence": "3"}


def on_disk(database: str) -> bytes:
    """The responses file and every journal file SQLite keeps beside it, as bytes."""
    names = [database + suffix for suffix in ("", "-wal", "-shm", "-journal")]
    found = [name for name in names if os.path.exists(name)]
    return b"".join(Path(name).read_bytes() for name in found)


def binary_times(data: bytes, around: float, within: float = 3600) -> int:
    """How many places in `data` hold a time near `around` as SQLite stores a REAL:
    an 8-byte big-endian double (sessions keep their times so)."""
    low, high = around - within, around + within
    return sum(
        low <= value <= high
        for (value,) in struct.iter_unpack(">d", data[: len(data) // 8 * 8])
    ) + sum(
        low <= struct.unpack_from(">d", data, offset)[0] <= high
        for offset in range(len(data) - 8)
        if offset % 8
    )


def wal_frames(path: str) -> list[int]:
    """The page number of each valid frame in a write-ahead log, in the log's order."""
    if not os.path.exists(path):
        return []
    data = Path(path).read_bytes()
    if len(data) < 32:
        return []
    page_size = struct.unpack_from(">I", data, 8)[0]
    salts = data[16:24]
    frames, offset = [], 32
    while offset + 24 + page_size <= len(data):
        if data[offset + 8 : offset + 16] != salts:
            break  # a frame left from before the log was last restarted
        frames.append(struct.unpack_from(">I", data, offset)[0])
        offset += 24 + page_size
    return frames


def test_the_responses_file_holds_the_responses_and_nothing_staff_write(db):
    tables = {
        name
        for (name,) in db.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table'"
        )
    }
    assert tables == set(RESPONSES_FILE_TABLES)
    staff_tables = {
        name
        for (name,) in db.execute(
            f"SELECT name FROM {STAFF_SCHEMA}.sqlite_master WHERE type = 'table'"
        )
    }
    assert {"audit", "sessions", "staff", "links", "releases"} <= staff_tables
    assert not staff_tables & set(RESPONSES_FILE_TABLES)


def test_responses_between_staff_actions_leave_no_time_and_no_order(
    app, db, staff_accounts, link
):
    database = app.config["DATABASE"]
    admin = app.test_client()
    assert log_in(admin, "admin@example.org").status_code == 303  # a session row
    texts = []
    for number in range(6):
        audit_log.record(db, "admin@example.org", "looked", f"step {number}")
        texts.append(f"Lanternfish{number} came by")
        response = walk_survey(
            app.test_client(), link["code"], {**ANSWERS, "F1_comments": texts[-1]}
        )
        assert response.status_code == 303  # to the thank-you page
        # Each response's pages are in the file itself: its log is empty again.
        assert wal_frames(database + "-wal") == []
        assert admin.get("/staff/").status_code == 200  # the session's last_seen
    audit_log.record(db, "admin@example.org", "looked", "at the end")

    responses_file = on_disk(database)
    staff_file = on_disk(staff_path(database))
    for text in texts:
        assert text.encode() in responses_file
        assert text.encode() not in staff_file
    # The staff file holds the times, in both forms, which shows the search works;
    # the responses file holds none, nor anything a member of staff did.
    now = time.time()
    assert TEXT_TIME.search(staff_file) and binary_times(staff_file, now) > 0
    assert not TEXT_TIME.search(responses_file)
    assert binary_times(responses_file, now) == 0
    assert b"admin@example.org" not in responses_file
    assert b"Lanternfish" not in staff_file


def test_where_a_response_lies_in_the_file_says_nothing_of_when_it_came(tmp_path):
    path = str(tmp_path / "survey.db")
    db = storage.connect(path)
    storage.migrate(db)
    db.execute("PRAGMA main.synchronous=OFF")  # the same pages, sooner
    ids = [secrets.token_hex(16) for _ in range(500)]
    for submission_id in ids:
        storage.add_response(
            db, ANSWERS, period="2026-W40", channel="c", submission_id=submission_id
        )
    db.close()
    data = Path(path).read_bytes()
    # Each submission id is in the file twice: in its row and in the index of ids.
    first = [data.find(submission_id.encode()) for submission_id in ids]
    last = [data.rfind(submission_id.encode()) for submission_id in ids]
    assert min(first) >= 0 and all(a < b for a, b in zip(first, last, strict=True))
    # Rows are kept in the order of their random ids: arrival order and place in the
    # file are unrelated (|τ| would be near 1 in a table kept in arrival order).
    for offsets in (first, last):
        tau = kendalltau(range(len(ids)), offsets).statistic
        assert abs(tau) < 0.1, tau


def test_the_log_keeps_responses_only_while_a_reader_holds_it(app, db, link):
    database = app.config["DATABASE"]
    reader = sqlite3.connect(database)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM responses").fetchone()
    try:
        for _ in range(2):
            walk_survey(app.test_client(), link["code"], ANSWERS)
        # The reader's snapshot needs the old pages: the log cannot be emptied yet.
        assert len(wal_frames(database + "-wal")) >= 2
    finally:
        reader.close()
    walk_survey(app.test_client(), link["code"], ANSWERS)
    # The first response stored after the reader is done empties it.
    assert wal_frames(database + "-wal") == []
    assert storage.count_responses(db) == 3


def test_an_older_single_file_database_is_split_and_compacted(tmp_path):
    path = str(tmp_path / "survey.db")
    db = storage.connect(path)
    migrations.apply(db, stop_before="m014_staff_file")
    assert db.execute("SELECT count(*) FROM main.audit").fetchone() == (0,)
    audit_log.record(db, "old@example.org", "audited", "Periwinkle detail")
    code = link_store.add_link(db, label="Old", channel="old", today=date(2026, 1, 5))
    # The columns of the time: storage's rows have columns later migrations added.
    db.execute(
        "INSERT INTO responses (id, submission_id, period, channel, version) "
        "VALUES ('f', 'f', '2026-W02', 'old', 1)"
    )
    db.conn.commit()
    storage.migrate(db)
    assert link_store.get_link(db, code["code"])["label"] == "Old"
    assert storage.count_responses(db) == 1
    assert db.execute("SELECT action FROM audit").fetchall() == [("audited",)]
    db.close()
    # Compacted: the audit row's old page is not left behind in the responses file.
    responses_file = on_disk(path)
    assert b"Periwinkle" not in responses_file and b"old@example.org" not in (
        responses_file
    )
    assert b"Periwinkle" in on_disk(staff_path(path))
