"""Flood flags: a channel's week far above its usual number of responses."""

from datetime import date

from analysis import volume

TODAY = date(2026, 11, 23)  # a Monday in 2026-W48, so 2026-W47 is the last complete


def weekly(channel: str, counts: list[int]) -> list[dict]:
    """Rows for the complete weeks before this one, oldest first, as storage gives."""
    weeks = volume.recent_weeks(TODAY, len(counts))
    return [
        {"period": week, "channel": channel, "offence": "da", "responses": count}
        for week, count in zip(weeks, counts, strict=True)
    ]


def test_recent_weeks_are_the_complete_ones():
    assert volume.recent_weeks(TODAY, 3) == ["2026-W45", "2026-W46", "2026-W47"]


def test_a_burst_last_week_is_flagged():
    rows = weekly("helpline", [10] * 15 + [60]) + weekly("refuge", [10] * 16)
    assert volume.jumps(rows, TODAY, minimum=20) == [
        {"channel": "helpline", "week": "2026-W47"}
    ]


def test_an_earlier_burst_in_the_last_month_is_flagged_with_its_week():
    rows = weekly("helpline", [8] * 13 + [50, 9, 8])
    [flag] = volume.jumps(rows, TODAY, minimum=20)
    assert flag == {"channel": "helpline", "week": "2026-W45"}


def test_the_week_under_way_is_never_flagged_so_one_response_shows_nothing():
    rows = weekly("helpline", [0] * 16)
    rows.append(
        {"period": "2026-W48", "channel": "helpline", "offence": "da"}
        | {"responses": 500}
    )
    assert volume.jumps(rows, TODAY, minimum=20) == []


def test_ordinary_ups_and_downs_and_small_channels_are_not_flagged():
    rows = weekly(
        "busy", [40, 55, 35, 60, 45, 50, 38, 62, 41, 47, 52, 44, 70, 39, 58, 66]
    )
    rows += weekly("quiet", [1, 0, 2, 1, 0, 1, 1, 0, 2, 1, 1, 0, 9, 1, 0, 12])
    assert volume.jumps(rows, TODAY, minimum=20) == []


def test_a_new_channel_s_first_busy_week_is_flagged():
    # Nothing before: any large week stands out, and is worth a look.
    rows = weekly("new", [0] * 15 + [30])
    assert [f["channel"] for f in volume.jumps(rows, TODAY, minimum=20)] == ["new"]
