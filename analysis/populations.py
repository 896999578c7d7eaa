"""Populations: the sets of responses behind published views, and the "no slivers" rule.

A view's population is the set of responses its figures are counted from: a period
of one release's revision, narrowed by the filters (channel, offence type) and, for a
row of a breakdown, by its group (a channel, an offence type, an About-you band, or
the merged small groups). Cell keys give the same set the same numbers and nearly any
other set other numbers, so two published views whose populations differ by a few
people give those people's answers back, cell by cell. The rule (docs/disclosure.md,
populations): for any two published populations, the number of responses in one and
not in the other is 0 or at least k.

A population is named by a predicate on a response's channel, offence type and
About-you bands; its size, and its overlap with another, come from the counts of the
release's months by those (a release's atoms, survey/ledger.py). Snapshots nest: a
release made later holds every response an earlier one held for the same weeks
(responses are only ever deleted whole weeks at a time by a purge, and no period a
purge has cut into is released again), so two releases share, of any predicate, as
many responses as the one with fewer holds.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# channels, offence types, and an About-you question's band codes: each None for any.
Band = tuple[str, frozenset[str]]


@dataclass(frozen=True)
class Population:
    """A predicate on responses: channel in `channels`, offence in `offences`, and
    for each (question, codes) in `bands`, that question's band among the codes.

    None is "any". The populations of published views have at most one band; the
    overlap of two of them may have two.
    """

    channels: frozenset[str] | None = None
    offences: frozenset[str] | None = None
    bands: tuple[Band, ...] = ()

    @property
    def key(self) -> str:
        """The population's name as ledgers and reports store it."""
        return json.dumps(
            [
                None if self.channels is None else sorted(self.channels),
                None if self.offences is None else sorted(self.offences),
                [[q, sorted(codes)] for q, codes in self.bands],
            ],
            separators=(",", ":"),
        )

    @classmethod
    def from_key(cls, key: str) -> Population:
        channels, offences, bands = json.loads(key)
        return cls(
            None if channels is None else frozenset(channels),
            None if offences is None else frozenset(offences),
            tuple((q, frozenset(codes)) for q, codes in bands),
        )

    def describe(self) -> str:
        """The population in words, for the ledger's reasons and the audit."""
        parts = []
        if self.channels is not None:
            parts.append("channel " + " or ".join(sorted(self.channels)))
        if self.offences is not None:
            parts.append(
                "offence type "
                + " or ".join(sorted(o or "not given" for o in self.offences))
            )
        parts += [
            f"{q} {' or '.join(sorted(c or 'not answered' for c in codes))}"
            for q, codes in self.bands
        ]
        return ", ".join(parts) or "everyone"

    def narrowness(self) -> int:
        return (
            (self.channels is not None) + (self.offences is not None) + len(self.bands)
        )


def view(channel: str = "", offence: str = "") -> Population:
    """The population of a report with these filters ("" for none)."""
    return Population(
        frozenset([channel]) if channel else None,
        frozenset([offence]) if offence else None,
    )


def merged(populations: Iterable[Population]) -> Population:
    """The population of a merged group: the union of groups that differ in one way
    (channel, offence type or one question's band) and agree in the rest."""
    members = list(populations)
    first = members[0]
    if len(members) == 1:
        return first

    def union(values):
        sets = [v for v in values]
        if any(v is None for v in sets):
            return None
        return frozenset().union(*sets)

    bands: tuple[Band, ...] = ()
    if first.bands:
        question = first.bands[0][0]
        bands = ((question, union(p.bands[0][1] for p in members)),)
    return Population(
        union(p.channels for p in members), union(p.offences for p in members), bands
    )


def _meet(a: frozenset[str] | None, b: frozenset[str] | None):
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def overlap(a: Population, b: Population) -> Population | None:
    """The predicate of responses in both, or None when no response can be in both."""
    channels, offences = _meet(a.channels, b.channels), _meet(a.offences, b.offences)
    if channels is not None and not channels or offences is not None and not offences:
        return None
    bands: dict[str, frozenset[str]] = {}
    for question, codes in (*a.bands, *b.bands):
        bands[question] = bands[question] & codes if question in bands else codes
        if not bands[question]:
            return None
    return Population(channels, offences, tuple(sorted(bands.items())))


