"""The dashboard: figures from the analysis package, filters in the URL, cached."""

import html
import json
import os
import re
import runpy
from datetime import date
from types import SimpleNamespace

from flask import Flask
from helpers import release_due
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import periods, wording
from analysis.periods import week_of
from survey import audit_log, clock, demo, link_store, questionnaire, releases, storage

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_analysts_see_the_headline_measures_with_sentences(personas, demo_rows):
    html = personas["analyst"].get("/dashboard/").get_data(as_text=True)
    assert "Headline measures" in html
    for measure in questionnaire.MEASURES:
        assert f">{measure.heading}<" in html, measure.name
    assert ">Declined some or all of the safety questions<" in html
    assert "of respondents had confidence in the police" in html
    assert "statistically significant" in html  # every change is worded by its test


def test_figures_are_the_analysis_package_s(app, personas, demo_rows):
    from survey.dashboard import figures

    html = personas["admin"].get("/dashboard/?period=year").get_data(as_text=True)
    with app.test_request_context():
        built = figures.build_report("year")
    latest = built["measures"]["confidence"]["periods"][-1]
    assert f"{round(100 * latest['estimate'])}%" in html
    assert built["latest_complete_period"] in html


def test_every_significant_change_of_a_headline_measure_is_on_the_main_page(
    app, personas, demo_rows
):
    """Previous period, year earlier, rolling year and trend: a significant result
    of any of them is said on the main page, not only on the measure's own page."""
    from survey.dashboard import figures

    for period in ("quarter", "year", "month"):
        page = personas["analyst"].get(f"/dashboard/?period={period}")
        text = html.unescape(page.get_data(as_text=True))
        with app.test_request_context():
            built = figures.build_report(period)
        found = 0
        for name, entry in built["measures"].items():
            subject = wording.share(questionnaire.BY_MEASURE[name])
            for key in ("latest_change", "year_on_year", "rolling_year"):
                if entry.get(key, {}).get("significant"):
                    found += 1
                    sentence = wording.change_sentence(subject, entry[key])
                    assert sentence in text, (period, key, sentence)
            if entry["trend"].get("significant"):
                found += 1
                count = f"{len(entry['periods'])} {period}s"
                sentence = wording.trend_sentence(subject, entry["trend"], count)
                assert sentence in text, (period, "trend", sentence)
        assert found, period  # the demo data has significant changes in each view


def test_a_significant_year_on_year_change_alone_is_on_the_main_page(db, personas):
    """Confidence at 50% a year ago and 38% in each quarter since: the latest quarter
    is no different from the one before, but a year on year it fell significantly.
    The main page says so, as it says the trend."""
    from test_attacks import complete_quarters, respondents

    quarters = complete_quarters(5)
    for quarter, confident in zip(quarters, (300, 228, 228, 228, 228), strict=True):
        week = periods.first_week(quarter, "quarter")
        storage.add_rows(db, respondents(week, "a", 600, confident))
    release_due(db)
    page = personas["analyst"].get("/dashboard/").get_data(as_text=True)
    text = html.unescape(page)
    # Bases are published perturbed: 600 may show as 598 to 602.
    assert re.search(
        r"The share who had confidence in the police fell from 50% \(\d{3} responses\) "
        rf"in {re.escape(quarters[0])} to 38% \(\d{{3}} responses\) in "
        rf"{re.escape(quarters[4])}\. This fall is statistically significant",
        text,
    )


def test_filters_are_kept_in_the_url_and_checked(personas, demo_rows):
    client = personas["analyst"]
    html = client.get(
        "/dashboard/?period=month&offence=stalking&channel=helpline"
    ).get_data(as_text=True)
    for name, value in (
        ("period", "month"),
        ("offence", "stalking"),
        ("channel", "helpline"),
    ):
        assert re.search(rf'<option value="{value}" selected>', html), name
    for bad in ("period=week", "offence=burglary", "channel=nowhere"):
        response = client.get(f"/dashboard/?{bad}")
        assert response.status_code == 400, bad
        assert "Choose" in response.get_data(as_text=True)


