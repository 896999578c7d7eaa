"""A perturbation table whose perturbation depends on the cell key, by maximum entropy.

The method of R's `ptable` package (Enderle, Giessing and Tent, Destatis; after the
Australian Bureau of Statistics): for each true count i, a distribution over the
perturbations v that may be added to it, with

- |v| at most D, and no published count below 0;
- no published count from 1 to js (the threshold: counts 1..js themselves publish 0);
- mean 0 (no bias) and variance at most V;
- probabilities that do not fall as v rises towards 0 from below (R's "mono" rule:
  moving a count down by 2 is never likelier than moving it down by 1);
- and, among those, the largest entropy: the least informative distribution, so a
  published count says as little as it can about the true one.

Where the mono rule does not bind, the answer is p(v) ∝ exp(λ1·v + λ2·v²).
Each distribution is then cut into cell key ranges: the 256 keys split in proportion
to its probabilities. `python -m analysis.ptable --d 2 --v 1 --js 9` writes the table
as CSV in the form `perturbation.read_ptable` reads. See docs/disclosure.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from functools import cache

import numpy as np
from scipy import optimize, special

from analysis.perturbation import KEY_RANGE, LARGEST_PCV


def perturbations(count: int, d: int, js: int) -> tuple[int, ...]:
    """The perturbations a count may get: within ±d, never to below 0 or to 1..js."""
    if count <= js:
        # The threshold: a count from 1 to js is published as 0, whatever its key.
        return (-count,)
    return tuple(v for v in range(max(-d, -count), d + 1) if not 1 <= count + v <= js)


def probabilities(count: int, d: int, v: float, js: int) -> dict[int, float]:
    """Each perturbation of a count and its chance: most entropy, mean 0, var ≤ v."""
    return dict(_max_entropy(perturbations(count, d, js), v))


@cache
def _max_entropy(
    values: tuple[int, ...], variance: float
) -> tuple[tuple[int, float], ...]:
    """Maximise entropy over `values` with mean 0, variance ≤ `variance`, R's mono rule.

    Solved through the dual, a smooth convex problem in one multiplier per constraint:
    p(v) ∝ exp(−Σ μk·gk(v)), where gk(v) is v for the mean (μ free), v² for the
    variance (μ ≥ 0: when a spread below `variance` already maximises entropy, as for
    some small counts, μ is 0 and the variance comes out lower, as in R's ptable), and
    1[v = a] − 1[v = b] for each neighbouring pair a < b ≤ 0 (μ ≥ 0).
    """
    if min(values) >= 0 or max(values) <= 0:
        # Only one distribution has mean 0 here: leave the count as it is (or, below
        # the threshold, publish it as 0).
        return tuple(
            (value, 1.0 if len(values) == 1 or value == 0 else 0.0) for value in values
        )
    v = np.array(values, dtype=float)
    zero = values.index(0)
    mono = [np.eye(len(v))[j] - np.eye(len(v))[j + 1] for j in range(zero)]
    g = np.column_stack([v, v**2, *mono])
    b = np.array([0.0, variance] + [0.0] * len(mono))

    def dual(mu: np.ndarray) -> tuple[float, np.ndarray]:
        p = special.softmax(-g @ mu)
        return special.logsumexp(-g @ mu) + mu @ b, b - p @ g

    bounds = [(None, None)] + [(0, None)] * (g.shape[1] - 1)
    result = optimize.minimize(
        dual,
        np.zeros(g.shape[1]),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 0, "gtol": 1e-13, "maxiter": 10_000},
    )
    # L-BFGS-B can leave the constraints 1e-8 out; a root finder with the exact
    # Jacobian, on those it found binding (the mean, and those whose multiplier is above
    # 0), finishes the job. The checks below are then the optimality conditions.
    mu = result.x.copy()
    binding = np.flatnonzero((mu > 0) | (np.arange(len(mu)) == 0))

    def residuals(mu_binding: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mu[binding] = mu_binding
        p = special.softmax(-g @ mu)
        gb = g[:, binding]
        spread = (gb * p[:, None]).T @ gb - np.outer(p @ gb, p @ gb)
        return b[binding] - p @ gb, spread

    polished = optimize.root(residuals, mu[binding], jac=True, method="hybr")
    unmet, _ = residuals(polished.x)
    p = special.softmax(-g @ mu)
    if (
        np.any(abs(unmet) > 1e-12)
        or p @ v**2 > variance + 1e-12
        or np.any(np.diff(p[: zero + 1]) < -1e-12)
        or np.any(mu[1:] < 0)
    ):
        raise ArithmeticError(f"no maximum entropy solution for {values}: {result}")
    return tuple(zip(values, p.tolist(), strict=True))


def key_ranges(chances: dict[int, float]) -> list[tuple[int, int, int]]:
    """Cell keys (first, last, perturbation) split in proportion to the chances.

    The cumulative chances are rounded to whole keys, so every key gets exactly one
    perturbation and each perturbation's share of the 256 keys is within 1/256 of its
    chance; one too unlikely to earn a key gets none.
    """
    ranges, first, cumulative = [], 0, 0.0
    for pvalue, chance in sorted(chances.items()):
        cumulative += chance
        end = min(KEY_RANGE, round(cumulative * KEY_RANGE))
        if end > first:
            ranges.append((first, end - 1, pvalue))
            first = end
    # Rounding error in the sum must not leave the last keys without a perturbation.
    last_first, _, last_pvalue = ranges[-1]
    ranges[-1] = (last_first, KEY_RANGE - 1, last_pvalue)
    return ranges


def ptable_csv(d: int, v: float, js: int) -> str:
    """The whole ptable, pcv 1..750, as CSV rows `pcv, ckey_from, ckey_to, pvalue`."""
    if d < 1 or v <= 0 or js < 0:
        raise ValueError(f"need d ≥ 1, v > 0 and js ≥ 0: d={d}, v={v}, js={js}")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["pcv", "ckey_from", "ckey_to", "pvalue"])
    for pcv in range(1, LARGEST_PCV + 1):
        for first, last, pvalue in key_ranges(probabilities(pcv, d, v, js)):
            writer.writerow([pcv, first, last, pvalue])
    return text.getvalue()


def main(argv: list[str] | None = None) -> None:
    """`python -m analysis.ptable --d 2 --v 1 --js 9`: the ptable as CSV on stdout."""
    parser = argparse.ArgumentParser(prog="python -m analysis.ptable")
    parser.add_argument("--d", type=int, required=True, help="largest perturbation")
    parser.add_argument("--v", type=float, required=True, help="its variance")
    parser.add_argument(
        "--js", type=int, default=9, help="counts 1..js publish 0 (default 9)"
    )
    args = parser.parse_args(argv)
    sys.stdout.write(ptable_csv(args.d, args.v, args.js))


if __name__ == "__main__":
    main()
