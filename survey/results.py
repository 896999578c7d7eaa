"""Blueprints "results" and "publishing": the public results page, and how an admin
chooses what it shows.

/results shows the headline measures of each release an admin has published, newest
first, with the confidence chart, the report's own sentences and downloads under the
Open Government Licence. It is linked from the thank-you page, so it keeps every
respondent rule (docs/privacy.md §1): no session is opened outside /staff and
/dashboard (survey/sessions.py), so no cookie; no form; nothing from another origin;
Exit this page and the help box, from base.html.

Every figure comes from the report of the release as it was when that period was the
latest (figures.build_report with `through`), and every table from tables.headline:
nothing is computed here. A period is shown only while it is both released and
published.
"""

from __future__ import annotations

import json
import re
from datetime import date

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField

from analysis import periods
from survey import clock, published
from survey.auth import audit, requires
from survey.dashboard import PERIOD_TYPES, figures, tables
from survey.db import get_db
from survey.downloads import download as file_download

bp = Blueprint("results", __name__, url_prefix="/results")
staff_bp = Blueprint("publishing", __name__, url_prefix="/staff")

LICENCE = "Open Government Licence v3.0"
LICENCE_URL = (
    "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
)
LICENCE_STATEMENT = f"Contains public sector information licensed under the {LICENCE}."
# The measure whose trend the public page draws.
TREND_MEASURE = "confidence"
FORMATS = ("csv", "json")


def slug(period: str) -> str:
    """A period as it appears in an address: `2025/26 Q4` becomes `2025-26-Q4`."""
    return re.sub(r"[^A-Za-z0-9]+", "-", period)


def shown_releases() -> list[dict]:
    """The releases the public page shows, newest first: published and still released.

    A published period whose release a purge has deleted (docs/privacy.md §6) is
    left out, never shown from anywhere else.
    """
    shown = []
    for row in published.list_published(get_db()):
        if row["period_type"] not in PERIOD_TYPES:
            continue
        if row["period"] in figures.released_periods(row["period_type"]):
            shown.append(row)
    return published.newest_first(shown)


def _find(period_type: str, period_slug: str) -> dict:
    """The shown release this address names; anything else is a 404."""
    for row in shown_releases():
        if row["period_type"] == period_type and slug(row["period"]) == period_slug:
            return row
    abort(404)


def _release(row: dict) -> dict:
    """What the page shows of one release: its report's headline and trend."""
    built = figures.build_report(row["period_type"], through=row["period"])
    found = {"row": row, "slug": slug(row["period"]), "type": row["period_type"]}
    if not built["measures"]:
        return found
    found["headline"] = tables.headline(built)
    trend = built["measures"].get(TREND_MEASURE)
    if trend is not None:
        found["trend"] = tables.measure_periods(TREND_MEASURE, trend)
        found["alt"] = _chart_description(built, trend)
    return found


def _chart_description(built: dict, trend: dict) -> str:
    """The chart's text alternative: what it shows, and where the same figures are."""
    shown = built["periods"]
    return (
        f"Chart of {trend['title'].lower()} by {built['period_type']}, {shown[0]} to "
        f"{shown[-1]}, with 95% intervals. The same figures are in the table "
        "that follows the chart."
    )


@bp.get("")
def index():
    """The published results, newest first; an empty state before any is published."""
    return render_template(
        "results/index.html",
        releases=[_release(row) for row in shown_releases()],
        period_types=PERIOD_TYPES,
        cell_text=tables.cell_text,
        licence=LICENCE,
        licence_url=LICENCE_URL,
    )


@bp.get("/<period_type>/<period_slug>/confidence.svg")
def chart(period_type: str, period_slug: str):
    """The confidence chart of one published release, as the page shows it."""
    row = _find(period_type, period_slug)
    built = figures.build_report(period_type, through=row["period"])
    trend = built["measures"].get(TREND_MEASURE)
    if trend is None:
        abort(404)
    # Matplotlib loads only when a chart is first drawn.
    from survey.dashboard import charts

    svg = figures.kept(
        period_type,
        ("public chart", TREND_MEASURE),
        lambda: charts.measure_chart(trend),
        through=row["period"],
    )
    return Response(svg, mimetype="image/svg+xml")


@bp.get("/<period_type>/<period_slug>.<fmt>")
def download(period_type: str, period_slug: str, fmt: str):
    """One published release's headline table as CSV or JSON, under the licence."""
    if fmt not in FORMATS:
        abort(404)
    row = _find(period_type, period_slug)
    built = figures.build_report(period_type, through=row["period"])
    if not built["measures"]:
        abort(404)
    table = tables.headline(built)
    body = _json(table, row) if fmt == "json" else _csv(table)
    return file_download(body, fmt, f"headline-{period_type}-{period_slug}.{fmt}")


def _json(table: tables.Table, row: dict) -> str:
    """The table as JSON: the licence first, then the figures as the page shows them."""
    body = {
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "attribution": LICENCE_STATEMENT,
        "period_type": row["period_type"],
        "period": row["period"],
        **table.to_json(),
    }
    return json.dumps(body, indent=1, ensure_ascii=False)


def _csv(table: tables.Table) -> str:
    """The table as CSV, with the licence in a final column of every row.

    A column rather than a line before or after the table, so a spreadsheet or a
    CSV reader sees one rectangular table, and a row copied on its own keeps it.
    """
    return table.to_csv({"licence": LICENCE})


# Publishing: admins only ------------------------------------------------------------


class PublishForm(FlaskForm):
    """One release to publish or withdraw; the CSRF token is the point of the form."""

    period_type = StringField()
    period = StringField()
    action = StringField()


def _released() -> dict[str, list[str]]:
    """Every released period of each type, newest first: those one may publish."""
    return {kind: figures.released_periods(kind)[::-1] for kind in PERIOD_TYPES}


@staff_bp.get("/releases")
@requires("admin")
def releases():
    """Released periods of each type, each with Publish or Withdraw."""
    audit("read the published releases")
    shown = {
        (row["period_type"], row["period"]): row["published_week"]
        for row in published.list_published(get_db())
    }
    return render_template(
        "staff/releases.html",
        released=_released(),
        shown=shown,
        period_types=PERIOD_TYPES,
    )


@staff_bp.post("/releases")
@requires("admin")
def change():
    """Publish or withdraw one released period, and write it to the audit log."""
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400, "The form had expired. Please try again.")
    period_type, period = form.period_type.data or "", form.period.data or ""
    if period_type not in PERIOD_TYPES:
        abort(400, "Choose a month, quarter or financial year.")
    if period not in figures.released_periods(period_type):
        abort(404, "There is no release of that period to publish.")
    db = get_db()
    if form.action.data == "publish":
        if published.publish(db, period_type, period, clock.today()):
            audit("published a release", f"{period_type} {period}")
    elif form.action.data == "withdraw":
        if published.withdraw(db, period_type, period):
            audit("withdrew a published release", f"{period_type} {period}")
    else:
        abort(400, "Choose to publish or to withdraw the release.")
    # 303, so that reloading the list does not post the form again.
    return redirect(url_for("publishing.releases"), 303)


def week_label(week: str) -> str:
    """An ISO week as people read it: `2026-W14` becomes `week beginning 30 March
    2026` (the list says when each release went out)."""
    monday = date.fromordinal(periods.week_thursday(week).toordinal() - 3)
    return f"week beginning {monday.day} {monday:%B %Y}"


staff_bp.add_app_template_filter(week_label, "week_label")