def test_every_channel_with_released_responses_is_offered(db, personas):
    # A fresh install: responses through six channels, a link for none of them.
    storage.add_rows(db, demo.generate(3000, 3, clock.today()))
    releases.make_due_releases(db, clock.today(), 10)
    client = personas["analyst"]
    html = client.get("/dashboard/").get_data(as_text=True)
    for channel in demo.CHANNELS:
        assert f'<option value="{channel}">' in html, channel
    for period in ("month", "quarter", "year"):
        response = client.get(f"/dashboard/?period={period}&channel=helpline")
        assert response.status_code == 200, period
        assert '<option value="helpline" selected>' in response.get_data(as_text=True)
    assert client.get("/dashboard/?channel=nowhere").status_code == 400


def test_each_period_type_shows_its_latest_complete_period(personas, demo_rows, today):
    client = personas["analyst"]
    for period_type in ("month", "quarter", "year"):
        latest = periods.latest_complete(today, period_type)
        body = client.get(f"/dashboard/export/all.json?period={period_type}")
        assert body.get_json()["latest_complete_period"] == latest, period_type
        # The releases to choose from end with it: the period under way is not one.
        html = client.get(f"/dashboard/?period={period_type}").get_data(as_text=True)
        select = html.split('name="release"')[1].split("</select>")[0]
        offered = re.findall(r'<option value="([^"]+)"', select)
        assert latest in offered, period_type
        assert all(periods.complete(p, period_type, today) for p in offered if p)


def test_a_page_never_makes_a_release_and_says_which_are_not_made(db, personas, runner):
    # Releases are made by `flask release` (cron) and as a worker starts; until
    # then the dashboard shows the releases there are, and says what is missing.
    storage.add_rows(db, demo.generate(600, 4, clock.today()))
    client = personas["analyst"]
    for path in ("/dashboard/", "/dashboard/?period=month", "/dashboard/reasons"):
        text = " ".join(client.get(path).get_data(as_text=True).split())
        assert "periods that have ended are not released yet" in text, path
        assert "Releases are made each night by <code>flask release</code>" in text
    assert client.get("/dashboard/export/all.json").status_code == 200
    assert db.execute("SELECT count(*) FROM releases").fetchone()[0] == 0
    assert runner.invoke(args=["release"]).exit_code == 0
    # Seen at once: each request reads which releases there are.
    text = client.get("/dashboard/?period=month").get_data(as_text=True)
    assert "not released yet" not in text and "<table" in text


def test_a_channel_with_a_link_is_offered_before_it_has_responses(db, personas):
    link_store.add_link(db, label="New", channel="new-service", today=date(2024, 4, 1))
    html = personas["analyst"].get("/dashboard/").get_data(as_text=True)
    assert '<option value="new-service">' in html
    assert personas["analyst"].get("/dashboard/?channel=new-service").status_code == 200


def test_figures_come_from_releases_and_move_only_with_a_revision(
    app, db, personas, demo_rows
):
    client = personas["analyst"]

    def figures():
        html = client.get("/dashboard/?period=year").get_data(as_text=True)
        return html[html.index("<table") : html.index("</table>")]

    first = figures()
    made = releases.list_releases(db, "year")
    assert made  # every complete year is released
    # Late responses for every released period: no published figure moves.
    storage.add_rows(db, demo.generate(3000, 9, clock.today()))
    app.extensions.pop("dashboard_cache", None)  # nor in a freshly started worker
    assert figures() == first
    # A revision, made on purpose, changes the release set: the figures follow it.
    latest = made[-1]["period"]
    with app.app_context():
        releases.revise_release(db, "year", latest, clock.today(), 10)
    assert figures() != first


def test_reading_the_dashboard_is_audited(db, personas, demo_rows):
    personas["analyst"].get("/dashboard/?offence=da")
    [entry] = [
        e for e in audit_log.list_entries(db) if e["action"] == "read the dashboard"
    ]
    assert entry["staff_email"] == "analyst@example.org" and "da" in entry["detail"]


def test_empty_database_says_so(personas):
    html = personas["analyst"].get("/dashboard/").get_data(as_text=True)
    assert "There are no responses from a complete period yet." in html


def test_index_links_to_every_dashboard_page_keeping_the_choices(personas, demo_rows):
    html = personas["analyst"].get("/dashboard/?period=month").get_data(as_text=True)
    for path in (
        "/dashboard/measures/confidence?period=month",
        "/dashboard/measures/confidence_index?period=month",
        "/dashboard/reasons?period=month",
        "/dashboard/breakdowns?period=month",
        "/dashboard/report?period=month",
        "/dashboard/comments",
        "/dashboard/export/all.json?period=month",
    ):
        assert f'href="{path}"' in html, path


