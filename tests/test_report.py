"""The report: built from a real database's counts, worded honestly, run by command."""

import json
import os
import re

import pytest
from helpers import REPORT_TODAY as TODAY
from helpers import confidence_row as counts

from analysis import periods, perturbation, scale, stats, wording
from analysis import report as reports
from survey import questionnaire, storage
from survey.counts import read_report_counts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def built(demo_db):
    counts = read_report_counts(
        demo_db, periods.since_week(TODAY), periods.unfinished_from(TODAY, "month")
    )
    return reports.build(
        counts["measures"] + counts["reasons"],
        questionnaire.REPORT,
        reports.Options(today=TODAY),
        counts["patterns"],
        counts["about"],
    )


def test_report_has_the_agreed_json_shape(built):
    assert built["period_type"] == "quarter"
    confidence = built["measures"]["confidence"]
    first = confidence["periods"][0]
    assert set(first) >= {
        "period",
        "base",
        "estimate",
        "ci_low",
        "ci_high",
        "suppressed",
    }
    assert confidence["trend"]["method"] == "cochran-armitage"
    assert {"statistic", "p_value", "p_adjusted"} <= set(confidence["trend"])
    assert confidence["latest_change"]["compared_with"] == "2026/27 Q1"
    assert confidence["summary"]
    for name in (
        "satisfaction",
        "report_again",
        "declined",
        "declined_fully",
        "told_about_orders",
    ):
        assert built["measures"][name]["periods"]
    json.dumps(built)  # everything is plain data


def test_only_complete_periods_are_reported(built):
    assert built["latest_complete_period"] == "2026/27 Q2"
    assert built["periods"][0] == "2024/25 Q1"
    assert "2026/27 Q3" not in built["periods"]


def test_estimates_are_computed_from_the_published_perturbed_counts(built, demo_db):
    db = storage.connect(demo_db)
    x, x_keys, n, n_keys = db.execute(
        "SELECT sum(B1_confidence IN ('4', '5')),"
        " sum(CASE WHEN B1_confidence IN ('4', '5') THEN record_key END),"
        " sum(B1_confidence IN ('1', '2', '3', '4', '5')),"
        " sum(CASE WHEN B1_confidence IN ('1', '2', '3', '4', '5') THEN record_key END)"
        " FROM responses WHERE period BETWEEN '2026-W14' AND '2026-W26'"
    ).fetchone()
    db.close()
    [q1] = [
        p
        for p in built["measures"]["confidence"]["periods"]
        if p["period"] == "2026/27 Q1"
    ]
    # Each count is perturbed by its own cell key: the sum of its record keys.
    assert q1["count"] == perturbation.perturb(x, x_keys % 256)
    assert q1["base"] == perturbation.perturb(n, n_keys % 256)
    assert abs(q1["count"] - x) <= 2 and abs(q1["base"] - n) <= 2
    # Anyone can recompute the estimate and its interval from the published counts.
    assert q1["estimate"] == round(q1["count"] / q1["base"], 2)
    interval = stats.wilson_interval(q1["count"], q1["base"])
    assert (q1["ci_low"], q1["ci_high"]) == (
        round(interval.low, 2),
        round(interval.high, 2),
    )


def test_demo_data_trend_is_found_and_called_a_fall(built):
    confidence = built["measures"]["confidence"]
    assert (
        confidence["trend"]["significant"]
        and confidence["trend"]["direction"] == "falling"
    )
    assert "significant falling trend" in confidence["summary"]


def test_every_test_is_adjusted_together(built):
    assert built["tests_adjusted_together"] > 20
    trend = built["measures"]["declined"]["trend"]
    assert trend["p_adjusted"] >= trend["p_value"]


def test_reasons_are_ranked_with_their_change(built):
    ranked = built["reasons"]["ranked"]
    shown = [item["estimate"] for item in ranked if "estimate" in item]
    assert shown == sorted(shown, reverse=True)
    assert ranked[0]["code"] == "fear_found_out"
    assert "change" in ranked[0]


def test_breakdowns_test_between_groups_and_adjust_for_channels(built):
    confidence = built["measures"]["confidence"]
    groups = {g["group"] for g in confidence["by_channel"]["groups"]}
    assert "stalking-advocacy" in groups
    assert confidence["by_channel"]["test"]["method"] == "pearson-chi2"
    assert (
        confidence["channel_adjusted_trend"]["method"] == "stratified-cochran-armitage"
    )
    assert {g["group"] for g in confidence["by_offence"]["groups"]} >= {
        "da",
        "stalking",
    }


