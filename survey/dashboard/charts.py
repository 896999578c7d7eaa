"""Charts of a measure over time, drawn by Matplotlib as SVG from the report's figures.

The SVG is rewritten to carry its styling as presentation attributes (fill="…")
instead of style="…" and a <style> element, so that it obeys a Content-Security-Policy
without 'unsafe-inline' in every browser, however it is shown.
"""

from __future__ import annotations

import io
import math
import threading
import xml.etree.ElementTree as ET

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


def measure_chart(entry: dict, *, percent: bool = True) -> str:
    """A measure's estimate per period with its 95% band and any p-chart limits."""
    points = entry["periods"]
    labels = [point["period"] for point in points]
    scale = 100 if percent else 1

    def value(point, key):
        if point.get("suppressed", True):
            return math.nan  # a gap: nothing is drawn for a suppressed period
        return scale * point[key]

    positions = list(range(len(points)))
    # rc_context changes Matplotlib's global settings: one chart at a time per process.
    with _drawing, matplotlib.rc_context(SETTINGS):
        figure = Figure(figsize=(8, 3.6), layout="constrained")
        axes = figure.add_subplot()
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
        limits = {
            row["period"]: row for row in entry.get("p_chart", {}).get("limits", [])
        }
        if limits:
            estimates = [value(p, "estimate") for p in points]
            _control_limits(axes, limits, entry["p_chart"]["centre"], labels, estimates)
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
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return presentation_attributes(buffer.getvalue())


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


def presentation_attributes(svg: str) -> str:
    """The SVG with every style="…" and <style> turned into presentation attributes."""
    root = ET.fromstring(svg)
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
    return ET.tostring(root, encoding="unicode")
