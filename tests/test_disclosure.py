"""Disclosure control (docs/privacy.md §3): property tests over tables and reports."""

from datetime import date

import pytest
from helpers import keyed
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import disclosure
from analysis import report as reports

K = 10


@pytest.mark.parametrize(
    ("n", "published"), [(10, 10), (12, 10), (13, 15), (17, 15), (0, 0)]
)
def test_counts_are_rounded_to_5(n, published):
    assert disclosure.round_count(n) == published


def test_small_counts_are_not_shown():
    assert disclosure.shown_count(9, K) is None
    assert disclosure.shown_count(0, K) is None
    assert disclosure.shown_count(10, K) == 10
    assert disclosure.shown_count(13, K) == 13  # already perturbed: shown as it is


@pytest.mark.parametrize(
    ("x", "n", "shown"),
    [(30, 60, True), (9, 60, False), (55, 60, False), (20, 49, False), (0, 100, False)],
)
def test_a_percentage_needs_a_base_of_50_and_no_small_cell(x, n, shown):
    assert disclosure.can_show_proportion(x, n, K, 50) is shown


tables = st.integers(2, 7).flatmap(
    lambda rows: st.integers(2, 4).flatmap(
        lambda columns: st.lists(
            st.lists(st.integers(0, 60), min_size=columns, max_size=columns),
            min_size=rows,
            max_size=rows,
        )
    )
)


@settings(max_examples=300)
@given(table=tables, k=st.integers(5, 15))
def test_no_shown_cell_is_small_and_no_hidden_cell_can_be_worked_out(table, k):
    hidden = disclosure.suppress(table, k)
    for row, row_hidden in zip(table, hidden, strict=True):
        for cell, is_hidden in zip(row, row_hidden, strict=True):
            assert is_hidden or cell >= k
    assert disclosure.determined_cells(hidden) == []


def test_a_single_small_cell_takes_others_with_it():
    table = [[40, 3], [50, 60], [45, 55]]
    hidden = disclosure.suppress(table, K)
    assert hidden[0] == [True, True]  # the small cell and its complement in the row
    assert sum(row[1] for row in hidden) >= 2  # and another in its column
    assert disclosure.determined_cells(hidden) == []


@given(
    st.dictionaries(st.text(min_size=1, max_size=5), st.integers(0, 40), max_size=8),
    st.integers(5, 15),
)
def test_small_groups_are_merged_into_other_and_only_they(totals, k):
    mapping = disclosure.merge_small_groups(totals, k)
    for name, n in totals.items():
        # A group of k or more is never in "other": a filter publishes it alone, and
        # "other" less it would give the small groups back exactly.
        assert (mapping[name] == disclosure.OTHER) == (n < k)


# The whole report, over random weekly counts ---------------------------------------

MEASURE = reports.Measure(
    name="confidence",
    title="had confidence in the police",
    column="B1_confidence",
    success=frozenset("45"),
    base=frozenset("12345"),
)
SPEC = reports.ReportSpec(measures=[MEASURE], reasons=[("fear", "Fear")], helps=[])
WEEKS = ["2025-W15", "2025-W28", "2025-W41", "2026-W02", "2026-W15", "2026-W28"]

weekly = st.lists(
    st.tuples(
        st.sampled_from(WEEKS),
        st.sampled_from(["a", "b", "c"]),
        st.integers(0, 120),
        st.integers(0, 120),
    ),
    min_size=1,
    max_size=30,
)


def rows_of(draws):
    rows = []
    for week, channel, x, rest in draws:
        rows.append(
            {
                "period": week,
                "channel": channel,
                "offence": "da",
                "responses": x + rest,
                "confidence.x": x,
                "confidence.n": x + rest,
                "reasons.n": rest,
                "reason.fear": rest // 2,
            }
        )
    return keyed(rows, seed=len(draws))


def totals(rows, options):
    found: dict = {}
    for row in rows:
        key = reports.periods.period_of_week(row["period"], "quarter")
        x, n = found.get(key, (0, 0))
        found[key] = (x + row["confidence.x"], n + row["confidence.n"])
    return found


