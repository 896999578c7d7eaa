"""analysis.stats reproduces the R reference values of tests/data/stats_vectors.json."""

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import stats

VECTORS = {
    entry["name"]: entry
    for entry in json.loads(
        (Path(__file__).parent / "data" / "stats_vectors.json").read_text()
    )
}


def close(actual, expected, tolerance):
    if isinstance(expected, list):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            close(a, e, tolerance)
    else:
        assert abs(actual - expected) <= tolerance, (actual, expected)


def vector(name):
    entry = VECTORS[name]
    return entry["input"], entry["expected"], entry["tolerance"]


def test_wilson_interval():
    given_, expected, tol = vector("wilson_ci_45_of_120")
    interval = stats.wilson_interval(given_["x"], given_["n"], given_["conf_level"])
    close([interval.low, interval.high], [expected["low"], expected["high"]], tol)


def test_wilson_interval_at_zero():
    given_, expected, tol = vector("binomial_cis_0_of_15")
    interval = stats.wilson_interval(given_["x"], given_["n"])
    close([interval.low, interval.high], expected["wilson"], tol)
    assert interval.low == 0.0


def test_newcombe_interval():
    g, expected, tol = vector("newcombe_diff_45_120_vs_60_118")
    interval = stats.newcombe_interval(g["x1"], g["n1"], g["x2"], g["n2"])
    close([interval.low, interval.high], expected["newcombe_hybrid_score"], tol)


def test_compare_proportions_uses_pearson_without_correction():
    g, expected, tol = vector("two_proportion_test_45_120_vs_60_118")
    result = stats.compare_proportions(g["x1"], g["n1"], g["x2"], g["n2"])
    assert result.method == "pearson-chi2"
    close(result.statistic, expected["chisq_no_cc"], tol)
    close(result.p_value, expected["p_no_cc"], tol)
    close(math.sqrt(result.statistic), abs(expected["z_pooled"]), tol)


def test_compare_proportions_fisher_reproduces_r():
    g, expected, tol = vector("fisher_exact_small_2x2")
    (a, b), (c, d) = g["table"]
    result = stats.compare_proportions(a, a + b, c, c + d, exact=True)
    assert result.method == "fisher-exact"
    close(result.p_value, expected["p_two_sided"], tol)
    g, expected, tol = vector("two_proportion_test_45_120_vs_60_118")
    result = stats.compare_proportions(g["x1"], g["n1"], g["x2"], g["n2"], exact=True)
    close(result.p_value, expected["fisher_p_two_sided"], tol)


def test_compare_proportions_chooses_fisher_when_an_expected_count_is_below_5():
    # Expected count of successes in the first group: 12 × 6 / 40 = 1.8.
    assert stats.compare_proportions(3, 12, 3, 28).method == "fisher-exact"
    # The R example's smallest expected count is 5.76: Pearson.
    assert stats.compare_proportions(3, 12, 9, 13).method == "pearson-chi2"


def test_chi_square_3x2():
    g, expected, tol = vector("chisq_channel_by_agree_3x2")
    result = stats.chi_square(g["table"])
    close(result.statistic, expected["chisq"], tol)
    close(result.p_value, expected["p"], tol)


def test_chi_square_full_likert_table():
    g, expected, tol = vector("chisq_full_likert_2x5")
    result = stats.chi_square(g["table"])
    close([result.statistic, result.p_value], [expected["chisq"], expected["p"]], tol)


def test_cochran_armitage():
    g, expected, tol = vector("cochran_armitage_trend_6_periods")
    result = stats.cochran_armitage(g["x"], g["n"], g["score"])
    close(result.statistic, expected["chisq_trend"], tol)
    close(result.p_value, expected["p_trend"], tol)
    default_scores = stats.cochran_armitage(g["x"], g["n"])
    assert default_scores == result


