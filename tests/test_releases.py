"""Releases: made once for complete periods, never changed by late forms or purges."""

import csv
import json
import sqlite3
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import periods
from analysis import report as reports
from analysis.__main__ import main
from survey import accounts, demo, questionnaire, releases, storage
from survey.cli import months_before
from survey.counts import read_report_counts

TODAY = date.today()  # flask release and flask purge work from the real date
K = 10  # SUPPRESSION_THRESHOLD, as the app is configured in the tests
QUARTER = periods.shift(periods.label(TODAY, "quarter"), "quarter", -2)
LATE_WEEK = periods.first_week(QUARTER, "quarter")
HEADER = ["period", "channel", "version", *questionnaire.storage_columns()]


def _demo(db, count=1500, today=TODAY):
    """Demo responses over the three financial years before `today`."""
    storage.add_rows(db, demo.generate(count, 1, today))


def _late_forms(path, count, week=LATE_WEEK, channel="outreach-north"):
    """A CSV of typed-up paper forms, all from one week."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        for _ in range(count):
            row = dict.fromkeys(HEADER, "")
            row.update(period=week, channel=channel, version="1")
            row.update(A1_offence="da", A2_contact="none", B1_confidence="2")
            writer.writerow(row)
    return path


def _stored_json(db):
    """Every release as stored, byte for byte."""
    return db.execute(
        "SELECT period_type, period, revision, made_week, rows, note FROM releases "
        "ORDER BY period_type, first_week, revision"
    ).fetchall()


def _report(app, capsys, period_type="quarter", *, released=True, today=TODAY):
    """The report command's JSON output (from releases), or one built live."""
    if not released:
        live = read_report_counts(
            app.config["DATABASE"], "", periods.unfinished_from(today, "month")
        )
        return _built(live, reports.Options(today=today, period_type=period_type))
    args = ["report", "--db", app.config["DATABASE"], "--period", period_type]
    args += ["--format", "json", "--today", today.isoformat()]
    assert main(args) == 0
    return capsys.readouterr().out


def test_a_release_is_made_only_for_a_complete_period(db):
    _demo(db, 300)
    under_way = periods.label(TODAY, "quarter")
    with pytest.raises(releases.Refused, match="not over yet"):
        releases.make_release(db, "quarter", under_way, TODAY, K)
    with pytest.raises(releases.Refused, match="not a quarter"):
        releases.make_release(db, "quarter", "2025 Q1", TODAY, K)
    made = releases.make_release(db, "quarter", QUARTER, TODAY, K)
    assert (made["period"], made["revision"]) == (QUARTER, 1)
    assert made["made_week"] == periods.week_of(TODAY)
    assert {row["period"] for row in made["rows"]["measures"]} <= set(
        _weeks_of(QUARTER, "quarter")
    )
    assert db.execute("SELECT count(*) FROM releases").fetchone()[0] == 1


def test_a_release_holds_its_counts_by_language_with_their_key_sums(db):
    first, _ = releases.period_weeks(QUARTER, "quarter")
    spoken = {"en": 5, "cy": 3, "easy": 2}
    rows = [
        storage.response_row(
            {"A1_offence": "da", "B1_confidence": "5"},
            period=first,
            channel="c",
            submission_id=storage.new_response_id(),
            record_key=number,
            language=code,
        )
        for code, count in spoken.items()
        for number in range(count)
    ]
    storage.add_rows(db, rows)
    made = releases.make_release(db, "quarter", QUARTER, TODAY, K)
    by_language = {
        row["band"]: row
        for row in made["rows"]["about"]
        if row["question"] == "language"
    }
    assert {code: row["responses"] for code, row in by_language.items()} == spoken
    # Each count with the sum of its responses' record keys (0 + 1 + 2 for Welsh).
    assert by_language["cy"]["responses.key"] == 3
    assert by_language["easy"]["confidence.x.key"] == 1
    assert by_language["en"]["confidence.n.key"] == 10
    assert {row["period"] for row in by_language.values()} == {first}


def _weeks_of(period, period_type):
    first, end = releases.period_weeks(period, period_type)
    day, weeks = periods.week_thursday(first), []
    while periods.week_of(day) != end:
        weeks.append(periods.week_of(day))
        day += timedelta(days=7)
    return weeks


