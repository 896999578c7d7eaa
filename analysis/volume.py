"""Floods: a channel's weekly number of responses far above its usual level.

Someone may submit the survey over and over to skew the figures. Responses carry no
identity to catch them by, so analysts are shown a flag instead (docs/privacy.md §2)
when a channel's week is far above the weeks before it, and can look before publishing.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from analysis import periods

# The weeks flagged (the last month) and the weeks before each that set its usual level.
RECENT = 4
WINDOW = 12


def recent_weeks(today: date, count: int) -> list[str]:
    """The last `count` complete ISO weeks, oldest first (this week is not one)."""
    return [
        periods.week_of(today - timedelta(weeks=back)) for back in range(count, 0, -1)
    ]


def jumps(
    rows: Iterable[dict],
    today: date,
    *,
    minimum: int,
    recent: int = RECENT,
    window: int = WINDOW,
    factor: float = 3.0,
) -> list[dict]:
    """Complete channel-weeks among the last `recent` far above the usual level.

    Only complete weeks: while a week is under way, one more response could turn its
    flag on, and someone who knew of that response would see it (docs/privacy.md §3).
    Figures are published for complete periods only, so a flood is still seen before
    it is published. The usual level is the median of the `window` weeks before (a
    week without responses counts as none). A week is flagged when it holds at least
    `factor` times that and at least `minimum` more: a quiet channel's week of 3 after
    weeks of 1 is no flood. The counts themselves are not returned, only the flag.
    """
    weeks = recent_weeks(today, recent + window)
    wanted = set(weeks)
    by_channel: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if row["period"] in wanted:
            by_channel[row["channel"]][row["period"]] += int(row["responses"])
    flags = []
    for channel in sorted(by_channel):
        counts = by_channel[channel]
        for position in range(window, len(weeks)):
            week = weeks[position]
            usual = statistics.median(
                counts[w] for w in weeks[position - window : position]
            )
            count = counts[week]
            if count >= factor * usual and count - usual >= minimum:
                flags.append({"channel": channel, "week": week})
    return flags
