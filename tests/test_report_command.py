"""`python -m survey report`: its formats, its errors, and one run as a process."""

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from analysis import periods
from survey import questionnaire, storage
from survey.report_command import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def run(capsys):
    """Runs `python -m analysis ARGS` in this process: its status, output and errors."""

    def run(*args):
        try:
            returncode = main(list(args))
        except SystemExit as exit:  # argparse refuses bad arguments by exiting
            returncode = exit.code
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=returncode, stdout=out, stderr=err)

    return run


def test_command_runs_in_its_own_process_and_prints_only_json(demo_db):
    # The other tests call the command's main() in this process, which is quicker;
    # this one runs it as an operator does.
    command = ["report", "--db", demo_db, "--format", "json", "--today", "2026-11-23"]
    result = subprocess.run(
        [sys.executable, "-m", "survey", *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["measures"]["confidence"]["periods"]


def test_command_prints_json_text_and_markdown(run, demo_db):
    result = run("report", "--db", demo_db, "--format", "json", "--today", "2026-11-23")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["measures"]["confidence"]["periods"]
    text = run("report", "--db", demo_db, "--today", "2026-11-23", "--period", "year")
    heading = questionnaire.BY_MEASURE["confidence"].heading
    underline = "=" * len(heading)
    assert f"{heading}\n{underline}" in text.stdout and "2025/26" in text.stdout
    markdown = run(
        "report",
        "--db",
        demo_db,
        "--format",
        "markdown",
        "--today",
        "2026-11-23",
    )
    assert f"## {heading}" in markdown.stdout and "| 2026/27 Q1 |" in markdown.stdout


def test_command_refuses_bad_arguments_clearly(run, tmp_path):
    low = run("report", "--db", "x.db", "--threshold", "4")
    assert low.returncode == 2 and "never be below 5" in low.stderr
    missing = run("report", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "no database at" in missing.stderr
    other = tmp_path / "other.db"
    other.write_bytes(b"not a database at all" * 100)
    wrong = run("report", "--db", str(other))
    assert wrong.returncode == 2 and "is not a survey database" in wrong.stderr


def test_command_on_an_empty_survey_database_says_so(run, tmp_path):
    path = str(tmp_path / "empty.db")
    db = storage.connect(path)
    storage.migrate(db)
    db.close()
    result = run("report", "--db", path)
    assert result.returncode == 0
    assert "There are no responses from a complete period yet." in result.stdout


def test_the_report_is_of_the_periods_complete_on_the_day(app, run, demo_rows, today):
    # As cron or an analyst runs it, with no --today: the clock's date.
    for period_type in ("month", "quarter", "year"):
        args = ["--period", period_type, "--format", "json"]
        result = run("report", "--db", app.config["DATABASE"], *args)
        assert result.returncode == 0, result.stderr
        built = json.loads(result.stdout)
        latest = periods.latest_complete(today, period_type)
        assert built["latest_complete_period"] == built["periods"][-1] == latest
        assert all(periods.complete(p, period_type, today) for p in built["periods"])
