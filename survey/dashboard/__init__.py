"""Blueprint "dashboard": the commissioner's figures, from storage through analysis.

Every figure comes from analysis.report (through figures, which keeps it for a while)
and every table from tables; nothing is computed here.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)

from analysis import wording
from survey import questionnaire
from survey.auth import audit, requires
from survey.comments import read_comments
from survey.dashboard import document, figures, tables
from survey.dashboard.choice import PERIOD_TYPES, Choice
from survey.db import get_db
from survey.downloads import download

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

INDEX = "confidence_index"
COMMENTS_PER_PAGE = 100
COMMENT_QUESTIONS = {
    "D3_other_text": "Other reasons for not answering the safety questions",
    "F1_comments": "Anything else people wanted to tell us",
}


def page(template: str, chosen: Choice, *, filters: bool = True, **context) -> str:
    """A dashboard page with the filter form's choices and the links that keep them.

    A page without the filter form (comments) does not list the channels: that reads
    the releases, and would make any that are due, which a GET of comments must not.
    """
    return render_template(
        template,
        chosen=chosen,
        query=chosen.query,
        period_types=PERIOD_TYPES,
        offences=tables.OFFENCES,
        channels=sorted(figures.channels(chosen.period)) if filters else [],
        # Newest first: the latest is what one opens on.
        releases=figures.released_periods(chosen.period)[::-1] if filters else [],
        unreleased=figures.unreleased(chosen.period) if filters else [],
        measure_names=_measure_titles(),
        cell_text=tables.cell_text,
        **context,
    )


def _measure_titles() -> dict[str, str]:
    titles = {m.name: m.heading for m in questionnaire.MEASURES}
    return titles | {INDEX: "Confidence index"}


@bp.get("/")
@requires("admin", "analyst")
def index():
    """The headline measures for the latest complete period, with their changes."""
    chosen = Choice.from_args()
    built = chosen.report()
    audit("read the dashboard", chosen.describe())
    headline = tables.headline(built) if built["measures"] else None
    return page(
        "dashboard/index.html",
        chosen,
        report=built,
        table=headline,
        latest_hidden=document.latest_hidden(built),
        significant=document.significant_changes(built),
        flags=figures.volume_flags(),
    )


@bp.app_template_filter("period_name")
def period_name(label: str) -> str:
    """A period's label as a sentence says it ("October 2026"; analysis.wording)."""
    return wording.period_name(label)


@bp.get("/measures/<name>")
@requires("admin", "analyst")
def measure(name: str):
    """One measure over time: chart, the same figures as a table, trend sentences."""
    chosen, built = _measure_report(name)
    audit("read a measure", f"{name} {chosen.describe()}")
    if not built["measures"]:
        return page("dashboard/measure.html", chosen, report=built, name=name)
    control_chart = None
    if name == INDEX:
        table, sentences = tables.index_periods(built[INDEX]), [built[INDEX]["summary"]]
    else:
        entry = built["measures"][name]
        table, sentences = (
            tables.measure_periods(name, entry),
            document.measure_sentences(name, built),
        )
        if "p_chart" in entry:
            control_chart = wording.chart_name(entry["p_chart"])
    return page(
        "dashboard/measure.html",
        chosen,
        report=built,
        name=name,
        table=table,
        sentences=sentences,
        alt=_chart_description(name, built, chosen),
        control_chart=control_chart,
    )


def _measure_report(name: str) -> tuple[Choice, dict]:
    """The choices and report for a measure's page or chart; an unknown one is a 404."""
    chosen = Choice.from_args()
    if name not in _measure_titles():
        abort(404)
    return chosen, chosen.report()


def _chart_description(name: str, built: dict, chosen: Choice) -> str:
    """The chart's alt text: what it shows, for whom, and where its figures are."""
    periods = built["periods"]
    what = "95% intervals"
    if name != INDEX and "p_chart" in built["measures"][name]:
        what += " and control limits"
    subject = "the confidence index"
    if name != INDEX:
        subject = wording.share(questionnaire.BY_MEASURE[name])
    return (
        f"Chart of {subject} by {built['period_type']}, "
        f"{periods[0]} to {periods[-1]} ({chosen.filter_text()}), with {what}. "
        "The same figures are in the table below."
    )


