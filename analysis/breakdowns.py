"""A measure by group (channel, offence type, About-you band), and within channels.

Small groups are merged into "other" and the table's cells suppressed as the disclosure
rules say, before any percentage or test is shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from analysis import disclosure, stats
from analysis.estimates import (
    Options,
    Tests,
    cells,
    complete_period,
    counts_of,
    estimate,
    not_shown,
    tested,
)


def by_band(
    about_you: Sequence[tuple[str, str, Sequence[tuple[str, str]]]],
    about_rows: Iterable[dict],
    options: Options,
) -> dict:
    """Counts per About-you question, complete period and band (by its label)."""
    labels = {code: dict(bands) for code, _, bands in about_you}
    counts: dict = {
        code: defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
        for code in labels
    }
    for row in about_rows:
        period = complete_period(row, options)
        if row["question"] not in labels or period is None:
            continue
        band = labels[row["question"]].get(row["band"], "Not answered")
        for key, value in counts_of(row):
            counts[row["question"]][period][band][key] += value
    return counts


def breakdown(
    name: str, groups_by_period: dict, period: str, options: Options, tests: Tests
) -> dict:
    """One period by group (channel, offence type or band), small groups merged."""
    k = options.threshold
    raw = {
        group: cells(counts, name) for group, counts in groups_by_period[period].items()
    }
    mapping = disclosure.merge_small_groups({g: n for g, (_, n) in raw.items()}, k)
    merged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for group, (x, n) in raw.items():
        merged[mapping[group]][0] += x
        merged[mapping[group]][1] += n
    groups = sorted(merged, key=lambda group: (group == disclosure.OTHER, group))
    entry: dict = {"period": period, "groups": []}
    if len(groups) < 2:
        entry["groups"] = [
            estimate(group, *merged[group], options) | {"group": group}
            for group in groups
        ]
        return entry
    table = [[merged[g][0], merged[g][1] - merged[g][0]] for g in groups]
    for group, row_hidden in zip(groups, disclosure.suppress(table, k), strict=True):
        if any(row_hidden):
            entry["groups"].append({"group": group, "base": None, "suppressed": True})
        else:
            shown = estimate(group, *merged[group], options)
            entry["groups"].append({"group": group, **shown})
    if disclosure.can_test([cell for row in table for cell in row], k):
        test = tested(stats.chi_square(table)) | {"groups": len(groups)}
        entry["test"] = tests.add(test)
    else:
        entry["test"] = not_shown("some groups have too few responses for a test")
    return entry


def adjusted_trend(
    name: str, ordered: list[str], by_channel: dict, options: Options, tests: Tests
) -> dict:
    """The trend within channels, so a changing mix of channels is not taken for one."""
    strata, every_cell = [], []
    for channel in sorted({c for p in ordered for c in by_channel[p]}):
        # Each channel is scored by the periods it has responses in, on one scale.
        present = [
            (index + 1, *cells(by_channel[p][channel], name))
            for index, p in enumerate(ordered)
            if channel in by_channel[p]
        ]
        present = [(score, x, n) for score, x, n in present if n > 0]
        if len(present) >= 2:
            strata.append(
                (
                    [x for _, x, _ in present],
                    [n for _, _, n in present],
                    [score for score, _, _ in present],
                )
            )
            every_cell += [v for _, x, n in present for v in (x, n - x)]
    if not strata or not disclosure.can_test(every_cell, options.threshold):
        return not_shown("some channels have too few responses in some periods")
    trend = stats.stratified_cochran_armitage(strata)
    # Named as stratified even with one channel: the test is the same either way.
    return tests.add(
        tested(trend)
        | {
            "method": "stratified-cochran-armitage",
            "strata": len(strata),
            "direction": trend.direction,
        }
    )
