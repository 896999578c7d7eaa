"""Releases: made once for complete periods, never changed by late forms or purges."""

import csv
import json
import sqlite3
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import pinned
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import periods
from analysis import report as reports
from analysis.periods import months_before
from survey import audit_log, demo, ledger, questionnaire, releases, storage
from survey.counts import read_report_counts
from survey.report_command import main
from survey.reports import read_release_rows

K = 10  # SUPPRESSION_THRESHOLD, as the app is configured in the tests
HEADER = ["period", "channel", "version", *questionnaire.storage_columns()]


@pytest.fixture
def quarter(today):
    """A released quarter with responses: the one before the latest complete one."""
    return periods.shift(periods.latest_complete(today, "quarter"), "quarter", -1)


def _demo(db, today, count=1500):
    """Demo responses over the three financial years before `today`."""
    storage.add_rows(db, demo.generate(count, 1, today))


def _late_forms(path, count, quarter, channel="outreach-north"):
    """A CSV of typed-up paper forms, all from the first week of `quarter`."""
    week = periods.first_week(quarter, "quarter")
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


def _report(
    app, capsys, today, period_type="quarter", *, released=True, published=None
):
    """The report command's JSON output (from releases), or one built live
    (withholding the populations not in `published`, by period, if given)."""
    if not released:
        live = read_report_counts(
            app.config["DATABASE"], "", periods.unfinished_from(today, "month")
        )
        options = reports.Options(today=today, period_type=period_type)
        if published is not None:
            options.withheld = lambda pop: pop[1].key not in published.get(pop[0], ())
        return _built(live, options)
    args = ["report", "--db", app.config["DATABASE"], "--period", period_type]
    args += ["--format", "json", "--today", today.isoformat()]
    assert main(args) == 0
    return capsys.readouterr().out


def test_a_release_is_made_only_for_a_complete_period(db, today, quarter):
    _demo(db, today, 300)
    under_way = periods.period_of_week(periods.week_of(today), "quarter")
    with pytest.raises(releases.Refused, match="not over yet"):
        releases.make_release(db, "quarter", under_way, today, K)
    with pytest.raises(releases.Refused, match="not a quarter"):
        releases.make_release(db, "quarter", "2025 Q1", today, K)
    made = releases.make_release(db, "quarter", quarter, today, K)
    assert (made["period"], made["revision"]) == (quarter, 1)
    assert made["made_week"] == periods.week_of(today)
    assert {row["period"] for row in made["rows"]["measures"]} <= set(
        _weeks_of(quarter, "quarter")
    )
    assert db.execute("SELECT count(*) FROM releases").fetchone()[0] == 1


def test_a_release_holds_its_counts_by_language_with_their_key_sums(db, today, quarter):
    first, _ = releases.period_weeks(quarter, "quarter")
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
    made = releases.make_release(db, "quarter", quarter, today, K)
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


def test_making_a_release_twice_gives_the_same_release(db, today):
    _demo(db, today, 300)
    first = releases.make_release(db, "month", "2025-05", today, K)
    storage.add_rows(db, demo.generate(50, 2, today))
    assert releases.make_release(db, "month", "2025-05", today, K) == first
    made = releases.make_due_releases(db, today, K)
    assert ("month", "2025-05") not in {(r["period_type"], r["period"]) for r in made}
    before = _stored_json(db)
    assert releases.make_due_releases(db, today, K) == []
    assert _stored_json(db) == before


def test_two_processes_making_releases_at_once_store_each_once(app, db, today):
    _demo(db, today, 300)
    path, made = app.config["DATABASE"], []

    def make():
        own = storage.connect(path)
        try:
            made.append(releases.make_due_releases(own, today, K))
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


def test_a_period_with_iso_week_53_holds_each_of_its_weeks_once(runner, db):
    # 2026 has 53 ISO weeks. Week 53 (28 December 2026 to 3 January 2027) has its
    # Thursday in December: it is December's, 2026/27 Q3's and 2026/27's, and no
    # other period's, though four of its days are in January.
    weeks = [periods.week_of(date(2026, 9, 21) + timedelta(weeks=n)) for n in range(30)]
    assert (weeks[0], weeks[15], weeks[-1]) == ("2026-W39", "2027-W01", "2027-W15")
    row = {"A1_offence": "da", "B1_confidence": "4"}
    storage.add_rows(
        db,
        [
            storage.response_row(row, period=week, channel="c", submission_id=week)
            for week in weeks
        ],
    )
    with pinned(date(2027, 5, 5)):
        result = runner.invoke(args=["release"])
    assert result.exit_code == 0, result.output
    expected = {
        ("month", "2026-12"): ["2026-W49", "2026-W50", "2026-W51", "2026-W52"]
        + ["2026-W53"],
        ("month", "2027-01"): ["2027-W01", "2027-W02", "2027-W03", "2027-W04"],
        ("quarter", "2026/27 Q3"): weeks[1:15],  # 2026-W40 to 2026-W53
        # 2027-W13 has its Thursday on 1 April: it is 2027/28's.
        ("quarter", "2026/27 Q4"): weeks[15:27],  # 2027-W01 to 2027-W12
        ("year", "2026/27"): weeks[:27],  # 2026-W39 (September's) to 2027-W12
    }
    assert expected[("quarter", "2026/27 Q3")][-1] == "2026-W53"
    for (period_type, period), held in expected.items():
        release = releases.get_release(db, period_type, period)
        assert release["rows"]["weeks"] == dict.fromkeys(held, 1), period
        measures = release["rows"]["measures"]
        assert sum(row["responses"] for row in measures) == len(held)
    # Week 53 is counted once in each type of period, and in no other period.
    for period_type in releases.PERIOD_TYPES:
        holding = [
            release["period"]
            for release in releases.list_releases(db, period_type)
            if "2026-W53" in release["rows"]["weeks"]
        ]
        assert holding == [
            {"month": "2026-12", "quarter": "2026/27 Q3", "year": "2026/27"}[
                period_type
            ]
        ]


