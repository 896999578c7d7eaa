"""A measure by group (channel, offence type, About-you band), and within channels.

Small groups are merged into "other" and the table's cells suppressed as the disclosure
rules say, before any percentage or test is shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from analysis import disclosure, populations, stats
from analysis.estimates import (
    POPULATION,
    Options,
    Tests,
    cells,
    complete_period,
    counts_of,
    estimate,
    nested_cells,
    not_shown,
    publishable,
    tested,
    too_few_periods,
)
from analysis.populations import Population


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
    codes: dict = defaultdict(set)
    for row in about_rows:
        period = complete_period(row, options)
        if row["question"] not in labels or period is None:
            continue
        band = labels[row["question"]].get(row["band"], "Not answered")
        for key, value in counts_of(row):
            counts[row["question"]][period][band][key] += value
        codes[row["question"], period, band].add(row["band"])
    # Each band's population: its question's answers among the codes it shows.
    for (question, period, band), found in codes.items():
        counts[question][period][band][POPULATION] = (
            period,
            Population(bands=((question, frozenset(found)),)),
        )
    return counts


def unrecorded(by_band: dict, period: str) -> set[str]:
    """The questions with no counts at all in a period whose others have some.

    Counts made before a question was counted (a release frozen before responses
    recorded their language, say) hold no row of it: its breakdown is "not
    recorded", never a table of no one. A period with no counts for any question
    has no responses, and is left to say so itself.
    """
    present = {code for code, by_period in by_band.items() if period in by_period}
    return set(by_band) - present if present else set()


def breakdown(
    name: str,
    groups_by_period: dict,
    period: str,
    options: Options,
    tests: Tests,
    within: str | None = None,
) -> dict:
    """One period by group (channel, offence type or band), small groups merged.

    `within` names a wider measure on the same base, published too: the cell between
    the two is protected with the others (docs/disclosure.md, measures on one base).
    """
    k = options.threshold
    merged = _merged(name, within, groups_by_period[period], options)
    groups = sorted(merged, key=lambda group: (group == disclosure.OTHER, group))
    entry: dict = {"period": period, "groups": []}
    if len(groups) < 2:
        # One group is the period itself. Hidden, it is left out, so that a period
        # with a few responses reads as one with none (a filter must not prove a
        # channel had none; docs/disclosure.md).
        shown = [estimate(group, *merged[group], options) for group in groups]
        entry["groups"] = [
            figure | {"group": group}
            for group, figure in zip(groups, shown, strict=True)
            if not figure["suppressed"]
        ]
        return entry
    # Every cell the groups' figures give away, the one between nested measures too.
    # A group whose figure may not be published (a base under the minimum for a
    # percentage) is hidden whole, its base too, with secondary suppression around it.
    table = [_partition(*merged[g]) for g in groups]
    unpublishable = [not publishable(*merged[g], options) for g in groups]
    hidden = disclosure.suppress(table, k, unpublishable)
    for group, row_hidden in zip(groups, hidden, strict=True):
        if any(row_hidden):
            entry["groups"].append({"group": group, "base": None, "suppressed": True})
        else:
            figure = estimate(group, *merged[group], options)
            entry["groups"].append({"group": group, **figure})
    # A test over groups some of which are hidden would say something of them.
    if not any(any(row) for row in hidden):
        counted = [[x, n - x] for x, n, _ in (merged[g] for g in groups)]
        test = tested(stats.chi_square(counted)) | {"groups": len(groups)}
        entry["test"] = tests.add(test)
    else:
        entry["test"] = not_shown("some groups have too few responses for a test")
    return entry


def _merged(
    name: str, within: str | None, groups: dict, options: Options
) -> dict[str, tuple[int, int, tuple[int, ...]]]:
    """Each published group's x, n and between-cells, small groups merged.

    Groups are merged on their counts and key sums, and only then published: "other"
    is a cell of its own, perturbed by its own cell key.
    """
    # Merged on their sizes as counted, withheld or not, as the ledgers merge them
    # (analysis.populations.published_views).
    counting = replace(options, withheld=None)
    sizes = {g: cells(counts, name, counting)[1] for g, counts in groups.items()}
    mapping = disclosure.merge_small_groups(sizes, options.threshold)
    merged: dict[str, dict] = {}
    members: dict[str, list] = defaultdict(list)
    for group, counts in groups.items():
        total = merged.setdefault(mapping[group], defaultdict(float))
        for key, value in counts_of(counts):
            total[key] += value
        if POPULATION in counts:
            members[mapping[group]].append(counts[POPULATION])
    for group, found in members.items():
        merged[group][POPULATION] = (
            found[0][0],
            populations.merged(population for _, population in found),
        )
    return {
        group: nested_cells(counts, name, within, options)
        for group, counts in merged.items()
    }


def _partition(x: int, n: int, others: tuple[int, ...]) -> list[int]:
    """The cells a group's base falls into once its figures are published.

    `others` ends with the complement n − x (estimates.nested_cells), which the
    cells before it and the rest make up.
    """
    between = others[:-1]
    return [x, *between, n - x - sum(between)]


def adjusted_trend(
    name: str,
    ordered: list[str],
    by_channel: dict,
    options: Options,
    tests: Tests,
    within: str | None = None,
) -> dict:
    """The trend within channels, so a changing mix of channels is not taken for one."""
    few = too_few_periods(len(ordered), options)
    if few is not None:
        return few
    strata, every_cell, hidden = [], [], []
    for channel in sorted({c for p in ordered for c in by_channel[p]}):
        # Each channel is scored by the periods it has responses in, on one scale.
        present = [
            (index + 1, *nested_cells(by_channel[p][channel], name, within, options))
            for index, p in enumerate(ordered)
            if channel in by_channel[p]
        ]
        present = [cell for cell in present if cell[2] > 0]
        if len(present) >= 2:
            strata.append(
                (
                    [x for _, x, _, _ in present],
                    [n for _, _, n, _ in present],
                    [score for score, _, _, _ in present],
                )
            )
            every_cell += [
                v for _, x, n, others in present for v in (x, n - x, *others)
            ]
            hidden += [
                (x, n, others)
                for _, x, n, others in present
                if not publishable(x, n, others, options)
            ]
    # Each channel's periods are published under its filter: a cell hidden there (a
    # base under the minimum for a percentage, say) must not come back from the test.
    if not strata or hidden or not disclosure.can_test(every_cell, options.threshold):
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
