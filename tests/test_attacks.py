"""The attacks of the threat table (docs/disclosure.md), run again as an insider would.

Each test builds the data, reads what is published (from a real database through its
releases, and through the dashboard where the attack used it), runs the attack and
shows that the hidden value is not determined exactly. Where the protection is the
perturbation of counts, the same attack is run with perturbation off and does recover
the value, so the test shows the protection at work rather than assume it.

The attacker knows the method and the ptable (both are public): a published count
could have come from any true count the ptable can move to it. A value is determined
only if one true value is consistent with every figure the attack reads; the attacker
finds the least and greatest such value with an integer programme.

Attack 13 (comment batches) is not covered here: it is a change of its own.
"""

import random
from datetime import date
from functools import cache

import numpy as np
import pytest
from scipy import stats as scipy_stats
from scipy.optimize import Bounds, LinearConstraint, milp

from analysis import periods, perturbation
from analysis import report as reports
from analysis.measures import ReportSpec
from survey import questionnaire, releases, storage

K = 10
CONFIDENCE = ReportSpec(
    measures=[questionnaire.BY_MEASURE["confidence"]], reasons=[], helps=[]
)
# A day on which 2026/27 Q1 (April to June 2026) and its months are complete.
DAY = date(2026, 7, 15)
WEEKS = {"2026-04": "2026-W15", "2026-05": "2026-W20", "2026-06": "2026-W24"}


# Building the data --------------------------------------------------------------------


def respondents(week, channel, count, confident=0, **answers):
    """`count` stored responses of one week and channel, the first `confident` of
    them confident in the police (B1 = 5) and the rest not (B1 = 2).

    Record keys come from a generator seeded by the arguments, so a test publishes
    the same figures every run.
    """
    keys = random.Random(f"{week}/{channel}/{count}/{confident}/{sorted(answers)}")
    return [
        storage.response_row(
            {
                "A1_offence": "da",
                "A2_contact": "none",
                "B1_confidence": "5" if i < confident else "2",
                **answers,
            },
            period=week,
            channel=channel,
            submission_id=storage.new_response_id(),
            record_key=keys.randrange(perturbation.KEY_RANGE),
        )
        for i in range(count)
    ]


def database(path):
    """A new survey database file (a test's own: it need not survive a power cut)."""
    db = storage.connect(str(path))
    storage.migrate(db)
    db.execute("PRAGMA synchronous=OFF")
    return db


def released(db, period_type, channel="", today=DAY, perturb=True, spec=CONFIDENCE):
    """The report of one period type and channel filter, built from the releases as
    the dashboard builds it (figures._report filters the released rows)."""
    rows = releases.read_release_rows(db, period_type, until=today)["measures"]
    if channel:
        rows = [row for row in rows if row["channel"] == channel]
    options = reports.Options(today=today, period_type=period_type, perturb=perturb)
    return reports.build(rows, spec, options)


def remake_releases(db, today=DAY):
    """Release the periods again from today's responses: a test's way of trying the
    same respondents with other record keys, or a world with one more response."""
    db.execute("DELETE FROM releases")
    db.conn.commit()
    releases.make_due_releases(db, today)


def complete_quarters(count):
    """The last `count` complete financial quarters before today, oldest first."""
    current = periods.label(date.today(), "quarter")
    return [periods.shift(current, "quarter", -back) for back in range(count, 0, -1)]


def export(client, **choices):
    """Every dashboard table for these choices, as the JSON export gives them."""
    response = client.get("/dashboard/export/all.json", query_string=choices)
    assert response.status_code == 200
    return response.get_json()["tables"]


# What the attacker can work out -------------------------------------------------------


@cache
def could_be(shown, perturb=True):
    """The least and greatest true count the ptable could publish as `shown`.

    A hidden count (None) is anything under k. With perturbation off, a shown count
    is the true one.
    """
    if shown is None:
        return 0, K - 1
    if not perturb:
        return shown, shown
    found = [
        count
        for count in range(max(K, shown - 3), shown + 4)
        if shown - count in perturbation.distribution(count)
    ]
    # At most 2 away, and without gaps: a range is the whole of what it says.
    assert found == list(range(found[0], found[-1] + 1)) and shown - 2 <= found[0]
    return found[0], found[-1]