def test_measure_page_has_chart_table_and_sentences(app, personas, demo_rows):
    from survey.dashboard import figures

    client = personas["analyst"]
    html = client.get("/dashboard/measures/declined").get_data(as_text=True)
    with app.test_request_context():
        entry = figures.build_report("quarter")["measures"]["declined"]
    assert '<img src="/dashboard/measures/declined/chart.svg?period=quarter"' in html
    assert (
        'alt="Chart of the share who declined some or all of the safety questions '
        "by quarter" in html
    )
    assert html.count('<tr class="govuk-table__row">') == len(entry["periods"]) + 1
    latest = entry["periods"][-1]
    cell = '<td class="govuk-table__cell govuk-table__cell--numeric">'
    assert f"{cell}{round(100 * latest['estimate'])}%</td>" in html
    assert entry["summary"] in html
    # The channel-adjusted trend
    assert "the share who declined some or all of the safety questions" in html
    assert "trend within channels" in html
    assert client.get("/dashboard/measures/nothing").status_code == 404


def test_measure_page_names_the_control_chart_it_draws(app, personas, demo_rows):
    from survey.dashboard import figures

    html = personas["analyst"].get("/dashboard/measures/confidence")
    with app.test_request_context():
        chart = figures.build_report("quarter")["measures"]["confidence"]["p_chart"]
    named = {"laney-p-prime": "a Laney p′ chart", "p-chart": "a p-chart"}
    assert f"control limits of {named[chart['method']]} (" in html.get_data(
        as_text=True
    )


def test_chart_is_svg_that_obeys_the_content_security_policy(personas, demo_rows):
    import xml.etree.ElementTree as ET

    for name in ("confidence", "confidence_index"):
        response = personas["admin"].get(f"/dashboard/measures/{name}/chart.svg")
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert "style-src 'self'" in response.headers["Content-Security-Policy"]
        svg = response.get_data(as_text=True)
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert not [e for e in root.iter() if "style" in e.attrib]
        assert not [e for e in root.iter() if e.tag.endswith("}style")]
        assert not [e for e in root.iter() if e.tag.endswith("}script")]
        assert "fill" in svg and "95% confidence interval" in svg


def test_reasons_page_ranks_reasons_and_what_would_have_helped(
    app, personas, demo_rows
):
    from survey.dashboard import figures

    html = personas["analyst"].get("/dashboard/reasons").get_data(as_text=True)
    with app.test_request_context():
        built = figures.build_report("quarter")
    for key in ("reasons", "would_help"):
        shown = [i["label"] for i in built[key]["ranked"] if not i["suppressed"]]
        positions = [html.index(f">{label}</th>") for label in shown]
        assert positions == sorted(positions), key  # most often ticked first
    assert "What would have helped" in html
    assert "Change on previous period" in html


def test_breakdowns_by_channel_offence_and_about_you(personas, demo_rows):
    client = personas["analyst"]
    html = client.get("/dashboard/breakdowns?measure=satisfaction").get_data(
        as_text=True
    )
    for caption in (
        "by channel",
        "by what they were in contact",
        "by age",
        "by gender",
        "by disability",
    ):
        assert f"Were satisfied with the service {caption}" in html, caption
    filtered = client.get(
        "/dashboard/breakdowns?measure=satisfaction&offence=da"
    ).get_data(as_text=True)
    assert "Were satisfied with the service by channel" in filtered
    assert "Were satisfied with the service by age" not in filtered
    assert "for all responses only" in filtered
    assert client.get("/dashboard/breakdowns?measure=x").status_code == 400


def test_breakdown_by_language_merges_and_hides_small_languages(personas, demo_rows):
    client = personas["analyst"]
    html = client.get("/dashboard/breakdowns?measure=confidence").get_data(as_text=True)
    assert "Had confidence in the police by language" in html
    body = client.get("/dashboard/export/all.json").get_json()
    table = body["tables"]["breakdown-confidence-language"]
    assert [c["key"] for c in table["columns"]][:2] == ["group", "estimate_percent"]
    groups = {row["group"]: row for row in table["rows"]}
    # About 330 responses a quarter: a few in each other language, under the
    # threshold, so they are merged (or hidden); English is shown with its figures.
    assert groups["English"]["base"] >= 200
    assert groups["English"]["estimate_percent"] is not None
    for name in ("Welsh", "Polish", "Urdu", "Easy Read (English)"):
        assert name not in groups or groups[name]["base"] is None, name
    for row in table["rows"]:
        assert row["base"] is None or row["base"] >= 10
    csv_text = client.get(
        "/dashboard/export/breakdown-confidence-language.csv"
    ).get_data(as_text=True)
    [header, *lines] = csv_text.splitlines()
    assert header.startswith("group,estimate_percent,")
    assert any(line.startswith("English,") for line in lines)
    assert len(lines) == len(table["rows"])


