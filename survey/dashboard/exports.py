"""Blueprint "exports": the dashboard's tables as CSV and JSON; the printable report
and the same report as a PDF.

Exports hold the published figures only (suppressed and rounded as on the pages; no
free text), and every one is written to the audit log.
"""

from __future__ import annotations

import base64
import json

from flask import Blueprint, abort, current_app, request, url_for

from survey import dashboard
from survey.auth import audit, requires
from survey.dashboard import document, pdf, tables
from survey.dashboard.choice import Choice
from survey.downloads import download

bp = Blueprint("exports", __name__, url_prefix="/dashboard")

FORMATS = ("csv", "json")


def _filename(name: str, chosen: Choice, built: dict, fmt: str) -> str:
    return f"{chosen.file_stem(name, built)}.{fmt}"


def _filters(chosen: Choice) -> dict:
    """The period type and filters an export was cut by, said inside it too."""
    return {
        "period_type": chosen.period,
        "offence": chosen.offence or None,
        "channel": chosen.channel or None,
        # The released period the figures are "as of" (None: the latest).
        "release": chosen.release or None,
        "description": chosen.filter_text(),
    }


# Every CSV row ends with the period type and filters, "all" where there is none: a
# column a spreadsheet can filter on, which stays with the row when rows are copied.
CSV_FILTER_COLUMNS = ("period_type", "offence", "channel")


def _csv_filters(chosen: Choice) -> dict[str, str]:
    values = [chosen.period, chosen.offence or "all", chosen.channel or "all"]
    return dict(zip(CSV_FILTER_COLUMNS, values, strict=True))


def _about(chosen: Choice, built: dict) -> dict:
    """What every JSON export says about how its figures were cut and published."""
    return {
        "period_type": chosen.period,
        "offence": chosen.offence or None,
        "channel": chosen.channel or None,
        "filters": _filters(chosen),
        "latest_complete_period": built.get("latest_complete_period"),
        "threshold": built["threshold"],
        # Every count is perturbed by its cell key, by at most this much
        # (docs/disclosure.md); percentages are worked out from the published counts.
        "counts_perturbed_by_at_most": 2,
        "minimum_base_for_percentages": current_app.config["PERCENT_MINIMUM_BASE"],
    }


@bp.get("/export/<name>.<fmt>")
@requires("admin", "analyst")
def table(name: str, fmt: str):
    """One table of the dashboard (or, as all.json, every one) for download."""
    if fmt not in FORMATS:
        abort(404)
    chosen = Choice.from_args()
    built = chosen.report()
    found = tables.every_table(built)
    if name == "all" and fmt == "json":
        selected = found
    elif name in found:
        selected = {name: found[name]}
    else:
        abort(404)
    audit("exported figures", f"{name}.{fmt} {chosen.describe()}")
    if fmt == "json":
        body = {
            **_about(chosen, built),
            "tables": {key: t.to_json() for key, t in selected.items()},
        }
        return download(
            json.dumps(body, indent=1, ensure_ascii=False),
            fmt,
            _filename(name, chosen, built, fmt),
        )
    [only] = selected.values()
    text = only.to_csv(_csv_filters(chosen))
    return download(text, fmt, _filename(name, chosen, built, fmt))


@bp.get("/report")
@requires("admin", "analyst")
def printable():
    """The quarterly report for a performance meeting, laid out to print on A4."""
    chosen = Choice.from_args(period="quarter")
    built = chosen.report()
    audit("exported the printable report", chosen.describe())
    query = chosen.query

    def chart_src(name: str) -> str:
        return url_for("dashboard.chart", name=name, **query)

    return _report_page(chosen, built, chart_src)


@bp.get("/report.pdf")
@requires("admin", "analyst")
def printable_pdf():
    """The same report as a PDF to download, laid out by WeasyPrint on A4."""
    chosen = Choice.from_args(period="quarter")
    built = chosen.report()
    audit("exported the report as a PDF", chosen.describe())
    html = _report_page(
        chosen, built, lambda name: _chart_data_uri(name, chosen, built)
    )
    laid_out = pdf.render(html, request.url_root, current_app.static_folder)
    name = _filename("quarterly-report", chosen, built, "pdf")
    return download(laid_out.write_pdf(), "pdf", name)


def _chart_data_uri(name: str, chosen: Choice, built: dict) -> str:
    """A measure's chart inside the PDF itself, so WeasyPrint need fetch nothing.

    The chart route's own drawing (dashboard.measure_chart_body), so the page's
    chart and the PDF's are the same.
    """
    svg = dashboard.measure_chart_body(name, chosen, built, "svg")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _report_page(chosen: Choice, built: dict, chart_src) -> str:
    """The report's HTML, the same for the page and the PDF but for the charts."""
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
    force = current_app.config["FORCE_NAME"]
    return dashboard.page(
        "exports/report.html",
        chosen,
        report=built,
        headline=found.get("headline"),
        sections=sections,
        index_table=found.get(f"measure-{dashboard.INDEX}"),
        ranked=[found[key] for key in ("reasons", "would-help") if key in found],
        alpha=built.get("cronbach_alpha", {}),
        findings=document.key_findings(built) if built["measures"] else None,
        definitions=document.definitions(force),
        index_questions=document.index_questions(force),
        responses=document.responses(built),
        chart_src=chart_src,
    )
