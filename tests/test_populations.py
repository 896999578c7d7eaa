"""No two published populations differ by 1 to k − 1 people (docs/disclosure.md).

The attack: cell keys give the same set of responses the same number, and one more
person almost always another. Two published views whose populations differ by one
person, compared cell by cell, say for each answer whether she gave it: a cell that
changed holds her. Each scenario below is run over many draws of record keys, and
the chance that a cell changes when she is in it less the chance when she is not
must be at most 0.05. Each is run once more with the ledgers' check switched off, to
show that the scenario is a real attack there (the difference is large).
"""

import json
import random
from datetime import date

import pytest
from helpers import pinned

from analysis import periods, populations, scale
from analysis import report as analysis_report
from analysis.estimates import Options
from analysis.populations import Population
from survey import ledger, questionnaire, releases, storage
from survey import reports as recipe
from survey.reports import read_release_rows

K = 10
DAY = date(2026, 7, 15)  # 2026/27 Q1 and its months complete
QUARTER = "2026/27 Q1"
APRIL, MAY = "2026-W15", "2026-W20"
DRAWS = 24
HER = {
    "A1_offence": "stalking",
    "A2_contact": "reported",
    "B1_confidence": "5",
    "B2_relied_on": "4",
    "D2_answered": "none",
    "D3_reasons.not_safe": 1,
}


def answers(i: int, offence: str = "da") -> dict:
    """An ordinary respondent's answers, varied so that every cell has people."""
    return {
        "A1_offence": offence,
        "A2_contact": "reported" if i % 2 else "none",
        "B1_confidence": "12345"[i % 5],
        "B2_relied_on": "12345"[(i * 3) % 5],
        "D2_answered": ("all", "some", "none")[i % 3],
    }


def rows(week: str, channel: str, count: int, offence: str = "da", start: int = 0):
    return [
        storage.response_row(
            answers(start + i, offence),
            period=week,
            channel=channel,
            submission_id=storage.new_response_id(),
            record_key=0,
        )
        for i in range(count)
    ]


def her(week: str, channel: str):
    return [
        storage.response_row(
            HER,
            period=week,
            channel=channel,
            submission_id=storage.new_response_id(),
            record_key=0,
        )
    ]


def database(path):
    db = storage.connect(str(path))
    storage.migrate(db)
    db.execute("PRAGMA synchronous=OFF")
    return db


def new_keys(db, rng: random.Random) -> None:
    """Every response a fresh record key: another world with the same answers."""
    ids = [row[0] for row in db.execute("SELECT id FROM responses")]
    db.conn.executemany(
        "UPDATE responses SET record_key = ? WHERE id = ?",
        [(rng.randrange(256), i) for i in ids],
    )
    db.execute("DELETE FROM releases")
    db.execute("DELETE FROM release_ledgers")
    db.conn.commit()


def view(db, period_type: str, period: str, channel: str = "", offence: str = ""):
    """The published cells of one period of a report with these filters, as the
    dashboard builds it: {(measure, "x" or "n"): value}, shown ones only."""
    counts = read_release_rows(db, period_type, until=DAY)
    counts["rows"] = counts["measures"] + counts["reasons"]
    span = [r["period"] for r in releases.list_releases(db, period_type)]
    choice = recipe.Choice(period_type=period_type, channel=channel, offence=offence)
    built = recipe.build(counts, choice, DAY, span)
    cells = {}
    for name, entry in built.get("measures", {}).items():
        for figure in entry["periods"]:
            if figure["period"] == period and figure.get("base") is not None:
                cells[name, "n"] = figure["base"]
                if not figure["suppressed"]:
                    cells[name, "x"] = figure["count"]
    return cells


def her_cells() -> set:
    """The cells she is counted in."""
    found = set()
    for m in questionnaire.MEASURES:
        value = HER.get(m.column)
        if value in m.base:
            found.add((m.name, "n"))
        if value in m.success:
            found.add((m.name, "x"))
    return found


