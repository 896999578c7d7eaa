"""Disclosure control for everything published: small counts never shown or derivable.

The rules (docs/privacy.md §3): a count below the threshold k is hidden, and so is its
complement; enough other cells are hidden that no hidden cell can be worked out from
the rest and the totals; published counts are rounded to 5; a percentage needs a base
of at least 50; a test is run only on cells that all pass the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

# The merged group of small groups: not a code any group can have (codes have no
# spaces), so a real group called "other" (an offence type, say) is never merged with
# the small groups, which its own filter would then give back.
OTHER = "small groups"


def round_count(n: int) -> int:
    """A count rounded to the nearest 5 for publication (halves go up)."""
    return 5 * ((int(n) + 2) // 5)


def shown_count(n: int, k: int) -> int | None:
    """A published (perturbed) count as shown: None when below the threshold."""
    return None if n < k else int(n)


def can_show_proportion(x: int, n: int, k: int, min_base: int) -> bool:
    """Whether x of n may be shown as a percentage.

    The base must reach `min_base`, and neither x nor n − x may be small: the
    percentage and the base together would give the small count away.
    """
    return n >= min_base and x >= k and n - x >= k


def can_test(cells: Iterable[int], k: int) -> bool:
    """Whether a test may use these cells: every one passes the threshold."""
    return all(cell >= k for cell in cells)


def merge_small_groups(totals: Mapping[str, int], k: int) -> dict[str, str]:
    """Which published group each group falls in: those under k become "other".

    A group of k or more is never put in "other", even when "other" stays under k: a
    filter publishes that group on its own, and "other" less it would give back the
    small groups exactly. An "other" under k is hidden by `suppress` instead.
    """
    return {name: (OTHER if n < k else name) for name, n in totals.items()}


def suppress(
    table: Sequence[Sequence[int]], k: int, rows_hidden: Sequence[bool] = ()
) -> list[list[bool]]:
    """Which cells of a table of counts to hide, its row and column totals being shown.

    Primary suppression hides every cell below k (zero included), and every cell of a
    row in `rows_hidden` (a group whose figure may not be published for another
    reason, such as a base under the minimum for a percentage). Secondary suppression
    then hides the smallest shown cell of any row or column left with a single hidden
    cell, and goes on until no hidden cell is determined by the shown cells and the
    totals.
    """
    rows, columns = len(table), len(table[0]) if table else 0
    whole = list(rows_hidden) + [False] * (rows - len(rows_hidden))
    hidden = [
        [whole[i] or table[i][j] < k for j in range(columns)] for i in range(rows)
    ]
    while True:
        changed = False
        for line in _lines(rows, columns):
            cells = [cell for cell in line if hidden[cell[0]][cell[1]]]
            if len(cells) == 1:
                changed |= _hide_smallest(table, hidden, line)
        if changed:
            continue
        determined = determined_cells(hidden)
        if not determined:
            return hidden
        i, j = determined[0]
        row = [(i, c) for c in range(columns)]
        column = [(r, j) for r in range(rows)]
        if not (
            _hide_smallest(table, hidden, row) or _hide_smallest(table, hidden, column)
        ):
            # Nothing left to hide around it: hide the whole table.
            return [[True] * columns for _ in range(rows)]


def _lines(rows: int, columns: int) -> list[list[tuple[int, int]]]:
    return [[(i, j) for j in range(columns)] for i in range(rows)] + [
        [(i, j) for i in range(rows)] for j in range(columns)
    ]


def _hide_smallest(table, hidden, line) -> bool:
    shown = [(table[i][j], i, j) for i, j in line if not hidden[i][j]]
    if not shown:
        return False
    _, i, j = min(shown)
    hidden[i][j] = True
    return True


def determined_cells(hidden: Sequence[Sequence[bool]]) -> list[tuple[int, int]]:
    """Hidden cells whose value follows from the shown cells, row and column totals.

    Each row and column total gives one linear equation in the hidden cells of that
    line; a hidden cell is determined exactly when its unit vector lies in the span of
    those equations.
    """
    unknowns = [
        (i, j) for i, row in enumerate(hidden) for j, cell in enumerate(row) if cell
    ]
    if not unknowns:
        return []
    position = {cell: index for index, cell in enumerate(unknowns)}
    rows, columns = len(hidden), len(hidden[0])
    equations = []
    for line in _lines(rows, columns):
        equation = np.zeros(len(unknowns))
        for cell in line:
            if cell in position:
                equation[position[cell]] = 1
        if equation.any():
            equations.append(equation)
    system = np.array(equations)
    rank = np.linalg.matrix_rank(system)
    found = []
    for cell, index in position.items():
        unit = np.zeros(len(unknowns))
        unit[index] = 1
        if np.linalg.matrix_rank(np.vstack([system, unit])) == rank:
            found.append(cell)
    return found


def release_in_batches(groups: Sequence[tuple[str, int]], k: int) -> list[dict]:
    """Periods pooled into batches of at least k free-text answers, oldest first.

    `groups` are complete periods in order, each with how many answers it holds.
    Periods are pooled from the oldest until they hold k answers; the periods after
    the last full batch wait for later ones. Each batch is shown as a whole, its
    answers in alphabetical order, so nothing tells when or where one came from.
    """
    batches, pending, first, last = [], 0, None, None
    for period, count in groups:
        if not count:
            continue
        first, last = first or period, period
        pending += count
        if pending >= k:
            batches.append({"first": first, "last": last, "count": pending})
            pending, first = 0, None
    return batches
