"""Counts: the report's and the dashboard's queries count by group and read indexes."""

import pytest

from survey import counts, questionnaire, storage


def test_report_queries_read_indexes_in_group_order(db):
    def plan(sql, params=()):
        query = db.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " ".join(row[3] for row in query)

    # No sort and no lookups into the table: the covering index is walked in order.
    assert (
        plan(counts.COUNTS_SQL)
        == "SCAN responses USING COVERING INDEX responses_counts"
    )
    # Complete months only, read from the index alone (the week is in it).
    assert "COVERING INDEX responses_items" in plan(counts.PATTERNS_SQL, ["2026-W45"])


def _stored(db, answers_list, period="2026-W14", channel="c", language="en"):
    storage.add_rows(
        db,
        [
            storage.response_row(
                answers,
                period=period,
                channel=channel,
                submission_id=storage.new_response_id(),
                language=language,
            )
            for answers in answers_list
        ],
    )


def test_about_you_counts_every_measure_by_band_from_a_week_on(db):
    _stored(db, [{"A1_offence": "da", "B1_confidence": "5", "E1_age": "u25"}] * 3)
    _stored(db, [{"A1_offence": "da", "B1_confidence": "1", "E2_gender": "man"}] * 2)
    _stored(db, [{"A1_offence": "da", "E1_age": "u25"}], period="2025-W01")
    rows = counts.count_about_you(db, "2026-W01")
    by_band = {(r["question"], r["band"]): r for r in rows}
    assert {r["period"] for r in rows} == {"2026-W14"}
    assert by_band[("E1_age", "u25")]["confidence.x"] == 3
    assert by_band[("E1_age", "")]["confidence.n"] == 2  # not answered: its own band
    assert by_band[("E2_gender", "man")]["confidence.x"] == 0
    assert by_band[("E2_gender", "man")]["confidence.n"] == 2
    assert by_band[("E3_disability", "")]["responses"] == 5


def test_about_you_counts_every_measure_by_language_too(db):
    _stored(db, [{"A1_offence": "da", "B1_confidence": "5"}] * 3, language="cy")
    _stored(db, [{"A1_offence": "da", "B1_confidence": "1"}] * 2, language="easy")
    _stored(db, [{"A1_offence": "da", "B1_confidence": "4"}])
    rows = counts.count_about_you(db, "2026-W01")
    by_language = {r["band"]: r for r in rows if r["question"] == "language"}
    assert set(by_language) == {"cy", "easy", "en"}
    assert by_language["cy"]["confidence.x"] == 3
    assert by_language["easy"]["confidence.n"] == 2
    assert by_language["easy"]["confidence.x"] == 0
    assert by_language["en"]["responses"] == 1
    # Each with its key sum, as every count the report perturbs.
    keys = {r["record_key"] for r in db["responses"].rows_where("language = 'cy'")}
    assert by_language["cy"]["responses.key"] >= max(keys)
    assert sum(r["responses"] for r in by_language.values()) == 6


def test_free_text_is_counted_by_week_and_listed_alone_in_text_order(db):
    _stored(db, [{"A1_offence": "da", "F1_comments": text} for text in "cab"])
    _stored(db, [{"A1_offence": "da", "F1_comments": "z"}], period="2026-W01")
    _stored(db, [{"A1_offence": "da", "F1_comments": "y"}], period="2026-W20")
    _stored(db, [{"A1_offence": "da"}])
    assert counts.count_free_text(db, "F1_comments") == [
        ("2026-W01", 1),
        ("2026-W14", 3),
        ("2026-W20", 1),
    ]
    weeks = ("2026-W01", "2026-W14")
    assert counts.list_free_text(db, "F1_comments", weeks, 10) == ["a", "b", "c", "z"]
    assert counts.list_free_text(db, "F1_comments", weeks, 2, 2) == ["c", "z"]
    with pytest.raises(ValueError):
        counts.list_free_text(db, "B1_confidence", weeks, 10)


def test_dashboard_queries_read_only_their_indexes(db):
    def plan(sql, *params):
        rows = db.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " ".join(row[3] for row in rows)

    about = plan(counts.ABOUT_YOU_SQL, "2026-W01")
    assert "COVERING INDEX responses_about (period>?)" in about
    # The pass over the index groups by every question, language and all, in the
    # index's order: no sort (only the small grouped rows are sorted afterwards).
    grouping = about.split("SCAN grouped")[0]
    assert "MATERIALIZE grouped" in grouping and "TEMP B-TREE" not in grouping
    for code in questionnaire.FREE_TEXT_CODES:
        assert plan(counts.free_text_sql(code), "2026-W01", "2026-W14", 5, 0) == (
            f"SEARCH responses USING COVERING INDEX responses_text_{code} "
            "(period>? AND period<?) USE TEMP B-TREE FOR ORDER BY"
        )


def test_score_patterns_count_complete_months_only(db):
    # One more response in the month under way must not move a published α.
    scores = {
        f"B{i}_{name}": "4"
        for i, name in enumerate(
            ("confidence", "relied_on", "respect", "fair", "understand", "trust"), 1
        )
    }
    _stored(db, [{"A1_offence": "da", **scores}] * 3, period="2026-W44")
    _stored(db, [{"A1_offence": "da", **scores}] * 2, period="2026-W45")
    assert counts.count_score_patterns(db, "2026-W45") == [([4] * 6, 3)]
    assert counts.count_score_patterns(db, "2026-W46") == [([4] * 6, 5)]