@settings(max_examples=150, deadline=None)
@given(weekly)
def test_report_shows_no_small_count_and_no_test_on_small_cells(draws):
    rows = rows_of(draws)
    options = reports.Options(today=date(2026, 11, 23), threshold=K, min_base=50)
    built = reports.build(rows, SPEC, options)
    if not built["measures"]:
        return
    counts = totals(rows, options)
    entry = built["measures"]["confidence"]
    for period in entry["periods"]:
        x, n = counts.get(period["period"], (0, 0))
        # Perturbed by at most 2, and never from below k to k or more.
        assert period["base"] is None or (n >= K and abs(period["base"] - n) <= 2)
        if "estimate" in period:
            assert period["base"] >= 50 and x >= K and n - x >= K
            # Computed from the published counts, as a whole percentage.
            assert period["estimate"] == round(period["count"] / period["base"], 2)
        else:
            assert period["suppressed"] is True
    for key in ("latest_change", "year_on_year"):
        change = entry.get(key)
        if change and change.get("shown"):
            for label in (change["period"], change["compared_with"]):
                x, n = counts[label]
                assert x >= K and n - x >= K
    if "p_value" in entry["trend"]:
        for x, n in counts.values():
            assert n == 0 or (x >= K and n - x >= K)
    for group in entry["by_channel"]["groups"]:
        assert group.get("base") is None or group["base"] >= K


def test_free_text_is_released_in_batches_of_at_least_k():
    groups = [
        ("2025/26 Q1", 3),
        ("2025/26 Q2", 0),
        ("2025/26 Q3", 8),
        ("2025/26 Q4", 12),
        ("2026/27 Q1", 1),  # waits for more
    ]
    assert disclosure.release_in_batches(groups, 10) == [
        {"first": "2025/26 Q1", "last": "2025/26 Q3", "count": 11},
        {"first": "2025/26 Q4", "last": "2025/26 Q4", "count": 12},
    ]


@given(st.lists(st.integers(0, 15), max_size=12), st.integers(5, 20))
def test_every_batch_holds_k_answers_and_only_the_last_periods_wait(counts, k):
    groups = [(f"p{i:02}", count) for i, count in enumerate(counts)]
    batches = disclosure.release_in_batches(groups, k)
    assert all(batch["count"] >= k for batch in batches)
    # Batches follow one another, and everything up to the last one is released.
    last = batches[-1]["last"] if batches else ""
    released = sum(batch["count"] for batch in batches)
    assert released == sum(count for period, count in groups if period <= last)
    assert 0 <= sum(counts) - released < k
    for earlier, later in zip(batches, batches[1:], strict=False):
        assert earlier["last"] < later["first"]


# Measures on one base: "declined some or all" and "declined all" of those offered.
DECLINED = reports.Measure(
    name="declined",
    title="declined some or all of the safety questions",
    column="D2_answered",
    success=frozenset({"some", "none"}),
    base=frozenset({"all", "some", "none"}),
)
DECLINED_FULLY = reports.Measure(
    name="declined_fully",
    title="declined all of the safety questions",
    column="D2_answered",
    success=frozenset({"none"}),
    base=DECLINED.base,
)
NESTED = reports.ReportSpec(measures=[DECLINED, DECLINED_FULLY], reasons=[], helps=[])


def offered(week, channel, answered_all, some, none):
    """A week's counts of the safety questions by how many were answered."""
    n = answered_all + some + none
    return {
        "period": week,
        "channel": channel,
        "offence": "da",
        "responses": n,
        "declined.x": some + none,
        "declined.n": n,
        "declined_fully.x": none,
        "declined_fully.n": n,
    }


def build_offered(rows, options=None):
    """The report of the nested measures from `offered` rows, with record keys."""
    options = options or reports.Options(today=date(2026, 11, 23))
    return reports.build(keyed(rows, seed=len(rows)), NESTED, options)


def test_measures_on_one_base_never_give_away_the_cell_between_them():
    # 2025/26 Q2: 6 answered some. With both percentages and their base shown, "some"
    # would follow by subtraction; "declined all" is hidden there instead.
    rows = [
        offered("2025-W15", "a", 100, 40, 60),
        offered("2025-W28", "a", 100, 6, 94),
        offered("2025-W41", "a", 100, 45, 55),
        offered("2026-W02", "a", 100, 50, 50),
    ]
    built = build_offered(rows)
    wide = built["measures"]["declined"]
    narrow = built["measures"]["declined_fully"]
    assert all("estimate" in p for p in wide["periods"])
    shown = ["estimate" in p for p in narrow["periods"]]
    assert built["periods"][1] == "2025/26 Q2"
    assert shown == [True, False, True, True]
    # Nothing else of "declined all" across that quarter either: no trend.
    assert narrow["trend"]["shown"] is False
    assert "p_value" in wide["trend"]  # the wider measure keeps its trend


