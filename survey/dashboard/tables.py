"""Every table the dashboard shows, as published figures: the pages and the exports
(CSV and JSON) are made from these, so an export holds exactly what a page shows.

Values are the published ones: percentages as whole numbers, counts as perturbed
whole numbers (each estimate beside the count and base it was computed from, so a
reader can recompute it), None where a figure is not shown under the disclosure
rules. Nothing is worked out here; every figure comes from the report the analysis
package built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis import disclosure, wording
from survey import questionnaire
from survey.downloads import csv_text

NOT_SHOWN = "not shown"
OFFENCES = dict(questionnaire.BY_CODE["A1_offence"].options)


@dataclass(frozen=True)
class Column:
    """One column: its key in exports, its heading, and how its values read."""

    key: str
    label: str
    kind: str = "text"  # text, percent, points, count, index, p, yes_no

    @property
    def numeric(self) -> bool:
        """Whether the column holds numbers (right-aligned on the page)."""
        return self.kind not in ("text", "yes_no")


@dataclass
class Table:
    """A table with its caption, columns, rows and the sentences that go with it."""

    name: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dicts(self) -> list[dict]:
        """The rows keyed by column, as the JSON export gives them."""
        keys = [column.key for column in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]

    def to_json(self) -> dict:
        """The table as a JSON export holds it: title, columns, rows and notes."""
        return {
            "title": self.title,
            "columns": [
                {"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns
            ],
            "rows": self.as_dicts(),
            "notes": self.notes,
        }

    def to_csv(self, extra: dict[str, str] | None = None) -> str:
        """The table as CSV: a hidden figure reads "not shown", and every row ends
        with the `extra` columns' values (a filter or the licence, say)."""
        extra = extra or {}
        header = [column.key for column in self.columns] + list(extra)
        rows = (
            [NOT_SHOWN if value is None else value for value in row]
            + list(extra.values())
            for row in self.rows
        )
        return csv_text(header, rows)


def cell_text(value, column: Column) -> str:
    """A published value as the page shows it."""
    if value is None:
        return NOT_SHOWN
    if column.kind == "percent":
        return f"{value}%"
    if column.kind == "points":
        return f"{value:+d}" if value else "0"
    if column.kind == "p" and value < 0.001:
        return "< 0.001"
    if column.kind == "count":
        return f"{value:,}"
    return str(value)


def _percent(value: float | None) -> int | None:
    return None if value is None else round(100 * value)


def _p(value: float | None) -> float | None:
    # As published: 3 decimal places at most (analysis.publish).
    return None if value is None else round(value, 3)


def _figure(entry: dict) -> list:
    """Estimate, interval, count and base of a published proportion."""
    shown = not entry.get("suppressed", True)
    return [
        _percent(entry["estimate"]) if shown else None,
        _percent(entry["ci_low"]) if shown else None,
        _percent(entry["ci_high"]) if shown else None,
        entry["count"] if shown else None,
        entry.get("base"),
    ]


FIGURE_COLUMNS = [
    Column("estimate_percent", "Estimate", "percent"),
    Column("ci_low_percent", "95% CI from", "percent"),
    Column("ci_high_percent", "95% CI to", "percent"),
    Column("count", "Count", "count"),
    Column("base", "Base", "count"),
]


CHANGE_COLUMNS = [
    Column("change_previous_points", "Change on previous period", "points"),
    Column("change_previous_significant", "Significant (previous period)", "yes_no"),
    Column("change_previous_p_adjusted", "Adjusted p (previous period)", "p"),
]


def _change(change: dict | None) -> list:
    """A comparison's difference in points, whether significant, adjusted p."""
    if not change or not change.get("shown"):
        return [None, None, None]
    return [
        round(100 * change["difference"]),
        "yes" if change["significant"] else "no",
        _p(change["p_adjusted"]),
    ]


def headline(built: dict) -> Table:
    """The headline measures for the latest complete period, with their changes."""
    # The period the figures are for (reports stored before it was named lack it).
    latest = built.get("latest_reported_period") or built["latest_complete_period"]
    table = Table(
        "headline",
        f"Headline measures, {latest}",
        [
            Column("measure", "Measure"),
            *FIGURE_COLUMNS,
            *CHANGE_COLUMNS,
            Column("change_year_points", "Change on a year earlier", "points"),
            Column("change_year_significant", "Significant (year earlier)", "yes_no"),
            Column("change_year_p_adjusted", "Adjusted p (year earlier)", "p"),
        ],
    )
    for measure in built["measures"].values():
        # By year the previous period is the year earlier, and the report makes that
        # comparison once, as the latest change: it fills both columns.
        year = measure.get("year_on_year")
        if built["period_type"] == "year":
            year = measure.get("latest_change")
        table.rows.append(
            [
                measure["title"],
                *_figure(measure["periods"][-1]),
                *_change(measure.get("latest_change")),
                *_change(year),
            ]
        )
    table.notes = [m["summary"] for m in built["measures"].values()]
    return table