# The ranked charts of the reasons page: the report's key and the chart's heading.
RANKED = {
    "reasons": ("reasons", "Why people declined the safety questions"),
    "would-help": (
        "would_help",
        "What would have helped people answer the safety questions",
    ),
}


# The SVG's rule is registered first: a link without `fmt` (the printed report's) is
# to the SVG.
@bp.get("/measures/<name>/chart.png", defaults={"fmt": "png"})
@bp.get("/measures/<name>/chart.svg", defaults={"fmt": "svg"})
@requires("admin", "analyst")
def chart(name: str, fmt: str):
    """The measure's chart as SVG or PNG, to download for a slide or a paper (the
    page shows the SVG in an <img>, which ignores the download header)."""
    chosen, built = _measure_report(name)
    if not built["measures"]:
        abort(404)
    audit("read a chart", f"{name}.{fmt} {chosen.describe()}")
    body = measure_chart_body(name, chosen, built, fmt)
    return _chart_response(body, f"chart-{name}", chosen, built, fmt)


def measure_chart_body(name: str, chosen: Choice, built: dict, fmt: str):
    """A measure's chart with its caption, drawn once per release set: the page's,
    the download's and the PDF's are one drawing."""
    periods = built["periods"]
    title = (
        f"{_measure_titles()[name]}, by {PERIOD_TYPES[chosen.period].lower()}, "
        f"{periods[0]} to {periods[-1]}"
    )

    def draw(charts, caption):
        if name == INDEX:
            entry = built[INDEX]
            return charts.measure_chart(entry, percent=False, caption=caption, fmt=fmt)
        entry = built["measures"][name]
        return charts.measure_chart(entry, caption=caption, fmt=fmt)

    return _chart_body(f"chart-{name}", title, chosen, fmt, draw)


@bp.get("/reasons/<key>/chart.png", defaults={"fmt": "png"})
@bp.get("/reasons/<key>/chart.svg", defaults={"fmt": "svg"})
@requires("admin", "analyst")
def ranked_chart(key: str, fmt: str):
    """The decline reasons (or what would have helped) as a bar chart, SVG or PNG."""
    chosen = Choice.from_args()
    if key not in RANKED:
        abort(404)
    built = chosen.report()
    if not built["measures"]:
        abort(404)
    audit("read a chart", f"{key}.{fmt} {chosen.describe()}")
    entry = built[RANKED[key][0]]
    title = f"{RANKED[key][1]}, {entry['period']}"
    base = None
    if entry["base"] is not None:
        base = f"base: {entry['base']:,} people who gave at least one answer"

    def draw(charts, caption):
        return charts.ranked_chart(entry, caption=caption, fmt=fmt)

    body = _chart_body(f"chart-{key}", title, chosen, fmt, draw, base)
    return _chart_response(body, f"chart-{key}", chosen, built, fmt)


def _chart_body(
    stem: str, title: str, chosen: Choice, fmt: str, draw, base: str | None = None
):
    """A chart with its caption, made once per release set (SVG text or PNG bytes)."""
    # Matplotlib loads only when a chart is first drawn.
    from survey.dashboard import charts

    filters = "; ".join(filter(None, [chosen.filter_line(), base]))
    caption = charts.Caption(title, filters, source_line())
    return figures.kept(
        chosen.period,
        ("chart", stem, fmt, chosen),
        lambda: draw(charts, caption),
    )


def _chart_response(body, stem: str, chosen: Choice, built: dict, fmt: str) -> Response:
    """A chart as a named download.

    Its file name, like an export's, says what it shows, the period type and the
    filters, so charts saved side by side for a meeting can be told apart.
    """
    return download(body, fmt, f"{chosen.file_stem(stem, built)}.{fmt}")


def source_line() -> str:
    """Where a chart's figures come from, and the rules they were published under
    (docs/disclosure.md, "What is published, and how precisely")."""
    config = current_app.config
    return (
        f"Source: {config['SERVICE_NAME']}, a survey of victims: published figures "
        f"(every count perturbed; counts under {config['SUPPRESSION_THRESHOLD']} "
        f"not shown; a percentage needs a base of {config['PERCENT_MINIMUM_BASE']})."
    )


