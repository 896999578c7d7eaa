"""The dashboard's figures: built by the analysis package from releases, and kept.

Every figure the dashboard shows is of a complete period, built from the releases of
its period type (survey.releases), never from the responses: a late paper form or a
purge cannot move it. Releases are made when a period ends by `flask release` from
cron, or by a worker as it starts (warm_up), never by a request: a page says which
complete periods are not released yet (docs/disclosure.md, releases).

A report built from a set of releases is stored in the database (survey.stored), so
no worker builds it twice, and kept in the process, with every chart made from it,
until that set changes (a new period, a revision, a purge): the set is read on each
request (a few rows), so a change made by another worker or by cron is seen at once.
Gunicorn makes due releases and reads or builds the default report as each worker
starts (warm_up), so the first request need not wait, or waits only for what is left.
Comment batches are fixed and stored when their quarters are released
(survey.comments), and read as they were stored.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import date

from flask import current_app

from analysis import periods, volume
from survey import (
    clock,
    comments,
    counts,
    link_store,
    releases,
    reports,
    storage,
    stored,
)
from survey.db import get_db

# The comments pages show batches of whole financial quarters (survey.comments).
COMMENT_PERIOD = comments.PERIOD
# What the dashboard opens on, built as each worker starts.
DEFAULT_PERIOD = "quarter"

# One thread at a time makes releases in this process (others wait and find them).
_releasing = threading.Lock()


def _cache() -> dict:
    return current_app.extensions.setdefault("dashboard_cache", {})


def _release_due(db, cache: dict, today: date, threshold: int) -> None:
    """Make the releases due since this process last looked, as a worker starts.

    A period ends with a month, so while the week under way is in the same month (a
    week belongs to the month holding its Thursday) nothing new is due.
    """
    month = periods.period_of_week(periods.week_of(today), "month")
    if cache.get("released_in") == month:
        return
    with _releasing:
        if cache.get("released_in") != month:
            made = releases.make_due_releases(db, today, threshold)
            releases.record_made(db, made, "dashboard")
            cache["released_in"] = month


def _made(
    cache: dict, db, period_type: str, today: date, through: str | None = None
) -> dict:
    """What is kept for the type's current release set (dropped when it changes).

    With `through`, the set as it was when that period was the latest released: the
    report of a past release, built from the same releases as it was then.
    """
    released = stored.signature(db.conn, period_type, today, through)
    held = cache.get(("releases", period_type, through))
    if held is None or held[0] != released or held[1] != today:
        held = (released, today, {"released": released, "through": through})
        cache[("releases", period_type, through)] = held
    return held[2]


def _build(made: dict, db, choice: reports.Choice, today: date) -> dict:
    """The report for the release set: kept, else stored, else built and stored."""
    key = ("report", choice.offence, choice.channel)
    if key in made:
        return made[key]

    def counts(signature: list) -> dict:
        # Read once per release set, for every filter of it.
        if "counts" not in made:
            made["counts"] = reports.read_counts(db, choice, signature)
        return made["counts"]

    built = reports.report(db, choice, today, counts, made["released"])
    if choice.through is not None:
        # A past release's counts are seldom asked for twice: keep its reports only.
        made.pop("counts", None)
    made[key] = built
    return built


def warm_up(app) -> None:
    """Make due releases and build the default report, in the background."""
    with app.app_context():
        cache, path = _cache(), app.config["DATABASE"]
        choice, today = _choice(DEFAULT_PERIOD), clock.today()

        def prepare():
            db = storage.connect(path)
            try:
                _release_due(db, cache, today, choice.threshold)
                made = _made(cache, db, DEFAULT_PERIOD, today)
                _build(made, db, choice, today)
            except sqlite3.Error as error:  # the first request tries again
                logging.getLogger(__name__).warning("could not warm up: %s", error)
            finally:
                db.close()

        thread = threading.Thread(target=prepare, name="dashboard-warm-up", daemon=True)
        cache["warming"] = thread
        thread.start()


def wait_for_warm_up() -> None:
    """Wait until the start-up work, if any is running, is over."""
    running = _cache().get("warming")
    if running is not None:
        running.join()


def _current(period_type: str, through: str | None = None) -> dict:
    """What is kept for the type's releases (up to `through`).

    A request never makes a release: `flask release` does, from cron, and each worker
    as it starts (warm_up). Until then a page shows the releases there are, and says
    which periods are not released yet (unreleased).
    """
    wait_for_warm_up()  # rather than read the same counts twice
    return _made(_cache(), get_db(), period_type, clock.today(), through)


def unreleased(period_type: str) -> list[str]:
    """The type's complete periods with no release yet, oldest first (reads only)."""
    due = releases.due_releases(get_db(), clock.today())
    return [period for kind, period in due if kind == period_type]