def changed_rates(pairs) -> tuple[float, float]:
    """The chance a cell changed with her in it, and without her."""
    mine, hers = her_cells(), [0, 0]
    others = [0, 0]
    for before, after in pairs:
        for cell in {*before, *after}:
            changed = cell in before and cell in after and before[cell] != after[cell]
            tally = hers if cell in mine else others
            tally[0] += changed
            tally[1] += 1
    return hers[0] / max(hers[1], 1), others[0] / max(others[1], 1)


@pytest.fixture(params=[True, False], ids=["checked", "unchecked"])
def checked(request, monkeypatch):
    """With the ledgers' check, and with it switched off (nothing withheld)."""
    if not request.param:
        monkeypatch.setattr(populations, "decide", lambda pops, *a: ({}, 0))
    return request.param


def verdict(pairs, checked: bool) -> None:
    with_her, without = changed_rates(pairs)
    if checked:
        assert with_her - without <= 0.05, (with_her, without)
    else:
        assert with_her - without > 0.5, (with_her, without)


def test_scenario_1_a_revision_does_not_give_a_late_respondent_back(tmp_path, checked):
    """Her late form and nine others' in another channel revise the quarter; the
    channel filter before and after would differ by her alone."""
    db = database(tmp_path / "s.db")
    storage.add_rows(db, rows(APRIL, "north", 70) + rows(APRIL, "south", 70, start=1))
    rng, pairs = random.Random(1), []
    for _ in range(DRAWS):
        db.execute(
            "DELETE FROM responses WHERE channel = 'east' OR A1_offence = 'stalking'"
        )
        new_keys(db, rng)
        releases.make_due_releases(db, DAY, K)
        before = view(db, "quarter", QUARTER, channel="north")
        storage.add_rows(db, her(APRIL, "north") + rows(APRIL, "east", 9, start=2))
        new_keys_late(db, rng)
        releases.revise_release(db, "quarter", QUARTER, DAY, K)
        pairs.append((before, view(db, "quarter", QUARTER, channel="north")))
    db.close()
    verdict(pairs, checked)


def new_keys_late(db, rng):
    """Fresh keys for the late forms only (the released ones keep theirs)."""
    ids = [
        row[0]
        for row in db.execute(
            "SELECT id FROM responses WHERE channel = 'east' OR A1_offence = 'stalking'"
        )
    ]
    db.conn.executemany(
        "UPDATE responses SET record_key = ? WHERE id = ?",
        [(rng.randrange(256), i) for i in ids],
    )
    db.conn.commit()


def test_scenario_3_a_month_against_its_quarter(tmp_path, checked):
    """Her channel's only response after April is hers, in May: April's channel
    filter and the quarter's would differ by her alone."""
    db = database(tmp_path / "s.db")
    storage.add_rows(db, rows(APRIL, "north", 70) + rows(APRIL, "south", 70, start=1))
    storage.add_rows(db, rows(MAY, "south", 70, start=2) + her(MAY, "north"))
    rng, pairs = random.Random(3), []
    for _ in range(DRAWS):
        new_keys(db, rng)
        releases.make_due_releases(db, DAY, K)
        month = view(db, "month", "2026-04", channel="north")
        pairs.append((month, view(db, "quarter", QUARTER, channel="north")))
    db.close()
    verdict(pairs, checked)


def test_scenario_4_a_channel_against_the_channel_and_one_offence_type(
    tmp_path, checked
):
    """She is her channel's only stalking victim: the channel's filter and the
    channel with domestic abuse would differ by her alone."""
    db = database(tmp_path / "s.db")
    storage.add_rows(db, rows(APRIL, "north", 70) + her(APRIL, "north"))
    storage.add_rows(db, rows(APRIL, "south", 70, "stalking", start=1))
    rng, pairs = random.Random(4), []
    for _ in range(DRAWS):
        new_keys(db, rng)
        releases.make_due_releases(db, DAY, K)
        narrow = view(db, "quarter", QUARTER, channel="north", offence="da")
        pairs.append((narrow, view(db, "quarter", QUARTER, channel="north")))
    db.close()
    verdict(pairs, checked)