@bp.get("/reasons")
@requires("admin", "analyst")
def reasons():
    """Why people declined the safety questions, and what would have helped."""
    chosen = Choice.from_args()
    built = chosen.report()
    audit("read the decline reasons", chosen.describe())
    context = {}
    if built["measures"]:
        context["tables"] = [
            tables.ranked("reasons", "Why people declined", built),
            tables.ranked("would_help", "What would have helped", built),
        ]
        context["sentences"] = document.ranked_changes(built)
        context["chart_alts"] = {
            key: _ranked_description(key, built, chosen) for key in RANKED
        }
    return page("dashboard/reasons.html", chosen, report=built, **context)


def _ranked_description(key: str, built: dict, chosen: Choice) -> str:
    """A ranked chart's alt text; the answers not shown are named under the chart."""
    entry = built[RANKED[key][0]]
    hidden = [item for item in entry["ranked"] if item.get("suppressed", True)]
    text = (
        f"Bar chart: {RANKED[key][1].lower()}, {entry['period']} "
        f"({chosen.filter_text()}), the share who ticked each answer with its 95% "
        "interval, most often ticked first."
    )
    if hidden:
        some = "1 answer is" if len(hidden) == 1 else f"{len(hidden)} answers are"
        text += f" {some} not shown, too few to publish; the table names them."
    return text + " The same figures are in the table below."


@bp.get("/breakdowns")
@requires("admin", "analyst")
def breakdowns():
    """One measure in the latest period by channel, offence type and About-you band."""
    chosen = Choice.from_args()
    name = request.args.get("measure", "confidence")
    titles = _measure_titles()
    if name not in titles or name == INDEX:
        abort(400, "Choose one of the measures offered.")
    built = chosen.report()
    audit("read the breakdowns", f"{name} {chosen.describe()}")
    found = []
    if built["measures"]:
        entry = built["measures"][name]
        for dimension in tables.BREAKDOWN_DIMENSIONS:
            table = tables.breakdown(name, entry, dimension)
            if table is not None:
                found.append(table)
    return page(
        "dashboard/breakdowns.html",
        chosen,
        report=built,
        name=name,
        tables=found,
        proportion_titles={k: v for k, v in titles.items() if k != INDEX},
    )


@bp.get("/comments")
@requires("admin", "analyst")
def comments():
    """Free-text answers, redacted, in batches of at least the threshold."""
    question = request.args.get("question", "F1_comments")
    if question not in COMMENT_QUESTIONS:
        abort(400, "Choose one of the questions offered.")
    batches = figures.comment_batches(question)
    # The newest batch unless one is chosen; with none released, there is no choice.
    # A batch keeps its number for good, so a purge of older ones does not renumber it.
    by_number = {batch["number"]: batch for batch in batches}
    newest = max(by_number, default=0)
    number = _chosen_number("batch", newest, newest, "batches")
    if batches and number not in by_number:
        abort(400, "Choose one of the batches offered.")
    batch = by_number.get(number)
    pages = max(1, -(-batch["count"] // COMMENTS_PER_PAGE)) if batch else 1
    part = _chosen_number("part", 1, pages, "pages")
    shown = []
    if batch:
        offset = (part - 1) * COMMENTS_PER_PAGE
        shown = read_comments(get_db(), question, number, COMMENTS_PER_PAGE, offset)
    audit("read comments", f"{question} batch {number if batch else 'none'} {part}")
    return page(
        "dashboard/comments.html",
        Choice(period=figures.COMMENT_PERIOD),
        filters=False,
        questions=COMMENT_QUESTIONS,
        question=question,
        batches=batches,
        number=number,
        batch=batch,
        shown=shown,
        part=part,
        pages=pages,
        period=figures.COMMENT_PERIOD,
    )


def _chosen_number(key: str, default: int, highest: int, what: str) -> int:
    """A number from 1 to `highest` in the URL (any, if there is none to choose)."""
    try:
        number = int(request.args.get(key, default))
    except ValueError:
        abort(400, f"Choose one of the {what} offered.")
    if highest and not 1 <= number <= highest:
        abort(400, f"Choose one of the {what} offered.")
    return number


def export_links(name: str, query: dict) -> dict[str, str]:
    """Where to download one table as CSV and as JSON, with the page's choices."""
    return {
        fmt: url_for("exports.table", name=name, fmt=fmt, **query)
        for fmt in ("csv", "json")
    }


@bp.app_context_processor
def dashboard_helpers() -> dict:
    """The export links for templates."""
    return {"export_links": export_links}
