"""The public results page and publishing releases to it (README, docs/privacy.md §1).

/results is linked from the thank-you page, so it keeps the respondent rules: no cookie,
never cached, the security headers. It shows only releases that are both released and
published, and its downloads carry the Open Government Licence and exactly the figures
the page shows.
"""

import csv
import io
import json
import re
from html import unescape
from urllib.parse import quote

import pytest
from helpers import csrf_token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_privacy import REQUIRED_HEADERS

from analysis import periods
from survey import audit_log, published, results
from survey.dashboard import figures, tables

LICENCE = "Open Government Licence v3.0"


def released(app, period_type="quarter"):
    """The released periods of a type, oldest first, as the staff page lists them."""
    with app.test_request_context():
        return figures.released_periods(period_type)


def change(client, action, period_type, period):
    """Publish or withdraw a release through the admin's form."""
    return client.post(
        "/staff/releases",
        data={
            "csrf_token": csrf_token(client, "/staff/releases"),
            "period_type": period_type,
            "period": period,
            "action": action,
        },
    )


def headings(html):
    """The release headings of the results page (its h2s that name a period)."""
    return re.findall(r'<h2 class="govuk-heading-l" id="[^"]+">([^<]+)</h2>', html)


@pytest.fixture
def two_published(app, personas, demo_rows):
    """The last two released quarters, published by the admin; (older, newer)."""
    older, newer = released(app)[-2:]
    admin = personas["admin"]
    for period in (older, newer):
        assert change(admin, "publish", "quarter", period).status_code == 303
    return older, newer


def test_nothing_is_shown_before_anything_is_published(client, demo_rows):
    response = client.get("/results")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No results have been published yet" in html
    assert headings(html) == []
    assert "Set-Cookie" not in response.headers


def test_only_published_releases_appear_newest_first(app, client, two_published):
    older, newer = two_published
    html = client.get("/results").get_data(as_text=True)
    assert headings(html) == [f"Quarter: {newer}", f"Quarter: {older}"]
    # Not the quarters before them, nor any month or year.
    for period in released(app)[:-2]:
        assert f"Quarter: {period}<" not in html
    assert "Month:" not in html and "Financial year:" not in html


def test_each_release_shows_its_own_report_as_it_was(app, client, two_published):
    older, newer = two_published
    html = unescape(client.get("/results").get_data(as_text=True))
    with app.test_request_context():
        for period in (older, newer):
            built = figures.build_report("quarter", through=period)
            table = tables.headline(built)
            assert table.title in html
            # The key findings are the report's own sentences.
            for sentence in table.notes:
                assert sentence in html
            # The same figures as the table shows, cell by cell.
            for row in table.rows:
                for value, column in zip(row, table.columns, strict=True):
                    assert tables.cell_text(value, column) in html


def test_withdrawing_takes_a_release_off_the_page(
    app, client, personas, db, two_published
):
    older, newer = two_published
    admin = personas["admin"]
    assert change(admin, "withdraw", "quarter", newer).status_code == 303
    html = client.get("/results").get_data(as_text=True)
    assert headings(html) == [f"Quarter: {older}"]
    slug = results.slug(newer)
    for path in (f"/results/quarter/{slug}.csv", f"/results/quarter/{slug}.json"):
        assert client.get(path).status_code == 404
    assert client.get(f"/results/quarter/{slug}/confidence.svg").status_code == 404
    actions = [(e["action"], e["detail"]) for e in audit_log.list_entries(db)]
    assert ("withdrew a published release", f"quarter {newer}") in actions
    assert ("published a release", f"quarter {older}") in actions
    assert ("published a release", f"quarter {newer}") in actions
    assert all(
        e["staff_email"] == "admin@example.org"
        for e in audit_log.list_entries(db)
        if "release" in e["action"]
    )


def test_publishing_stores_the_period_and_the_week_only(db, two_published, today):
    # The last two quarters complete on the day, and the week it is published in.
    latest = periods.latest_complete(today, "quarter")
    assert two_published == (periods.shift(latest, "quarter", -1), latest)
    rows = list(db.execute("SELECT * FROM published_releases"))
    assert len(rows) == 2
    for period_type, period, week in rows:
        assert period_type == "quarter" and period in two_published
        assert week == periods.week_of(today)
    columns = [row[1] for row in db.execute("PRAGMA table_info(published_releases)")]
    assert columns == ["period_type", "period", "published_week"]


