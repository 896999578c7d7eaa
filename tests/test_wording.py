"""The sentences of analysis.wording, from report entries made by hand."""

from analysis import wording

LATEST = {
    "period": "2026/27 Q2",
    "suppressed": False,
    "estimate": 49.0,
    "ci_low": 48.0,
    "ci_high": 50.0,
    "base": 2219,
}


def index_with(**trend) -> dict:
    """An index entry whose trend is shown and significant, with `trend` on top."""
    shown = {"shown": True, "significant": True, "p_adjusted": 0.001}
    return {"periods": [LATEST], "trend": shown | trend}


def test_a_significant_index_trend_with_a_slope_of_zero_says_so_without_a_sign():
    """Many tied index values: S is significant while Sen's slope is 0."""
    summary = wording.index_summary(
        index_with(statistic=-30.0, sen_slope=0.0, direction="falling")
    )
    assert "statistically significant falling trend" in summary
    assert "+0.0" not in summary and "-0.0" not in summary
    assert "less than 0.1 points a period" in summary


def test_the_index_trend_s_direction_comes_from_the_test_not_the_slope():
    summary = wording.index_summary(
        index_with(statistic=-30.0, sen_slope=0.3, direction="falling")
    )
    assert "significant falling trend" in summary and "+0.3" not in summary
    rising = wording.index_summary(
        index_with(statistic=25.0, sen_slope=0.9, direction="rising")
    )
    assert "significant rising trend (+0.9 points a period, p = 0.001" in rising


def test_an_index_of_one_or_less_is_rendered_in_points_not_as_a_percentage():
    from analysis import render

    low = {"period": "2026/27 Q2", "suppressed": False, "base": 60}
    low |= {"estimate": 1, "ci_low": 0, "ci_high": 3}
    report = {
        "period_type": "quarter",
        "threshold": 10,
        "measures": {"confidence": {"title": "Had confidence", "summary": "…"}},
        "confidence_index": {"periods": [low], "summary": "The index was 1."},
    }
    report["measures"]["confidence"]["periods"] = []
    for text in (render.markdown(report), render.text(report)):
        assert "100%" not in text and "0% to 300%" not in text
    assert "| 2026/27 Q2 | 60 | 1 | 0 to 3 |" in render.markdown(report)


def test_periods_are_named_as_a_sentence_says_them():
    assert wording.period_name("2026-10") == "October 2026"
    assert wording.period_name("2026/27 Q2") == "2026/27 Q2"
    assert wording.period_name("2025/26") == "2025/26"
    assert (
        wording.period_name("2024/25 Q3 to 2025/26 Q2")
        == "the four quarters 2024/25 Q3 to 2025/26 Q2"
    )


def test_a_change_between_pooled_periods_reads_from_one_to_the_other():
    change = {
        "shown": True,
        "significant": True,
        "period": "2025/26 Q3 to 2026/27 Q2",
        "compared_with": "2024/25 Q3 to 2025/26 Q2",
        "estimate": 0.43,
        "earlier_estimate": 0.48,
        "difference": -0.05,
        "base": 8000,
        "earlier_base": 7500,
        "p_adjusted": 0.0001,
    }
    sentence = wording.change_sentence("the share who had confidence", change)
    assert sentence.startswith(
        "The share who had confidence fell from 48% (7,500 responses) in the four "
        "quarters 2024/25 Q3 to 2025/26 Q2 to 43% (8,000 responses) in the four "
        "quarters 2025/26 Q3 to 2026/27 Q2. This fall is statistically significant"
    )
