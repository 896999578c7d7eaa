"""The flask commands, run for real on a database file that is opened afterwards."""

import csv
from datetime import date, timedelta

import pytest
from helpers import walk_survey
from werkzeug.datastructures import MultiDict

from analysis import periods
from analysis.periods import months_before
from analysis.perturbation import KEY_RANGE
from survey import (
    audit_log,
    checking,
    demo,
    languages,
    link_store,
    questionnaire,
    storage,
)

# Paper forms here carry fixed weeks: the clock stays on one day.
pytestmark = pytest.mark.usefixtures("fixed_day")

# The layout without the language column, which an import may leave out.
HEADER = ["period", "channel", "version", *questionnaire.storage_columns()]
WITH_LANGUAGE = ["period", "channel", "version", "language"]
WITH_LANGUAGE += questionnaire.storage_columns()


def write_csv(path, rows, header=HEADER):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)


def csv_row(**values):
    row = dict.fromkeys(HEADER, "")
    row.update(period="2026-W10", channel="outreach-north", version="1")
    row.update(values)
    return row


def test_init_db_creates_and_is_safe_to_rerun(runner, tmp_path, app):
    app.config["DATABASE"] = str(tmp_path / "new" / "fresh.db")
    first = runner.invoke(args=["init-db"])
    again = runner.invoke(args=["init-db"])
    assert first.exit_code == again.exit_code == 0
    db = storage.connect(app.config["DATABASE"])
    assert db.execute("SELECT count(*) FROM responses, links").fetchone() == (0,)
    assert (
        db.execute("SELECT applied_at FROM _sqlite_migrations")
        .fetchone()[0]
        .count("-W")
        == 1
    )


def test_create_link_prints_its_path_and_stores_it(runner, db):
    result = runner.invoke(
        args=["create-link", "Outreach team, north", "--channel", "outreach-north"]
    )
    assert result.exit_code == 0
    path = result.stdout.strip()
    assert path.startswith("/s/")
    link = link_store.get_link(db, path.removeprefix("/s/"))
    assert (
        link["label"] == "Outreach team, north" and link["channel"] == "outreach-north"
    )
    assert link["is_open"] == 1


def test_create_link_refuses_a_bad_channel(runner, db):
    result = runner.invoke(args=["create-link", "X", "--channel", "Bad Channel!"])
    assert result.exit_code != 0
    assert "lower-case letters" in result.output
    assert link_store.list_links(db) == []


def test_create_link_makes_a_new_channel_for_the_organisation_named(
    runner, db, staff_accounts
):
    create = ["create-link", "Drop-in", "--channel", "drop-in"]
    result = runner.invoke(args=[*create, "--organisation", "Service B"])
    assert result.exit_code == 0, result.output
    assert "Created the channel drop-in for Service B." in result.stderr
    assert link_store.get_channel(db, "drop-in")["organisation"] == "Service B"
    # Without --organisation, an existing channel is used as it is, owner and all.
    again = runner.invoke(args=create)
    assert again.exit_code == 0 and "Created the channel" not in again.output
    service_b = staff_accounts["partner_b"]["organisation_id"]
    assert len(link_store.list_links(db, service_b)) == 2
    other = runner.invoke(args=[*create, "--organisation", "Service A"])
    assert other.exit_code == 1
    assert "drop-in belongs to Service B: nothing was created." in other.output
    unknown = runner.invoke(
        args=["create-link", "X", "--channel", "new", "--organisation", "Servce A"]
    )
    assert unknown.exit_code == 2
    assert "no organisation named 'Servce A'" in unknown.output
    assert (
        len(link_store.list_links(db)) == 2
        and link_store.get_channel(db, "new") is None
    )


def test_create_link_without_an_organisation_makes_an_admins_only_channel(runner, db):
    result = runner.invoke(args=["create-link", "X", "--channel", "hq"])
    assert "Created the channel hq for no organisation." in result.stderr
    assert link_store.get_channel(db, "hq")["organisation_id"] is None