def test_stratified_cochran_armitage_with_one_stratum_is_the_plain_test():
    g, expected, tol = vector("cochran_armitage_trend_6_periods")
    result = stats.stratified_cochran_armitage([(g["x"], g["n"])])
    close(result.statistic, expected["chisq_trend"], tol)


def test_stratified_trend_ignores_a_shift_in_the_mix_of_strata():
    # Two channels, each flat over time; the better one grows its share. The crude
    # trend looks real, the channel-adjusted one is nil.
    good = ([60, 90, 120, 150], [100, 150, 200, 250])
    poor = ([40, 30, 20, 10], [200, 150, 100, 50])
    crude = stats.cochran_armitage(
        [a + b for a, b in zip(good[0], poor[0], strict=True)],
        [a + b for a, b in zip(good[1], poor[1], strict=True)],
    )
    adjusted = stats.stratified_cochran_armitage([good, poor])
    assert crude.p_value < 0.001
    assert adjusted.statistic < 1e-9 and adjusted.p_value > 0.99


def test_mann_kendall():
    g, expected, tol = vector("mann_kendall_12_quarters")
    result = stats.mann_kendall(g["y"])
    close(result.statistic, expected["S"], tol)
    close(result.z, expected["z"], tol)
    close(result.p_value, expected["p_two_sided"], tol)
    close(result.sen_slope, expected["sen_slope"], tol)


def test_mann_whitney():
    g, expected, tol = vector("mann_whitney_likert_with_ties")
    result = stats.mann_whitney(g["this_q"], g["last_q"])
    close(result.statistic, expected["U_this_q"], tol)
    close(result.p_value, expected["p_two_sided_continuity"], tol)


def test_mann_whitney_on_expanded_likert_table():
    g, expected, tol = vector("chisq_full_likert_2x5")
    last, this = (
        [
            value
            for value, count in zip(g["col_labels"], row, strict=True)
            for _ in range(count)
        ]
        for row in g["table"]
    )
    result = stats.mann_whitney(this, last)
    close(result.statistic, expected["mwu_U_this_q"], tol)
    close(result.p_value, expected["mwu_p_continuity"], tol)


def test_kruskal_wallis():
    g, expected, tol = vector("kruskal_wallis_3_channels")
    result = stats.kruskal_wallis(g["victim_support"], g["idva_service"], g["sarc"])
    close(result.statistic, expected["H"], tol)
    close(result.p_value, expected["p"], tol)


def test_benjamini_hochberg():
    g, expected, tol = vector("multiple_testing_bh_1995_example")
    close(stats.benjamini_hochberg(g["p"]), expected["bh"], tol)
    shuffled = list(reversed(g["p"]))
    close(stats.benjamini_hochberg(shuffled), list(reversed(expected["bh"])), tol)
    assert sum(p <= 0.05 for p in stats.benjamini_hochberg(g["p"])) == 4


def test_p_chart():
    g, expected, tol = vector("p_chart_12_months")
    chart = stats.p_chart(g["x"], g["n"], g["sigma_mult"])
    close(chart.centre, [expected["centre_line"]] * len(g["x"]), tol)
    close(chart.upper, expected["ucl"], tol)
    close(chart.lower, expected["lcl"], tol)
    assert chart.flagged == [i == 8 for i in range(12)]  # month 9 is below its LCL


