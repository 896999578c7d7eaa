"""Faults under the real server (issue 14, docs/privacy.md §6): the app runs under
gunicorn with the project's gunicorn.conf.py, as in production, while the database
becomes read-only, a worker is killed, or the disk fills up, in the middle of
submissions.

Every submission the server acknowledged (a 303 to the thank-you page) must be stored
exactly once, and no request may get a 500; a 503 ("not sent yet") is allowed.
"""

import errno
import http.client
import os
import runpy
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import SECRET

from survey import clock, integrity, link_store, storage
from survey.questionnaire import PAGE_OF

ROOT = Path(__file__).resolve().parent.parent
# The benchmark's complete final page: every answer of a declined-with-reasons person.
ANSWERS = runpy.run_path(str(ROOT / "bench" / "submissions.py"))["ANSWERS"]
# Root ignores file modes: as root, gunicorn runs without the capabilities that let it
# (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so a chmod makes the file read-only to it.
AS_ROOT = os.geteuid() == 0


@pytest.fixture
def server():
    """One open link's database served by gunicorn: (file, port, code, process)."""
    folder = Path(tempfile.mkdtemp(prefix="survey-faults-"))
    database = folder / "survey.db"
    code = _make_database(database)
    if AS_ROOT and not shutil.which("setpriv"):
        pytest.skip(
            "as root, file modes bind only without CAP_DAC_OVERRIDE: no setpriv"
        )
    port, log = _free_port(), open(folder / "gunicorn.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [*_without_root_overrides(), *_gunicorn(port)],
        env=_environment(database),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        start_new_session=True,  # its own process group, for _stop
    )
    try:
        _wait_for(port)
        yield database, port, code, process
    finally:
        _stop(process)
        log.close()
        shutil.rmtree(folder)


def _make_database(database):
    """Make a migrated database with one open link, as init-db would: its code."""
    db = storage.connect(str(database))
    storage.migrate(db)
    code = link_store.add_link(
        db, label="Faults", channel="faults", today=date(2026, 4, 1)
    )
    db.close()
    return code["code"]


def _gunicorn(port):
    """The command serving the app as production does, with two workers."""
    return [
        os.path.join(os.path.dirname(sys.executable), "gunicorn"),
        *("--config", "gunicorn.conf.py", "--workers", "2"),
        *("--bind", f"127.0.0.1:{port}", "survey:create_app()"),
    ]


def _environment(database):
    """The server's settings: the database, and its folder as the instance folder."""
    return dict(
        os.environ,
        SURVEY_SECRET_KEY=SECRET,
        SURVEY_DATABASE=str(database),
        SURVEY_INSTANCE_PATH=str(database.parent),
        SURVEY_FLOOD_LIMIT="0",  # every request comes from 127.0.0.1 here
        SURVEY_DATABASE_BUSY_TIMEOUT_MS="1000",
    )


def _stop(process):
    """Stop gunicorn and its workers, killing them if they do not stop in time."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        # The process group started with gunicorn (start_new_session): the master is
        # not waited for yet, so its id cannot have passed to another group.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def _without_root_overrides():
    """A prefix for the command, so that as root the server still obeys file modes."""
    if not AS_ROOT:
        return []
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port, process=None):
    """Wait until gunicorn answers: a loaded machine can be slow to start it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _post(port, "/s/none/questions", b"") is not None:
            return
        if process is not None and process.poll() is not None:
            raise AssertionError("gunicorn stopped at its start; see gunicorn.log")
        time.sleep(0.2)
    raise AssertionError("gunicorn did not start; see gunicorn.log")


def _post(port, path, body):
    """POST a form: its status, or None when the connection failed."""
    return _fetch(port, "POST", path, body)[0]