def released_periods(period_type: str) -> list[str]:
    """Every released period of the type, oldest first: those one may choose."""
    return [period for period, _ in _current(period_type)["released"]]


def kept(
    period_type: str,
    key: tuple,
    make: Callable[[], object],
    through: str | None = None,
):
    """What `make` returns, made once per release set of the type (a chart, say)."""
    made = _current(period_type, through)
    if key not in made:
        made[key] = make()
    return made[key]


def channels(period_type: str) -> set[str]:
    """Every channel the filter offers: those with responses in the type's releases,
    and those with a link (which may have none yet).

    Read from the releases, never the responses, as every figure is (docs/disclosure.md,
    "Releases"): a channel appears once a period holding its responses is released.
    Kept with the release set, so each request reads only the links.
    """

    def released() -> frozenset[str]:
        return frozenset(releases.released_channels(get_db(), period_type))

    return set(kept(period_type, ("channels",), released)) | link_store.list_channels(
        get_db()
    )


def _choice(
    period_type: str, offence: str = "", channel: str = "", through: str | None = None
) -> reports.Choice:
    """A report's choice, with the rules this app publishes under."""
    config = current_app.config
    return reports.Choice(
        period_type,
        offence,
        channel,
        through,
        threshold=int(config["SUPPRESSION_THRESHOLD"]),
        min_base=int(config["PERCENT_MINIMUM_BASE"]),
    )


def build_report(
    period_type: str, offence: str = "", channel: str = "", through: str | None = None
) -> dict:
    """The report for one choice of period and filters, from the releases.

    `through` is a released period: the report as it was when that period was the
    latest (none: the latest released period).
    """
    made = _current(period_type, through)
    choice = _choice(period_type, offence, channel, through)
    return _build(made, get_db(), choice, clock.today())


def volume_flags() -> list[dict]:
    """Channel-weeks of the last month whose number of responses jumped (a flood?).

    Not a published figure: a flag for analysts, from the live weekly counts of the
    last few months, read again every DASHBOARD_CACHE_SECONDS.
    """
    # "Far above" must mean more than a few people: at least twice the threshold
    # more than the channel's usual week.
    minimum = 2 * current_app.config["SUPPRESSION_THRESHOLD"]
    cache, today = _cache(), clock.today()
    stamp, day, flags = cache.get("volume", (None, None, None))
    age = None if stamp is None else time.monotonic() - stamp
    if (
        age is None
        or age > current_app.config["DASHBOARD_CACHE_SECONDS"]
        or (day != today)
    ):
        weeks = volume.recent_weeks(today, volume.RECENT + volume.WINDOW)
        rows = counts.count_recent_weeks(get_db(), weeks[0])
        flags = volume.jumps(rows, today, minimum=minimum)
        cache["volume"] = (time.monotonic(), today, flags)
    return flags


def comment_batches(code: str) -> list[dict]:
    """One free-text question's fixed batches, oldest first, without their texts.

    Read from those stored when their quarters were released (survey.comments), never
    cut again here: a request changes nothing, and a late comment or a purge cannot
    move a batch (docs/disclosure.md, "Comment batches"). A batch's texts are read a
    page at a time (comments.read_comments), so memory does not grow with them.
    """
    return comments.list_batches(get_db(), code)
