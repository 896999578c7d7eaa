"""Benchmark: survey submissions under gunicorn against a bare one-insert endpoint.

Run by hand (CI times nothing):

    .venv/bin/python bench/submissions.py [--seconds 20] [--clients 16] [--workers 4]

Both servers run on 127.0.0.1 with the same number of gunicorn workers and write to the
same fresh database file with the same pragmas. Each client thread sends complete
survey submissions (the final page's POST, every answer of a declined-with-reasons
respondent, a fresh signed form token each time), one after another. Afterwards the
responses in the database are counted: every acknowledged submission must be there.
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from survey import clock, integrity, link_store, storage  # noqa: E402

SECRET = "bench-secret"
# The app does not start without a local service and an accessibility contact to name
# (docs/privacy.md §1).
CONTACTS = {
    "LOCAL_SERVICE_NAME": "Bench Support Service",
    "LOCAL_SERVICE_PHONE": "0808 157 0192",
    "LOCAL_SERVICE_HOURS": "every day",
    "ACCESSIBILITY_CONTACT": "accessibility@example.org",
    # Nor without the public address its hand-out cards print.
    "PUBLIC_BASE_URL": "https://survey.example.org",
}
ANSWERS = [
    ("A1_offence", "da"),
    ("A2_contact", "lt3m"),
    *[(code, "3") for code in ("B1_confidence", "B2_relied_on", "B3_respect")],
    *[
        (code, "4")
        for code in ("B4_fair", "B5_understand", "B6_trust", "B7_report_again")
    ],
    ("C1_satisfied", "2"),
    ("C2_informed", "2"),
    ("C3_respected", "yes"),
    ("C4_orders", "no"),
    ("C5_referred", "yes"),
    ("D1_offered", "yes"),
    ("D2_answered", "some"),
    ("D3_reasons", "fear_found_out"),
    ("D3_reasons", "not_safe_to_talk"),
    ("D3_reasons", "other"),
    ("D3_other_text", "The person was in the next room."),
    ("D4_explained", "no"),
    ("D5_private", "no"),
    ("D6_would_help", "private_place"),
    ("E1_age", "25to44"),
    ("E2_gender", "woman"),
    ("F1_comments", "I would like to be called back by someone who understands."),
    ("page", "6"),
    ("nav", "send"),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app, port, workers, env):
    process = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "--config",
            os.path.join(ROOT, "gunicorn.conf.py"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            app,
        ],
        cwd=ROOT,
        env=dict(
            os.environ,
            PYTHONPATH=ROOT,
            **{f"SURVEY_{key}": value for key, value in CONTACTS.items()},
            **env,
        ),
    )
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{app} did not start")


def load(port, path, body_for, expected_status, clients, seconds):
    """POST from `clients` threads for `seconds`: (latencies, failures, elapsed)."""
    latencies, failures = [], []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client():
        mine, bad = [], 0
        while time.perf_counter() < stop_at:
            body = body_for()
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request(
                    "POST",
                    path,
                    body,
                    {"Content-Type": "application/x-www-form-urlencoded"},
                )
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = None
            finally:
                connection.close()
            if status == expected_status:
                mine.append(time.perf_counter() - started)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            failures.append(bad)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, sum(failures), time.perf_counter() - started


def summary(name, latencies, failures, elapsed):
    ordered = sorted(latencies)
    p99 = ordered[int(0.99 * (len(ordered) - 1))] if ordered else float("nan")
    return {
        "name": name,
        "acknowledged": len(latencies),
        "failed": failures,
        "per_second": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(ordered) if ordered else float("nan"),
        "p99_ms": 1000 * p99,
    }


def run(name, app, path, body, status, env, args):
    """Serve `app`, warm it up for 2 seconds, then time it: its summary."""
    port = free_port()
    server = serve(app, port, args.workers, env)
    try:
        warm_up = load(port, path, body, status, args.clients, 2)
        timed = load(port, path, body, status, args.clients, args.seconds)
    finally:
        server.terminate()
        server.wait()
    result = summary(name, *timed)
    result["acknowledged_in_all"] = len(warm_up[0]) + len(timed[0])
    return result


def report(args, results, counted):
    """Print each server's figures, their ratio, and whether every response is kept."""
    print(
        f"{args.clients} clients, {args.workers} gunicorn workers, "
        f"{args.seconds:.0f} s each"
    )
    for result in results:
        print(
            f"{result['name']:>14}: {result['per_second']:7.1f} per second, "
            f"p50 {result['p50_ms']:6.1f} ms, p99 {result['p99_ms']:6.1f} ms, "
            f"{result['acknowledged']} acknowledged, {result['failed']} failed"
        )
    bare, survey = results
    ratio = survey["per_second"] / bare["per_second"]
    print(f"survey throughput / bare throughput: {ratio:.2f}")
    for result, channel in zip(results, ("bare", "bench"), strict=True):
        stored = counted.get(channel, 0)
        verdict = "all stored" if stored == result["acknowledged_in_all"] else "MISSING"
        print(
            f"{result['name']:>14}: {result['acknowledged_in_all']} acknowledged "
            f"(warm-up included), {stored} in the database: {verdict}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        database = os.path.join(folder, "survey.db")
        db = storage.connect(database)
        storage.migrate(db)
        code = link_store.add_link(
            db, label="Bench", channel="bench", today=clock.today()
        )["code"]
        db.close()
        env = {
            "SURVEY_SECRET_KEY": SECRET,
            "SURVEY_DATABASE": database,
            "SURVEY_INSTANCE_PATH": folder,
            "SURVEY_FLOOD_LIMIT": "0",  # every request comes from 127.0.0.1 here
            "BENCH_DATABASE": database,
        }
        hour = clock.hour()

        def survey_body():
            token = integrity.issue_token(SECRET, hour)
            return urllib.parse.urlencode([("token", token), *ANSWERS])

        def bare_body():
            return urllib.parse.urlencode(ANSWERS)

        survey_path = f"/s/{code}/questions"
        servers = [
            ("bare insert", "bench.bare_app:app", "/insert", bare_body, 200),
            ("survey submit", "survey:create_app()", survey_path, survey_body, 303),
        ]
        results = [run(*server, env, args) for server in servers]
        db = storage.connect(database)
        counted = dict(
            db.execute("SELECT channel, count(*) FROM responses GROUP BY channel")
        )
        db.close()
    report(args, results, counted)


if __name__ == "__main__":
    main()
