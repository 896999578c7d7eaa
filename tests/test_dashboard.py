"""The dashboard: figures from the analysis package, filters in the URL, cached."""

import re
from datetime import date

import pytest

from survey import accounts, demo, storage


@pytest.fixture
def demo_rows(db):
    """Three financial years of demo responses, and a link per channel."""
    storage.add_rows(db, demo.generate(4000, 8, date.today()))
    for channel in demo.CHANNELS:
        storage.add_link(db, label=channel, channel=channel, today=date(2024, 4, 1))


def test_analysts_see_the_headline_measures_with_sentences(personas, demo_rows):
    html = personas["analyst"].get("/dashboard/").get_data(as_text=True)
    assert "Headline measures" in html
    for title in ("Confidence", "Satisfaction", "Declined", "Told about orders"):
        assert f">{title}<" in html
    assert "of respondents had confidence in the police" in html
    assert "statistically significant" in html  # every change is worded by its test


def test_figures_are_the_analysis_package_s(app, personas, demo_rows):
    from survey import dashboard

    html = personas["admin"].get("/dashboard/?period=year").get_data(as_text=True)
    with app.test_request_context():
        built = dashboard.build_report("year", "", "")
    latest = built["measures"]["confidence"]["periods"][-1]
    assert f"{round(100 * latest['estimate'])}%" in html
    assert built["latest_complete_period"] in html


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


def test_counts_are_cached_for_a_while(app, db, personas, demo_rows):
    client = personas["analyst"]

    def figures():
        html = client.get("/dashboard/?period=year").get_data(as_text=True)
        return html[html.index("<table") : html.index("</table>")]

    first = figures()
    storage.add_rows(db, demo.generate(3000, 9, date.today()))
    assert figures() == first  # read again only when the cache period is over
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    assert figures() != first


def test_reading_the_dashboard_is_audited(db, personas, demo_rows):
    personas["analyst"].get("/dashboard/?offence=da")
    [entry] = [
        e for e in accounts.list_audit(db) if e["action"] == "read the dashboard"
    ]
    assert entry["staff_email"] == "analyst@example.org" and "da" in entry["detail"]


def test_empty_database_says_so(personas):
    html = personas["analyst"].get("/dashboard/").get_data(as_text=True)
    assert "There are no responses from a complete period yet." in html