def bounds_of(target, figures):
    """The least and greatest value of `target` over the true counts consistent with
    every figure, each figure being (coefficients of unknowns, (lowest, highest)).

    Unknowns are whole numbers, none below 0. Both extremes are attained by some
    consistent set of true counts, so when they differ the published figures are
    consistent with at least two values of the target: it is not determined.
    """
    unknowns = sorted({name for terms, _ in figures for name in terms} | set(target))
    index = {name: i for i, name in enumerate(unknowns)}
    matrix = np.zeros((len(figures), len(unknowns)))
    for row, (terms, _) in enumerate(figures):
        for name, coefficient in terms.items():
            matrix[row, index[name]] = coefficient
    constraint = LinearConstraint(
        matrix, [low for _, (low, _) in figures], [high for _, (_, high) in figures]
    )
    objective = np.zeros(len(unknowns))
    for name, coefficient in target.items():
        objective[index[name]] = coefficient
    extremes = []
    for sign in (1, -1):
        found = milp(
            sign * objective,
            integrality=np.ones(len(unknowns)),
            bounds=Bounds(0, np.inf),
            constraints=constraint,
        )
        assert found.success, found.message
        extremes.append(round(sign * found.fun))
    return tuple(extremes)


def sum_of(cells, part):
    """The unknown true counts of `part` ("n" or "x") over some cells, added up."""
    return {(part, cell): 1 for cell in cells}


def within_bases(cells):
    """No cell counts more confident respondents than it has respondents."""
    return [({("x", c): 1, ("n", c): -1}, (-np.inf, 0)) for c in cells]


def chi_square(table):
    """Pearson's χ² and its p-value, without continuity correction (scipy)."""
    found = scipy_stats.chi2_contingency(np.array(table), correction=False)
    return found.statistic, found.pvalue


def trend(strata):
    """The Cochran–Armitage χ² for a linear trend, summed over strata, and its
    p-value: each stratum its (score, count, base) triples (written out afresh)."""
    numerator = variance = 0.0
    for cells in strata:
        total = sum(n for _, _, n in cells)
        share = sum(x for _, x, _ in cells) / total
        mean = sum(s * n for s, _, n in cells) / total
        numerator += sum((x - n * share) * (s - mean) for s, x, n in cells)
        variance += share * (1 - share) * sum(n * (s - mean) ** 2 for s, _, n in cells)
    statistic = numerator**2 / variance
    return statistic, scipy_stats.chi2.sf(statistic, 1)


def two_by_two(change):
    """A change's published counts as the 2 × 2 table its test is on."""
    return [
        [change["count"], change["base"] - change["count"]],
        [change["earlier_count"], change["earlier_base"] - change["earlier_count"]],
    ]


# 1. Filters and period types subtract -------------------------------------------------

# (month, channel): (respondents, of whom confident). One person came through "rare",
# in June, and was confident; June had three respondents in all.
GROUPS = {
    ("2026-04", "north"): (60, 31),
    ("2026-04", "east"): (50, 22),
    ("2026-05", "north"): (55, 30),
    ("2026-05", "east"): (45, 20),
    ("2026-06", "east"): (2, 1),
    ("2026-06", "rare"): (1, 1),
}
QUARTER = "2026/27 Q1"
CHANNELS = ("north", "east", "rare")
CELLS = [(month, channel) for month in WEEKS for channel in CHANNELS]
DRAWS = 40


def _every_table(db, perturb):
    """What the attacker reads: each month's and the quarter's responses and count of
    confident respondents, unfiltered and under each channel filter.

    A filter's periods run from its first period with responses to its last; a period
    outside them is known to hold none, and the attacker uses that too.
    """
    view = {}
    for period_type in ("month", "quarter"):
        for channel in ("", *CHANNELS):
            built = released(db, period_type, channel, perturb=perturb)
            wanted = list(WEEKS) if period_type == "month" else [QUARTER]
            for period in wanted:
                if period not in built["periods"]:
                    view[period, channel] = None
                    continue
                [base] = [
                    r["base"] for r in built["responses"] if r["period"] == period
                ]
                [entry] = [
                    e
                    for e in built["measures"]["confidence"]["periods"]
                    if e["period"] == period
                ]
                view[period, channel] = (base, entry.get("count"))
    return view