def _fetch(port, method, path, body=b""):
    """A request's status and page, both None when the connection failed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        connection.request(method, path, body if method == "POST" else None, headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    except OSError:
        return None, None
    finally:
        connection.close()


def _encode(pairs):
    """Form fields as a browser sends them."""
    return urllib.parse.urlencode(pairs).encode()


def _submission():
    """A final page to send: (its submission id, its body), with a fresh form token."""
    token = integrity.issue_token(SECRET, clock.hour())
    body = urllib.parse.urlencode([("token", token), *ANSWERS]).encode()
    return integrity.read_token(SECRET, token).submission_id, body


class Senders:
    """Client threads sending final pages until stopped; every status is kept."""

    def __init__(self, port, code, clients=4):
        self.port, self.path = port, f"/s/{code}/questions"
        self.sent = {}  # submission id -> (body, statuses in order)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run) for _ in range(clients)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def _run(self):
        while not self.stopping.is_set():
            submission_id, body = _submission()
            with self.lock:
                self.sent[submission_id] = (body, [])
            status = _post(self.port, self.path, body)
            with self.lock:
                self.sent[submission_id][1].append(status)

    def send_again(self, submission_id, tries=1):
        """Send a submission again, as a person pressing the button again would."""
        body, statuses = self.sent[submission_id]
        for _ in range(tries):
            statuses.append(_post(self.port, self.path, body))
            if statuses[-1] == 303:
                break
            time.sleep(0.5)
        return statuses[-1]

    def statuses(self):
        with self.lock:
            return [status for _, sent in self.sent.values() for status in sent]

    def acknowledged(self):
        with self.lock:
            return {key for key, (_, sent) in self.sent.items() if 303 in sent}


def _make_writable(database):
    """Make the database writable again: the file, and its -wal and -shm files.

    SQLite makes a new -shm file with the database file's mode; one made while the
    file was read-only stays read-only, and keeps every write failing, until it is
    made writable too (docs/privacy.md §6).
    """
    for path in database.parent.glob(database.name + "*"):
        path.chmod(0o644)


def _stored(database):
    """How many times each submission id is stored."""
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            "SELECT submission_id, count(*) FROM responses GROUP BY submission_id"
        )
        return dict(rows.fetchall())
    finally:
        connection.close()


def _assert_each_acknowledged_stored_once(senders, database):
    stored = _stored(database)
    assert set(stored) <= set(senders.sent)
    assert all(count == 1 for count in stored.values())
    assert senders.acknowledged() <= set(stored)


def test_database_made_read_only_mid_run(server):
    database, port, code, _process = server
    with Senders(port, code) as senders:
        time.sleep(1.5)
        database.chmod(0o444)
        try:
            time.sleep(1.5)
            # A submission stored before is found by its id: a thank-you, not a 503.
            early = next(iter(senders.acknowledged()))
            assert senders.send_again(early) == 303
            time.sleep(0.5)
        finally:
            _make_writable(database)
        time.sleep(1)
    statuses = senders.statuses()
    assert set(statuses) <= {303, 503}, statuses
    assert statuses.count(503) > 0  # the read-only file was noticed
    # Each "not sent yet" page sent again once the file can be written: stored once.
    for submission_id, (_, sent) in list(senders.sent.items()):
        if 303 not in sent:
            assert senders.send_again(submission_id, tries=10) == 303, sent
    _assert_each_acknowledged_stored_once(senders, database)
    assert senders.acknowledged() == set(senders.sent)


def test_worker_killed_mid_run(server):
    database, port, code, process = server
    with Senders(port, code) as senders:
        time.sleep(1.5)
        worker = _workers(process.pid)[0]
        os.kill(worker, signal.SIGKILL)  # gunicorn's own worker: started by this test
        time.sleep(2)
    statuses = senders.statuses()
    assert 500 not in statuses and set(statuses) <= {303, 503, None}, statuses
    # A lost reply (None) is sent again by the person: a thank-you, stored once.
    for submission_id, (_, sent) in list(senders.sent.items()):
        if 303 not in sent:
            assert senders.send_again(submission_id) == 303
    _assert_each_acknowledged_stored_once(senders, database)
    assert senders.acknowledged() == set(senders.sent)


def _workers(master):
    """The process ids of gunicorn's workers: the master's children."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert children, "gunicorn has no workers"
    return [int(pid) for pid in children]


