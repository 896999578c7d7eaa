"""Benchmark: the dashboard's pages under gunicorn with one worker, cold and warm.

Run by hand (CI times nothing), on databases made with demo-data:

    .venv/bin/python bench/dashboard.py /tmp/m100k.db /tmp/m1.db [--warm 20]

For each file it upgrades the schema, adds an analyst account and a link per channel,
and makes the due releases, which fix the batches the comments page shows (the
database is changed: use a copy you do not need; the releases take about 24 s for a
million responses, once). Then it starts gunicorn with one worker on 127.0.0.1, logs
in and requests each page over HTTP: the first request (which reads a stored report,
or builds a report or a chart from the releases), then --warm more, of which it gives
the median and the slowest. Then it revises the latest quarter's release (as `flask
release --revise` would, once enough late responses came in) and times the main page
twice: the first request after the release set changed builds the report again, the
next reads it. Last, the worker's resident memory.
"""

import argparse
import http.client
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import pyotp  # noqa: E402
from submissions import free_port, serve  # noqa: E402

from survey import accounts, clock, link_store, releases, storage  # noqa: E402

EMAIL, PASSWORD = "bench.analyst@example.org", "bench password, long enough"
THRESHOLD = 10  # SUPPRESSION_THRESHOLD as the server runs: its default
PAGES = [
    ("main page", "/dashboard/"),
    ("measure page", "/dashboard/measures/confidence"),
    ("its chart (SVG)", "/dashboard/measures/confidence/chart.svg?period=quarter"),
    ("its chart (PNG)", "/dashboard/measures/confidence/chart.png?period=quarter"),
    ("reasons chart (PNG)", "/dashboard/reasons/reasons/chart.png"),
    ("index page", "/dashboard/measures/confidence_index"),
    ("reasons", "/dashboard/reasons"),
    ("breakdowns", "/dashboard/breakdowns?measure=declined"),
    ("main page, by month", "/dashboard/?period=month"),
    ("measure page, filtered", "/dashboard/measures/declined?offence=stalking"),
    ("comments", "/dashboard/comments"),
    ("all tables (JSON)", "/dashboard/export/all.json"),
    ("printable report", "/dashboard/report"),
    ("main page, a past release", "/dashboard/?release=2025%2F26+Q2"),
    ("report as a PDF", "/dashboard/report.pdf"),
]


def prepare(path: str) -> tuple[int, str]:
    """Upgrade the schema, add the analyst (with a second factor) and the links, make
    the due releases (and so the comment batches); the number of responses and the
    analyst's TOTP secret."""
    db = storage.connect(path)
    storage.migrate(db)
    if not db.execute("SELECT 1 FROM staff WHERE email = ?", [EMAIL]).fetchall():
        accounts.add_staff(db, EMAIL, PASSWORD, "analyst", None)
    analyst = accounts.get_staff_by_email(db, EMAIL)
    if not analyst["totp_secret"]:
        secret = accounts.new_totp_secret()
        code = pyotp.TOTP(secret).now()
        accounts.enrol_second_factor(db, analyst["id"], secret, code, clock.now())
    secret = accounts.get_staff_by_email(db, EMAIL)["totp_secret"]
    # The bench's own account: a run a moment after the last may use the same code.
    with db.atomic():
        db.execute("UPDATE staff SET totp_last_step = 0 WHERE email = ?", [EMAIL])
    channels = [row[0] for row in db.execute("SELECT DISTINCT channel FROM responses")]
    for channel in set(channels) - link_store.list_channels(db):
        link_store.add_link(db, label=channel, channel=channel, today=clock.today())
    releases.make_due_releases(db, clock.today(), THRESHOLD)
    responses = storage.count_responses(db)
    db.close()
    return responses, secret


def revise_latest_quarter(path: str) -> None:
    """A new revision of the latest quarter's release, as if late forms had come.

    Made directly (the command would refuse it without late responses): what is
    timed is the dashboard's first request after its release set changed.
    """
    db = storage.connect(path)
    latest = releases.list_releases(db, "quarter")[-1]
    revision = latest["revision"] + 1
    releases._store(db, "quarter", latest["period"], clock.today(), revision, 10)
    db.close()


