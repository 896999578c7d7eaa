"""Exports: every dashboard table as CSV and JSON; the printable quarterly report."""

import csv
import io
import re
from datetime import date

import pytest
from helpers import release_due
from markupsafe import escape

from survey import audit_log, clock, demo, link_store, questionnaire, storage
from survey.dashboard import document, figures

MEASURES = [measure.name for measure in questionnaire.MEASURES]


def page_table(html: str, caption_start: str) -> list[list[str]]:
    """The cells of the table whose caption starts so, as the page shows them."""
    start = html.index(f">{caption_start}")
    body = html[start : html.index("</table>", start)]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body, re.S)
    return [
        [cell.strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in rows
    ]


def test_csv_holds_exactly_the_figures_on_the_page(personas, demo_rows):
    client = personas["analyst"]
    html = client.get("/dashboard/?period=year").get_data(as_text=True)
    shown = page_table(html, "Headline measures")
    response = client.get("/dashboard/export/headline.csv?period=year")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    [header, *rows] = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header[:6] == [
        "measure",
        "estimate_percent",
        "ci_low_percent",
        "ci_high_percent",
        "count",
        "base",
    ]
    assert len(rows) == len(shown) - 1 == 6
    for exported, on_page in zip(rows, shown[1:], strict=True):
        assert exported[0] == on_page[0]
        # The page adds % signs and thousands separators; the figures are the same.
        for value, text in zip(exported[1:6], on_page[1:6], strict=True):
            assert value == text.replace("%", "").replace(",", ""), (value, text)
        # The estimate follows from the published count and base on the same row.
        if exported[1] != "not shown":
            assert int(exported[1]) == round(100 * int(exported[4]) / int(exported[5]))


def test_json_holds_the_same_data_as_the_csv(personas, demo_rows):
    client = personas["analyst"]
    table = client.get("/dashboard/export/measure-confidence.json").get_json()
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/dashboard/export/measure-confidence.csv").get_data(
                    as_text=True
                )
            )
        )
    )
    [(name, exported)] = table["tables"].items()
    assert name == "measure-confidence"
    assert table["period_type"] == "quarter" and table["threshold"] == 10
    assert len(exported["rows"]) == len(rows)
    for from_json, from_csv in zip(exported["rows"], rows, strict=True):
        for key, value in from_json.items():
            expected = "not shown" if value is None else str(value)
            assert from_csv[key] == expected, key


def filename(response) -> str:
    disposition = response.headers["Content-Disposition"]
    return re.fullmatch(r'attachment; filename="([^"]+)"', disposition)[1]


def test_a_filtered_export_names_its_filters_in_its_name_and_inside(
    personas, demo_rows
):
    client = personas["analyst"]
    query = "?period=month&offence=stalking&channel=helpline"
    whole = client.get("/dashboard/export/headline.csv")
    filtered = client.get(f"/dashboard/export/headline.csv{query}")
    assert filename(whole).startswith("headline-quarter-")
    assert filename(filtered).startswith(
        "headline-month-offence-stalking-channel-helpline-"
    )
    assert filename(filtered).endswith(".csv")
    for response, expected in (
        (whole, {"period_type": "quarter", "offence": "all", "channel": "all"}),
        (
            filtered,
            {"period_type": "month", "offence": "stalking", "channel": "helpline"},
        ),
    ):
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert rows
        for row in rows:
            assert {key: row[key] for key in expected} == expected
    body = client.get(f"/dashboard/export/headline.json{query}")
    assert filename(body) == filename(filtered).replace(".csv", ".json")
    filters = body.get_json()["filters"]
    assert filters["period_type"] == "month"
    assert filters["offence"] == "stalking" and filters["channel"] == "helpline"
    assert "Stalking" in filters["description"] and "helpline" in filters["description"]


def test_every_table_on_every_page_can_be_downloaded(personas, demo_rows):
    client = personas["analyst"]
    every = client.get("/dashboard/export/all.json").get_json()["tables"]
    linked = set()
    for path in (
        "/dashboard/",
        "/dashboard/reasons",
        "/dashboard/measures/confidence_index",
        *(f"/dashboard/measures/{name}" for name in MEASURES),
        *(f"/dashboard/breakdowns?measure={name}" for name in MEASURES),
    ):
        html = client.get(path).get_data(as_text=True)
        captions = html.count("<caption")
        links = re.findall(r'href="/dashboard/export/([^".]+)\.csv', html)
        assert len(links) == captions, path
        linked |= set(links)
    assert linked == set(every)
    for name in every:
        for fmt in ("csv", "json"):
            assert client.get(f"/dashboard/export/{name}.{fmt}").status_code == 200


