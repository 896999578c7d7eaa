"""Stored reports: built once per set of releases, read back exactly, never stale."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPORT_TODAY

from survey import releases, stored
from survey import report_command as command

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARGS = ["--format", "json", "--today", REPORT_TODAY.isoformat()]


def _run(capsys, path, *extra):
    assert command.main(["report", "--db", path, *ARGS, *extra]) == 0
    return capsys.readouterr().out


def test_the_command_stores_its_report_and_prints_the_same_from_it(
    app, db, demo_rows, capsys, monkeypatch
):
    path = app.config["DATABASE"]
    built = _run(capsys, path)
    [(kept,)] = db.execute("SELECT built FROM stored_reports").fetchall()
    assert json.loads(kept) == json.loads(built)  # the first run stored what it built
    # The second run reads it: building again would fail here.
    monkeypatch.setattr(command, "_built_report", lambda *a: pytest.fail("rebuilt"))
    assert _run(capsys, path) == built
    # Other options are another report, built and stored beside it.
    monkeypatch.undo()
    other = _run(capsys, path, "--min-base", "100")
    assert json.loads(other)["minimum_base_for_percentages"] == 100


def test_a_stored_report_is_printed_without_loading_scipy_or_flask(app, demo_rows):
    path = app.config["DATABASE"]
    args = ["report", "--db", path, *ARGS]
    assert command.main(args) == 0  # builds and stores it
    probe = (
        "import sys; from survey.report_command import main; main(sys.argv[1:]); "
        "print(sorted(m for m in ('scipy', 'flask', 'sqlite_utils') "
        "if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["measures"]
    assert result.stderr.strip() == "[]"


def test_a_new_release_set_or_other_choices_make_another_key():
    choices = {"threshold": 10, "min_base": 50, "offence": "", "channel": ""}
    released = [["2026/27 Q1", 1], ["2026/27 Q2", 1]]
    key = stored.report_key("quarter", choices, released)
    assert key == stored.report_key("quarter", dict(choices), [*released])
    others = [
        stored.report_key("quarter", choices, [["2026/27 Q1", 1], ["2026/27 Q2", 2]]),
        stored.report_key("quarter", choices, released[:1]),
        stored.report_key("year", choices, released),
        stored.report_key("quarter", choices | {"channel": "helpline"}, released),
        stored.report_key("quarter", choices | {"threshold": 11}, released),
    ]
    assert len({key, *others}) == 6


def test_storing_a_report_replaces_the_one_for_the_same_choices(db):
    choices = {"threshold": 10, "min_base": 50, "offence": "", "channel": ""}
    stored.put_report(db.conn, "old", "quarter", choices, {"a": 1})
    stored.put_report(db.conn, "other", "quarter", choices | {"offence": "da"}, {})
    stored.put_report(db.conn, "new", "quarter", choices, {"a": 2})
    assert stored.get_report(db.conn, "old") is None
    assert stored.get_report(db.conn, "new") == {"a": 2}
    assert stored.get_report(db.conn, "other") == {}


def test_a_purge_deletes_every_stored_report(app, runner, demo_rows, db, capsys):
    _run(capsys, app.config["DATABASE"])
    assert db.execute("SELECT count(*) FROM stored_reports").fetchone()[0] == 1
    assert runner.invoke(args=["purge"]).exit_code == 0
    assert db.execute("SELECT count(*) FROM stored_reports").fetchone()[0] == 0


def test_the_dashboard_reads_a_stored_report_in_a_new_worker(
    app, personas, demo_rows, monkeypatch
):
    from survey import reports

    analyst = personas["analyst"]
    first = analyst.get("/dashboard/").get_data(as_text=True)
    # A worker that starts now finds the report stored: it reads no counts.
    app.extensions.pop("dashboard_cache")
    monkeypatch.setattr(reports, "read_counts", lambda *a: pytest.fail("counts read"))
    again = analyst.get("/dashboard/").get_data(as_text=True)
    table = slice(first.index("<table"), first.index("</table>"))
    assert again[table] == first[table]


def test_a_past_release_s_report_is_the_one_it_was_when_it_was_the_latest(
    app, db, personas, demo_rows, monkeypatch
):
    from survey.dashboard import figures

    with app.test_request_context():
        released = figures.released_periods("quarter")
        latest, before = released[-1], released[-2]
        assert figures.build_report("quarter", through=latest) == figures.build_report(
            "quarter"
        )
        then = figures.build_report("quarter", through=before)
    assert then["latest_complete_period"] == before
    assert then["periods"] == released[:-1]
    # As it was before the latest quarter was released: that release taken away,
    # and every stored or kept report with it.
    db.execute(
        "DELETE FROM releases WHERE period_type = 'quarter' AND period = ?", [latest]
    )
    db.execute("DELETE FROM stored_reports")
    db.conn.commit()
    app.extensions.pop("dashboard_cache")
    # (and not made again: as if that quarter had not ended yet)
    monkeypatch.setattr(releases, "make_due_releases", lambda *args: [])
    with app.test_request_context():
        assert figures.build_report("quarter") == then


def test_a_past_release_s_report_does_not_push_out_the_latest_one(db):
    choices = {"threshold": 10, "min_base": 50, "offence": "", "channel": ""}
    latest = {"latest_complete_period": "2026/27 Q2"}
    past = {"latest_complete_period": "2025/26 Q2"}
    stored.put_report(db.conn, "latest", "quarter", choices, latest)
    stored.put_report(db.conn, "past", "quarter", choices, past)
    assert stored.get_report(db.conn, "latest") == latest
    # A revision of the latest quarter replaces its report, and only its.
    stored.put_report(db.conn, "revised", "quarter", choices, latest)
    assert stored.get_report(db.conn, "latest") is None
    assert stored.get_report(db.conn, "past") == past


def test_every_module_the_recipe_imports_is_in_the_stored_reports_key():
    # A module the report recipe reads that the key left out could change the
    # figures and still serve the reports stored before (docs/performance.md).
    import importlib

    for name in ("survey.reports", "survey.releases", "analysis.report"):
        importlib.import_module(name)
    hashed = {
        path.resolve()
        for pattern in stored.SOURCES
        for path in stored.ROOT.glob(pattern)
    }
    ours = [
        Path(module.__file__).resolve()
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in ("survey", "analysis")
        and getattr(module, "__file__", None)
    ]
    assert ours and all(path in hashed for path in ours), set(ours) - hashed


def test_changing_any_file_of_the_recipe_changes_the_key(tmp_path, monkeypatch):
    for folder in ("survey", "analysis"):
        shutil.copytree(stored.ROOT / folder, tmp_path / folder)
    monkeypatch.setattr(stored, "ROOT", tmp_path)
    stored.code_version.cache_clear()
    before = stored.report_key("quarter", {}, [])
    for changed in ("survey/releases.py", "survey/reports.py", "analysis/wording.py"):
        path = tmp_path / changed
        path.write_text(path.read_text() + "\n# changed\n")
        stored.code_version.cache_clear()
        after = stored.report_key("quarter", {}, [])
        assert after != before, changed
        before = after
    stored.code_version.cache_clear()


def test_a_release_made_while_a_report_is_built_never_mixes_two_release_sets(
    app, db, demo_rows
):
    # cron's `flask release` may commit between a request reading which releases
    # there are and building the report: the report stored must be of one set.
    from survey import clock
    from survey.dashboard import figures
    from survey.db import get_db

    latest = db.execute(
        "SELECT max(period) FROM releases WHERE period_type = 'month'"
    ).fetchone()[0]
    db.execute(
        "DELETE FROM releases WHERE period_type = 'month' AND period = ?", [latest]
    )
    db.conn.commit()
    choice = {"channel": "helpline"}
    with app.test_request_context("/dashboard/"):
        figures.build_report("month")  # the set without `latest`, its counts kept
        made = figures._current("month")
        assert releases.make_due_releases(db, clock.today(), 10)  # cron, meanwhile
        raced = figures._build(
            made, get_db(), figures._choice("month", **choice), clock.today()
        )
        assert raced["periods"][-1] != latest
    served, fresh = [], []
    for kept in (served, fresh):
        app.extensions.pop("dashboard_cache")  # a worker started since
        with app.test_request_context("/dashboard/"):
            kept.append(figures.build_report("month", **choice))
        db.execute("DELETE FROM stored_reports")  # built again from the releases
        db.conn.commit()
    assert served[0]["periods"][-1] == latest and served == fresh