def test_a_large_language_group_is_shown_with_its_own_figures(db, personas):
    from test_attacks import complete_quarters, respondents

    [quarter] = complete_quarters(1)
    week = periods.first_week(quarter, "quarter")
    english = respondents(week, "a", 300, 150)
    welsh = respondents(week, "a", 120, 90)
    for row in welsh:
        row["language"] = "cy"
    storage.add_rows(db, english + welsh)
    release_due(db)
    body = personas["analyst"].get("/dashboard/export/all.json").get_json()
    table = body["tables"]["breakdown-confidence-language"]
    groups = {row["group"]: row for row in table["rows"]}
    assert set(groups) == {"English", "Welsh"}
    assert 73 <= groups["Welsh"]["estimate_percent"] <= 77  # 90 of 120, perturbed
    assert 118 <= groups["Welsh"]["base"] <= 122
    assert 48 <= groups["English"]["estimate_percent"] <= 52  # 150 of 300


def _without_language(db, keep: set[str]) -> None:
    """Releases as made before responses had a language: no language rows in them,
    but for the periods in `keep`."""
    for period, revision, stored in db.execute(
        "SELECT period, revision, rows FROM releases"
    ).fetchall():
        if period in keep:
            continue
        rows = json.loads(stored)
        rows["about"] = [r for r in rows["about"] if r["question"] != "language"]
        db.execute(
            "UPDATE releases SET rows = ? WHERE period = ? AND revision = ?",
            [json.dumps(rows), period, revision],
        )
    db.execute("DELETE FROM stored_reports")
    db.conn.commit()


def test_a_release_made_before_languages_says_they_were_not_recorded(
    app, db, personas, demo_rows
):
    from survey.dashboard import figures

    with app.test_request_context():
        released = figures.released_periods("quarter")
    _without_language(db, keep={released[-1]})
    client = personas["analyst"]
    earlier = released[-2]
    page = client.get(f"/dashboard/breakdowns?measure=confidence&release={earlier}")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "Language was not recorded before this release" in text
    assert "Had confidence in the police by age" in text  # the others as ever
    body = client.get(f"/dashboard/export/all.json?release={earlier}").get_json()
    table = body["tables"]["breakdown-confidence-language"]
    assert table["rows"] == []
    assert "not recorded" in table["notes"][0]
    assert body["tables"]["breakdown-confidence-E1_age"]["rows"]
    csv_page = client.get(
        f"/dashboard/export/breakdown-confidence-language.csv?release={earlier}"
    )
    assert csv_page.status_code == 200
    assert len(csv_page.get_data(as_text=True).splitlines()) == 1  # the header
    report = client.get(f"/dashboard/report?release={earlier}")
    assert report.status_code == 200
    assert "Language was not recorded" in html.unescape(report.get_data(as_text=True))
    # The latest release has the language rows: its breakdown has figures.
    latest = client.get("/dashboard/export/all.json").get_json()
    assert latest["tables"]["breakdown-confidence-language"]["rows"]


def test_small_channels_are_merged_and_small_cells_never_shown(db, personas):
    # Two big channels and one with 3 responses a quarter.
    rows = list(demo.generate(3000, 3, clock.today()))
    for row in rows[:40]:
        row["channel"] = "tiny"
    storage.add_rows(db, rows)
    for channel in ("tiny", *demo.CHANNELS):
        link_store.add_link(db, label=channel, channel=channel, today=date(2024, 4, 1))
    body = personas["analyst"].get("/dashboard/export/all.json").get_json()
    for name, table in body["tables"].items():
        for row in table["rows"]:
            assert row.get("base") is None or row["base"] >= 10, name
            assert "tiny" not in row.values(), name


