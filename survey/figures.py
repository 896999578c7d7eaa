"""The dashboard's figures, built by the analysis package and kept for a while.

The counts behind the report take seconds to read on a large database, so they are
read at most once every DASHBOARD_CACHE_SECONDS per process; every report, chart and
batch of comments made from them is kept as long, and goes when they go.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date

from flask import current_app

from analysis import disclosure, periods, report, volume
from survey import storage
from survey.db import get_db
from survey.measures import report_spec, since_week

# The comments pages pool fixed financial quarters, whatever period the rest of the
# dashboard shows: batches cut by several period types could be compared to pin an
# answer to a shorter time than any batch shows.
COMMENT_PERIOD = "quarter"


def _cache() -> dict:
    return current_app.extensions.setdefault("dashboard_cache", {})


def _counts() -> dict:
    """Every count the dashboard uses, read at most once per cache period."""
    cache, now = _cache(), time.monotonic()
    stamp, counts = cache.get("counts", (None, None))
    if counts is None or now - stamp > current_app.config["DASHBOARD_CACHE_SECONDS"]:
        counts = storage.read_report_counts(
            current_app.config["DATABASE"], since_week(date.today())
        )
        counts["rows"] = counts["measures"] + counts["reasons"]
        cache.clear()  # whatever was made from older counts goes with them
        cache["counts"] = (now, counts)
    return counts


def kept(key: tuple, make: Callable[[], object]):
    """What `make` returns, made once per cache period for this key and day."""
    _counts()  # first: when the counts expire, so does everything made from them
    cache, key = _cache(), (*key, date.today())
    # Looked up once: with threads, another request may clear the cache meanwhile.
    made = cache.get(key)
    if made is None:
        made = cache[key] = make()
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

    def make():
        counts = _counts()
        rows = counts["rows"]
        if offence:
            rows = [row for row in rows if row["offence"] == offence]
        if channel:
            rows = [row for row in rows if row["channel"] == channel]
        # About-you bands are counted for every response, not per channel or offence
        # type (that many small groups would mostly be suppressed): with a filter on,
        # those breakdowns are left out rather than shown for the wrong responses.
        about = None if offence or channel else counts["about"]
        # Cronbach's alpha describes the whole scale, not a filtered slice of it.
        return report.build(
            rows, report_spec(), _options(period_type), counts["patterns"], about
        )

    return kept(("report", period_type, offence, channel), make)


def volume_flags() -> list[dict]:
    """Channel-weeks of the last month whose number of responses jumped (a flood?)."""
    # "Far above" must mean more than a few people: at least twice the threshold
    # more than the channel's usual week.
    minimum = 2 * current_app.config["SUPPRESSION_THRESHOLD"]
    return kept(
        ("volume",),
        lambda: volume.jumps(_counts()["measures"], date.today(), minimum=minimum),
    )


def comment_batches(code: str) -> list[dict]:
    """One free-text question's answers in batches of at least the threshold."""

    def make():
        by_quarter: dict[str, list[str]] = defaultdict(list)
        today = date.today()
        for week, text in storage.list_free_text(get_db(), code):
            quarter = periods.period_of_week(week, COMMENT_PERIOD)
            if periods.complete(quarter, COMMENT_PERIOD, today):
                by_quarter[quarter].append(text)
        return disclosure.release_in_batches(
            sorted(by_quarter.items()), current_app.config["SUPPRESSION_THRESHOLD"]
        )

    return kept(("comments", code), make)
