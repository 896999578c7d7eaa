"""Blueprint "dashboard": the commissioner's figures, from storage through analysis.

Every figure comes from analysis.report; nothing is computed here. The counts behind
it take seconds to read on a large database, so they are read at most once every
DASHBOARD_CACHE_SECONDS per process, and each report built from them is kept as long.
"""

from __future__ import annotations

import time
from datetime import date

from flask import Blueprint, abort, current_app, render_template, request

from analysis import report
from survey import questionnaire, storage
from survey.db import get_db
from survey.measures import report_spec
from survey.staff import audit, requires

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

PERIOD_TYPES = {"month": "Month", "quarter": "Quarter", "year": "Financial year"}
OFFENCES = dict(questionnaire.BY_CODE["A1_offence"].options)


def _cache() -> dict:
    return current_app.extensions.setdefault("dashboard_cache", {})


def _counts() -> tuple[list[dict], list]:
    """The weekly counts and score patterns, read at most once per cache period."""
    cache, now = _cache(), time.monotonic()
    stamp, counts = cache.get("counts", (None, None))
    if counts is None or now - stamp > current_app.config["DASHBOARD_CACHE_SECONDS"]:
        db = get_db()
        rows = storage.count_measures(db) + storage.count_reasons(db)
        counts = (rows, storage.count_score_patterns(db))
        cache.clear()  # reports built from older counts go with them
        cache["counts"] = (now, counts)
    return counts


def build_report(period_type: str, offence: str, channel: str) -> dict:
    """The report for one choice of period and filters, built once per cache period."""
    rows, patterns = _counts()  # first: when the counts expire, so do the reports
    key = (period_type, offence, channel, date.today())
    cache = _cache()
    if key not in cache:
        if offence:
            rows = [row for row in rows if row["offence"] == offence]
        if channel:
            rows = [row for row in rows if row["channel"] == channel]
        options = report.Options(
            today=date.today(),
            period_type=period_type,
            threshold=current_app.config["SUPPRESSION_THRESHOLD"],
            min_base=current_app.config["PERCENT_MINIMUM_BASE"],
        )
        # Cronbach's alpha describes the whole scale, not a filtered slice of it.
        cache[key] = report.build(rows, report_spec(), options, patterns)
    return cache[key]


def _choices() -> tuple[str, str, str]:
    """The period type and filters from the URL, checked; a bad one is a 400."""
    period_type = request.args.get("period", "quarter")
    offence = request.args.get("offence", "")
    channel = request.args.get("channel", "")
    if period_type not in PERIOD_TYPES:
        abort(400, "Choose a month, quarter or financial year.")
    if offence and offence not in OFFENCES:
        abort(400, "Choose one of the offence types offered.")
    if channel and channel not in storage.list_channels(get_db()):
        abort(400, "Choose one of the channels offered.")
    return period_type, offence, channel


@bp.get("/")
@requires("admin", "analyst")
def index():
    """The headline measures for the latest complete period, with their changes."""
    period_type, offence, channel = _choices()
    built = build_report(period_type, offence, channel)
    audit("read the dashboard", f"{period_type} {offence or 'all'} {channel or 'all'}")
    return render_template(
        "dashboard/index.html",
        report=built,
        period_type=period_type,
        offence=offence,
        channel=channel,
        period_types=PERIOD_TYPES,
        offences=OFFENCES,
        channels=sorted(storage.list_channels(get_db())),
    )
