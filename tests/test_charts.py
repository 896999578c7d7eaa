"""Charts: SVG from the report's figures, styled without style attributes."""

import xml.etree.ElementTree as ET

from survey.dashboard import charts

ENTRY = {
    "periods": [
        {
            "period": "2025/26 Q1",
            "suppressed": False,
            "estimate": 0.5,
            "ci_low": 0.4,
            "ci_high": 0.6,
        },
        {"period": "2025/26 Q2", "suppressed": True},
        {
            "period": "2025/26 Q3",
            "suppressed": False,
            "estimate": 0.7,
            "ci_low": 0.6,
            "ci_high": 0.8,
        },
    ],
    "p_chart": {
        "centre": 0.6,
        "limits": [
            {"period": "2025/26 Q1", "lower": 0.45, "upper": 0.75, "flagged": False},
            # As the report gives a period whose estimate is not published.
            {"period": "2025/26 Q2", "lower": None, "upper": None, "flagged": None},
            {"period": "2025/26 Q3", "lower": 0.45, "upper": 0.65, "flagged": True},
        ],
    },
}


def test_the_same_figures_give_the_same_file():
    assert charts.measure_chart(ENTRY) == charts.measure_chart(ENTRY)


def test_a_suppressed_period_is_a_gap_not_a_point():
    svg = charts.measure_chart(ENTRY)
    assert "nan" not in svg.lower()
    # Period labels are text, and the legend names every element.
    for text in ("2025/26 Q2", "Estimate", "Control limits", "Outside the limits"):
        assert text in svg, text


def test_styles_become_presentation_attributes():
    svg = charts.presentation_attributes(
        '<svg xmlns="http://www.w3.org/2000/svg"><style>*{stroke: red}</style>'
        '<path d="M 0 0" style="fill: #1d70b8; stroke-width: 2"/></svg>'
    )
    root = ET.fromstring(svg)
    [path] = [e for e in root.iter() if e.tag.endswith("path")]
    assert path.attrib == {"d": "M 0 0", "fill": "#1d70b8", "stroke-width": "2"}
    assert not [e for e in root.iter() if e.tag.endswith("style")]
