"""The dashboard's figures, built by the analysis package and kept for a while.

The counts behind the report take seconds to read on a large database, so each
process reads them once and then again in the background every
DASHBOARD_CACHE_SECONDS, answering from the counts it has meanwhile; every report
and chart made from them is kept as long, and goes when they go. Comment batches are
fixed and stored when their quarters are released, and read as they were stored.
Gunicorn starts that read as each worker starts (warm_up), so the first request
need not wait for it either, or waits only for what is left of it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import date

from flask import current_app

from analysis import periods, report, volume
from survey import comments, questionnaire
from survey.counts import read_report_counts
from survey.db import get_db

# The comments pages show batches of whole financial quarters (survey.comments).
COMMENT_PERIOD = comments.PERIOD


def _cache() -> dict:
    return current_app.extensions.setdefault("dashboard_cache", {})


def _read(path: str) -> dict:
    today = date.today()
    counts = read_report_counts(
        path, periods.since_week(today), periods.unfinished_from(today, "month")
    )
    counts["rows"] = counts["measures"] + counts["reasons"]
    return counts


def _store(cache: dict, counts: dict, made: dict | None = None) -> None:
    # Whatever was made from older counts goes with them.
    cache.clear()
    cache["counts"] = (time.monotonic(), counts)
    cache.update(made or {})


def _counts() -> dict:
    """Every count the dashboard uses: read once, then refreshed in the background."""
    cache = _cache()
    stamp, counts = cache.get("counts", (None, None))
    if counts is None:
        running = cache.get("refreshing")
        if running is not None and running.is_alive():
            running.join()  # started by warm_up: wait for it rather than read twice
            stamp, counts = cache.get("counts", (None, None))
    if counts is None:
        counts = _read(current_app.config["DATABASE"])
        _store(cache, counts)
    elif time.monotonic() - stamp > current_app.config["DASHBOARD_CACHE_SECONDS"]:
        _refresh_in_background(cache)
    return counts


def _refresh_in_background(cache: dict) -> None:
    running = cache.get("refreshing")
    if running is not None and running.is_alive():
        return
    path, options = current_app.config["DATABASE"], _options("quarter")

    def refresh():
        try:
            counts = _read(path)
            # The page most people open first is ready too: quarters, no filters.
            default = _report(counts, options, "", "")
            key = ("report", options.period_type, "", "", options.today)
            _store(cache, counts, {key: default})
        except sqlite3.Error as error:  # the old counts stay; the next request retries
            logging.getLogger(__name__).warning("could not read the counts: %s", error)

    thread = threading.Thread(target=refresh, name="dashboard-counts", daemon=True)
    cache["refreshing"] = thread
    thread.start()


def warm_up(app) -> None:
    """Start reading the counts in the background, before anyone asks for them."""
    with app.app_context():
        _refresh_in_background(_cache())


def wait_for_refresh() -> None:
    """Wait until a background read of the counts, if one is running, is over."""
    running = _cache().get("refreshing")
    if running is not None:
        running.join()


def kept(key: tuple, make: Callable[[dict], object]):
    """What `make` returns from the counts, made once per cache period and day."""
    counts = _counts()
    cache, key = _cache(), (*key, date.today())
    # Looked up once: the background refresh may clear the cache meanwhile.
    made = cache.get(key)
    if made is None:
        made = make(counts)
        # Kept only if its counts are still current: nothing outlives its counts.
        if cache.get("counts", (None, None))[1] is counts:
            cache[key] = made
    return made


def _options(period_type: str) -> report.Options:
    return report.Options(
        today=date.today(),
        period_type=period_type,
        threshold=current_app.config["SUPPRESSION_THRESHOLD"],
        min_base=current_app.config["PERCENT_MINIMUM_BASE"],
    )


def build_report(period_type: str, offence: str = "", channel: str = "") -> dict:
    """The report for one choice of period and filters."""
    options = _options(period_type)
    return kept(
        ("report", period_type, offence, channel),
        lambda counts: _report(counts, options, offence, channel),
    )


def _report(counts: dict, options: report.Options, offence: str, channel: str):
    rows = counts["rows"]
    if offence:
        rows = [row for row in rows if row["offence"] == offence]
    if channel:
        rows = [row for row in rows if row["channel"] == channel]
    # About-you bands are counted for every response, not per channel or offence type
    # (that many small groups would mostly be suppressed): with a filter on, those
    # breakdowns are left out rather than shown for the wrong responses.
    about = None if offence or channel else counts["about"]
    # Cronbach's alpha describes the whole scale, not a filtered slice of it.
    return report.build(rows, questionnaire.REPORT, options, counts["patterns"], about)


def volume_flags() -> list[dict]:
    """Channel-weeks of the last month whose number of responses jumped (a flood?)."""
    # "Far above" must mean more than a few people: at least twice the threshold
    # more than the channel's usual week.
    minimum = 2 * current_app.config["SUPPRESSION_THRESHOLD"]
    return kept(
        ("volume",),
        lambda counts: volume.jumps(counts["measures"], date.today(), minimum=minimum),
    )


def comment_batches(code: str) -> list[dict]:
    """One free-text question's fixed batches, oldest first, without their texts.

    Read from those stored when their quarters were released (survey.comments), never
    cut again here: a request changes nothing, and a late comment or a purge cannot
    move a batch (docs/disclosure.md, "Comment batches"). A batch's texts are read a
    page at a time (comments.read_comments), so memory does not grow with them.
    """
    return comments.list_batches(get_db(), code)