def test_laney_p_prime_chart_widens_the_r_p_chart_by_the_moving_range_of_z():
    """By hand from the R vector's z-scores and p-chart limits: σ_z is the mean
    moving range of z over 1.128, and each limit is p̄ ± (3σ_pi)·σ_z."""
    g, expected, tol = vector("p_chart_12_months")
    z = expected["z_i"]
    sigma_z = sum(abs(b - a) for a, b in zip(z, z[1:], strict=False)) / 11 / 1.128
    assert sigma_z > 1  # month 9 makes these months vary more than sampling would
    centre = expected["centre_line"]
    chart = stats.laney_p_chart(g["x"], g["n"], g["sigma_mult"])
    assert chart.method == "laney-p-prime"
    close(chart.sigma_z, sigma_z, 1e-9)
    close(chart.centre, [centre] * 12, tol)
    upper = [centre + (high - centre) * sigma_z for high in expected["ucl"]]
    lower = [centre - (centre - low) * sigma_z for low in expected["lcl"]]
    close(chart.upper, upper, 1e-9)
    close(chart.lower, lower, 1e-9)
    # Wider limits: month 9 (z = −3.39) is inside 3σ_z = 3.66.
    assert chart.flagged == [False] * 12


def test_laney_falls_back_to_the_p_chart_when_periods_vary_as_sampling_would():
    # Steady at 50% with a base of 1,000: the z-scores are 0, ±0.63, so σ_z < 1.
    successes, totals = [500, 510, 500, 490, 500, 510], [1000] * 6
    chart = stats.laney_p_chart(successes, totals)
    assert chart.method == "p-chart" and chart.sigma_z < 1
    plain = stats.p_chart(successes, totals)
    assert (chart.lower, chart.upper, chart.flagged) == (
        plain.lower,
        plain.upper,
        plain.flagged,
    )


def test_laney_keeps_large_bases_from_flagging_most_periods():
    """Bases of 3,000 and shares moving by a few points each period: the p-chart's
    limits (±2.7 points) flag half the periods, Laney's none."""
    successes = [1500, 1380, 1620, 1410, 1590, 1440, 1560, 1470, 1530, 1500]
    totals = [3000] * 10
    assert sum(stats.p_chart(successes, totals).flagged) >= 4
    chart = stats.laney_p_chart(successes, totals)
    assert chart.method == "laney-p-prime" and chart.sigma_z > 2
    assert not any(chart.flagged)


def test_cusum():
    g, expected, tol = vector("standardised_cusum_12_months")
    result = stats.cusum(g["x"], g["n"], g["p0"], g["k"], g["h"])
    close(result.upper, expected["c_plus"], tol)
    close(result.lower, expected["c_minus"], tol)
    assert result.signal is None  # expected first_signal_index_1based_or_0 == 0


def test_cusum_signals_a_sustained_shift():
    result = stats.cusum([30] * 12, [100] * 12, target=0.45)
    assert result.signal == 2


def test_cronbach_alpha():
    g, expected, tol = vector("cronbach_alpha_10x4")
    result = stats.cronbach_alpha(g["items"])
    close(result.alpha, expected["alpha"], tol)
    close(result.if_item_deleted, expected["alpha_if_item_deleted"], tol)


def test_sample_size():
    g, expected, tol = vector("sample_size_two_props_0.40_vs_0.50")
    n = stats.sample_size_two_proportions(g["p1"], g["p2"], g["sig_level"], g["power"])
    close(n, expected["n_per_group"], tol)


