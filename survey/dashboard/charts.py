"""Charts drawn by Matplotlib from the report's published figures, as SVG or PNG: a
measure over time, and the decline reasons (or what would have helped) ranked.

A chart is downloaded for slides and papers, read away from the page that made it,
so it carries its own caption: a title naming the measure, the periods and the
filters, and a source line saying the figures are the published ones.

The SVG is rewritten to carry its styling as presentation attributes (fill="…")
instead of style="…" and a <style> element, so that it obeys a Content-Security-Policy
without 'unsafe-inline' in every browser, however it is shown.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import matplotlib
from matplotlib.figure import Figure

SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")

_drawing = threading.Lock()
BLUE, LIGHT_BLUE, GREY, RED = "#1d70b8", "#bbd4ea", "#505a5f", "#d4351c"
SETTINGS = {
    "svg.fonttype": "none",  # text stays text: smaller, sharp, and can be searched
    "svg.hashsalt": "survey-chart",  # the same figures give the same file
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Helvetica", "DejaVu Sans"],
    "font.size": 10,
}


# 8 by 4.5 inches (16:9, for a slide); a PNG at 200 dpi is 1600 by 900 pixels, sharp
# on a projector. The SVG keeps the inches, so its text stays the size it was drawn.
SIZE = (8, 4.5)
PNG_DPI = 200


@dataclass(frozen=True)
class Caption:
    """What a chart says about itself: title, filters line and source line."""

    title: str
    filters: str = ""
    source: str = ""


def measure_chart(
    entry: dict,
    *,
    percent: bool = True,
    caption: Caption | None = None,
    fmt: str = "svg",
) -> str | bytes:
    """A measure's estimate per period with its 95% band and any p-chart limits."""
    # rc_context changes Matplotlib's global settings: one chart at a time per process.
    # Matplotlib types every setting's name as a literal of its own.
    with _drawing, matplotlib.rc_context(SETTINGS):  # type: ignore[arg-type]
        figure = _figure(SIZE, caption)
        _draw_measure(figure.add_subplot(), entry, percent)
        return _saved(figure, fmt, caption)


def _draw_measure(axes, entry: dict, percent: bool) -> None:
    """The estimates, their band and the p-chart on one set of axes."""
    points = entry["periods"]
    labels = [point["period"] for point in points]
    scale = 100 if percent else 1

    def value(point, key):
        if point.get("suppressed", True):
            return math.nan  # a gap: nothing is drawn for a suppressed period
        return scale * point[key]

    positions = list(range(len(points)))
    axes.fill_between(
        positions,
        [value(p, "ci_low") for p in points],
        [value(p, "ci_high") for p in points],
        color=LIGHT_BLUE,
        linewidth=0,
        label="95% confidence interval",
    )
    axes.plot(
        positions,
        [value(p, "estimate") for p in points],
        color=BLUE,
        marker="o",
        linewidth=2,
        label="Estimate",
    )
    limits = {row["period"]: row for row in entry.get("p_chart", {}).get("limits", [])}
    if limits:
        estimates = [value(p, "estimate") for p in points]
        _control_limits(axes, limits, entry["p_chart"]["centre"], labels, estimates)
    if all(point.get("suppressed", True) for point in points):
        # An empty chart downloaded on its own would look broken, not withheld.
        axes.text(
            0.5,
            0.5,
            "No period's figure can be published: too few responses.",
            ha="center",
            va="center",
            transform=axes.transAxes,
        )
    axes.set_ylim(0, 100)
    axes.set_ylabel("% of the base" if percent else "Index (0 to 100)")
    step = max(1, math.ceil(len(labels) / 12))  # at most a dozen labels
    axes.set_xticks(positions[::step], labels[::step], rotation=30, ha="right")
    axes.set_xlim(-0.5, len(points) - 0.5)
    axes.grid(axis="y", color="#e0e0e0", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)


def ranked_chart(
    entry: dict, *, caption: Caption | None = None, fmt: str = "svg"
) -> str | bytes:
    """Decline reasons (or what would have helped) in the latest period: a bar for
    each published percentage with its 95% interval, most often ticked at the top.

    An answer whose figure is not shown has no bar (a bar of 0 would say none ticked
    it): it is named in a note under the chart instead.
    """
    shown = [item for item in entry["ranked"] if not item.get("suppressed", True)]
    hidden = [item["label"] for item in entry["ranked"] if item.get("suppressed", True)]
    # Room for each bar's label (wrapped to two or three lines) and the notes.
    height = max(SIZE[1], 1.6 + 0.42 * len(shown) + 0.15 * len(hidden))
    # Matplotlib types every setting's name as a literal of its own.
    with _drawing, matplotlib.rc_context(SETTINGS):  # type: ignore[arg-type]
        # With no bar at all, the chart says so; a list of every answer adds nothing.
        note = _hidden_note(hidden) if shown else ""
        figure = _figure((SIZE[0], height), caption, note)
        _draw_bars(figure.add_subplot(), shown)
        return _saved(figure, fmt, caption)