def test_index_alpha_and_detectable_change(built):
    index = built["confidence_index"]
    assert 0 <= index["periods"][-1]["estimate"] <= 100
    assert index["trend"]["method"] == "mann-kendall"
    assert 0.5 < built["cronbach_alpha"]["alpha"] < 1
    assert len(built["cronbach_alpha"]["if_item_deleted"]) == 6
    change = built["measures"]["confidence"]["latest_change"]
    assert 0 < change["minimum_detectable_change"] < 0.2


MEASURE = questionnaire.BY_MEASURE["confidence"]
ONE = reports.ReportSpec(measures=[MEASURE], reasons=[], helps=[])
# The wording tests give exact counts and check the sentences say them: no perturbation.
EXACT = reports.Options(today=TODAY, perturb=False)


def test_a_difference_that_is_not_significant_is_never_called_a_rise():
    rows = [
        counts("2026-W02", 51, 100),
        counts("2026-W15", 48, 100),
        counts("2025-W40", 50, 100),
    ]
    built = reports.build(rows, ONE, EXACT)
    summary = built["measures"]["confidence"]["summary"]
    assert "not statistically significant" in summary
    assert " rose " not in summary and " fell " not in summary
    assert "only changes of about" in summary and "percentage points" in summary


def test_a_significant_fall_is_called_one_with_its_bases():
    rows = [
        counts("2026-W02", 160, 300),
        counts("2026-W15", 100, 300),
        counts("2025-W40", 150, 300),
    ]
    built = reports.build(rows, ONE, EXACT)
    entry = built["measures"]["confidence"]
    summary = entry["summary"]
    assert summary.startswith(
        "33% of respondents had confidence in the police in 2026/27 Q1 (95% CI "
    )
    assert (
        "This is a statistically significant fall from 53% (300 responses) in "
        "2025/26 Q4 (p < 0.001, adjusted for the other tests in this report)."
    ) in summary
    # The full sentence, for pages that give the change on its own.
    subject = "the share who had confidence in the police"
    assert wording.change_sentence(subject, entry["latest_change"]).startswith(
        "The share who had confidence in the police fell from 53% (300 responses) "
        "in 2025/26 Q4 to 33% (300 responses) in 2026/27 Q1. This fall is "
        "statistically significant"
    )


def test_the_latest_figure_is_given_once_in_a_measure_s_summary():
    """The estimate's sentence gives the latest figure and base; the change after it
    adds only the earlier one, whether or not the change is significant."""
    for later in (100, 155):  # a significant fall, and a difference too small
        rows = [counts("2026-W02", 160, 300), counts("2026-W15", later, 300)]
        summary = reports.build(rows, ONE, EXACT)["measures"]["confidence"]["summary"]
        assert summary.count(f"{round(100 * later / 300)}%") == 1, summary
        assert summary.count("in 2026/27 Q1") == 1, summary
        assert summary.count("53% (300 responses) in 2025/26 Q4") == 1, summary


def test_small_periods_are_suppressed_without_an_estimate():
    rows = [counts("2026-W02", 8, 40), counts("2026-W15", 30, 60)]
    built = reports.build(rows, ONE, EXACT)
    small = built["measures"]["confidence"]["periods"][0]
    assert small["suppressed"] is True and "estimate" not in small
    assert small["base"] == 40
    assert built["measures"]["confidence"]["latest_change"]["shown"] is False


def every_measure(week, x, n):
    """A storage row with the same counts for every measure in the questionnaire."""
    row = {"period": week, "channel": "a", "offence": "da", "responses": n}
    for measure in questionnaire.MEASURES:
        row |= {f"{measure.name}.x": x, f"{measure.name}.n": n}
    return row


# Words a sentence may capitalise anywhere: an interval, and quarters of a period.
CAPITALISED = re.compile(r"\b(?!CI\b|Q[1-4]\b)[A-Z]\w*")


def mid_sentence_capitals(text):
    """Capitalised words that do not start a sentence."""
    starts = {m.end() for m in re.finditer(r"(^|[.:] )", text)}
    return [m.group() for m in CAPITALISED.finditer(text) if m.start() not in starts]