@dataclass
class Atoms:
    """One release's counts of responses for one month, by what populations use.

    `co`: by channel and offence type; `cob`: by channel, offence type and one
    question's band; `bb`: by the bands of two questions (the first before the
    second in `order`).
    """

    co: dict[tuple[str, str], int] = field(default_factory=dict)
    cob: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    bb: dict[tuple[str, str, str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_band: dict = defaultdict(dict)
        for (c, o, q, b), n in self.cob.items():
            by_band[q, b][c, o] = n
        self._by_band = by_band

    def to_json(self) -> dict:
        return {
            "co": [[*k, n] for k, n in sorted(self.co.items())],
            "cob": [[*k, n] for k, n in sorted(self.cob.items())],
            "bb": [[*k, n] for k, n in sorted(self.bb.items())],
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Atoms:
        return cls(
            {(c, o): n for c, o, n in data["co"]},
            {(c, o, q, b): n for c, o, q, b, n in data["cob"]},
            {(q1, b1, q2, b2): n for q1, b1, q2, b2, n in data["bb"]},
        )

    def size(self, population: Population) -> int:
        """How many of this month's responses the predicate holds."""
        channels, offences = population.channels, population.offences

        def wanted(cells: Mapping[tuple[str, str], int]) -> int:
            return sum(
                n
                for (c, o), n in cells.items()
                if (channels is None or c in channels)
                and (offences is None or o in offences)
            )

        if not population.bands:
            return wanted(self.co)
        if len(population.bands) == 1:
            question, codes = population.bands[0]
            return sum(wanted(self._by_band.get((question, b), {})) for b in codes)
        if len(population.bands) == 2 and channels is None and offences is None:
            (q1, codes1), (q2, codes2) = population.bands
            return sum(
                n
                for (a, b1, c, b2), n in self.bb.items()
                if (a, c) == (q1, q2)
                and b1 in codes1
                and b2 in codes2
                or (a, c) == (q2, q1)
                and b1 in codes2
                and b2 in codes1
            )
        raise ValueError(f"no counts for the overlap {population.describe()}")


class Snapshot:
    """A release's months' atoms, with the sizes it is asked for kept."""

    def __init__(self, months: Mapping[str, Atoms]) -> None:
        self.months = dict(months)
        self._sizes: dict = {}

    def size(self, population: Population, months: Sequence[str] | None = None) -> int:
        chosen = tuple(sorted(self.months if months is None else months))
        found = self._sizes.get((population, chosen))
        if found is None:
            found = sum(
                self.months[m].size(population) for m in chosen if m in self.months
            )
            self._sizes[population, chosen] = found
        return found


def sliver(difference: int, k: int) -> bool:
    """Whether a difference between two populations breaks the rule: 1 to k − 1."""
    return 0 < difference < k


def differences(
    a: Population, a_snapshot: Snapshot, b: Population, b_snapshot: Snapshot
) -> tuple[int, int]:
    """How many responses are in a and not b, and in b and not a.

    Over the months both releases hold; a's and b's sizes over their own months.
    Snapshots nest, so the responses in both are as many as the smaller count of
    the overlap's predicate in either release.
    """
    size_a, size_b = a_snapshot.size(a), b_snapshot.size(b)
    common = overlap(a, b)
    if common is None:
        return size_a, size_b
    months = sorted(set(a_snapshot.months) & set(b_snapshot.months))
    both = min(a_snapshot.size(common, months), b_snapshot.size(common, months))
    return size_a - both, size_b - both


def published_views(
    measure_rows: Sequence[Mapping],
    about_rows: Sequence[Mapping],
    spec,
    options,
) -> set[Population]:
    """Every population a report may publish from one release's counts.

    Each filter (none, a channel, an offence type, both) is a view; within it each
    breakdown's groups (channels, offence types and, with no filter, each About-you
    question's bands), and for each measure the merged small groups, as
    analysis.breakdowns merges them. Sizes are not looked at here: a population of
    fewer than k publishes nothing, and the ledger leaves it out.
    """
    from analysis import disclosure  # here: analysis.estimates imports nothing of ours
    from analysis.estimates import cells, counts_of

    def added(rows: Iterable[Mapping], by: str) -> dict[str, dict]:
        groups: dict[str, dict] = defaultdict(lambda: defaultdict(float))
        for row in rows:
            for name, value in counts_of(dict(row)):
                groups[row[by]][name] += value
        return groups

    def with_merged(groups: dict[str, dict], make) -> set[Population]:
        found = {make(frozenset([g])) for g in groups}
        for measure in spec.measures:
            sizes = {g: cells(c, measure.name, options)[1] for g, c in groups.items()}
            mapping = disclosure.merge_small_groups(sizes, options.threshold)
            small = frozenset(g for g, to in mapping.items() if to == disclosure.OTHER)
            if small:
                found.add(make(small))
        return found

    found: set[Population] = set()
    channels = sorted({row["channel"] for row in measure_rows})
    offences = sorted({row["offence"] for row in measure_rows})
    pairs = sorted({(row["channel"], row["offence"]) for row in measure_rows})
    filters = [("", None)] + [(c, None) for c in channels]
    filters += [("", o) for o in offences] + list(pairs)
    for channel, offence in filters:
        rows = [
            row
            for row in measure_rows
            if (not channel or row["channel"] == channel)
            and (offence is None or row["offence"] == offence)
        ]
        fixed_o = None if offence is None else frozenset([offence])
        fixed_c = frozenset([channel]) if channel else None
        found.add(Population(fixed_c, fixed_o))
        if not channel:
            found |= with_merged(
                added(rows, "channel"), lambda cs, o=fixed_o: Population(cs, o)
            )
        if offence is None:
            found |= with_merged(
                added(rows, "offence"), lambda os, c=fixed_c: Population(c, os)
            )
    for question, _, bands in spec.about_you:
        labels = dict(bands)
        rows = [row for row in about_rows if row["question"] == question]
        by_label: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            by_label[labels.get(row["band"], "Not answered")].add(row["band"])
        groups = {
            label: added([r for r in rows if r["band"] in codes], "question").get(
                question, {}
            )
            for label, codes in by_label.items()
        }
        codes_of = {label: frozenset(codes) for label, codes in by_label.items()}

        def band(labels_: frozenset[str], q=question, of=codes_of) -> Population:
            return Population(
                bands=((q, frozenset().union(*(of[x] for x in labels_))),)
            )

        found |= with_merged(groups, band)
    return found


def decide(
    populations: Iterable[Population],
    snapshot: Snapshot,
    earlier: Sequence[tuple[str, Sequence[Population], Snapshot]],
    k: int,
) -> tuple[dict[Population, str], int]:
    """Which of a new release's populations to withhold, and how many pairs were
    checked.

    `earlier` is every release stored before it whose months meet its own, each with
    a label and its published populations. A population that differs from one of
    those by 1 to k − 1 is withheld (what is published stays published). Then, two of
    the new release's own that differ so: the narrower is withheld (the smaller; at
    equal size the one with more conditions), so a channel holding all but a few of
    a period goes, not the period.
    """
    mine = sorted(
        (p for p in populations if snapshot.size(p) >= k),
        key=lambda p: (snapshot.size(p), p.narrowness(), p.key),
    )
    withheld: dict[Population, str] = {}
    pairs = 0
    for label, theirs, other in earlier:
        shared = set(snapshot.months) & set(other.months)
        if not shared:
            continue
        for a in mine:
            if a in withheld:
                continue
            for b in theirs:
                pairs += 1
                one, two = differences(a, snapshot, b, other)
                if sliver(one, k) or sliver(two, k):
                    withheld[a] = (
                        f"differs by {one if sliver(one, k) else two} response(s) "
                        f"from {b.describe()} in {label}"
                    )
                    break
    for i, a in enumerate(mine):
        for b in mine[i + 1 :]:
            pairs += 1
            if a in withheld or b in withheld:
                continue
            one, two = differences(a, snapshot, b, snapshot)
            if sliver(one, k) or sliver(two, k):
                # `mine` is narrowest first: a is the narrower of the two.
                withheld[a] = (
                    f"differs by {one if sliver(one, k) else two} response(s) "
                    f"from {b.describe()} in the same release"
                )
    return withheld, pairs


def broken_pairs(
    ledgers: Sequence[tuple[str, Sequence[Population], Snapshot]], k: int
) -> tuple[int, list[str]]:
    """Every pair of published populations across the ledgers (each ledger with
    itself too), how many were checked and a line for each that breaks the rule."""
    pairs, broken = 0, []
    for i, (label_a, pops_a, snap_a) in enumerate(ledgers):
        for label_b, pops_b, snap_b in ledgers[i:]:
            same = snap_a is snap_b
            if not same and not set(snap_a.months) & set(snap_b.months):
                pairs += len(pops_a) * len(pops_b)
                continue
            for x, a in enumerate(pops_a):
                for b in pops_b[x + 1 :] if same else pops_b:
                    pairs += 1
                    one, two = differences(a, snap_a, b, snap_b)
                    if sliver(one, k) or sliver(two, k):
                        broken.append(
                            f"{label_a} {a.describe()} and {label_b} {b.describe()}: "
                            f"{one} and {two} response(s) in one and not the other"
                        )
    return pairs, broken