@pytest.mark.parametrize(
    ("day", "months", "cutoff"),
    [
        ("2026-12-31", 13, "2025-W48"),  # from Sunday 30 November 2025
        ("2027-01-01", 36, "2024-W01"),  # Monday 1 January 2024
        ("2027-01-04", 1, "2026-W49"),  # Friday 4 December 2026
        ("2027-03-31", 1, "2027-W08"),  # 28 February: February has no 31st
        ("2027-04-01", 13, "2026-W09"),  # Sunday 1 March 2026
        ("2028-02-29", 12, "2027-W08"),  # 28 February 2027: 2027 has no 29th
        ("2028-02-29", 36, "2025-W09"),  # Friday 28 February 2025
    ],
)
def test_purge_as_of_a_day_deletes_before_that_many_months_earlier(
    runner, db, day, months, cutoff
):
    with pinned(date.fromisoformat(day)):  # as cron runs it on that day
        result = runner.invoke(args=["purge", "--months", str(months)])
    assert result.exit_code == 0, result.output
    assert f"Deleted 0 responses from before {cutoff}," in result.output


def test_no_import_or_release_reaches_back_before_the_latest_purge(
    app, runner, db, link, tmp_path, today
):
    # A purge of 12 months while 36 are configured: a form from between the two
    # would bring back the releases purged, with its answers alone in one.
    _demo(db, today)
    assert runner.invoke(args=["release"]).exit_code == 0
    assert runner.invoke(args=["purge", "--months", "12"]).exit_code == 0
    cutoff = periods.retention_cutoff(today, 12)
    assert storage.purged_before(db) == cutoff
    older = periods.week_of(periods.week_thursday(cutoff) - timedelta(weeks=20))
    forms = _late_forms(
        tmp_path / "old.csv", 1, periods.period_of_week(older, "quarter")
    )
    result = runner.invoke(args=["import-responses", str(forms)])
    assert (
        result.exit_code == 1 and f"is before {cutoff}, the earliest" in result.output
    )
    # However a response got in, no release of a purged period is made again.
    storage.add_rows(
        db,
        [
            storage.response_row(
                {"A1_offence": "da"}, period=older, channel="c", submission_id="x"
            )
        ],
    )
    assert releases.due_releases(db, today) == []
    # A later purge of more months does not move the mark back.
    assert runner.invoke(args=["purge", "--months", "36"]).exit_code == 0
    assert storage.purged_before(db) == cutoff


def test_release_as_of_an_earlier_day_makes_only_what_was_due_then(runner, db, today):
    _demo(db, today, 300)
    result = runner.invoke(args=["release", "--today", "2026-04-02"])
    assert result.exit_code == 0, result.output
    assert "Released year 2025/26." in result.output
    assert "Released quarter 2026/27 Q1." not in result.output
    made = releases.list_releases(db, "month")
    assert made[-1]["period"] == "2026-03"
    assert {release["made_week"] for release in made} == {"2026-W14"}
    later = runner.invoke(args=["release"])
    assert f"Released month {periods.latest_complete(today, 'month')}." in (
        later.output
    )


def test_a_release_stays_the_same_after_late_forms_below_the_threshold(
    app, runner, db, link, tmp_path, capsys, today, quarter
):
    _demo(db, today)
    assert runner.invoke(args=["release"]).exit_code == 0
    stored, report = _stored_json(db), _report(app, capsys, today)
    live = _report(app, capsys, today, released=False)
    result = runner.invoke(
        args=["import-responses", str(_late_forms(tmp_path / "late.csv", 9, quarter))]
    )
    assert result.exit_code == 0, result.output
    assert _stored_json(db) == stored
    assert _report(app, capsys, today) == report
    assert _report(app, capsys, today, released=False) != live  # the live one did move
    assert (
        releases.late_responses(db, releases.get_release(db, "quarter", quarter)) == 9
    )
    refused = runner.invoke(
        args=["release", "--revise", quarter, "--period-type", "quarter"]
    )
    assert refused.exit_code == 1
    assert "has 9 late response(s)" in refused.output
    assert "needs at least 10" in refused.output
    assert _stored_json(db) == stored


