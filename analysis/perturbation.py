"""Cell key perturbation: a cell's published count from its true count and its cell key.

ONS's method, as its cell-key-perturbation package (3.1.0) applies it: every response
keeps a random record key from 0 to 255; a cell's key is the sum of its responses'
record keys modulo 256; a perturbation table (ptable) says, for each count (its pcv,
1 to 750) and each cell key, what is added to the count. The same responses always
make the same cell key, so a cell is published the same way in every table that holds
it. The method and its parameters are in docs/disclosure.md.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import cast

# Record keys and cell keys are 0..255, as in ONS's package and its ptable.
KEY_RANGE = 256
# A ptable has rows for counts 1 to 750; larger counts reuse rows 501 to 750 in turn
# (751 uses 501, 1001 uses 501 again), so the table stays small.
LARGEST_PCV = 750
REUSED_ROWS = 250
# ONS's ptable for the 10-5 rule, from the package's data/ptable_10_5_rule.csv with
# runs of cell keys that share a perturbation written as one row (ckey_from, ckey_to).
# Kept for comparison: it is deterministic rounding, whatever the cell key.
PTABLE_FILE = "ptable_10_5_rule.csv"
# The ptable every published count goes through: made by analysis.ptable with D = 2,
# V = 1 and js = 9, for the threshold k = 10 (docs/disclosure.md, parameters chosen).
KEYED_PTABLE_FILE = "ptable_d2_v1_js9.csv"
KEYED_D, KEYED_V = 2, 1.0  # the keyed ptable's largest move and its variance
DEFAULT_THRESHOLD = 10


@dataclass(frozen=True)
class Ptable:
    """A perturbation table: for each pcv 1..750, the perturbation for each cell key."""

    pvalues: Mapping[int, tuple[int, ...]]


def read_ptable(lines: Iterable[str]) -> Ptable:
    """A ptable from ONS's CSV (pcv, ckey, pvalue), or with ckey_from–ckey_to runs."""
    table: dict[int, list[int | None]] = {}
    for row in csv.DictReader(lines):
        row_pcv, pvalue = int(row["pcv"]), int(row["pvalue"])
        first = int(row["ckey_from"] if "ckey_from" in row else row["ckey"])
        last = int(row["ckey_to"] if "ckey_to" in row else row["ckey"])
        if not 1 <= row_pcv <= LARGEST_PCV or not 0 <= first <= last < KEY_RANGE:
            raise ValueError(f"ptable row out of range: {row}")
        # A perturbation may take a count to 0, never below it.
        if row_pcv + pvalue < 0:
            raise ValueError(f"ptable row would publish a negative count: {row}")
        keys = table.setdefault(row_pcv, [None] * KEY_RANGE)
        keys[first : last + 1] = [pvalue] * (last - first + 1)
    for row_pcv in range(1, LARGEST_PCV + 1):
        if None in table.get(row_pcv, [None]):
            raise ValueError(f"ptable lacks a perturbation for pcv {row_pcv}")
    # Every key of every pcv has its perturbation now (checked above).
    return Ptable(
        {
            row_pcv: tuple(cast(list[int], keys))
            for row_pcv, keys in sorted(table.items())
        }
    )


def load_ptable(name: str = PTABLE_FILE) -> Ptable:
    """A ptable shipped in this package, by file name."""
    with resources.files(__package__).joinpath(name).open(encoding="utf-8") as f:
        return read_ptable(f)


PTABLE = load_ptable(KEYED_PTABLE_FILE)


@cache
def ptable_for(threshold: int) -> Ptable:
    """The ptable for a threshold k: no count from 1 to k − 1 is ever published.

    The shipped table is for k = 10; another k gets a table made the same way, with
    js = k − 1, so that a published count is at least k exactly when the true one is.
    """
    if threshold == DEFAULT_THRESHOLD:
        return PTABLE
    from analysis import ptable  # here: it imports this module

    made = ptable.ptable_csv(KEYED_D, KEYED_V, js=threshold - 1)
    return read_ptable(made.splitlines())


def cell_key(record_key_sum: int) -> int:
    """A cell's key from the sum of its responses' record keys (modulo 256)."""
    return int(record_key_sum) % KEY_RANGE


def pcv(count: int) -> int:
    """The ptable row a count uses: the count itself up to 750, then 501–750 again."""
    if count <= LARGEST_PCV:
        return count
    return (count - 1) % REUSED_ROWS + LARGEST_PCV - REUSED_ROWS + 1


def perturbation(count: int, key: int, ptable: Ptable = PTABLE) -> int:
    """What the ptable adds to a cell of `count` responses whose cell key is `key`."""
    if count < 0:
        raise ValueError(f"a count cannot be negative: {count}")
    if not 0 <= key < KEY_RANGE:
        raise ValueError(f"a cell key is 0 to {KEY_RANGE - 1}: {key}")
    # An empty cell has no row in a ptable (ONS's left join finds none and adds 0).
    if count == 0:
        return 0
    return ptable.pvalues[pcv(count)][key]


def perturb(count: int, key: int, ptable: Ptable = PTABLE) -> int:
    """A cell's count as published: its true count plus its perturbation."""
    return count + perturbation(count, key, ptable)


def perturbed(counts: Mapping, name: str, ptable: Ptable = PTABLE) -> int:
    """The published value of the count `name` among a group's counts.

    Its cell key comes from `<name>.key`, the sum of the record keys of the responses
    it counts: a count without one cannot be published (an empty count needs none).
    """
    count = int(counts.get(name, 0))
    if count == 0:
        return 0
    key_sum = counts.get(f"{name}.key")
    if key_sum is None:
        raise KeyError(f"{name} has no record keys to perturb it by")
    return perturb(count, cell_key(key_sum), ptable)


def distribution(count: int, ptable: Ptable = PTABLE) -> dict[int, float]:
    """Each perturbation a count can get, with its chance when cell keys are uniform."""
    if count == 0:
        return {0: 1.0}
    shares = Counter(ptable.pvalues[pcv(count)])
    return {pvalue: n / KEY_RANGE for pvalue, n in sorted(shares.items())}