def test_volume_jumps_are_flagged_on_the_dashboard(db, personas, today):
    from analysis import volume

    weeks = volume.recent_weeks(today, 16)
    base = {"A1_offence": "da", "B1_confidence": "4"}
    rows = []
    for week in weeks:
        size = 60 if week == weeks[-1] else 5
        rows += [
            storage.response_row(
                base,
                period=week,
                channel="helpline",
                submission_id=storage.new_response_id(),
            )
            for _ in range(size)
        ]
    storage.add_rows(db, rows)
    html = personas["analyst"].get("/dashboard/").get_data(as_text=True)
    assert "Possible flood" in html and f"helpline in the week {weeks[-1]}" in html


def test_no_flood_flag_for_ordinary_weeks(personas, demo_rows):
    html = personas["analyst"].get("/dashboard/").get_data(as_text=True)
    assert "Possible flood" not in html


def add_comments(db, texts_by_week: dict[str, list[str]]) -> None:
    rows = [
        storage.response_row(
            {"A1_offence": "stalking", "B1_confidence": "2", "F1_comments": text},
            period=week,
            channel="helpline",
            submission_id=storage.new_response_id(),
        )
        for week, texts in texts_by_week.items()
        for text in texts
    ]
    storage.add_rows(db, rows)


def release(db) -> None:
    """Make the due releases, as `flask release` does: they fix the comment batches."""
    releases.make_due_releases(db, clock.today(), 10)


def stored_state(db) -> list:
    """Everything a comments page could change, if it changed anything: the batches,
    how far they go, the releases and the responses, row for row."""
    return [
        db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        for table in ("comment_batches", "comment_batch_ends", "releases", "responses")
    ]


def test_comments_are_released_in_batches_without_other_answers(db, personas):
    add_comments(
        db,
        {
            "2025-W15": [f"april comment {i}" for i in range(6)],  # 2025/26 Q1
            "2025-W28": [f"july comment {i}" for i in range(6)],  # 2025/26 Q2
            "2025-W41": ["october comment"],  # waits for more
        },
    )
    release(db)
    client = personas["analyst"]
    html = client.get("/dashboard/comments").get_data(as_text=True)
    assert "2025/26 Q1 to 2025/26 Q2" in html
    listed = re.findall(r"<li>([^<]*)</li>", html)
    comments = [text for text in listed if "comment" in text]
    assert comments == sorted(comments) and len(comments) == 12
    assert "october comment" not in html
    # Nothing else of those responses: no week, channel or answer beside them.
    for other in ("2025-W", "helpline", "Stalking", "stalking"):
        assert other not in html, other
    for bad in ("question=B1_confidence", "batch=7", "batch=x", "part=2"):
        assert client.get(f"/dashboard/comments?{bad}").status_code == 400, bad


def test_one_comment_alone_is_never_shown(db, personas):
    add_comments(db, {"2025-W15": ["the only comment"]})
    release(db)
    html = personas["analyst"].get("/dashboard/comments").get_data(as_text=True)
    assert "the only comment" not in html
    assert "No batch of comments to this question can be released yet." in html


def test_comments_come_in_pages_of_a_hundred(db, personas):
    add_comments(db, {"2025-W15": [f"comment {i:03}" for i in range(150)]})
    release(db)
    client = personas["analyst"]
    first = client.get("/dashboard/comments").get_data(as_text=True)
    second = client.get("/dashboard/comments?batch=1&part=2").get_data(as_text=True)
    assert first.count("<li>comment ") == 100 and "Page 1 of 2" in first
    assert second.count("<li>comment ") == 50 and "comment 149" in second
    # The stored batch's texts, alphabetically, 100 then 50.
    listed = re.findall(r"<li>(comment \d+)</li>", first + second)
    assert listed == [f"comment {i:03}" for i in range(150)]


def test_the_comments_page_shows_the_stored_batch_not_the_live_answers(db, personas):
    add_comments(db, {"2025-W15": [f"spring {i}" for i in range(10)]})
    release(db)
    # Changed behind the batch's back: the page still shows what was fixed.
    db.execute("UPDATE responses SET F1_comments = 'edited later'")
    db.conn.commit()
    html = personas["analyst"].get("/dashboard/comments").get_data(as_text=True)
    assert re.findall(r"<li>(spring \d)</li>", html) == [
        f"spring {i}" for i in range(10)
    ]
    assert "edited later" not in html