def test_assign_channel_gives_a_channel_and_its_links_to_an_organisation(
    runner, db, staff_accounts
):
    runner.invoke(args=["create-link", "X", "--channel", "shared"])
    service_a = staff_accounts["partner_a"]["organisation_id"]
    assert link_store.list_links(db, service_a) == []
    result = runner.invoke(
        args=["assign-channel", "shared", "--organisation", "Service A"]
    )
    assert result.exit_code == 0, result.output
    assert "The channel shared now belongs to Service A." in result.output
    assert [link["channel"] for link in link_store.list_links(db, service_a)] == [
        "shared"
    ]
    assert runner.invoke(args=["assign-channel", "shared"]).exit_code == 0
    assert link_store.get_channel(db, "shared")["organisation_id"] is None
    assert runner.invoke(args=["assign-channel", "nowhere"]).exit_code == 2
    actions = [entry["action"] for entry in audit_log.list_entries(db)]
    assert actions.count("assigned a channel (command line)") == 2


def test_demo_data_is_reproducible_and_routed(runner, app, tmp_path):
    args = ["demo-data", "--responses", "600", "--seed", "5", "--today", "2026-11-23"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    db = storage.connect(app.config["DATABASE"])
    rows = list(storage.iter_export_rows(db))
    again = sorted(demo.generate(600, 5, date(2026, 11, 23)), key=lambda row: row["id"])
    first = sorted(db["responses"].rows, key=lambda row: row["id"])
    assert [row["id"] for row in first] == [row["id"] for row in again]
    assert first[0] == again[0]
    assert len(rows) == 600
    assert len({row["channel"] for row in rows}) >= 5
    channels = [link_store.get_channel(db, row["channel"]) for row in rows]
    assert all(channel["organisation_id"] is None for channel in channels)
    for row in rows:
        formdata = MultiDict(
            [
                (code, value)
                for code, values in questionnaire.from_row(
                    {k: "" if v is None else str(v) for k, v in row.items()}
                ).items()
                for value in values
            ]
        )
        assert checking.check(formdata).problems == [], row


def test_demo_and_imported_responses_get_record_keys(runner, db, link, tmp_path):
    result = runner.invoke(args=["demo-data", "--responses", "300", "--seed", "2"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "paper.csv"
    write_csv(path, [csv_row(A1_offence="da"), csv_row(A1_offence="stalking")])
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 0, result.output
    keys = [row[0] for row in db.execute("SELECT record_key FROM responses")]
    assert len(keys) == 302
    assert all(key is not None and 0 <= key < KEY_RANGE for key in keys)


def test_demo_data_ends_with_the_week_before_the_one_under_way(runner, db, today):
    under_way = periods.week_of(today)
    last = periods.week_of(today - timedelta(days=7))
    # From the first week of the financial year two before this week's.
    year = periods.shift(periods.period_of_week(under_way, "year"), "year", -2)
    weeks = demo.demo_weeks(today)
    assert (weeks[0], weeks[-1]) == (periods.first_week(year, "year"), last)
    assert len(weeks) == len(set(weeks))
    result = runner.invoke(args=["demo-data", "--responses", "400", "--seed", "3"])
    assert result.exit_code == 0, result.output
    stored = {row[0] for row in db.execute("SELECT period FROM responses")}
    assert stored <= set(weeks) and under_way not in stored


@pytest.mark.parametrize("command", ["demo-data", "purge", "release"])
def test_commands_run_as_an_earlier_day_but_never_a_later_one(
    runner, db, command, today
):
    for bad, message in (
        ("2027-02-30", "is not a date written YYYY-MM-DD"),
        ("next week", "is not a date written YYYY-MM-DD"),
        ((today + timedelta(days=1)).isoformat(), "is after today"),
    ):
        result = runner.invoke(args=[command, "--today", bad])
        assert result.exit_code == 2 and message in result.output, result.output
    assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM releases").fetchone()[0] == 0


def test_demo_weeks_cover_three_financial_years():
    weeks = demo.demo_weeks(date(2026, 11, 23))
    assert weeks[0] == "2024-W14"  # the week of Thursday 4 April 2024
    assert weeks[-1] == "2026-W47"  # last week; the current one is unfinished
    assert len(weeks) == len(set(weeks))


def test_demo_data_has_a_real_drift_in_confidence():
    rows = list(demo.generate(6000, 3, date(2026, 11, 23)))

    def share(selected):
        rated = [r for r in selected if r["B1_confidence"] in ("1", "2", "3", "4", "5")]
        return sum(r["B1_confidence"] in ("4", "5") for r in rated) / len(rated)

    early = share([r for r in rows if r["period"] < "2024-W40"])
    late = share([r for r in rows if "2025-W40" <= r["period"] < "2026-W10"])
    assert early - late > 0.08
    offered = [
        r
        for r in rows
        if r["D1_offered"] == "yes" and r["D2_answered"] in ("all", "some", "none")
    ]
    declined = sum(r["D2_answered"] in ("some", "none") for r in offered) / len(offered)
    assert 0.3 < declined < 0.45


def test_import_stores_valid_rows_and_redacts_free_text(runner, db, link, tmp_path):
    path = tmp_path / "paper.csv"
    write_csv(
        path,
        [
            csv_row(
                A1_offence="da",
                A2_contact="none",
                B1_confidence="4",
                F1_comments="ring 07700 900123",
            ),
            csv_row(
                A1_offence="stalking",
                A2_contact="lt3m",
                D1_offered="yes",
                D2_answered="some",
                **{
                    f"D3_reasons.{v}": str(int(v == "fear_found_out"))
                    for v in questionnaire.BY_CODE["D3_reasons"].values
                },
            ),
        ],
    )
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 responses" in result.output
    rows = sorted(db["responses"].rows, key=lambda row: row["A1_offence"])
    assert rows[0]["F1_comments"] == "ring [removed]"
    assert (
        rows[1]["D3_reasons.fear_found_out"] == 1
        and rows[1]["D6_would_help.later"] == 0
    )


def test_import_is_all_or_nothing_and_names_each_bad_row_and_column(
    runner, db, link, tmp_path
):
    path = tmp_path / "paper.csv"
    write_csv(
        path,
        [
            csv_row(A1_offence="da"),
            csv_row(A1_offence="burglary"),
            csv_row(A1_offence="da", A2_contact="none", C1_satisfied="5"),
            csv_row(A1_offence="da", period="2026-W60"),
            csv_row(A1_offence="da", channel="unknown-channel"),
            csv_row(A2_contact="none"),
            csv_row(A1_offence="da", **{"D3_reasons.shame": "yes"}),
        ],
    )
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 1
    output = result.output
    assert "Row 3: A1_offence: Choose one of the answers shown" in output
    assert "Row 4: C1_satisfied: this question does not apply" in output
    assert "Row 5: period: '2026-W60' is not an ISO week" in output
    assert "Row 6: channel: 'unknown-channel' does not exist" in output
    assert "Row 7: A1_offence: Choose what you were in contact with" in output
    assert "Row 8: D3_reasons.shame: must be 0, 1 or empty" in output
    assert "Row 2" not in output
    assert "Nothing was imported" in output
    assert storage.count_responses(db) == 0


def test_import_refuses_rows_for_a_channel_that_does_not_exist(runner, db, tmp_path):
    # Before channels were a table, any channel with a link could take imported rows,
    # and a partner could make a link on any channel code. Now a channel exists only
    # once made with its first link, for one organisation, and an import names one.
    path = tmp_path / "paper.csv"
    write_csv(
        path, [csv_row(A1_offence="da"), csv_row(A1_offence="da", channel="made-up")]
    )
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 1
    assert "Row 2: channel: 'outreach-north' does not exist" in result.output
    assert "Row 3: channel: 'made-up' does not exist" in result.output
    assert storage.count_responses(db) == 0 and link_store.list_channels(db) == set()


def test_import_refuses_a_file_with_wrong_columns(runner, db, link, tmp_path):
    path = tmp_path / "paper.csv"
    write_csv(
        path, [{"period": "2026-W10", "colour": "red"}], header=["period", "colour"]
    )
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 1
    assert "Missing columns: channel, version, A1_offence" in result.output
    assert "Columns this survey does not have: colour" in result.output


def test_import_refuses_a_future_week_and_a_non_utf8_file(runner, db, link, tmp_path):
    path = tmp_path / "paper.csv"
    write_csv(path, [csv_row(A1_offence="da", period="2099-W10")])
    assert (
        "is in the future" in runner.invoke(args=["import-responses", str(path)]).output
    )
    path.write_bytes("period,channel\n2026-W10,caf\xe9\n".encode("latin-1"))
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 1 and "not a UTF-8 text file" in result.output
    assert storage.count_responses(db) == 0


def test_import_refuses_a_form_from_before_the_retention_period(
    app, runner, db, link, tmp_path
):
    # On 23 November 2026, 36 months are kept from 23 November 2023 (2023-W47): an
    # older form would be purged, and until then would bring back released periods
    # purged before it, with its answers alone in one of them.
    path = tmp_path / "paper.csv"
    write_csv(
        path,
        [
            csv_row(period="2023-W46", A1_offence="da"),
            csv_row(period="2023-W47", A1_offence="da"),
        ],
    )
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 1
    assert "Row 2: period: 2023-W46 is before 2023-W47, the earliest week" in (
        result.output
    )
    assert "Row 3" not in result.output and storage.count_responses(db) == 0
    app.config["RETENTION_MONTHS"] = 12
    write_csv(
        path,
        [
            csv_row(period="2025-W46", A1_offence="da"),
            csv_row(period="2025-W47", A1_offence="da"),  # Sunday 23 November 2025
        ],
    )
    result = runner.invoke(args=["import-responses", str(path)])
    assert "Row 2: period: 2025-W46 is before 2025-W47" in result.output
    assert storage.count_responses(db) == 0


def test_purge_refuses_more_months_than_a_century(runner, db):
    result = runner.invoke(args=["purge", "--months", "30000"])
    assert result.exit_code == 2 and "1<=x<=1200" in result.output


def test_export_has_the_csv_layout_without_free_text(
    runner, client, db, link, tmp_path
):
    walk_survey(
        client,
        link["code"],
        {"A1_offence": "da", "A2_contact": "none", "F1_comments": "secret words"},
    )
    path = tmp_path / "out.csv"
    result = runner.invoke(args=["export-responses", str(path)])
    assert result.exit_code == 0
    text = path.read_text()
    assert "secret words" not in text
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames == [
        c for c in WITH_LANGUAGE if c not in questionnaire.FREE_TEXT_CODES
    ]
    assert rows[0]["A1_offence"] == "da" and rows[0]["channel"] == "outreach-north"
    assert rows[0]["language"] == "en"
    assert rows[0]["D3_reasons.shame"] == ""


def test_record_keys_are_never_exported_nor_imported(
    runner, client, db, link, tmp_path
):
    walk_survey(client, link["code"], {"A1_offence": "da"})
    assert "record_key" not in storage.CSV_COLUMNS + storage.EXPORT_COLUMNS
    path = tmp_path / "out.csv"
    assert runner.invoke(args=["export-responses", str(path)]).exit_code == 0
    [header, *_] = path.read_text().splitlines()
    assert "record_key" not in header.split(",")
    # A file that brings its own keys could set them to undo the perturbation.
    path = tmp_path / "keys.csv"
    write_csv(
        path,
        [{**csv_row(A1_offence="da"), "record_key": "0"}],
        header=[*HEADER, "record_key"],
    )
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 1
    assert "Columns this survey does not have: record_key" in result.output


def test_export_then_import_round_trips(runner, client, db, link, tmp_path):
    walk_survey(
        client,
        link["code"],
        {
            "A1_offence": "harassment",
            "A2_contact": "lt3m",
            "D1_offered": "yes",
            "D2_answered": "none",
            "D3_reasons": ["shame"],
            "D6_would_help": ["later"],
        },
    )
    path = tmp_path / "out.csv"
    runner.invoke(args=["export-responses", str(path)])
    assert runner.invoke(args=["import-responses", str(path)]).exit_code == 0
    rows = list(storage.iter_export_rows(db))
    assert len(rows) == 2 and rows[0] == rows[1]


def test_the_csv_layout_has_the_language_after_the_version():
    assert storage.CSV_COLUMNS == WITH_LANGUAGE
    assert storage.EXPORT_COLUMNS[:4] == ["period", "channel", "version", "language"]


def test_import_stores_each_rows_language_and_english_when_empty(
    runner, db, link, tmp_path
):
    path = tmp_path / "paper.csv"
    codes = ["cy", "PL", " ur ", "easy", "en", ""]
    write_csv(
        path,
        [csv_row(A1_offence="da", language=code) for code in codes],
        header=WITH_LANGUAGE,
    )
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 0, result.output
    stored = db.execute(
        "SELECT language, count(*) FROM responses GROUP BY language ORDER BY language"
    ).fetchall()
    assert stored == [("cy", 1), ("easy", 1), ("en", 2), ("pl", 1), ("ur", 1)]


def test_import_without_a_language_column_is_english(runner, db, link, tmp_path):
    path = tmp_path / "paper.csv"
    write_csv(path, [csv_row(A1_offence="da"), csv_row(A1_offence="stalking")])
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 0, result.output
    assert db.execute("SELECT language FROM responses").fetchall() == [("en",)] * 2


def test_import_refuses_an_unknown_language_naming_the_row(runner, db, link, tmp_path):
    path = tmp_path / "paper.csv"
    write_csv(
        path,
        [
            csv_row(A1_offence="da", language="cy"),
            csv_row(A1_offence="da", language="fr"),
            csv_row(A1_offence="da", language="=cmd()"),
        ],
        header=WITH_LANGUAGE,
    )
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 1
    assert "Row 3: language: 'fr' is not a language code" in result.output
    assert "en, cy, pl, ur, easy" in result.output
    assert "Row 4: language: '=cmd()' is not a language code" in result.output
    assert "Row 2" not in result.output
    assert storage.count_responses(db) == 0


def test_export_then_import_round_trips_each_language(runner, db, link, tmp_path):
    for number, code in enumerate(languages.LANGUAGE_CODES):
        storage.add_response(
            db,
            {"A1_offence": "da", "A2_contact": "none"},
            period="2026-W10",
            channel="outreach-north",
            submission_id=f"{number:032x}",
            language=code,
        )
    path = tmp_path / "out.csv"
    assert runner.invoke(args=["export-responses", str(path)]).exit_code == 0
    with open(path, newline="") as handle:
        exported = sorted(row["language"] for row in csv.DictReader(handle))
    assert exported == sorted(languages.LANGUAGE_CODES)
    assert runner.invoke(args=["import-responses", str(path)]).exit_code == 0
    stored = dict(
        db.execute("SELECT language, count(*) FROM responses GROUP BY language")
    )
    assert stored == dict.fromkeys(languages.LANGUAGE_CODES, 2)


def test_demo_data_has_a_few_responses_in_each_other_language():
    rows = list(demo.generate(6000, 3, date(2026, 11, 23)))
    shares = {
        code: sum(row["language"] == code for row in rows) / len(rows)
        for code in languages.LANGUAGE_CODES
    }
    assert 0.88 < shares["en"] < 0.94
    assert 0.02 < shares["cy"] < 0.04
    for code in ("pl", "ur", "easy"):
        assert 0.01 < shares[code] < 0.03, code
    again = list(demo.generate(6000, 3, date(2026, 11, 23)))
    assert [row["language"] for row in again] == [row["language"] for row in rows]
    other = list(demo.generate(6000, 4, date(2026, 11, 23)))
    assert [row["language"] for row in other] != [row["language"] for row in rows]


def test_backup_copies_with_an_integrity_check(runner, client, link, tmp_path):
    walk_survey(client, link["code"], {"A1_offence": "da"})
    target = tmp_path / "copy.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "integrity check: ok" in result.output
    copy = storage.connect(str(target))
    assert storage.count_responses(copy) == 1
    assert link_store.list_links(copy)[0]["code"] == link["code"]
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code == 1 and "exists already" in again.output


def test_purge_deletes_only_responses_older_than_the_retention(runner, db, today):
    old = storage.response_row(
        {"A1_offence": "da"}, period="2001-W10", channel="c", submission_id="a" * 32
    )
    new = storage.response_row(
        {"A1_offence": "da"},
        period=periods.week_of(today),
        channel="c",
        submission_id="b" * 32,
    )
    storage.add_rows(db, [old, new])
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 responses" in result.output
    assert [row["period"] for row in db["responses"].rows] == [new["period"]]
    assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0  # compacted


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 23), 36, date(2023, 11, 23)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 5, 31), 3, date(2024, 2, 29)),
        (date(2026, 1, 15), 12, date(2025, 1, 15)),
        (date(2026, 12, 31), 13, date(2025, 11, 30)),
        (date(2027, 1, 1), 36, date(2024, 1, 1)),
        (date(2027, 3, 31), 1, date(2027, 2, 28)),
        (date(2028, 2, 29), 12, date(2027, 2, 28)),
        (date(2028, 2, 29), 48, date(2024, 2, 29)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected
