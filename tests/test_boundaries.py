"""The analysis package stays pure: ruff refuses Flask and database imports in it."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUFF = os.path.join(os.path.dirname(sys.executable), "ruff")


def ruff_on(source, filename):
    return subprocess.run(
        [RUFF, "check", "--no-cache", "-", "--stdin-filename", filename],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    "line",
    [
        "import sqlite3",
        "import flask",
        "from sqlite_utils import Database",
        "from survey import storage",
    ],
)
def test_analysis_may_not_import_the_web_app_or_the_database(line):
    result = ruff_on(f"{line}\n\nprint({line.split()[-1]})\n", "analysis/probe.py")
    assert result.returncode != 0
    assert "TID251" in result.stdout


def test_the_same_import_is_allowed_outside_analysis():
    result = ruff_on("import sqlite3\n\nprint(sqlite3)\n", "survey/probe.py")
    assert result.returncode == 0, result.stdout