def test_publishing_twice_or_withdrawing_nothing_changes_nothing(
    app, personas, db, two_published
):
    older, _ = two_published
    admin = personas["admin"]
    before = len(audit_log.list_entries(db))
    assert change(admin, "publish", "quarter", older).status_code == 303
    other = released(app)[0]
    assert change(admin, "withdraw", "quarter", other).status_code == 303
    assert len(published.list_published(db)) == 2
    # Only the reads of the form page were written to the log.
    added = audit_log.list_entries(db)[: len(audit_log.list_entries(db)) - before]
    assert {e["action"] for e in added} == {"read the published releases"}


@pytest.mark.parametrize(
    "period_type, period, action, status",
    [
        ("quarter", "2099/00 Q1", "publish", 404),
        ("quarter", "not a period", "publish", 404),
        ("quarter", "", "publish", 404),
        ("week", "2025-W01", "publish", 400),
        ("", "", "", 400),
    ],
)
def test_only_released_periods_can_be_published(
    personas, db, demo_rows, period_type, period, action, status
):
    response = change(personas["admin"], action, period_type, period)
    assert response.status_code == status
    assert published.list_published(db) == []


def test_an_unknown_action_is_refused(app, personas, db, demo_rows):
    period = released(app)[-1]
    assert change(personas["admin"], "delete", "quarter", period).status_code == 400
    assert published.list_published(db) == []


def test_only_admins_may_publish(app, personas, db, demo_rows):
    period = released(app)[-1]
    for persona in ("analyst", "partner_a"):
        client = personas[persona]
        assert client.get("/staff/releases").status_code == 403
        response = client.post(
            "/staff/releases",
            data={"period_type": "quarter", "period": period, "action": "publish"},
        )
        assert response.status_code in (400, 403)
    assert personas["anonymous"].get("/staff/releases").status_code == 302
    assert published.list_published(db) == []


def test_the_staff_page_lists_each_released_period_with_its_button(
    app, personas, two_published
):
    older, newer = two_published
    html = personas["admin"].get("/staff/releases").get_data(as_text=True)
    for period in released(app):
        assert f">{period}</th>" in html
    assert html.count(">Withdraw<") == 2
    assert html.count(">Publish this release<") >= len(released(app)) - 2
    assert "Published, week beginning" in html


def test_the_downloads_carry_the_licence_and_exactly_the_figures_shown(
    app, client, two_published
):
    _, newer = two_published
    slug = results.slug(newer)
    with app.test_request_context():
        table = tables.headline(figures.build_report("quarter", through=newer))
    page = client.get("/results").get_data(as_text=True)
    assert f'href="/results/quarter/{slug}.csv"' in page
    assert f'href="/results/quarter/{slug}.json"' in page
    assert LICENCE in page

    as_json = client.get(f"/results/quarter/{slug}.json")
    assert as_json.mimetype == "application/json"
    assert "attachment" in as_json.headers["Content-Disposition"]
    body = json.loads(as_json.get_data(as_text=True))
    assert body["licence"] == LICENCE
    assert body["period"] == newer and body["period_type"] == "quarter"
    assert body["title"] == table.title
    assert body["rows"] == table.as_dicts()
    assert body["notes"] == table.notes

    as_csv = client.get(f"/results/quarter/{slug}.csv")
    assert as_csv.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))
    assert rows[0] == [c.key for c in table.columns] + ["licence"]
    assert len(rows) == 1 + len(table.rows)
    for read, row in zip(rows[1:], table.rows, strict=True):
        assert read[-1] == LICENCE
        expected = [tables.NOT_SHOWN if v is None else str(v) for v in row]
        assert read[:-1] == expected


