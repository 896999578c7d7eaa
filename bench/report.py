"""Benchmark: the report over databases of several sizes, against a bare GROUP BY.

Run by hand (CI times nothing), on databases made with demo-data:

    export SURVEY_DATABASE=/tmp/m1.db
    .venv/bin/flask --app survey init-db
    .venv/bin/flask --app survey demo-data --responses 1000000
    .venv/bin/python bench/report.py /tmp/m1.db [/tmp/m100k.db ...] [--runs 3]

For each file it times, best of --runs: the whole command (`python -m survey report
--format json`, a fresh process each time, so imports count) with its peak memory (the
first run makes any due releases and builds and stores the report; later runs print
the stored report, so with --runs 2 or more the best is that);
the four GROUP BY queries alone; building the report from their rows; and the bare
`SELECT period, channel, A1_offence, count(*) ... GROUP BY` in the sqlite3 shell.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from datetime import date

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from analysis import periods, report  # noqa: E402
from survey import questionnaire, storage  # noqa: E402
from survey.counts import COUNTS_SQL, read_report_counts  # noqa: E402

BARE = (
    "SELECT period, channel, A1_offence, count(*) FROM responses "
    "GROUP BY period, channel, A1_offence;"
)
TODAY = date(2026, 11, 23)


def best(runs, action):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return min(times), result


def command(path):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "survey",
            "report",
            "--db",
            path,
            "--format",
            "json",
            "--today",
            TODAY.isoformat(),
        ],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )


def shell(path, sql):
    return subprocess.run(["sqlite3", path, sql], capture_output=True, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("databases", nargs="+")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'responses':>10} {'groups':>7} {'command':>8} {'peak MB':>8} "
        f"{'queries':>8} {'build':>6} {'bare GROUP BY (shell)':>22} "
        f"{'counts query (shell)':>21}"
    )
    for path in args.databases:
        db = storage.connect(path)
        responses = storage.count_responses(db)
        db.close()
        whole, _ = best(args.runs, lambda p=path: command(p))
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        queries, counts = best(
            args.runs,
            lambda p=path: read_report_counts(
                p,
                periods.since_week(TODAY, "quarter"),
                periods.unfinished_from(TODAY, "month"),
            ),
        )
        options = report.Options(today=TODAY)
        measures = counts["measures"]
        rows = measures + counts["reasons"]
        building, _ = best(
            args.runs,
            lambda r=rows, o=options, c=counts: report.build(
                r, questionnaire.REPORT, o, c["patterns"], c["about"]
            ),
        )
        bare, _ = best(args.runs, lambda p=path: shell(p, BARE))
        shell_counts, _ = best(args.runs, lambda p=path: shell(p, COUNTS_SQL + ";"))
        print(
            f"{responses:>10,} {len(measures):>7,} {whole:>7.2f}s {peak_mb:>8.0f} "
            f"{queries:>7.2f}s {building:>5.2f}s {bare:>21.2f}s {shell_counts:>20.2f}s"
        )
    print("peak MB: the largest child process so far (the command runs first).")


if __name__ == "__main__":
    main()
