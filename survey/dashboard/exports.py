"""Blueprint "exports": the dashboard's tables as CSV and JSON; the printable report.

Exports hold the published figures only (suppressed and rounded as on the pages; no
free text), and every one is written to the audit log.
"""

from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, abort, current_app

from survey import dashboard
from survey.dashboard import tables
from survey.privacy import defuse_formula
from survey.staff import audit, requires

bp = Blueprint("exports", __name__, url_prefix="/dashboard")

FORMATS = {"csv": "text/csv", "json": "application/json"}


def _download(body: str, fmt: str, filename: str) -> Response:
    response = Response(body, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filename(name: str, chosen: dict, built: dict, fmt: str) -> str:
    return f"{dashboard.file_stem(name, chosen, built)}.{fmt}"


def _filters(chosen: dict) -> dict:
    """The period type and filters an export was cut by, said inside it too."""
    return {
        "period_type": chosen["period"],
        "offence": chosen["offence"] or None,
        "channel": chosen["channel"] or None,
        # The released period the figures are "as of" (None: the latest).
        "release": chosen.get("release") or None,
        "description": dashboard.filter_text(chosen),
    }


# Every CSV row ends with the period type and filters, "all" where there is none: a
# column a spreadsheet can filter on, which stays with the row when rows are copied.
CSV_FILTER_COLUMNS = ("period_type", "offence", "channel")


def _csv_filters(chosen: dict) -> list[str]:
    return [chosen["period"], chosen["offence"] or "all", chosen["channel"] or "all"]


def _about(chosen: dict, built: dict) -> dict:
    """What every JSON export says about how its figures were cut and published."""
    return {
        "period_type": chosen["period"],
        "offence": chosen["offence"] or None,
        "channel": chosen["channel"] or None,
        "filters": _filters(chosen),
        "latest_complete_period": built.get("latest_complete_period"),
        "threshold": built["threshold"],
        # Every count is perturbed by its cell key, by at most this much
        # (docs/disclosure.md); percentages are worked out from the published counts.
        "counts_perturbed_by_at_most": 2,
        "minimum_base_for_percentages": current_app.config["PERCENT_MINIMUM_BASE"],
    }


def _table_json(table: tables.Table) -> dict:
    return {
        "title": table.title,
        "columns": [
            {"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns
        ],
        "rows": table.as_dicts(),
        "notes": table.notes,
    }


@bp.get("/export/<name>.<fmt>")
@requires("admin", "analyst")
def table(name: str, fmt: str):
    """One table of the dashboard (or, as all.json, every one) for download."""
    if fmt not in FORMATS:
        abort(404)
    chosen = dashboard.choices()
    built = dashboard.chosen_report(chosen)
    found = tables.every_table(built)
    if name == "all" and fmt == "json":
        selected = found
    elif name in found:
        selected = {name: found[name]}
    else:
        abort(404)
    audit("exported figures", f"{name}.{fmt} {dashboard.describe(chosen)}")
    if fmt == "json":
        body = {
            **_about(chosen, built),
            "tables": {key: _table_json(t) for key, t in selected.items()},
        }
        return _download(
            json.dumps(body, indent=1, ensure_ascii=False),
            fmt,
            _filename(name, chosen, built, fmt),
        )
    [only] = selected.values()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.key for column in only.columns] + list(CSV_FILTER_COLUMNS))
    filters = _csv_filters(chosen)
    for row in only.rows:
        writer.writerow(
            # A suppressed figure reads "not shown"; no text may start a formula.
            [
                tables.NOT_SHOWN if value is None else defuse_formula(value)
                for value in [*row, *filters]
            ]
        )
    return _download(buffer.getvalue(), fmt, _filename(name, chosen, built, fmt))


@bp.get("/report")
@requires("admin", "analyst")
def printable():
    """The quarterly report for a performance meeting, laid out to print on A4."""
    chosen = dashboard.choices() | {"period": "quarter"}
    built = dashboard.chosen_report(chosen)
    audit("exported the printable report", dashboard.describe(chosen))
    found = tables.every_table(built)
    sections = []
    for name in built["measures"]:
        sections.append(
            {
                "name": name,
                "title": built["measures"][name]["title"],
                "periods": found[f"measure-{name}"],
                "breakdowns": [
                    t
                    for key, t in found.items()
                    if key.startswith(f"breakdown-{name}-")
                ],
            }
        )
    return dashboard.page(
        "exports/report.html",
        chosen,
        report=built,
        headline=found.get("headline"),
        sections=sections,
        index_table=found.get(f"measure-{dashboard.INDEX}"),
        ranked=[found[key] for key in ("reasons", "would-help") if key in found],
        alpha=built.get("cronbach_alpha", {}),
    )
