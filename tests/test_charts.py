"""Charts: SVG and PNG from the report's figures, with their caption inside, styled
without style attributes, and downloaded under a name that says what they show."""

import io
import re
import textwrap
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


CAPTION = charts.Caption(
    "Had confidence in the police, by quarter, 2025/26 Q1 to 2025/26 Q3",
    "Only responses with offence type: Stalking; channel: helpline",
    "Source: Your views survey, a survey of victims: published figures",
)
RANKED = {
    "period": "2025/26 Q3",
    "base": 120,
    "ranked": [
        {
            "label": "I was afraid the person would find out",
            "suppressed": False,
            "estimate": 0.42,
            "ci_low": 0.33,
            "ci_high": 0.51,
        },
        {
            "label": "An interpreter",
            "suppressed": False,
            "estimate": 0.1,
            "ci_low": 0.06,
            "ci_high": 0.17,
        },
        {"label": "Prefer not to say", "suppressed": True},
    ],
}


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, read by Pillow (Matplotlib's own dependency)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


def svg_texts(svg: str) -> str:
    """Every <title> and <text> of an SVG, as one string: what a reader can see."""
    root = ET.fromstring(svg)
    return " ".join(
        "".join(e.itertext())
        for e in root.iter()
        if e.tag.endswith("}text") or e.tag.endswith("}title")
    )


def test_a_png_is_wide_enough_for_a_slide():
    for png in (
        charts.measure_chart(ENTRY, caption=CAPTION, fmt="png"),
        charts.measure_chart(ENTRY, percent=False, caption=CAPTION, fmt="png"),
        charts.ranked_chart(RANKED, caption=CAPTION, fmt="png"),
    ):
        width, height = png_size(png)
        assert width >= 1600 and height >= 900


def test_the_title_filters_and_source_are_inside_the_chart():
    for svg in (
        charts.measure_chart(ENTRY, caption=CAPTION),
        charts.ranked_chart(RANKED, caption=CAPTION),
    ):
        root = ET.fromstring(svg)
        [title] = [e for e in root if e.tag.endswith("}title")]
        assert title.text == CAPTION.title
        texts = svg_texts(svg)
        for line in (CAPTION.title, CAPTION.filters, CAPTION.source):
            assert line in texts, line


def test_a_hidden_answer_has_no_bar_and_is_named_in_a_note():
    texts = svg_texts(charts.ranked_chart(RANKED, caption=CAPTION))
    assert "Not shown" in texts and "Prefer not to say" in texts
    assert texts.count("Prefer not to say") == 1  # in the note, not as a bar's label
    assert "42%" in texts and "10%" in texts
    assert "An interpreter" in texts


def test_a_ranked_chart_with_nothing_published_says_so():
    entry = {
        "period": "2025/26 Q3",
        "base": None,
        "ranked": [{"label": "An interpreter", "suppressed": True}],
    }
    texts = svg_texts(charts.ranked_chart(entry, caption=CAPTION))
    assert "No figure here can be published" in texts
    assert "Not shown" not in texts  # no list of every answer under an empty chart


def test_a_measure_chart_with_nothing_published_says_so():
    entry = {"periods": [{"period": "2025/26 Q1", "suppressed": True}]}
    texts = svg_texts(charts.measure_chart(entry, caption=CAPTION))
    assert "No period's figure can be published" in texts
    assert "No period's figure" not in svg_texts(charts.measure_chart(ENTRY))


def disposition_name(response) -> str:
    disposition = response.headers["Content-Disposition"]
    return re.fullmatch(r'attachment; filename="([^"]+)"', disposition)[1]


FILTERED = "?period=month&offence=stalking&channel=helpline"


def test_a_measure_chart_downloads_as_png_and_svg_named_for_what_it_shows(
    personas, demo_rows
):
    client = personas["analyst"]
    png = client.get(f"/dashboard/measures/confidence/chart.png{FILTERED}")
    svg = client.get(f"/dashboard/measures/confidence/chart.svg{FILTERED}")
    for response, fmt in ((png, "png"), (svg, "svg")):
        assert response.status_code == 200
        assert response.mimetype == {"svg": "image/svg+xml", "png": "image/png"}[fmt]
        name = disposition_name(response)
        assert name.startswith(
            "chart-confidence-month-offence-stalking-channel-helpline-"
        )
        assert name.endswith(f".{fmt}")
    assert png_size(png.data)[0] >= 1600
    texts = svg_texts(svg.get_data(as_text=True))
    assert re.search(r"Had confidence in the police, by month, \S+ to \S+", texts)
    for words in ("offence type: Stalking", "channel: helpline", "Source: "):
        assert words in texts, words
    whole = client.get("/dashboard/measures/confidence_index/chart.png")
    assert disposition_name(whole).startswith("chart-confidence_index-quarter-")


def test_the_reasons_charts_download_as_png_and_svg(app, personas, demo_rows):
    from survey.dashboard import figures

    client = personas["analyst"]
    with app.test_request_context():
        built = figures.build_report("quarter")
    for key, title in (
        ("reasons", "Why people declined the safety questions"),
        ("would-help", "What would have helped people answer the safety questions"),
    ):
        for fmt in ("png", "svg"):
            response = client.get(f"/dashboard/reasons/{key}/chart.{fmt}")
            assert response.status_code == 200, (key, fmt)
            name = disposition_name(response)
            assert name.startswith(f"chart-{key}-quarter-") and name.endswith(fmt)
        assert (
            png_size(client.get(f"/dashboard/reasons/{key}/chart.png").data)[0] >= 1600
        )
        texts = svg_texts(
            client.get(f"/dashboard/reasons/{key}/chart.svg").get_data(as_text=True)
        )
        assert f"{title}, {built['reasons']['period']}" in texts
        shown = [
            i["label"]
            for i in built[key.replace("-", "_")]["ranked"]
            if not i["suppressed"]
        ]
        for label in shown:  # each published answer has its bar, labelled
            assert textwrap.fill(label, 45).splitlines()[0] in texts, label
    assert client.get("/dashboard/reasons/nothing/chart.svg").status_code == 404


def test_pages_show_the_svg_with_alt_text_and_link_both_downloads(personas, demo_rows):
    client = personas["analyst"]
    html = client.get(f"/dashboard/measures/confidence{FILTERED}").get_data(
        as_text=True
    )
    query = FILTERED[1:].replace("&", "&amp;")
    assert f'<img src="/dashboard/measures/confidence/chart.svg?{query}"' in html
    assert (
        f'href="/dashboard/measures/confidence/chart.png?{query}" download>PNG' in html
    )
    assert (
        f'href="/dashboard/measures/confidence/chart.svg?{query}" download>SVG' in html
    )
    assert "(offence type: Stalking; channel: helpline)" in html  # in the alt text
    html = client.get("/dashboard/reasons").get_data(as_text=True)
    for key in ("reasons", "would-help"):
        chart = f"/dashboard/reasons/{key}/chart"
        assert f'<img src="{chart}.svg?period=quarter" alt="Bar chart' in html
        assert (
            f'href="/dashboard/reasons/{key}/chart.png?period=quarter" download>PNG'
            in html
        )
    assert html.count("The same figures are in the table below.") == 2


CHART_PATHS = [
    *(
        f"/dashboard/measures/{name}/chart.{fmt}"
        for name in ("confidence", "confidence_index", "nothing")
        for fmt in ("svg", "png")
    ),
    *(
        f"/dashboard/reasons/{key}/chart.{fmt}"
        for key in ("reasons", "would-help", "x")
        for fmt in ("svg", "png")
    ),
]
CHART_VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "month",
            "quarter",
            "year",
            "da",
            "stalking",
            "pns",
            "helpline",
            "paper-forms",
            "demo",
            "",
        ]
    ),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(CHART_PATHS),
    query=st.dictionaries(
        st.sampled_from(("period", "offence", "channel", "fmt", "key")),
        CHART_VALUES,
        max_size=3,
    ),
)
def test_no_query_string_gives_a_chart_a_server_error(personas, demo_rows, path, query):
    response = personas["analyst"].get(path, query_string=query)
    assert response.status_code in (200, 400, 404), (path, query)
    if response.status_code == 200:
        assert response.headers["Content-Disposition"].startswith("attachment;")