def _attack_one_figures(view, perturb):
    """The published figures of attack 1 as constraints on the cells' true counts,
    with what the attacker knew beforehand: one person came through "rare"."""
    figures = within_bases(CELLS)
    figures.append((sum_of([c for c in CELLS if c[1] == "rare"], "n"), (1, 1)))
    for (period, channel), shown in view.items():
        cells = [
            c for c in CELLS if period in (QUARTER, c[0]) and channel in ("", c[1])
        ]
        if shown is None:
            figures.append((sum_of(cells, "n"), (0, 0)))
            continue
        base, count = shown
        figures.append((sum_of(cells, "n"), could_be(base, perturb)))
        if count is not None:
            figures.append((sum_of(cells, "x"), could_be(count, perturb)))
    return figures


@pytest.fixture(scope="module")
def attack_one(tmp_path_factory):
    """The tables of attack 1 for 40 draws of record keys over the same respondents,
    and once with perturbation off."""
    db = database(tmp_path_factory.mktemp("attack-1") / "survey.db")
    for (month, channel), (n, x) in GROUPS.items():
        storage.add_rows(db, respondents(WEEKS[month], channel, n, x))
    ids = [row[0] for row in db.execute("SELECT id FROM responses ORDER BY id")]
    views = []
    for seed in range(DRAWS):
        keys = random.Random(seed)
        db.conn.executemany(
            "UPDATE responses SET record_key = ? WHERE id = ?",
            [(keys.randrange(perturbation.KEY_RANGE), id_) for id_ in ids],
        )
        remake_releases(db)
        views.append(_every_table(db, perturb=True))
    plain = _every_table(db, perturb=False)
    db.close()
    return views, plain


def test_attack_1_a_quarter_less_its_large_channels_does_not_give_the_rare_one(
    attack_one,
):
    """Quarter minus "north" minus "east" would leave the one person who came
    through "rare", and whether they were confident. With perturbation off it does;
    with it on, over 40 draws of record keys, every month, quarter and filter read
    together still allow both answers, and the subtraction is often wrong."""
    views, plain = attack_one
    rare = sum_of([c for c in CELLS if c[1] == "rare"], "x")

    def subtraction(view):
        return (
            view[QUARTER, ""][1] - view[QUARTER, "north"][1] - view[QUARTER, "east"][1]
        )

    assert subtraction(plain) == 1
    assert bounds_of(rare, _attack_one_figures(plain, perturb=False)) == (1, 1)
    wrong = 0
    for view in views:
        assert view[QUARTER, "rare"] == (None, None)  # hidden, under every key
        assert bounds_of(rare, _attack_one_figures(view, perturb=True)) == (0, 1)
        wrong += subtraction(view) != 1
    assert wrong >= DRAWS // 2, wrong


def test_attack_1_a_quarter_less_two_months_does_not_give_the_third(attack_one):
    """The quarter's respondents less April's and May's would give June's three
    exactly with perturbation off; with it on, the figures of every month, quarter
    and filter allow several values in every one of 40 draws, and the subtraction
    is wrong in most of them."""
    views, plain = attack_one
    june = sum_of([c for c in CELLS if c[0] == "2026-06"], "n")

    def subtraction(view):
        return view[QUARTER, ""][0] - view["2026-04", ""][0] - view["2026-05", ""][0]

    assert subtraction(plain) == 3
    assert bounds_of(june, _attack_one_figures(plain, perturb=False)) == (3, 3)
    wrong = 0
    for view in views:
        assert view["2026-06", ""][0] is None
        low, high = bounds_of(june, _attack_one_figures(view, perturb=True))
        assert low <= 3 <= high and high - low >= 2
        wrong += subtraction(view) != 3
    assert wrong >= DRAWS // 2, wrong