def test_minimum_detectable_proportion():
    g, expected, tol = vector("minimum_detectable_effect_n120")
    p2 = stats.minimum_detectable_proportion(
        g["n"], g["p1"], g["sig_level"], g["power"]
    )
    close(p2, expected["p2_detectable"], tol)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: stats.wilson_interval(1, 0), "n must be at least 1"),
        (lambda: stats.wilson_interval(5, 3), "cannot exceed n"),
        (lambda: stats.wilson_interval(-1, 3), "whole number of at least 0"),
        (lambda: stats.wilson_interval(1.5, 3), "whole number"),
        (lambda: stats.wilson_interval(float("nan"), 3), "finite"),
        (lambda: stats.wilson_interval(1, 3, confidence=1.2), "confidence"),
        (lambda: stats.newcombe_interval(1, 2, 3, 0), "n2 must be at least 1"),
        (lambda: stats.compare_proportions(3, 2, 1, 2), "successes1 (3) cannot exceed"),
        (lambda: stats.cochran_armitage([1], [2]), "at least 2 periods"),
        (lambda: stats.cochran_armitage([1, 2], [2]), "same length"),
        (lambda: stats.mann_kendall([1.0, 2.0]), "at least 3 values"),
        (lambda: stats.mann_kendall([1.0, float("nan"), 2.0]), "values[1]"),
        (lambda: stats.mann_whitney([], [1]), "x needs at least 1"),
        (lambda: stats.kruskal_wallis([1, 2]), "at least 2 groups"),
        (lambda: stats.benjamini_hochberg([0.5, 1.5]), "between 0 and 1"),
        (lambda: stats.p_chart([], []), "non-empty"),
        (lambda: stats.laney_p_chart([1], [2]), "at least 2"),
        (lambda: stats.cusum([1], [2], target=0), "target"),
        (lambda: stats.cronbach_alpha([[1, 2]]), "at least 2 rows"),
        (lambda: stats.cronbach_alpha([[1, 2], [1, 2, 3]]), "same number of items"),
        (lambda: stats.cronbach_alpha([[1, 1], [1, 1]]), "do not vary"),
        (lambda: stats.sample_size_two_proportions(0.4, 0.4), "differ from p1"),
        (lambda: stats.minimum_detectable_proportion(0, 0.4), "n must be at least 2"),
        (lambda: stats.chi_square([[1, 2]]), "at least 2 rows"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_problem(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


@given(
    x=st.integers(0, 500), extra=st.integers(0, 500), confidence=st.floats(0.5, 0.999)
)
def test_wilson_interval_contains_the_estimate_within_0_and_1(x, extra, confidence):
    n = x + extra
    if n == 0:
        return
    interval = stats.wilson_interval(x, n, confidence)
    assert 0 <= interval.low <= x / n <= interval.high <= 1


@given(st.lists(st.floats(0, 1), max_size=40))
def test_benjamini_hochberg_is_monotone_and_at_least_the_raw_p(p_values):
    adjusted = stats.benjamini_hochberg(p_values)
    assert all(a >= p - 1e-15 for a, p in zip(adjusted, p_values, strict=True))
    ranked = sorted(zip(p_values, adjusted, strict=True))
    assert all(b[1] >= a[1] - 1e-15 for a, b in zip(ranked, ranked[1:], strict=False))


def test_mann_whitney_from_counts_reproduces_r():
    g, expected, tol = vector("chisq_full_likert_2x5")
    last, this = g["table"]
    result = stats.mann_whitney_counts(this, last)
    close(result.statistic, expected["mwu_U_this_q"], tol)
    close(result.p_value, expected["mwu_p_continuity"], tol)


def test_mann_whitney_from_counts_matches_the_value_version():
    g, expected, tol = vector("mann_whitney_likert_with_ties")

    def counts(values):
        return [values.count(score) for score in range(1, 6)]

    result = stats.mann_whitney_counts(counts(g["this_q"]), counts(g["last_q"]))
    close(result.statistic, expected["U_this_q"], tol)
    close(result.p_value, expected["p_two_sided_continuity"], tol)


def test_kruskal_wallis_from_counts_reproduces_r():
    g, expected, tol = vector("kruskal_wallis_3_channels")
    groups = [g["victim_support"], g["idva_service"], g["sarc"]]
    counted = [[group.count(score) for score in range(1, 6)] for group in groups]
    result = stats.kruskal_wallis_counts(*counted)
    close(result.statistic, expected["H"], tol)
    close(result.p_value, expected["p"], tol)


def test_counts_versions_refuse_bad_input():
    with pytest.raises(ValueError, match="at least one response"):
        stats.mann_whitney_counts([0, 0], [1, 2])
    with pytest.raises(ValueError, match="a count for each category"):
        stats.kruskal_wallis_counts([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="at least 2 groups"):
        stats.kruskal_wallis_counts([1, 2])