def test_scenario_5_the_whole_against_a_channel_that_is_all_but_her(tmp_path, checked):
    """Everyone but her came through one channel: that channel's filter and the
    unfiltered quarter would differ by her alone."""
    db = database(tmp_path / "s.db")
    storage.add_rows(db, rows(APRIL, "north", 90) + her(APRIL, "south"))
    rng, pairs = random.Random(5), []
    for _ in range(DRAWS):
        new_keys(db, rng)
        releases.make_due_releases(db, DAY, K)
        pairs.append(
            (
                view(db, "quarter", QUARTER, channel="north"),
                view(db, "quarter", QUARTER),
            )
        )
    db.close()
    verdict(pairs, checked)


def test_scenario_2_a_period_a_purge_cut_into_is_never_revised(tmp_path):
    """After a purge that cuts into a released quarter, a revision would be rebuilt
    without the purged weeks: the difference would be the purged respondents. It is
    refused, and no release of a period the purge cut into is made again."""
    db = database(tmp_path / "s.db")
    storage.add_rows(db, rows(APRIL, "north", 70) + rows(MAY, "north", 70, start=1))
    releases.make_due_releases(db, DAY, K)
    storage.add_rows(db, rows(MAY, "south", 12, start=2))
    storage.purge_responses(db, "2026-W18")
    with pytest.raises(releases.Refused, match="purge"):
        releases.revise_release(db, "quarter", QUARTER, DAY, K)
    db.execute("DELETE FROM releases WHERE period_type = 'quarter'")
    db.conn.commit()
    assert ("quarter", QUARTER) not in releases.due_releases(db, DAY)
    with pytest.raises(releases.Refused, match="purge"):
        releases.make_release(db, "quarter", QUARTER, DAY, K)
    db.close()


def test_every_population_a_report_asks_about_is_in_its_ledger(tmp_path):
    """The ledger names what reports publish: a report that asked about a
    population the ledger does not hold would publish nothing of it (and the
    enumeration would be wrong). On varied data, every population of size k or
    more that any filter's report asks about is in the ledger."""
    db = database(tmp_path / "s.db")
    rng = random.Random(7)
    for week in ("2026-W15", "2026-W20", "2026-W24"):
        for channel, n in (("north", 80), ("south", 40), ("east", 12), ("tiny", 3)):
            for offence in ("da", "stalking", "harassment"):
                batch = rows(week, channel, rng.randrange(n) + 1, offence)
                for row in batch:
                    row["E1_age"] = rng.choice(["16-24", "25-34", "35-44", "55-64"])
                    row["E2_gender"] = rng.choice(["woman", "man", None])
                storage.add_rows(db, batch)
    releases.make_due_releases(db, DAY, K)
    asked: list = []
    counts = read_release_rows(db, "quarter", until=DAY)
    filters = [("", "")] + [(c, "") for c in ("north", "south", "east")]
    filters += [("", "da"), ("north", "stalking")]
    for channel, offence in filters:
        options = Options(
            today=DAY,
            channel=channel,
            offence=offence,
            withheld=lambda population: asked.append(population) or False,
        )
        chosen = [
            r
            for r in counts["measures"] + counts["reasons"]
            if (not channel or r["channel"] == channel)
            and (not offence or r["offence"] == offence)
        ]
        analysis_report.build(
            chosen,
            questionnaire.REPORT,
            options,
            (),
            None if channel or offence else counts["about"],
            [QUARTER],
        )
    [row] = db.execute(
        "SELECT ledger FROM release_ledgers WHERE period_type = 'quarter'"
    ).fetchall()
    known = set(json.loads(row[0])["populations"])
    snapshot = ledger.Ledger.from_row(
        {"period_type": "quarter", "period": QUARTER, "revision": 1, "ledger": row[0]}
    ).snapshot
    missing = {
        p.describe()
        for period, p in asked
        if period == QUARTER and snapshot.size(p) >= K and p.key not in known
    }
    assert not missing
    assert len({p for _, p in asked}) > 20
    db.close()