@pytest.mark.parametrize(
    "rows",
    [
        # A significant fall, a difference too small to call, and too few to compare.
        [every_measure(w, x, 300) for w, x in (("2025-W40", 150), ("2026-W02", 160))]
        + [every_measure("2026-W15", 100, 300)],
        [every_measure(w, x, 100) for w, x in (("2026-W02", 51), ("2026-W15", 48))],
        [every_measure("2026-W02", 8, 40), every_measure("2026-W15", 30, 60)],
    ],
)
def test_every_measure_reads_as_english_by_its_title(rows):
    built = reports.build(rows, questionnaire.REPORT, EXACT)
    for measure in questionnaire.MEASURES:
        assert measure.title == measure.title.lower(), measure.name
        # Not the code dressed up as words ("declined fully", "told about orders").
        assert "_" not in measure.title
        assert measure.title != measure.name.replace("_", " "), measure.name
        entry = built["measures"][measure.name]
        summary = entry["summary"]
        assert measure.title in summary, measure.name
        assert mid_sentence_capitals(summary) == [], summary
        for sentence in summary.split(". ")[1:]:
            assert measure.heading not in sentence, sentence
        if "estimate" in entry["periods"][-1]:
            assert f"% of {measure.counted} in " in summary
            assert measure.counted.startswith(measure.population), measure.name
        else:
            assert f"publish the share who {measure.title}." in summary


def test_empty_database_gives_a_clear_report():
    built = reports.build([], ONE, EXACT)
    assert built["measures"] == {}
    assert "no responses" in built["summary"]


def test_alpha_from_score_patterns_matches_the_reference_method():
    from analysis import stats

    rows = [
        [4, 4, 3, 4],
        [5, 5, 4, 5],
        [2, 3, 2, 2],
        [3, 3, 3, 4],
        [4, 5, 4, 4],
        [1, 2, 1, 2],
        [3, 2, 3, 3],
        [5, 4, 5, 5],
        [2, 2, 3, 2],
        [4, 4, 4, 3],
    ]
    patterns = [(row, 2) for row in rows]  # each respondent twice
    built = scale.alpha(patterns, k=10)
    direct = stats.cronbach_alpha(rows + rows)
    assert abs(built["alpha"] - direct.alpha) < 1e-12
    assert all(
        abs(a - b) < 1e-12
        for a, b in zip(built["if_item_deleted"], direct.if_item_deleted, strict=True)
    )


def test_likert_scale_tests_and_rolling_year(built):
    confidence = built["measures"]["confidence"]
    likert = confidence["likert"]
    assert likert["against_previous"]["method"] == "mann-whitney"
    assert 1 <= likert["against_previous"]["median"] <= 5
    assert likert["between_channels"]["method"] == "kruskal-wallis"
    assert "likert" not in built["measures"]["declined"]
    rolling = confidence["rolling_year"]
    assert rolling["shown"] and rolling["period"] == "2025/26 Q3 to 2026/27 Q2"
    assert rolling["compared_with"] == "2024/25 Q3 to 2025/26 Q2"


def test_median_of_a_distribution():
    assert scale._median([1, 0, 0, 0, 0]) == 1
    assert scale._median([1, 1, 0, 0, 0]) == 1.5
    assert scale._median([0, 2, 3, 4, 0]) == 3


def test_p_chart_limits_are_given_per_period(built):
    confidence = built["measures"]["confidence"]
    chart = confidence["p_chart"]
    assert [row["period"] for row in chart["limits"]] == built["periods"]
    estimates = {p["period"]: p for p in confidence["periods"]}
    for row in chart["limits"]:
        assert 0 <= row["lower"] <= chart["centre"] <= row["upper"] <= 1
        estimate = estimates[row["period"]]["estimate"]
        # Flagged on the unrounded figures: at whole percentages a flagged period can
        # sit on its limit, never inside it.
        if row["flagged"]:
            assert not row["lower"] < estimate < row["upper"]
        else:
            assert row["lower"] <= estimate <= row["upper"]
    assert chart["flagged"] == [r["period"] for r in chart["limits"] if r["flagged"]]


def test_measures_are_broken_down_by_about_you_bands(built):
    by_age = built["measures"]["confidence"]["by_about_you"]["E1_age"]
    assert by_age["period"] == built["latest_complete_period"]
    groups = {group["group"] for group in by_age["groups"]}
    assert {"Under 25", "25 to 44", "Prefer not to say"} <= groups | {"other"}
    for group in by_age["groups"]:
        assert group["suppressed"] or group["base"] >= built["threshold"]
    assert by_age["test"]["method"] == "pearson-chi2"
    assert "p_adjusted" in by_age["test"]  # adjusted with the report's other tests


def test_measures_are_broken_down_by_language(built):
    by_language = built["measures"]["confidence"]["by_about_you"]["language"]
    assert by_language["period"] == built["latest_complete_period"]
    assert "not_recorded" not in by_language
    groups = {group["group"]: group for group in by_language["groups"]}
    assert not groups["English"]["suppressed"]
    # Each language is shown alone only with k responses or more, else merged.
    for group in by_language["groups"]:
        assert group["suppressed"] or group["base"] >= built["threshold"]
    assert set(groups) <= {
        "English",
        "Welsh",
        "Polish",
        "Urdu",
        "Easy Read (English)",
        "other",
    }


def test_a_language_missing_from_the_counts_is_not_recorded(demo_db):
    counts = read_report_counts(
        demo_db, periods.since_week(TODAY), periods.unfinished_from(TODAY, "month")
    )
    rows = counts["measures"] + counts["reasons"]
    # Counts frozen before responses had a language have no rows of it at all.
    about = [row for row in counts["about"] if row["question"] != "language"]
    built = reports.build(rows, questionnaire.REPORT, EXACT, about_rows=about)
    by_about_you = built["measures"]["confidence"]["by_about_you"]
    assert by_about_you["language"] == {
        "period": built["latest_complete_period"],
        "groups": [],
        "not_recorded": True,
    }
    assert by_about_you["E1_age"]["groups"]  # the others as ever
    assert "not_recorded" not in by_about_you["E1_age"]
    # A period with no counts at all is not "not recorded": it has no responses.
    empty = reports.build(rows, questionnaire.REPORT, EXACT, about_rows=[])
    for entry in empty["measures"]["confidence"]["by_about_you"].values():
        assert "not_recorded" not in entry


def test_about_you_breakdowns_are_left_out_without_their_rows(demo_db):
    counts = read_report_counts(
        demo_db, periods.since_week(TODAY), periods.unfinished_from(TODAY, "month")
    )
    rows = counts["measures"] + counts["reasons"]
    plain = reports.build(rows, questionnaire.REPORT, EXACT)
    assert "by_about_you" not in plain["measures"]["confidence"]


def _falling_in_each_channel() -> list[dict]:
    """Four quarters where confidence falls within both channels, while more and
    more responses come from the channel where it is higher."""
    weeks = ["2025-W15", "2025-W28", "2025-W41", "2026-W02"]
    return [
        counts(week, round(n * (level - 0.06 * quarter)), n, channel)
        for quarter, week in enumerate(weeks)
        for channel, level, n in (
            ("a", 0.8, (50, 200, 500, 1000)[quarter]),
            ("b", 0.3, 200),
        )
    ]


def test_the_within_channel_trend_says_which_way_it_goes():
    built = reports.build(_falling_in_each_channel(), ONE, EXACT)
    entry = built["measures"]["confidence"]
    assert entry["trend"]["direction"] == "rising"  # the mix of channels
    assert entry["channel_adjusted_trend"]["direction"] == "falling"
    assert entry["channel_adjusted_trend"]["significant"]


QUARTERS = periods.span("2024/25 Q1", "2026/27 Q2", "quarter")


def test_large_bases_are_charted_by_laney_p_prime_and_the_method_is_named():
    """Ten quarters of 3,000 whose share moves a few points each quarter: the plain
    p-chart flagged half of them. Laney's p′ chart, from the published counts,
    flags none, and the report says which chart it used."""
    xs = [1500, 1380, 1620, 1410, 1590, 1440, 1560, 1470, 1530, 1500]
    rows = [
        counts(periods.first_week(q, "quarter"), x, 3000)
        for q, x in zip(QUARTERS, xs, strict=True)
    ]
    entry = reports.build(rows, ONE, EXACT)["measures"]["confidence"]
    chart = entry["p_chart"]
    assert chart["method"] == "laney-p-prime" and chart["sigma_z"] > 2
    assert chart["flagged"] == [] and "Unusual periods" not in entry["summary"]


def test_an_unusual_period_is_named_with_the_chart_that_found_it():
    xs = [1500, 1480, 1520, 1490, 1510, 1500, 1490, 1510, 1500, 1100]
    rows = [
        counts(periods.first_week(q, "quarter"), x, 3000)
        for q, x in zip(QUARTERS, xs, strict=True)
    ]
    entry = reports.build(rows, ONE, EXACT)["measures"]["confidence"]
    # A fall of 13 points in the last quarter stands out even from Laney's limits.
    assert entry["p_chart"]["method"] == "laney-p-prime"
    assert entry["p_chart"]["flagged"] == ["2026/27 Q2"]
    assert (
        "Unusual periods (outside the control limits of a Laney p′ chart): "
        "2026/27 Q2." in entry["summary"]
    )


YEAR = reports.Options(today=TODAY, period_type="year", perturb=False)
TWO_YEARS = [counts("2024-W20", 2800, 6000), counts("2025-W20", 2400, 6000)]


def test_two_years_give_the_true_reason_for_no_trend():
    """Thousands of responses in each year: the trend is left out because there are
    only two years, and the sentences say so rather than blame the responses."""
    built = reports.build(TWO_YEARS, ONE, YEAR)
    entry = built["measures"]["confidence"]
    reason = "there are only 2 years, and a trend test needs at least 3"
    assert entry["trend"] == {"shown": False, "reason": reason}
    assert entry["channel_adjusted_trend"] == {"shown": False, "reason": reason}
    assert built["confidence_index"]["trend"]["reason"] == reason
    assert "too few responses" not in entry["summary"]
    subject = "the share who had confidence in the police"
    assert f"No trend test is shown for {subject}: {reason}." in entry["summary"]


def test_by_year_the_year_earlier_is_the_previous_period_and_compared_once():
    built = reports.build(TWO_YEARS, ONE, YEAR)
    entry = built["measures"]["confidence"]
    assert entry["latest_change"]["compared_with"] == "2024/25"
    assert entry["latest_change"]["significant"]
    assert "year_on_year" not in entry
    assert built["tests_adjusted_together"] == 1
    assert entry["summary"].count("2024/25") == 1


def test_months_read_as_months_in_every_sentence():
    rows = [counts("2026-W36", 160, 300), counts("2026-W41", 100, 300)]
    month = reports.Options(today=TODAY, period_type="month", perturb=False)
    built = reports.build(rows, ONE, month)
    summary = built["measures"]["confidence"]["summary"]
    assert built["latest_complete_period"] == "2026-10"
    assert summary.startswith(
        "33% of respondents had confidence in the police in October 2026 (95% CI"
    )
    assert "from 53% (300 responses) in September 2026 (p < 0.001" in summary
    assert "2026-" not in summary


def test_a_report_read_without_releases_names_the_latest_complete_period():
    """The rows end in 2026/27 Q1, but Q2 is over: Q1 is not called the latest
    complete quarter, and the figures say which period they are for."""
    rows = [counts("2026-W02", 160, 300), counts("2026-W15", 100, 300)]
    built = reports.build(rows, ONE, EXACT)
    assert built["latest_complete_period"] == "2026/27 Q2"
    assert built["latest_reported_period"] == built["periods"][-1] == "2026/27 Q1"
    released = reports.build(rows, ONE, EXACT, span=built["periods"] + ["2026/27 Q2"])
    assert released["latest_complete_period"] == "2026/27 Q2"
    assert released["latest_reported_period"] == "2026/27 Q2"


@pytest.mark.parametrize(
    "name, words",
    [
        (
            "declined",
            "50% of those offered the safety questions declined some or all of them "
            "in 2026/27 Q1 (95% CI",
        ),
        (
            "declined_fully",
            "40% of those offered the safety questions declined all of them in "
            "2026/27 Q1 (95% CI",
        ),
        (
            "told_about_orders",
            "40% of respondents in contact with the police were told about protective "
            "orders in 2026/27 Q1 (95% CI",
        ),
    ],
)
def test_each_estimate_reads_as_a_sentence_of_who_did_what(name, words):
    row = every_measure("2026-W15", 120, 300)
    row["declined.x"] = 150  # declined all within declined some or all, and fewer
    entry = reports.build([row], questionnaire.REPORT, EXACT)["measures"][name]
    assert entry["summary"].startswith(words), entry["summary"]