def test_making_a_release_twice_gives_the_same_release(db):
    _demo(db, 300)
    first = releases.make_release(db, "month", "2025-05", TODAY, K)
    storage.add_rows(db, demo.generate(50, 2, TODAY))
    assert releases.make_release(db, "month", "2025-05", TODAY, K) == first
    made = releases.make_due_releases(db, TODAY, K)
    assert ("month", "2025-05") not in {(r["period_type"], r["period"]) for r in made}
    before = _stored_json(db)
    assert releases.make_due_releases(db, TODAY, K) == []
    assert _stored_json(db) == before


def test_two_processes_making_releases_at_once_store_each_once(app, db):
    _demo(db, 300)
    path, made = app.config["DATABASE"], []

    def make():
        own = storage.connect(path)
        try:
            made.append(releases.make_due_releases(own, TODAY, K))
        finally:
            own.close()

    threads = [threading.Thread(target=make) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = db.execute("SELECT count(*) FROM releases").fetchone()[0]
    assert stored == len(made[0]) + len(made[1]) > 0  # each made by one of them
    assert db.execute("SELECT max(revision) FROM releases").fetchone()[0] == 1


def test_every_complete_period_is_released_from_the_earliest_week_empty_or_not(db):
    row = {"A1_offence": "da", "B1_confidence": "4"}
    for week in ("2025-W15", "2025-W40"):  # April and October 2025
        storage.add_rows(
            db,
            [storage.response_row(row, period=week, channel="c", submission_id=week)],
        )
    made = releases.make_due_releases(db, date(2026, 1, 14), K)
    assert [r["period"] for r in made if r["period_type"] == "month"] == periods.span(
        "2025-04", "2025-12", "month"
    )
    assert [r["period"] for r in made if r["period_type"] == "quarter"] == [
        "2025/26 Q1",
        "2025/26 Q2",
        "2025/26 Q3",
    ]
    assert not [r for r in made if r["period_type"] == "year"]  # 2025/26 is under way
    may = releases.get_release(db, "month", "2025-05")
    assert may["rows"]["measures"] == [] and may["rows"]["patterns"] == []


def test_a_period_is_due_once_the_week_under_way_belongs_to_the_next(db):
    # Wednesday 30 April 2025 is in the week of Thursday 1 May, which is May's: every
    # week of April is over, as periods.complete and the live report count it.
    row = {"A1_offence": "da", "B1_confidence": "4"}
    storage.add_rows(
        db,
        [storage.response_row(row, period="2025-W14", channel="c", submission_id="a")],
    )
    made = releases.make_due_releases(db, date(2025, 4, 30), K)
    assert [r["period"] for r in made if r["period_type"] == "month"] == ["2025-04"]


def test_a_release_stays_the_same_after_late_forms_below_the_threshold(
    app, runner, db, link, tmp_path, capsys
):
    _demo(db)
    assert runner.invoke(args=["release"]).exit_code == 0
    stored, report = _stored_json(db), _report(app, capsys, released=True)
    live = _report(app, capsys, released=False)
    result = runner.invoke(
        args=["import-responses", str(_late_forms(tmp_path / "late.csv", 9))]
    )
    assert result.exit_code == 0, result.output
    assert _stored_json(db) == stored
    assert _report(app, capsys, released=True) == report
    assert _report(app, capsys, released=False) != live  # the live one did move
    assert (
        releases.late_responses(db, releases.get_release(db, "quarter", QUARTER)) == 9
    )
    refused = runner.invoke(
        args=["release", "--revise", QUARTER, "--period-type", "quarter"]
    )
    assert refused.exit_code == 1
    assert "has 9 late response(s)" in refused.output
    assert "needs at least 10" in refused.output
    assert _stored_json(db) == stored


def test_a_revision_needs_the_threshold_of_late_forms_and_says_what_changed(
    app, runner, db, link, tmp_path, capsys
):
    _demo(db)
    assert runner.invoke(args=["release"]).exit_code == 0
    first = releases.get_release(db, "quarter", QUARTER)
    before = _report(app, capsys, released=True)
    late = _late_forms(tmp_path / "late.csv", 10)
    assert runner.invoke(args=["import-responses", str(late)]).exit_code == 0
    result = runner.invoke(
        args=["release", "--revise", QUARTER, "--period-type", "quarter"]
    )
    assert result.exit_code == 0, result.output
    revised = releases.get_release(db, "quarter", QUARTER)
    assert revised["revision"] == 2 and revised["note"] in result.output
    old, new = (
        sum(r["responses"] for r in x["rows"]["measures"]) for x in (first, revised)
    )
    assert new == old + 10
    assert revised["note"].startswith("Revised for late responses: responses ")
    assert "confidence base" in revised["note"]
    # The first revision is kept as it was; reports read the latest one.
    assert releases.get_release(db, "quarter", QUARTER, 1) == first
    assert _report(app, capsys, released=True) != before
    assert releases.late_responses(db, revised) == 0
    actions = [entry["action"] for entry in accounts.list_audit(db)]
    assert "revised a release (command line)" in actions
    assert "made a release (command line)" in actions


def test_a_purge_leaves_releases_as_they_were(app, runner, db, capsys):
    _demo(db)
    assert runner.invoke(args=["release"]).exit_code == 0
    stored, report = _stored_json(db), _report(app, capsys, released=True)
    # Retention of 36 months, as deployed: every release stays, byte for byte.
    result = runner.invoke(args=["purge", "--months", "36"])
    assert result.exit_code == 0, result.output
    assert _stored_json(db) == stored
    assert _report(app, capsys, released=True) == report
    # A purge of more recent responses: the releases of periods not wholly before
    # the cutoff stay as they were, with no late responses though responses are gone.
    cutoff = periods.week_of(TODAY - timedelta(days=400))
    result = runner.invoke(args=["purge", "--months", "13"])
    assert result.exit_code == 0 and "Deleted 0 " not in result.output
    kept = _keyed(_stored_json(db))
    assert kept and all(_keyed(stored)[key] == row for key, row in kept.items())
    old = releases.get_release(db, "month", periods.period_of_week(cutoff, "month"))
    assert old is not None and releases.late_responses(db, old) == 0


def test_a_release_goes_when_its_whole_period_is_past_retention(runner, db):
    # Its counts by week, channel and offence type may be one person's answers: they
    # may not outlive the responses.
    _demo(db)
    assert runner.invoke(args=["release"]).exit_code == 0
    before = _keyed(_stored_json(db))
    result = runner.invoke(args=["purge", "--months", "6"])
    assert result.exit_code == 0 and "the releases of 0 periods" not in result.output
    after = _keyed(_stored_json(db))
    cutoff = periods.week_of(months_before(TODAY, 6))
    assert after and set(after) < set(before)
    for period_type, period, _ in set(before) - set(after):
        assert releases.period_weeks(period, period_type)[1] <= cutoff
    for period_type, period, _ in after:
        assert releases.period_weeks(period, period_type)[1] > cutoff
    assert all(before[key] == row for key, row in after.items())


def _keyed(stored: list) -> dict:
    """Stored releases by period type, period and revision."""
    return {(row[0], row[1], row[2]): row for row in stored}


def test_flask_release_prints_what_it_made_and_is_safe_to_run_again(runner, db):
    _demo(db, 300)
    first = runner.invoke(args=["release"])
    assert first.exit_code == 0, first.output
    assert f"Released quarter {QUARTER}." in first.output
    count = db.execute("SELECT count(*) FROM releases").fetchone()[0]
    assert first.output.count("Released ") == count
    again = runner.invoke(args=["release"])
    assert "No release is due" in again.output
    assert db.execute("SELECT count(*) FROM releases").fetchone()[0] == count


@pytest.mark.parametrize("period_type", ["month", "quarter", "year"])
def test_report_from_releases_is_the_live_report_when_nothing_came_late(
    app, db, capsys, period_type
):
    # In April the month, quarter and year under way all start in the same week, so
    # the live report's α (complete months) covers the released periods exactly.
    today = date(2026, 4, 22)
    _demo(db, 3000, today)
    releases.make_due_releases(db, today, K)
    live = json.loads(_report(app, capsys, period_type, released=False, today=today))
    assert json.loads(_report(app, capsys, period_type, today=today)) == live
    assert live["measures"]["confidence"]["periods"]


def test_a_period_has_one_release_of_each_revision(db):
    db.execute(
        "INSERT INTO releases (period_type, period, revision, first_week, made_week, "
        "rows) VALUES ('month', '2025-05', 1, '2025-W18', '2025-W23', '{}')"
    )
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO releases (period_type, period, revision, first_week, "
            "made_week, rows) VALUES ('month', '2025-05', 1, '2025-W18', "
            "'2025-W23', '{}')"
        )


# Property: for any responses, the report from releases is the live report ----------

POOL = list(demo.generate(120, 3, date(2026, 4, 1)))
FIRST = date(2024, 3, 25)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    responses=st.lists(
        st.tuples(st.integers(0, 130), st.sampled_from(POOL)), max_size=80
    ),
    today=st.integers(0, 130).map(lambda weeks: FIRST + timedelta(weeks=weeks, days=2)),
)
def test_report_from_releases_equals_live_for_every_period_type(responses, today):
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "survey.db")
        db = storage.connect(path)
        storage.migrate(db)
        rows = [
            row | {"id": f"{i:032x}", "submission_id": f"{i}", "period": week}
            for i, (offset, row) in enumerate(responses)
            if (week := periods.week_of(FIRST + timedelta(weeks=offset)))
            <= periods.week_of(today)
        ]
        storage.add_rows(db, rows)
        releases.make_due_releases(db, today, K)
        for period_type in releases.PERIOD_TYPES:
            options = reports.Options(today=today, period_type=period_type)
            # The live α counts complete months; from releases, the released periods.
            # Cut at the same week, the two must be the same report. The About-you
            # rows from the first week: the report breaks down the latest period
            # with responses, which may come before the latest complete one.
            live = read_report_counts(
                path, "", periods.unfinished_from(today, period_type)
            )
            released = releases.read_release_rows(db, period_type)
            assert _built(released, options) == _built(live, options)
        db.close()