def test_the_audit_checks_every_pair_and_finds_none_broken(app, db, runner):
    storage.add_rows(db, rows(APRIL, "north", 90) + her(APRIL, "south"))
    storage.add_rows(db, rows(MAY, "north", 60, "stalking", start=3))
    releases.make_due_releases(db, DAY, K)
    result = runner.invoke(args=["audit-releases", "--list"])
    assert result.exit_code == 0, result.output
    assert "0 broke the rule" in result.output
    checked = int(result.output.split("Checked ")[1].split()[0])
    assert checked > 100
    assert "Withheld" in result.output and "channel north" in result.output


def test_the_audit_fails_on_a_ledger_that_breaks_the_rule(app, db, runner):
    """A ledger edited to publish the withheld channel is caught."""
    storage.add_rows(db, rows(APRIL, "north", 90) + her(APRIL, "south"))
    releases.make_due_releases(db, DAY, K)
    db.execute(
        "UPDATE release_ledgers SET ledger = json_set(ledger, '$.withheld', "
        "json('{}')) WHERE period_type = 'quarter'"
    )
    db.conn.commit()
    result = runner.invoke(args=["audit-releases"])
    assert result.exit_code == 1
    assert "Broken: " in result.output and "1 and 0 response(s)" in result.output


def test_a_release_with_no_ledger_publishes_nothing_until_one_is_made(tmp_path):
    db = database(tmp_path / "s.db")
    storage.add_rows(db, rows(APRIL, "north", 90))
    releases.make_due_releases(db, DAY, K)
    db.execute("DELETE FROM release_ledgers")
    db.conn.commit()
    assert view(db, "quarter", QUARTER) == {}
    releases.make_due_releases(db, DAY, K)  # as cron does: the ledgers are made
    assert view(db, "quarter", QUARTER)["confidence", "n"] >= K
    db.close()


def test_the_overlap_of_two_releases_is_the_smaller_count_of_either():
    """Snapshots nest: a later release holds every response an earlier one held."""
    early = populations.Snapshot(
        {"2026-04": populations.Atoms({("north", "da"): 30, ("south", "da"): 5})}
    )
    late = populations.Snapshot(
        {"2026-04": populations.Atoms({("north", "da"): 31, ("south", "da"): 5})}
    )
    north = Population(frozenset(["north"]))
    assert populations.differences(north, late, north, early) == (1, 0)
    whole = Population()
    assert populations.differences(whole, late, north, early) == (6, 0)


def test_the_index_is_shown_or_hidden_on_its_published_base_alone():
    """A published base of 50 shows the index though the true base is 49: hidden
    on the true base, the index beside a shown base would say the true base."""
    counts = {
        "confidence_index.n": 49,
        "confidence_index.sum": 49 * 50.0,
        "confidence_index.sumsq": 49 * 2600.0,
    }
    options = Options(today=DAY)
    for key in range(256):
        counts["confidence_index.n.key"] = key
        base = scale._index_estimate("p", counts, options)["base"]
        shown = not scale._index_estimate("p", counts, options)["suppressed"]
        assert shown == (base is not None and base >= 50)


def test_periods_used_are_those_of_the_test():
    assert periods.period_of_week(APRIL, "quarter") == QUARTER
    assert periods.period_of_week(MAY, "month") == "2026-05"


def test_the_dashboard_says_a_withheld_view_is_withheld(app, db, personas):
    storage.add_rows(db, rows(APRIL, "north", 90) + her(APRIL, "south"))
    with pinned(DAY):
        releases.make_due_releases(db, DAY, K)
        page = personas["analyst"].get(
            "/dashboard/", query_string={"period": "quarter", "channel": "north"}
        )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "are withheld" in text
    assert "too few" not in text.split("are withheld")[0][-400:]