# The small disk: room for the database, its -wal file (about 4 MB before SQLite's
# automatic checkpoint moves it back) and a few seconds of submissions.
DISK_SIZE = "8m"
# Run by `unshare -m`, inside the private mount namespace: mount the small disk on the
# database's folder, copy every file of the database made beforehand in, and serve it.
IN_NAMESPACE = (
    'mount -t tmpfs -o size="$1",mode=0700 tmpfs "$2" && cp -a "$3"/. "$2" '
    '&& shift 3 && exec "$@"'
)


class Disk:
    """gunicorn in a private mount namespace, with the database's folder on a tmpfs."""

    def __init__(self, process, folder, port, code):
        self.port, self.code = port, code
        # The tmpfs is mounted out of this test's sight; its files are reached through
        # a process inside the namespace: the gunicorn master, which unshare became.
        self.folder = Path(f"/proc/{process.pid}/root") / folder.relative_to("/")
        self.filler = self.folder / "filler"

    def fill(self):
        """Fill the disk to its last byte: a filler file grows until not a byte fits."""
        handle = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            chunk = 1 << 20
            while chunk:
                try:
                    os.write(handle, bytes(chunk))
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    chunk //= 2
        finally:
            os.close(handle)

    def free(self):
        """Give the disk its space back."""
        self.filler.unlink()

    def copy_database(self, to):
        """A copy of the database, with the other files of its folder, in `to`.

        SQLite cannot open it where it is: it follows the /proc/<pid>/root link to
        "/", outside the namespace. The -shm files stay behind; SQLite rebuilds them
        from the -wal files. Copied while the server is idle.
        """
        for path in self.folder.iterdir():
            if path != self.filler and not path.name.endswith("-shm"):
                shutil.copy2(path, to / path.name)
        return to / "survey.db"

    def journals(self):
        """The -wal and -shm files in the folder, of whichever databases it holds."""
        return [p.name for p in self.folder.iterdir() if p.name.endswith(JOURNALS)]


JOURNALS = ("-wal", "-shm")


@pytest.fixture
def full_disk_server():
    """One open link's database on a small disk of its own, served by gunicorn: a Disk.

    The disk is a tmpfs mounted in a private mount namespace (unshare -m), which only
    root or CAP_SYS_ADMIN may make. It goes away with the namespace, when gunicorn and
    its workers have exited.
    """
    folder = Path(tempfile.mkdtemp(prefix="survey-disk-"))
    try:
        made, mounted = folder / "made", folder / "disk"
        made.mkdir(mode=0o700)
        mounted.mkdir(mode=0o700)
        _skip_unless_private_mounts(mounted)
        code = _make_database(made / "survey.db")
        port, log = _free_port(), open(folder / "gunicorn.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [
                *("unshare", "--mount", "sh", "-c", IN_NAMESPACE, "sh"),
                *(DISK_SIZE, str(mounted), str(made), *_gunicorn(port)),
            ],
            env=_environment(mounted / "survey.db"),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,  # its own process group, for _stop
        )
        try:
            _wait_for(port, process)
            yield Disk(process, mounted, port, code)
        finally:
            _stop(process)
            log.close()
    finally:
        shutil.rmtree(folder)


def _skip_unless_private_mounts(folder):
    """Skip unless a tmpfs can be mounted on `folder` in a private mount namespace."""
    if not shutil.which("unshare"):
        pytest.skip("full disk: no unshare to make a private mount namespace with")
    mount = ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)]
    probe = subprocess.run(
        ["unshare", "--mount", *mount], capture_output=True, text=True
    )
    if probe.returncode != 0:
        pytest.skip(
            "full disk: a tmpfs in a private mount namespace needs root or "
            f"CAP_SYS_ADMIN ({probe.stderr.strip()})"
        )


