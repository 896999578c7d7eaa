"""Comment batches: fixed by the release that first showed them, never cut again."""

import csv
import json
import re
import sqlite3
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import disclosure, periods
from analysis.periods import months_before
from survey import comments, questionnaire, releases, storage
from survey.counts import count_free_text

# Comments and paper forms here carry fixed weeks: the clock stays on one day.
pytestmark = pytest.mark.usefixtures("fixed_day")

K = 10  # SUPPRESSION_THRESHOLD, as the app is configured in the tests
HEADER = ["period", "channel", "version", *questionnaire.storage_columns()]
WEEK = re.compile(r"\d{4}-W\d{2}")


def add_comments(db, texts_by_week: dict[str, list[str]], code="F1_comments"):
    """One response for each text, in its week, answering one free-text question."""
    rows = [
        storage.response_row(
            {"A1_offence": "da", "B1_confidence": "3", code: text},
            period=week,
            channel="outreach-north",
            submission_id=storage.new_response_id(),
        )
        for week, texts in texts_by_week.items()
        for text in texts
    ]
    storage.add_rows(db, rows)


def stored_batches(db) -> list[tuple]:
    """Every batch as stored, byte for byte."""
    return db.execute(
        "SELECT * FROM comment_batches ORDER BY question, number"
    ).fetchall()


def texts(db, code="F1_comments") -> list[list[str]]:
    """Each batch's texts, read a page at a time as the dashboard reads them."""
    return [
        comments.read_comments(db, code, batch["number"], 1000)
        for batch in comments.list_batches(db, code)
    ]


def spans(db, code="F1_comments") -> list[tuple]:
    return [
        (batch["first"], batch["last"], batch["count"])
        for batch in comments.list_batches(db, code)
    ]