def _draw_bars(axes, shown: list[dict]) -> None:
    """Horizontal bars with interval whiskers and the percentage at each bar's end."""
    if not shown:
        axes.set_axis_off()
        axes.text(
            0.5,
            0.5,
            "No figure here can be published: too few people gave these answers.",
            ha="center",
            va="center",
            transform=axes.transAxes,
        )
        return
    positions = list(range(len(shown)))
    estimates = [100 * item["estimate"] for item in shown]
    below = [100 * (item["estimate"] - item["ci_low"]) for item in shown]
    above = [100 * (item["ci_high"] - item["estimate"]) for item in shown]
    axes.barh(positions, estimates, color=BLUE, height=0.6, label="Estimate")
    axes.errorbar(
        estimates,
        positions,
        xerr=[below, above],
        fmt="none",
        ecolor=GREY,
        elinewidth=1.2,
        capsize=3,
        label="95% confidence interval",
    )
    for position, item in zip(positions, shown, strict=True):
        axes.text(
            100 * item["ci_high"] + 1,
            position,
            f"{round(100 * item['estimate'])}%",
            va="center",
            fontsize=9,
        )
    labels = [textwrap.fill(item["label"], 45) for item in shown]
    axes.set_yticks(positions, labels, fontsize=8)
    axes.invert_yaxis()  # the most often ticked at the top
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of those who gave at least one answer")
    axes.grid(axis="x", color="#e0e0e0", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(loc="lower right", frameon=False, fontsize=8)


def _hidden_note(hidden: list[str]) -> str:
    """The note naming answers whose figures are not shown (docs/disclosure.md)."""
    if not hidden:
        return ""
    return (
        "Not shown (too few to publish, or could be worked out from one that is): "
        + ("; ".join(hidden))
    )


def _figure(size: tuple[float, float], caption: Caption | None, note: str = ""):
    """A figure with the caption's title above and its source (and any note) below."""
    figure = Figure(figsize=size, layout="constrained")
    if caption is not None:
        # About as many characters as fit across 8 inches at 11 points.
        lines = [textwrap.fill(caption.title, 80)]
        if caption.filters:
            lines.append(textwrap.fill(caption.filters, 80))
        figure.suptitle("\n".join(lines), x=0.01, ha="left", fontsize=11)
    foot = [
        textwrap.fill(text, 130) for text in (note, caption and caption.source) if text
    ]
    if foot:
        figure.supxlabel("\n".join(foot), x=0.01, ha="left", fontsize=7.5, color=GREY)
    return figure


def _saved(figure: Figure, fmt: str, caption: Caption | None) -> str | bytes:
    """The figure as SVG text (styles as attributes, with a <title>) or PNG bytes."""
    if fmt == "png":
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
        return buffer.getvalue()
    text = io.StringIO()
    figure.savefig(text, format="svg", metadata={"Date": None})
    return presentation_attributes(text.getvalue(), caption.title if caption else None)


def _scaled(value: float | None, scale: float) -> float:
    """A published value on the chart's scale; a gap where there is none."""
    return math.nan if value is None else scale * value


def _control_limits(axes, limits, centre, labels, estimates) -> None:
    """The p-chart: centre line, limits per period, and periods outside them."""
    scale, positions = 100, range(len(labels))
    # A period whose estimate is not published has no limits (they give its base).
    lower = [_scaled(limits.get(p, {}).get("lower"), scale) for p in labels]
    upper = [_scaled(limits.get(p, {}).get("upper"), scale) for p in labels]
    axes.axhline(
        scale * centre, color=GREY, linewidth=1, linestyle="--", label="Centre line"
    )
    axes.step(positions, lower, where="mid", color=GREY, linewidth=1, linestyle=":")
    axes.step(
        positions,
        upper,
        where="mid",
        color=GREY,
        linewidth=1,
        linestyle=":",
        label="Control limits",
    )
    # Ringed only where the estimate itself is published.
    flagged = [
        i
        for i, p in enumerate(labels)
        if limits.get(p, {}).get("flagged") and not math.isnan(estimates[i])
    ]
    if flagged:
        axes.scatter(
            flagged,
            [estimates[i] for i in flagged],
            s=120,
            facecolors="none",
            edgecolors=RED,
            linewidths=2,
            zorder=3,
            label="Outside the limits",
        )


def presentation_attributes(svg: str, title: str | None = None) -> str:
    """The SVG with every style="…" and <style> turned into presentation attributes,
    and the title, if any, as its <title> (what a screen reader or a file viewer names
    it by)."""
    root = ET.fromstring(svg)
    if title:
        element = ET.Element(f"{{{SVG}}}title")
        element.text = title
        root.insert(0, element)
    for parent in root.iter():
        for child in list(parent):
            if child.tag == f"{{{SVG}}}style":
                parent.remove(child)  # only matplotlib's defaults for line joins
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    for element in root.iter():
        style = element.attrib.pop("style", "")
        for declaration in style.split(";"):
            name, _, value = declaration.partition(":")
            if name.strip() and value.strip():
                element.set(name.strip(), value.strip())
    # Registered again here: the registry is global, and another library may have
    # given the SVG namespace a prefix meanwhile, which would write <ns0:svg>.
    ET.register_namespace("", SVG)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    return ET.tostring(root, encoding="unicode")