def start_server(port: int, database: str, folder: str, cache: int):
    """Gunicorn with one worker on the database, as bench/submissions.py starts it."""
    env = {
        "SURVEY_DASHBOARD_CACHE_SECONDS": str(cache),
        "SURVEY_SECRET_KEY": "bench-secret",
        "SURVEY_DATABASE": database,
        "SURVEY_INSTANCE_PATH": folder,
        "SURVEY_SESSION_COOKIE_SECURE": "false",  # plain http on 127.0.0.1
    }
    return serve("survey:create_app()", port, 1, env)


class Client:
    """One logged-in member of staff, over a kept-alive HTTP connection."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""

    def request(self, method: str, path: str, body: str = "") -> tuple[int, bytes]:
        headers = {"Cookie": self.cookie}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                self.cookie = value.split(";")[0]
        return response.status, data

    def _post_form(self, path: str, fields: dict) -> int:
        """Send the form on the page at `path` with its CSRF token; the status."""
        _, page = self.request("GET", path)
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf_token": token.decode(), **fields})
        return self.request("POST", path, form)[0]

    def log_in(self, secret: str) -> None:
        """The password, then a code from the analyst's authenticator secret."""
        status = self._post_form("/staff/login", {"email": EMAIL, "password": PASSWORD})
        if status == 303:
            code = pyotp.TOTP(secret).now()
            status = self._post_form("/staff/login/code", {"code": code})
        if status != 303:
            raise SystemExit(f"could not log in ({status})")

    def timed(self, path: str) -> float:
        start = time.perf_counter()
        status, _ = self.request("GET", path)
        elapsed = time.perf_counter() - start
        if status != 200:
            raise SystemExit(f"{path} gave {status}")
        return elapsed


def worker_rss_mb(master: int) -> float:
    """The resident memory of the master's (one) worker process, in MB."""
    with open(f"/proc/{master}/task/{master}/children") as children:
        [worker] = children.read().split()
    with open(f"/proc/{worker}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("databases", nargs="+")
    parser.add_argument("--warm", type=int, default=20, help="warm requests a page")
    parser.add_argument("--cache-seconds", type=int, default=30)
    parser.add_argument(
        "--settle",
        type=float,
        default=0,
        help="seconds to wait after the worker starts, before the first request",
    )
    args = parser.parse_args()
    for path in args.databases:
        responses, secret = prepare(path)
        print(
            f"\n{responses:,} responses ({path}); one gunicorn worker; first request "
            f"{args.settle:g} s after it starts"
        )
        print(f"{'page':<24} {'first':>9} {'warm median':>12} {'warm slowest':>13}")
        with tempfile.TemporaryDirectory() as folder:
            port = free_port()
            server = start_server(port, path, folder, args.cache_seconds)
            try:
                time.sleep(args.settle)
                client = Client(port)
                client.log_in(secret)
                for name, page in PAGES:
                    first = client.timed(page)
                    # A PDF takes seconds to lay out: three warm runs say enough.
                    runs = min(args.warm, 3) if page.endswith(".pdf") else args.warm
                    warm = [client.timed(page) for _ in range(runs)]
                    print(
                        f"{name:<24} {1000 * first:>7.0f}ms "
                        f"{1000 * statistics.median(warm):>10.1f}ms "
                        f"{1000 * max(warm):>11.1f}ms"
                    )
                revise_latest_quarter(path)
                during = client.timed("/dashboard/")
                after = client.timed("/dashboard/")
                print(
                    f"main page after a revision: {1000 * during:.0f}ms (built again), "
                    f"then {1000 * after:.0f}ms"
                )
                print(f"worker memory afterwards: {worker_rss_mb(server.pid):.0f} MB")
            finally:
                server.terminate()
                server.wait()


if __name__ == "__main__":
    main()