def test_reading_comments_changes_nothing(db, personas):
    # A GET never changes state: a batch is made when its quarters are released,
    # never by reading the page, even when complete quarters have enough comments.
    add_comments(db, {"2025-W15": [f"comment {i:03}" for i in range(150)]})
    client = personas["analyst"]
    before = stored_state(db)
    html = client.get("/dashboard/comments").get_data(as_text=True)
    assert "No batch of comments to this question can be released yet." in html
    assert stored_state(db) == before
    release(db)
    before = stored_state(db)
    for query in ("", "?batch=1", "?batch=1&part=2", "?question=D3_other_text"):
        assert client.get(f"/dashboard/comments{query}").status_code == 200, query
    assert stored_state(db) == before


def test_reading_comments_is_audited(db, personas):
    personas["analyst"].get("/dashboard/comments?question=D3_other_text")
    assert [
        e["detail"]
        for e in audit_log.list_entries(db)
        if e["action"] == "read comments"
    ] == ["D3_other_text batch none 1"]


# One address of each kind: every page, a chart and the exports.
DASHBOARD_PATHS = (
    "/dashboard/",
    "/dashboard/measures/confidence",
    "/dashboard/measures/confidence/chart.svg",
    "/dashboard/reasons",
    "/dashboard/breakdowns",
    "/dashboard/comments",
    "/dashboard/report",
    "/dashboard/export/headline.csv",
    "/dashboard/export/all.json",
)


def test_partners_see_no_dashboard_page(personas, demo_rows):
    for path in DASHBOARD_PATHS:
        assert personas["partner_a"].get(path).status_code == 403, path


def test_the_unfinished_period_is_never_shown(db, personas, today):
    # Plenty of responses, all from this week: there is nothing complete to show.
    rows = [
        storage.response_row(
            {"A1_offence": "da", "B1_confidence": "5"},
            period=week_of(today),
            channel="helpline",
            submission_id=storage.new_response_id(),
        )
        for _ in range(500)
    ]
    storage.add_rows(db, rows)
    client = personas["analyst"]
    for path in ("/dashboard/", "/dashboard/measures/confidence", "/dashboard/reasons"):
        html = client.get(path).get_data(as_text=True)
        assert "There are no responses from a complete period yet." in html, path
    assert client.get("/dashboard/export/all.json").get_json()["tables"] == {}


QUERY_KEYS = ("period", "offence", "channel", "measure", "question", "batch", "part")
QUERY_VALUES = st.one_of(
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
            "declined",
            "confidence_index",
            "F1_comments",
            "0",
            "1",
            "2",
            "-1",
            "99999999999999999999",
        ]
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(
        [
            *DASHBOARD_PATHS,
            "/dashboard/measures/told_about_orders/chart.svg",
            "/dashboard/measures/confidence_index/chart.svg",
        ]
    ),
    query=st.dictionaries(st.sampled_from(QUERY_KEYS), QUERY_VALUES, max_size=4),
)
def test_no_choice_in_the_address_gives_a_server_error(
    personas, demo_rows, path, query
):
    response = personas["analyst"].get(path, query_string=query)
    assert response.status_code in (200, 400, 404), (path, query)


def test_counts_read_at_start_up_serve_the_first_request(
    app, personas, demo_rows, monkeypatch
):
    from survey import reports
    from survey.dashboard import figures

    analyst = personas["analyst"]  # logged in before the workers start
    reads = []
    read = reports.read_counts
    monkeypatch.setattr(
        reports,
        "read_counts",
        lambda db, choice, today: (
            reads.append(choice.period_type) or read(db, choice, today)
        ),
    )
    figures.warm_up(app)  # gunicorn calls this as each worker starts
    assert analyst.get("/dashboard/").status_code == 200
    assert analyst.get("/dashboard/reasons").status_code == 200
    assert reads == ["quarter"]  # the first request waited for the read at start-up


def test_gunicorn_warms_up_the_dashboard_only_in_an_app_that_has_one(app, monkeypatch):
    from survey import reports
    from survey.dashboard import figures

    hooks = runpy.run_path(os.path.join(ROOT, "gunicorn.conf.py"))
    reads = []
    read = reports.read_counts
    monkeypatch.setattr(
        reports,
        "read_counts",
        lambda db, choice, today: (
            reads.append(choice.period_type) or read(db, choice, today)
        ),
    )
    # The benchmark's bare app has no dashboard and no DATABASE setting.
    hooks["post_worker_init"](SimpleNamespace(wsgi=Flask("bare")))
    hooks["post_worker_init"](SimpleNamespace(wsgi=app))
    with app.app_context():
        figures.wait_for_warm_up()
    assert reads == ["quarter"]