def measure_periods(name: str, entry: dict) -> Table:
    """One proportion measure period by period, with its control limits."""
    limits = {row["period"]: row for row in entry.get("p_chart", {}).get("limits", [])}
    table = Table(
        f"measure-{name}",
        f"{entry['title']} by period",
        [
            Column("period", "Period"),
            *FIGURE_COLUMNS,
            Column("lower_limit_percent", "Lower control limit", "percent"),
            Column("upper_limit_percent", "Upper control limit", "percent"),
            Column("outside_limits", "Outside the limits", "yes_no"),
        ],
    )
    for point in entry["periods"]:
        limit = limits.get(point["period"])
        shown = limit is not None and not point.get("suppressed", True)
        table.rows.append(
            [
                point["period"],
                *_figure(point),
                _percent(limit["lower"]) if limit else None,
                _percent(limit["upper"]) if limit else None,
                ("yes" if limit["flagged"] else "no") if shown and limit else None,
            ]
        )
    table.notes = [entry["summary"]]
    return table


def index_periods(index: dict) -> Table:
    """The 0–100 confidence index period by period."""
    table = Table(
        "measure-confidence_index",
        "Confidence index (0 to 100) by period",
        [
            Column("period", "Period"),
            Column("mean", "Mean", "index"),
            Column("ci_low", "95% CI from", "index"),
            Column("ci_high", "95% CI to", "index"),
            Column("base", "Base", "count"),
        ],
    )
    for point in index["periods"]:
        shown = not point.get("suppressed", True)
        table.rows.append(
            [
                point["period"],
                *(
                    round(point[key]) if shown else None
                    for key in ("estimate", "ci_low", "ci_high")
                ),
                point.get("base"),
            ]
        )
    table.notes = [index["summary"]]
    return table


def ranked(key: str, title: str, built: dict) -> Table:
    """Decline reasons (or what would have helped), most often ticked first."""
    entry = built[key]
    table = Table(
        key.replace("_", "-"),
        f"{title}, {entry['period']}",
        [
            Column("answer", "Answer"),
            *FIGURE_COLUMNS,
            *CHANGE_COLUMNS,
        ],
    )
    for item in entry["ranked"]:
        table.rows.append([item["label"], *_figure(item), *_change(item.get("change"))])
    base = entry["base"]
    table.notes = [
        f"Base: {base:,} people who gave at least one answer."
        if base is not None
        else "Too few people gave an answer to publish these figures."
    ]
    return table


DIMENSIONS = {
    "channel": ("by_channel", "Channel"),
    "offence": ("by_offence", "What they were in contact with the police about"),
}
GROUP_LABELS = {"offence": OFFENCES | {"not given": "Not answered"}}


def breakdown(name: str, entry: dict, dimension: str) -> Table | None:
    """A measure in the latest period by channel, offence type or About-you band."""
    if dimension in DIMENSIONS:
        key, label = DIMENSIONS[dimension]
        found = entry.get(key)
        order = None
    else:
        label, bands = BANDED[dimension]
        found = entry.get("by_about_you", {}).get(dimension)
        order = [text for _, text in bands]
    if found is None:
        return None
    if found.get("not_recorded"):
        # Counts frozen before the survey recorded this (a release made before
        # responses had a language): no figures, and a note that says why.
        return Table(
            f"breakdown-{name}-{dimension}",
            f"{entry['title']} by {label.lower()}, {found['period']}",
            [Column("group", label), *FIGURE_COLUMNS],
            notes=[
                f"{label} was not recorded before this release: "
                f"the figures of {found['period']} have no breakdown by it."
            ],
        )
    labels = GROUP_LABELS.get(dimension, {})
    other = labels.get(disclosure.OTHER, "Small groups together")
    groups = found["groups"]
    if order:  # bands in the questionnaire's order, the rest after them
        groups = sorted(
            groups, key=lambda g: order.index(g["group"]) if g["group"] in order else 99
        )
    table = Table(
        f"breakdown-{name}-{dimension}",
        f"{entry['title']} by {label.lower()}, {found['period']}",
        [Column("group", label), *FIGURE_COLUMNS],
    )
    for group in groups:
        text = group["group"]
        text = other if text == disclosure.OTHER else labels.get(text, text)
        table.rows.append([text, *_figure(group)])
    table.notes = [_test_note(found.get("test"))]
    return table


def _test_note(test: dict | None) -> str:
    if not test:
        return "There are too few groups to compare."
    if not test.get("shown", True):
        return f"No test is shown: {test['reason']}."
    verdict = "differ" if test["significant"] else "do not differ"
    return (
        f"The groups {verdict} significantly (chi-square test, "
        f"{wording.p_text(test['p_adjusted'])}, adjusted)."
    )


# The About-you questions and the language: each one's title and its bands in order.
BANDED = {code: (title, bands) for code, title, bands in questionnaire.BANDED}
BREAKDOWN_DIMENSIONS = [*DIMENSIONS, *BANDED]


def every_table(built: dict) -> dict[str, Table]:
    """Every table of the dashboard for one report, by name."""
    if not built["measures"]:
        return {}
    tables = [headline(built)]
    for name, entry in built["measures"].items():
        tables.append(measure_periods(name, entry))
    tables.append(index_periods(built["confidence_index"]))
    tables.append(ranked("reasons", "Why people declined", built))
    tables.append(ranked("would_help", "What would have helped", built))
    for name, entry in built["measures"].items():
        for dimension in BREAKDOWN_DIMENSIONS:
            table = breakdown(name, entry, dimension)
            if table is not None:
                tables.append(table)
    return {table.name: table for table in tables}