class BrowserForm(HTMLParser):
    """The fields a browser sends from a page's form, but for the button pressed.

    Hidden and text fields, checked radios and checkboxes, and text areas: what the
    person would send again from a 503 page.
    """

    def __init__(self, html):
        super().__init__()
        self.pairs, self._text_area = [], None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "textarea" and name:
            self._text_area = (name, [])
        if tag != "input" or not name:
            return
        kind = attributes.get("type", "text")
        if kind in ("radio", "checkbox"):
            if "checked" in attributes:
                self.pairs.append((name, attributes.get("value", "on")))
        elif kind not in ("submit", "button", "image", "reset"):
            self.pairs.append((name, attributes.get("value") or ""))

    def handle_data(self, data):
        if self._text_area:
            self._text_area[1].append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._text_area:
            name, parts = self._text_area
            # A browser drops one newline straight after <textarea>.
            self.pairs.append((name, "".join(parts).removeprefix("\n")))
            self._text_area = None


def _without(pairs, *names):
    """The form fields but those named, in an order to compare them in."""
    return sorted(pair for pair in pairs if pair[0] not in names)


def test_full_disk(full_disk_server, tmp_path):
    disk = full_disk_server
    # The disk fills up in the middle of submissions.
    with Senders(disk.port, disk.code) as senders:
        time.sleep(1.5)
        disk.fill()
        # Writes that fit in room SQLite holds already still succeed, until one
        # needs a byte more.
        deadline = time.monotonic() + 10
        while 503 not in senders.statuses() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
    statuses = senders.statuses()
    assert set(statuses) <= {303, 503}, statuses
    assert statuses.count(503) > 0  # the full disk was noticed
    disk.free()
    for submission_id, (_, sent) in list(senders.sent.items()):
        if 303 not in sent:
            assert senders.send_again(submission_id, tries=10) == 303, sent

    # The issue's case: idle, every connection closed, SQLite has removed the -wal and
    # -shm files; with the disk full to the last byte, no connection opens at all.
    deadline = time.monotonic() + 10
    while disk.journals() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert disk.journals() == []
    disk.fill()
    assert shutil.disk_usage(disk.folder).free == 0
    base = f"/s/{disk.code}"
    for method, path in [
        ("GET", base),
        ("POST", base + "/begin"),
        ("GET", base + "/questions"),
        ("GET", base + "/done"),
        ("GET", "/results"),  # linked from the thank-you page
    ]:
        status, html = _fetch(disk.port, method, path)
        assert status == 503, (method, path, status)
        assert "the service is unavailable" in html

    # A page of questions comes back with its answers, and the final page with all.
    token = ("token", integrity.issue_token(SECRET, clock.hour()))
    submission_id = integrity.read_token(SECRET, token[1]).submission_id
    first = [pair for pair in ANSWERS if PAGE_OF.get(pair[0]) == 1]
    for sent in (
        [token, ("page", "1"), *first, ("nav", "next")],
        [token, *ANSWERS],
    ):
        status, html = _fetch(disk.port, "POST", base + "/questions", _encode(sent))
        assert status == 503, status
        assert "Your answers have not been sent yet" in html
        kept = BrowserForm(html).pairs
        assert _without(kept, "website") == _without(sent, "nav")
    assert ("website", "") in kept

    # With room again, the final page's 503 sent as it is stores the answers once.
    disk.free()
    senders.sent[submission_id] = (_encode([*kept, ("nav", "send")]), [503])
    assert senders.send_again(submission_id) == 303
    assert senders.send_again(submission_id) == 303
    _assert_each_acknowledged_stored_once(senders, disk.copy_database(tmp_path))
    assert senders.acknowledged() == set(senders.sent)