def late_form(path, week, comment):
    """A CSV of one typed-up paper form with a comment."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        row = dict.fromkeys(HEADER, "")
        row.update(period=week, channel="outreach-north", version="1")
        row.update(A1_offence="da", A2_contact="none", B1_confidence="2")
        row.update(F1_comments=comment)
        writer.writerow(row)
    return path


# Attack 13 (docs/disclosure.md): a late comment re-cut the batches ------------------


def test_a_late_comment_moves_no_fixed_batch(runner, db, link, tmp_path, personas):
    add_comments(
        db,
        {
            "2025-W16": [f"april {i}" for i in range(9)],  # 2025/26 Q1
            "2025-W28": [f"july {i}" for i in range(5)],  # 2025/26 Q2
            "2025-W41": [f"october {i}" for i in range(6)],  # 2025/26 Q3
            "2026-W03": [f"january {i}" for i in range(4)],  # 2025/26 Q4
        },
    )
    first = runner.invoke(args=["release"])
    assert first.exit_code == 0, first.output
    assert "Fixed comments F1_comments batch 1, 2025/26 Q1 to 2025/26 Q2." in (
        first.output
    )
    before, shown = stored_batches(db), texts(db)
    assert spans(db) == [
        ("2025/26 Q1", "2025/26 Q2", 14),
        ("2025/26 Q3", "2025/26 Q4", 10),
    ]
    late = late_form(tmp_path / "late.csv", "2025-W17", "a late paper comment")
    result = runner.invoke(args=["import-responses", str(late)])
    assert result.exit_code == 0, result.output
    # Cut again over all history, as the batches were before they were fixed, the
    # late comment would move every boundary: 2025/26 Q1 alone would be a batch, and
    # the difference from before would tie 5 comments to 2025/26 Q2.
    by_quarter = {}
    for week, count in count_free_text(db, "F1_comments"):
        quarter = periods.period_of_week(week, "quarter")
        by_quarter[quarter] = by_quarter.get(quarter, 0) + count
    recut = disclosure.release_in_batches(sorted(by_quarter.items()), K)
    assert [(b["first"], b["last"]) for b in recut][0] == ("2025/26 Q1", "2025/26 Q1")
    again = runner.invoke(args=["release"])
    assert again.exit_code == 0, again.output
    assert "Fixed comments" not in again.output
    assert stored_batches(db) == before and texts(db) == shown
    assert all("a late paper comment" not in batch for batch in texts(db))
    # It is in the database, for the exports of responses; not on the comments page.
    assert db.execute(
        "SELECT count(*) FROM responses WHERE F1_comments = 'a late paper comment'"
    ).fetchone() == (1,)
    client = personas["analyst"]
    for number in (1, 2):
        html = client.get(f"/dashboard/comments?batch={number}").get_data(as_text=True)
        assert "a late paper comment" not in html


def test_a_late_comment_for_a_waiting_quarter_joins_its_batch(db):
    add_comments(db, {"2025-W16": ["a", "b", "c", "d"], "2025-W28": ["e", "f", "g"]})
    releases.make_due_releases(db, date(2025, 10, 15), K)  # Q1 and Q2 are released
    assert spans(db) == []  # 7 answers: both quarters wait
    add_comments(db, {"2025-W29": ["late for q2"], "2025-W41": ["h", "i", "j", "k"]})
    releases.make_due_releases(db, date(2026, 1, 14), K)  # and Q3
    assert spans(db) == [("2025/26 Q1", "2025/26 Q3", 12)]
    assert "late for q2" in texts(db)[0]
    add_comments(db, {"2026-W03": ["l", "m"]})
    releases.make_due_releases(db, date(2026, 4, 15), K)  # Q4 waits for more
    assert spans(db) == [("2025/26 Q1", "2025/26 Q3", 12)]
    assert db.execute("SELECT * FROM comment_batch_ends").fetchall() == [
        ("F1_comments", 1, "2025/26 Q3")
    ]


# Batches: at least k each, in order, the quarters after the last one waiting ---------


def test_every_batch_holds_k_answers_and_the_quarters_after_the_last_wait(db):
    add_comments(
        db,
        {
            "2024-W20": [f"a{i}" for i in range(12)],  # 2024/25 Q1: a batch alone
            "2024-W30": [f"b{i}" for i in range(3)],  # 2024/25 Q2
            # 2024/25 Q3: none
            "2025-W05": [f"d{i}" for i in range(8)],  # 2024/25 Q4: Q2 to Q4 make 11
            "2025-W20": [f"e{i}" for i in range(9)],  # 2025/26 Q1: waits
        },
    )
    releases.make_due_releases(db, date(2025, 7, 16), K)
    assert spans(db) == [
        ("2024/25 Q1", "2024/25 Q1", 12),
        # From the end of the batch before: the empty quarter is in this batch.
        ("2024/25 Q2", "2024/25 Q4", 11),
    ]
    assert all(count >= K for _, _, count in spans(db))
    assert all("e0" not in batch for batch in texts(db))
    assert [len(batch) for batch in texts(db)] == [12, 11]


def test_a_batch_is_fixed_when_its_quarter_is_released_in_order(db):
    add_comments(db, {"2025-W16": [f"q1 {i}" for i in range(12)]})
    add_comments(db, {"2025-W28": [f"q2 {i}" for i in range(12)]})
    today = date(2025, 10, 15)
    releases.make_release(db, "month", "2025-04", today, K)
    assert spans(db) == []  # a month's release fixes no batch
    releases.make_release(db, "quarter", "2025/26 Q2", today, K)
    assert spans(db) == []  # 2025/26 Q1 is not released: nothing is passed over
    releases.make_release(db, "quarter", "2025/26 Q1", today, K)
    assert spans(db) == [
        ("2025/26 Q1", "2025/26 Q1", 12),
        ("2025/26 Q2", "2025/26 Q2", 12),
    ]


def test_a_batch_holds_the_redacted_texts_alphabetically_and_nothing_finer_than_a_week(
    db,
):
    add_comments(db, {"2025-W16": ["ring 07700 900123", *"zyxwvutsr"]})
    releases.make_due_releases(db, date(2025, 7, 16), K)
    [row] = storage.list_rows(db, "SELECT * FROM comment_batches")
    stored = json.loads(row.pop("comments"))
    assert stored == sorted(stored) == ["r", "ring [removed]", *"stuvwxyz"]
    # Nothing else of the responses (no channel, no other answer), and no time finer
    # than the ISO week.
    assert row == {
        "question": "F1_comments",
        "number": 1,
        "first_quarter": "2025/26 Q1",
        "last_quarter": "2025/26 Q1",
        "first_week": "2025-W14",
        "last_week": "2025-W26",
        "count": 10,
        "made_week": "2025-W29",
    }
    assert all(WEEK.fullmatch(row[key]) for key in ("first_week", "last_week"))


def test_the_two_questions_are_batched_apart(db):
    add_comments(db, {"2025-W16": [f"f{i}" for i in range(10)]})
    add_comments(db, {"2025-W16": [f"d{i}" for i in range(4)]}, code="D3_other_text")
    releases.make_due_releases(db, date(2025, 7, 16), K)
    assert spans(db) == [("2025/26 Q1", "2025/26 Q1", 10)]
    assert spans(db, "D3_other_text") == []


# Two processes, and the constraints that make them store each batch once ------------


def test_two_processes_releasing_at_once_fix_each_batch_once(app, db, today):
    for week in ("2025-W16", "2025-W28", "2025-W41", "2026-W03"):
        add_comments(db, {week: [f"{week} {i}" for i in range(11)]})
    path = app.config["DATABASE"]

    def make():
        own = storage.connect(path)
        try:
            releases.make_due_releases(own, today, K)
        finally:
            own.close()

    threads = [threading.Thread(target=make) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = db.execute(
        "SELECT number FROM comment_batches WHERE question = 'F1_comments'"
    ).fetchall()
    assert sorted(numbers) == [(1,), (2,), (3,), (4,)]
    assert comments.fix_batches(db, today, K) == []  # again: nothing new


def test_a_question_has_one_batch_of_each_number_and_first_quarter(db):
    insert = (
        "INSERT INTO comment_batches (question, number, first_quarter, last_quarter, "
        "first_week, last_week, count, comments, made_week) "
        "VALUES ('F1_comments', ?, ?, ?, '2025-W14', '2025-W26', 10, '[]', '2025-W30')"
    )
    db.execute(insert, [1, "2025/26 Q1", "2025/26 Q1"])
    for number, first in ((1, "2025/26 Q2"), (2, "2025/26 Q1")):
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(insert, [number, first, first])


# Purges ------------------------------------------------------------------------------


def test_a_purge_deletes_the_batches_begun_before_its_cutoff_and_no_other(
    runner, db, personas, today
):
    current = periods.label(today, "quarter")  # the calendar's, holding today
    quarter = {i: periods.shift(current, "quarter", -i) for i in range(1, 9)}
    week = {i: periods.first_week(q, "quarter") for i, q in quarter.items()}
    # F1: one batch over quarters 8 to 4 before this one, then 3 alone, then 2 alone.
    for i in range(8, 3, -1):
        add_comments(db, {week[i]: [f"old {i} {n}" for n in range(2)]})
    add_comments(db, {week[3]: [f"three {n}" for n in range(10)]})
    add_comments(db, {week[2]: [f"two {n}" for n in range(12)]})
    add_comments(db, {week[1]: ["waits"]})
    # D3: one batch over quarters 8 to 4, then quarters that wait with 6 answers.
    for i in range(8, 0, -1):
        add_comments(
            db, {week[i]: [f"other {i} {n}" for n in range(2)]}, "D3_other_text"
        )
    assert runner.invoke(args=["release"]).exit_code == 0
    assert [b["number"] for b in comments.list_batches(db, "F1_comments")] == [1, 2, 3]
    assert [b["number"] for b in comments.list_batches(db, "D3_other_text")] == [1]
    before = {row[:2]: row for row in stored_batches(db)}
    # A cutoff a month or more into quarter 6: batch 1 of each question began before
    # it, and the answers it showed from quarters 5 and 4 outlive the purge.
    months = 17 + (today.month - periods.first_day(current, "quarter").month) % 12
    cutoff = periods.week_of(months_before(today, months))
    assert periods.period_of_week(cutoff, "quarter") == quarter[6]
    result = runner.invoke(args=["purge", "--months", str(months)])
    assert result.exit_code == 0, result.output
    assert "and 2 batches of comments that began before it." in result.output
    after = {row[:2]: row for row in stored_batches(db)}
    assert set(after) == {("F1_comments", 2), ("F1_comments", 3)}
    assert all(after[key] == before[key] for key in after)  # byte for byte
    for key in set(before) - set(after):
        assert before[key][4] < cutoff  # first_week
    for key in after:
        assert after[key][4] >= cutoff
    # Those answers are never pooled again: D3 has 4 of them and 6 waiting, enough
    # for a batch, and gets none.
    again = runner.invoke(args=["release"])
    assert again.exit_code == 0 and "Fixed comments" not in again.output
    assert {row[:2]: row for row in stored_batches(db)} == after
    # The page keeps the batches' numbers; the deleted one is no longer offered.
    client = personas["analyst"]
    html = client.get("/dashboard/comments").get_data(as_text=True)
    assert "two 0" in html and "old 4 0" not in html
    assert "three 0" in client.get("/dashboard/comments?batch=2").get_data(as_text=True)
    assert client.get("/dashboard/comments?batch=1").status_code == 400
    html = client.get("/dashboard/comments?question=D3_other_text").get_data(
        as_text=True
    )
    assert "No batch of comments to this question can be released yet." in html


# Property: batches do not depend on when the releases were made --------------------

QUARTERS = periods.span("2023/24 Q1", "2025/26 Q4", "quarter")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    answers=st.lists(
        st.integers(0, 14), min_size=len(QUARTERS), max_size=len(QUARTERS)
    ),
    step=st.integers(1, 4),
)
def test_batches_are_release_in_batches_whenever_the_quarters_are_released(
    answers, step
):
    # Released a few quarters at a time, with no late comment, the fixed batches are
    # the ones release_in_batches cuts over all the quarters at once.
    with tempfile.TemporaryDirectory() as folder:
        db = storage.connect(str(Path(folder) / "survey.db"))
        storage.migrate(db)
        for quarter, count in zip(QUARTERS, answers, strict=True):
            week = periods.first_week(quarter, "quarter")
            add_comments(db, {week: [f"{quarter} {n}" for n in range(count)]})
        # Responses in the first quarter, so the batches start there.
        add_comments(db, {periods.first_week(QUARTERS[0], "quarter"): [""]})
        # Each group of quarters is released newest first: its quarters wait for
        # its oldest, and are pooled together when that is released.
        for start in range(0, len(QUARTERS), step):
            group = QUARTERS[start : start + step]
            end = periods.first_day(periods.shift(group[-1], "quarter", 1), "quarter")
            for quarter in reversed(group):
                releases.make_release(
                    db, "quarter", quarter, end + timedelta(days=7), K
                )
        pooled = list(zip(QUARTERS, answers, strict=True))
        expected = disclosure.release_in_batches(pooled, K)
        got = comments.list_batches(db, "F1_comments")
        assert [(b["last"], b["count"]) for b in got] == [
            (b["last"], b["count"]) for b in expected
        ]
        firsts = [QUARTERS[0]] + [
            periods.shift(b["last"], "quarter", 1) for b in expected[:-1]
        ]
        assert [b["first"] for b in got] == firsts[: len(got)]
        assert all(b["count"] >= K for b in got)
        db.close()