def test_the_chart_is_the_confidence_trend_as_svg(client, two_published):
    _, newer = two_published
    page = client.get("/results").get_data(as_text=True)
    chart = f"/results/quarter/{results.slug(newer)}/confidence.svg"
    assert f'src="{chart}"' in page
    response = client.get(chart)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "<svg" in response.get_data(as_text=True)


def public_responses(client, older):
    """Every response of the public results routes."""
    slug = results.slug(older)
    yield "page", client.get("/results")
    yield "csv", client.get(f"/results/quarter/{slug}.csv")
    yield "json", client.get(f"/results/quarter/{slug}.json")
    yield "chart", client.get(f"/results/quarter/{slug}/confidence.svg")
    yield "404", client.get("/results/quarter/nothing.csv")


def test_the_public_routes_set_no_cookie_and_are_never_cached(
    app, personas, two_published
):
    older, _ = two_published
    # A staff member's cookie is not even read here: no session is opened or renewed.
    for client in (app.test_client(), personas["admin"]):
        seen = 0
        for name, response in public_responses(client, older):
            seen += 1
            assert "Set-Cookie" not in response.headers, name
            assert response.headers["Cache-Control"] == "no-store", name
            for header, value in REQUIRED_HEADERS.items():
                assert header in response.headers, (name, header)
                if value:
                    assert response.headers[header] == value, (name, header)
        assert seen == 5
    html = personas["admin"].get("/results").get_data(as_text=True)
    assert "Logged in as" not in html


def test_every_public_results_route_is_covered(app):
    # A new route under /results must be added to public_responses above.
    rules = {
        r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("results.")
    }
    assert rules == {
        "/results",
        "/results/<period_type>/<period_slug>/confidence.svg",
        "/results/<period_type>/<period_slug>.<fmt>",
    }


def test_the_page_keeps_exit_this_page_and_links_to_nothing_external(
    app, client, two_published
):
    html = client.get("/results").get_data(as_text=True)
    assert "govuk-exit-this-page" in html
    assert "If you need help now" in html
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        if url.startswith(("tel:", "#")):
            continue
        assert url.startswith("/") or url == app.config["EXIT_URL"], url
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "style=" not in html


def test_the_thank_you_page_links_to_the_results(client, link):
    html = client.get(f"/s/{link['code']}/done").get_data(as_text=True)
    assert 'href="/results"' in html
    assert "every three months" not in html


def test_a_published_period_whose_release_is_gone_is_not_shown(
    app, client, db, two_published
):
    older, newer = two_published
    db.execute(
        "DELETE FROM releases WHERE period_type = 'quarter' AND period = ?", [newer]
    )
    db.conn.commit()
    html = client.get("/results").get_data(as_text=True)
    assert f"Quarter: {newer}" not in html
    assert client.get(f"/results/quarter/{results.slug(newer)}.json").status_code == 404


PATH_PARTS = st.sampled_from(
    [
        "quarter",
        "month",
        "year",
        "week",
        "2025-26-Q4",
        "..",
        "%2e",
        "confidence.svg",
        "x.csv",
        "x.json",
        "",
        "2099-00-Q1",
    ]
) | st.text(max_size=20)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    parts=st.lists(PATH_PARTS, max_size=4),
    query=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=3),
)
def test_random_results_addresses_never_give_a_500_or_an_unpublished_period(
    app, client, two_published, parts, query
):
    older, newer = two_published
    hidden = [p for p in released(app) if p not in two_published]
    # Each part as a browser would send it in an address: "?" and "#" escaped.
    path = "/results/" + "/".join(quote(part, safe="") for part in parts)
    response = client.get(path, query_string=query)
    assert response.status_code < 500, path
    assert "Set-Cookie" not in response.headers
    text = response.get_data(as_text=True)
    for period in hidden:
        assert f"Quarter: {period}<" not in text
        assert f'"period": "{period}"' not in text


def test_an_older_release_shows_nothing_of_the_periods_after_it(client, two_published):
    older, newer = two_published
    html = client.get("/results").get_data(as_text=True)
    # The page runs newest first: the older release's section is the last one.
    section = html[html.index(f"Quarter: {older}<") : html.index("How these figures")]
    assert newer not in section
    assert "Headline measures, " + older in section