def test_breakdowns_of_measures_on_one_base_hide_the_cell_between_them_too():
    # Channel b answered "some" 4 times in the latest quarter: its "declined all"
    # is hidden, and another group with it, so the total cannot give it back.
    rows = [
        offered("2026-W15", "a", 60, 30, 40),
        offered("2026-W15", "b", 60, 4, 46),
        offered("2026-W15", "c", 70, 25, 35),
    ]
    built = build_offered(rows)
    groups = {
        g["group"]: g
        for g in built["measures"]["declined_fully"]["by_channel"]["groups"]
    }
    assert groups["b"]["suppressed"]
    assert sum(1 for g in groups.values() if g.get("suppressed")) >= 2
    assert built["measures"]["declined_fully"]["by_channel"]["test"]["shown"] is False
    wide = built["measures"]["declined"]["by_channel"]["groups"]
    assert all("estimate" in g for g in wide)


nested_weekly = st.lists(
    st.tuples(
        st.sampled_from(WEEKS),
        st.sampled_from(["a", "b", "c"]),
        st.integers(0, 80),
        st.integers(0, 30),
        st.integers(0, 80),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(nested_weekly)
def test_no_published_pair_of_nested_measures_reveals_a_small_cell(draws):
    rows = [offered(*draw) for draw in draws]
    options = reports.Options(today=date(2026, 11, 23), threshold=K)
    built = build_offered(rows, options)
    if not built["measures"]:
        return
    wide, narrow = (built["measures"][m] for m in ("declined", "declined_fully"))
    some: dict = {}
    for row in rows:
        period = reports.periods.period_of_week(row["period"], "quarter")
        some[period] = some.get(period, 0) + row["declined.x"] - row["declined_fully.x"]
    for w, n in zip(wide["periods"], narrow["periods"], strict=True):
        if "estimate" in w and "estimate" in n:
            assert some[w["period"]] >= K, w["period"]
    for key in ("latest_change", "year_on_year"):
        change = narrow.get(key)
        if change and change.get("shown"):
            assert some[change["period"]] >= K
            assert some[change["compared_with"]] >= K


def _by_channel(groups: dict[str, tuple[int, int]]) -> dict:
    """The latest quarter's confidence by channel, from (x, n) per channel."""
    rows = [
        {
            "period": "2026-W15",
            "channel": channel,
            "offence": "da",
            "responses": n,
            "confidence.x": x,
            "confidence.n": n,
        }
        for channel, (x, n) in groups.items()
    ]
    built = reports.build(keyed(rows), SPEC, reports.Options(today=date(2026, 11, 23)))
    entry = built["measures"]["confidence"]["by_channel"]
    return entry | {"by_group": {g["group"]: g for g in entry["groups"]}}


def test_other_is_never_padded_with_a_channel_a_filter_shows_alone():
    # One person came through "tiny". Were "south" put in "other" to make it up to k,
    # the channel filter's figures for "south" alone, taken from "other", would give
    # that person's answer exactly.
    entry = _by_channel(
        {"north": (100, 200), "east": (90, 180), "south": (30, 60), "tiny": (1, 1)}
    )
    groups = entry["by_group"]
    assert "south" in groups and "tiny" not in groups
    assert groups[disclosure.OTHER]["suppressed"]
    assert groups[disclosure.OTHER]["base"] is None
    # Secondary suppression: "other" is not the only hidden group.
    assert sum(1 for g in groups.values() if g.get("suppressed")) >= 2
    assert entry["test"]["shown"] is False


def test_a_group_too_small_for_a_percentage_is_hidden_whole_with_no_test():
    # "west" has a base of 40: every cell passes k, but a percentage needs 50. Its base
    # and a test over all the groups would give its percentage back.
    entry = _by_channel({"north": (100, 200), "east": (90, 180), "west": (20, 40)})
    west = entry["by_group"]["west"]
    assert west["suppressed"] and west["base"] is None
    assert sum(1 for g in entry["groups"] if g.get("suppressed")) >= 2
    assert entry["test"]["shown"] is False


def test_a_real_group_called_other_is_never_merged_with_the_small_groups():
    # "other" is an offence type's code: 40 people in it are a group of their own,
    # which its filter publishes alone, and the two small groups go elsewhere.
    mapping = disclosure.merge_small_groups({"other": 40, "da": 3, "stalking": 2}, K)
    assert mapping["other"] == "other"
    assert mapping["da"] == mapping["stalking"] == disclosure.OTHER != "other"