def test_exports_defuse_spreadsheet_formulas(db, personas):
    rows = list(demo.generate(4000, 8, clock.today()))
    for row in rows[: len(rows) // 2]:
        row["channel"] = "=HYPERLINK(1)"
    storage.add_rows(db, rows)
    link_store.add_link(db, label="x", channel="=HYPERLINK(1)", today=date(2024, 4, 1))
    release_due(db)
    text = (
        personas["analyst"]
        .get("/dashboard/export/breakdown-confidence-channel.csv")
        .get_data(as_text=True)
    )
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'=HYPERLINK(1)" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]


def test_every_export_is_audited(db, personas, demo_rows):
    client = personas["analyst"]
    client.get("/dashboard/export/headline.csv?offence=da")
    client.get("/dashboard/export/reasons.json")
    client.get("/dashboard/export/all.json")
    client.get("/dashboard/report")
    exported = [
        (e["action"], e["detail"])
        for e in audit_log.list_entries(db)
        if e["action"].startswith("exported")
    ]
    assert sorted(exported) == sorted(
        [
            ("exported figures", "headline.csv quarter da all latest"),
            ("exported figures", "reasons.json quarter all all latest"),
            ("exported figures", "all.json quarter all all latest"),
            ("exported the printable report", "quarter all all latest"),
        ]
    )


def test_unknown_tables_and_formats_are_not_found(personas, demo_rows):
    client = personas["analyst"]
    for path in (
        "/dashboard/export/nothing.csv",
        "/dashboard/export/headline.xlsx",
        "/dashboard/export/all.csv",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get("/dashboard/export/headline.csv?period=week").status_code == 400


def test_printable_report_has_every_section_and_a_methods_note(personas, demo_rows):
    html = personas["analyst"].get("/dashboard/report").get_data(as_text=True)
    assert "quarterly report" in html
    for heading in (
        "Summary",
        "Had confidence in the police",
        "Were satisfied with the service",
        "Declined all of the safety questions",
        "Confidence index",
        "Why people declined the safety questions",
        "Methods",
    ):
        assert f'<h2 class="govuk-heading-l">{heading}</h2>' in html, heading
    for words in (
        "self-selected",
        "Wilson",
        "Cochran–Armitage",
        "Benjamini–Hochberg",
        "moved by up to 2",
        "worked out from the published count and base",
        "No count under 10",
    ):
        assert words in html, words
    assert html.count('class="dashboard-report__section"') >= 8
    assert html.count("/chart.svg?period=quarter") == 7


def test_printable_report_from_a_month_or_year_view_is_the_latest_quarters(
    app, personas, demo_rows
):
    # The dashboard's link to it keeps the address's choices: a month or a year
    # "as published for" is no quarter, so the report is the latest quarter's, as
    # its charts are, and never one built from no releases.
    with app.test_request_context():
        month = figures.released_periods("month")[-3]
        year = figures.released_periods("year")[-1]
    client = personas["analyst"]

    def report(query=""):
        html = client.get(f"/dashboard/report?{query}").get_data(as_text=True)
        # The sign-out form's token carries the second it was made in.
        return re.sub(r'name="csrf_token" value="[^"]+"', "", html)

    latest = report()
    assert "There are no responses" not in latest
    for query in (f"period=month&release={month}", f"period=year&release={year}"):
        assert report(query) == latest, query


def test_printable_report_reads_as_a_document(app, personas, demo_rows):
    # Issue 13: key findings first, a contents list, what each measure asks and
    # counts, and how many responses the figures rest on; every sentence the report's.
    html = personas["analyst"].get("/dashboard/report").get_data(as_text=True)
    with app.test_request_context():
        built = figures.build_report("quarter")
    findings = document.key_findings(built)
    assert findings.significant and findings.not_detected
    first_table = html.index("<table")
    for sentence in findings.significant + findings.not_detected:
        assert html.index(str(escape(sentence))) < first_table, sentence
    assert html.index("Statistically significant changes") < html.index(
        "Differences too small to detect"
    )
    for sentence in findings.not_detected:
        assert "only changes of about" in sentence and "could be detected" in sentence
    # The contents link to every part, and every part is there.
    targets = re.findall(r'<a class="govuk-link" href="#([\w-]+)"', html)
    assert len(targets) == 12
    for target in targets:
        assert f'id="{target}"' in html, target
    for measure in questionnaire.MEASURES:
        question = questionnaire.BY_CODE[measure.column].text
        assert str(escape(question)) in html, measure.name
    for code in questionnaire.INDEX_ITEMS:
        text = questionnaire.BY_CODE[code].text.replace("{force}", "The police")
        assert str(escape(text)) in html, code
    latest = built["responses"][-1]["base"]
    assert f"This report rests on\n  {latest:,} responses in" in html
    # Beside the Print command: the same report as a PDF, with the page's filters.
    filtered = (
        personas["analyst"].get("/dashboard/report?offence=da").get_data(as_text=True)
    )
    assert 'href="/dashboard/report.pdf?period=quarter&amp;offence=da"' in filtered


def test_no_table_has_two_columns_with_the_same_heading(personas, demo_rows):
    # A screen reader announces a cell with its column's heading: each must be clear.
    every = personas["analyst"].get("/dashboard/export/all.json").get_json()["tables"]
    for name, table in every.items():
        labels = [column["label"] for column in table["columns"]]
        assert len(labels) == len(set(labels)), name


@pytest.mark.parametrize("period", ["month", "quarter", "year"])
def test_no_exported_number_is_finer_than_the_publication_rule(
    personas, demo_rows, period
):
    # Whole percentages, p-values to 3 places, and nothing finer than 3 places.
    body = personas["analyst"].get(f"/dashboard/export/all.json?period={period}")
    text = body.get_data(as_text=True)
    assert '"tables"' in text and not re.search(r"\d\.\d{4,}", text)


def test_key_findings_sort_the_reports_own_sentences():
    hidden = {"shown": False, "reason": "too few responses"}
    not_compared = hidden | {"period": "2026/27 Q2", "compared_with": "2026/27 Q1"}
    built = {
        "period_type": "quarter",
        "measures": {
            "confidence": {"latest_change": not_compared, "trend": hidden},
        },
        "responses": [
            {"period": "2026/27 Q1", "base": None},
            {"period": "2026/27 Q2", "base": 120},
        ],
    }
    found = document.key_findings(built)
    assert found.significant == found.not_detected == []
    assert found.not_compared == [
        "The share who had confidence in the police in 2026/27 Q2 cannot be compared "
        "with 2026/27 Q1: too few responses."
    ]
    # A hidden count is left out of the total, which then says "at least".
    assert document.responses(built) == {
        "latest": 120,
        "total": 120,
        "periods": 2,
        "complete": False,
    }
