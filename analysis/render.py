"""The report as text for a person to read, or as Markdown for a document."""

from __future__ import annotations

from analysis.wording import percent

RANKED = (("reasons", "Why people declined"), ("would_help", "What would have helped"))
HEADINGS = ("period", "base", "estimate", "95% CI")


def _figure(entry: dict, index: bool = False) -> tuple[str, str, str, str]:
    """A period's row of a table: period, base, estimate and interval, as text.

    `index` says the figure is on the 0–100 index, in points: told, not guessed from
    its size, since an index of 1 or less would otherwise read as a percentage.
    """
    period = entry["period"]
    base = "—" if entry.get("base") is None else f"{entry['base']:,}"
    if entry.get("suppressed", True):
        return period, base, "suppressed", ""
    if index:
        return (
            period,
            base,
            f"{entry['estimate']:.0f}",
            f"{entry['ci_low']:.0f} to {entry['ci_high']:.0f}",
        )
    return (
        period,
        base,
        percent(entry["estimate"]),
        f"{percent(entry['ci_low'])} to {percent(entry['ci_high'])}",
    )


def _sections(report: dict):
    """Each measure's title, summary and table rows, then the index's."""
    for entry in report["measures"].values():
        yield entry["title"], entry["summary"], [_figure(p) for p in entry["periods"]]
    index = report.get("confidence_index")
    if index:
        figures = [_figure(p, index=True) for p in index["periods"]]
        yield "Confidence index (0 to 100)", index["summary"], figures


def _reasons(report: dict, key: str):
    ranked = report.get(key, {})
    for item in ranked.get("ranked", []):
        if not item.get("suppressed", True):
            yield item["label"], percent(item["estimate"])


def text(report: dict) -> str:
    """A readable summary, one section per measure."""
    lines = [
        f"Report by {report['period_type']}"
        + (" (calendar)" if report.get("calendar") else " (financial)")
        + f"; counts under {report['threshold']} are not shown.",
    ]
    if not report["measures"]:
        return "\n".join([*lines, report.get("summary", "")]) + "\n"
    for title, summary, figures in _sections(report):
        lines += ["", title, "=" * len(title), summary, ""]
        lines += [
            f"{period:<12} {base:>9} {estimate:>10}  {interval}"
            for period, base, estimate, interval in [HEADINGS, *figures]
        ]
    for key, title in RANKED:
        items = list(_reasons(report, key))
        if items:
            lines += ["", f"{title} ({report[key]['period']})", "=" * len(title)]
            lines += [f"{share:>5}  {label}" for label, share in items]
    alpha = report.get("cronbach_alpha", {})
    if alpha.get("alpha") is not None:
        lines += ["", f"Cronbach's alpha for B1 to B6: {alpha['alpha']:.2f}"]
    return "\n".join(lines) + "\n"


def markdown(report: dict) -> str:
    """The report as Markdown, with a table per measure."""
    lines = [f"# Victim confidence report, by {report['period_type']}", ""]
    lines.append(
        f"Counts under {report['threshold']} are not shown; each count is perturbed "
        "by up to 2, and every figure is computed from the published counts."
    )
    if not report["measures"]:
        return "\n".join([*lines, "", report.get("summary", "")]) + "\n"
    for title, summary, figures in _sections(report):
        lines += ["", f"## {title}", "", summary, ""]
        lines += ["| " + " | ".join(HEADINGS) + " |", "|---|---:|---:|---|"]
        lines += ["| " + " | ".join(row) + " |" for row in figures]
    for key, title in RANKED:
        items = list(_reasons(report, key))
        if items:
            lines += [
                "",
                f"## {title} ({report[key]['period']})",
                "",
                "| share | answer |",
                "|---:|---|",
            ]
            lines += [f"| {share} | {label} |" for label, share in items]
    return "\n".join(lines) + "\n"