def test_by_year_the_headline_table_gives_the_one_comparison_as_the_year_earlier():
    from survey.dashboard import tables

    change = {"shown": True, "difference": -0.08, "significant": True}
    built = {
        "period_type": "year",
        "latest_complete_period": "2025/26",
        "measures": {
            "confidence": {
                "title": "Had confidence in the police",
                "periods": [{"period": "2025/26", "suppressed": True, "base": 40}],
                "latest_change": change | {"p_adjusted": 0.0001},
                "summary": "…",
            }
        },
    }
    [row] = tables.headline(built).as_dicts()
    assert row["change_previous_points"] == row["change_year_points"] == -8
    assert row["change_year_significant"] == "yes"


def test_an_empty_latest_month_is_named_as_the_latest_and_as_too_few(db, personas):
    """Responses up to two months ago: the latest complete month is released empty.
    The page says it is the latest complete month and had too few responses, and
    calls no other month the latest."""
    from test_attacks import latest_complete, respondents

    latest = latest_complete("month")
    for back in range(1, 7):
        month = periods.shift(latest, "month", -back)
        week = periods.first_week(month, "month")
        storage.add_rows(db, respondents(week, "a", 200, 90))
    release_due(db)
    page = personas["analyst"].get("/dashboard/?period=month").get_data(as_text=True)
    text = re.sub(r"\s+", " ", page)
    name = wording.period_name(latest)
    assert (
        f"{name} is the latest complete month, and it had too few responses to "
        "publish its figures"
    ) in text
    assert "the latest complete month." not in text


def test_any_released_period_can_be_chosen_on_every_page(app, personas, demo_rows):
    from survey.dashboard import figures

    client = personas["analyst"]
    with app.test_request_context():
        released = figures.released_periods("quarter")
    chosen = released[-3]
    html = client.get(f"/dashboard/?release={chosen}").get_data(as_text=True)
    assert f'<option value="{chosen}" selected>' in html
    assert f"Headline measures, {chosen}" in html
    assert released[-1] not in html.split("<table", 1)[1]  # nothing after it
    for path in (
        "/dashboard/measures/confidence",
        "/dashboard/reasons",
        "/dashboard/breakdowns?measure=declined",
        "/dashboard/report",
    ):
        page = client.get(f"{path}{'&' if '?' in path else '?'}release={chosen}")
        assert page.status_code == 200, path
        assert chosen in page.get_data(as_text=True), path
    exported = client.get(f"/dashboard/export/headline.json?release={chosen}")
    body = exported.get_json()
    assert body["latest_complete_period"] == chosen
    assert body["filters"]["release"] == chosen
    assert (
        chosen.replace("/", "-").replace(" ", "-")
        in (exported.headers["Content-Disposition"])
    )


def test_a_release_of_another_period_type_means_the_latest(app, personas, demo_rows):
    from survey.dashboard import figures

    with app.test_request_context():
        month = figures.released_periods("month")[-5]
    client = personas["analyst"]
    latest = client.get("/dashboard/?period=quarter").get_data(as_text=True)
    mixed = client.get(f"/dashboard/?period=quarter&release={month}")
    assert mixed.status_code == 200

    def table(html):
        return html[html.index("<table") : html.index("</table>")]

    assert table(mixed.get_data(as_text=True)) == table(latest)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["month", "quarter", "year"]),
    release=st.one_of(
        st.text(max_size=12),
        st.sampled_from(["2026/27 Q3", "2026-11", "2026/27", "2019/20 Q1", "2026-12"]),
    ),
)
def test_no_release_choice_gives_a_server_error_or_an_unreleased_period(
    app, personas, demo_rows, kind, release
):
    from survey.dashboard import figures

    response = personas["analyst"].get(
        "/dashboard/export/headline.json",
        query_string={"period": kind, "release": release},
    )
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        with app.test_request_context():
            released = figures.released_periods(kind)
        assert response.get_json()["latest_complete_period"] in released