def _built(counts, options):
    return json.dumps(
        reports.build(
            counts["measures"] + counts["reasons"],
            questionnaire.REPORT,
            options,
            counts["patterns"],
            counts["about"],
        ),
        sort_keys=True,
    )


# Property: fewer than k late responses, and a purge, change no release -------------

SOON = FIRST + timedelta(weeks=30, days=2)  # the periods before it are released


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    responses=st.lists(
        st.tuples(st.integers(0, 29), st.sampled_from(POOL)), min_size=1, max_size=50
    ),
    late=st.lists(
        st.tuples(st.integers(0, 29), st.sampled_from(POOL)), min_size=1, max_size=9
    ),
    cutoff=st.integers(0, 31),
)
def test_fewer_than_k_late_responses_and_a_purge_change_no_release(
    responses, late, cutoff
):
    """Whatever the responses, up to k − 1 late ones in any weeks leave every release
    byte for byte as it was, and the report from them too; no revision may be made
    from them; and a purge deletes only releases of periods wholly before its cutoff,
    leaving the others byte for byte, and revisions still refused."""

    def stored(rows, start):
        return [
            row
            | {
                "id": f"{start + i:032x}",
                "submission_id": f"{start + i}",
                "period": periods.week_of(FIRST + timedelta(weeks=offset)),
            }
            for i, (offset, row) in enumerate(rows)
        ]

    with tempfile.TemporaryDirectory() as folder:
        db = storage.connect(str(Path(folder) / "survey.db"))
        storage.migrate(db)
        storage.add_rows(db, stored(responses, 0))
        releases.make_due_releases(db, SOON, K)
        before = _keyed(_stored_json(db))
        options = reports.Options(today=SOON, period_type="month")
        report = _built(releases.read_release_rows(db, "month"), options)
        storage.add_rows(db, stored(late, len(responses)))
        assert _keyed(_stored_json(db)) == before
        assert _built(releases.read_release_rows(db, "month"), options) == report

        def refused():
            for period_type, period, _ in _keyed(_stored_json(db)):
                with pytest.raises(releases.Refused, match="needs at least 10"):
                    releases.revise_release(db, period_type, period, SOON, 10)

        refused()
        week = periods.week_of(FIRST + timedelta(weeks=cutoff))
        releases.delete_releases_before(db, week)
        storage.purge_responses(db, week)
        after = _keyed(_stored_json(db))
        assert all(before[key] == row for key, row in after.items())
        for period_type, period, _ in set(before) - set(after):
            assert releases.period_weeks(period, period_type)[1] <= week
        refused()
        db.close()