def test_a_revision_needs_the_threshold_of_late_forms_and_says_what_changed(
    app, runner, db, link, tmp_path, capsys, today, quarter
):
    _demo(db, today)
    assert runner.invoke(args=["release"]).exit_code == 0
    first = releases.get_release(db, "quarter", quarter)
    before = _report(app, capsys, today)
    late = _late_forms(tmp_path / "late.csv", 10, quarter)
    assert runner.invoke(args=["import-responses", str(late)]).exit_code == 0
    result = runner.invoke(
        args=["release", "--revise", quarter, "--period-type", "quarter"]
    )
    assert result.exit_code == 0, result.output
    revised = releases.get_release(db, "quarter", quarter)
    assert revised["revision"] == 2 and revised["note"] in result.output
    old, new = (
        sum(r["responses"] for r in x["rows"]["measures"]) for x in (first, revised)
    )
    assert new == old + 10
    assert revised["note"].startswith("Revised for late responses: responses ")
    assert "confidence base" in revised["note"]
    # The first revision is kept as it was; reports read the latest one.
    assert releases.get_release(db, "quarter", quarter, 1) == first
    assert _report(app, capsys, today) != before
    assert releases.late_responses(db, revised) == 0
    actions = [entry["action"] for entry in audit_log.list_entries(db)]
    assert "revised a release (command line)" in actions
    assert "made a release (command line)" in actions


def test_a_purge_leaves_releases_as_they_were(app, runner, db, capsys, today):
    _demo(db, today)
    assert runner.invoke(args=["release"]).exit_code == 0
    stored, report = _stored_json(db), _report(app, capsys, today)
    # Retention of 36 months, as deployed: every release stays, byte for byte.
    result = runner.invoke(args=["purge", "--months", "36"])
    assert result.exit_code == 0, result.output
    assert _stored_json(db) == stored
    assert _report(app, capsys, today) == report
    # A purge of more recent responses: the releases of periods not wholly before
    # the cutoff stay as they were, with no late responses though responses are gone.
    cutoff = periods.week_of(months_before(today, 13))
    result = runner.invoke(args=["purge", "--months", "13"])
    assert result.exit_code == 0 and "Deleted 0 " not in result.output
    kept = _keyed(_stored_json(db))
    assert kept and all(_keyed(stored)[key] == row for key, row in kept.items())
    old = releases.get_release(db, "month", periods.period_of_week(cutoff, "month"))
    assert old is not None and releases.late_responses(db, old) == 0


def test_a_release_goes_when_its_whole_period_is_past_retention(runner, db, today):
    # Its counts by week, channel and offence type may be one person's answers: they
    # may not outlive the responses.
    _demo(db, today)
    assert runner.invoke(args=["release"]).exit_code == 0
    before = _keyed(_stored_json(db))
    result = runner.invoke(args=["purge", "--months", "6"])
    assert result.exit_code == 0 and "the releases of 0 periods" not in result.output
    after = _keyed(_stored_json(db))
    cutoff = periods.week_of(months_before(today, 6))
    assert after and set(after) < set(before)
    for period_type, period, _ in set(before) - set(after):
        assert releases.period_weeks(period, period_type)[1] <= cutoff
    for period_type, period, _ in after:
        assert releases.period_weeks(period, period_type)[1] > cutoff
    assert all(before[key] == row for key, row in after.items())


def _keyed(stored: list) -> dict:
    """Stored releases by period type, period and revision."""
    return {(row[0], row[1], row[2]): row for row in stored}


def test_flask_release_prints_what_it_made_and_is_safe_to_run_again(
    runner, db, today, quarter
):
    _demo(db, today, 300)
    first = runner.invoke(args=["release"])
    assert first.exit_code == 0, first.output
    assert f"Released quarter {quarter}." in first.output
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
    _demo(db, today, 3000)
    releases.make_due_releases(db, today, K)
    # The live report withholds what the releases' ledgers withhold (a channel that
    # is all but a few of a period, say): the rest is the same, figure for figure.
    published = ledger.published_keys(
        db,
        period_type,
        [(r["period"], r["revision"]) for r in releases.list_releases(db, period_type)],
    )
    live = json.loads(
        _report(app, capsys, today, period_type, released=False, published=published)
    )
    assert json.loads(_report(app, capsys, today, period_type)) == live
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
            released = read_release_rows(db, period_type)
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
        report = _built(read_release_rows(db, "month"), options)
        storage.add_rows(db, stored(late, len(responses)))
        assert _keyed(_stored_json(db)) == before
        assert _built(read_release_rows(db, "month"), options) == report

        def refused():
            # Too few late responses; or, for a period a purge cut into, the purge.
            for period_type, period, _ in _keyed(_stored_json(db)):
                with pytest.raises(
                    releases.Refused, match="needs at least 10|the latest purge"
                ):
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
