"""The generated ptable: maximum entropy perturbations, split fairly over cell keys."""

import io
import math
from importlib import resources
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize

from analysis import perturbation, ptable
from analysis.perturbation import KEY_RANGE, LARGEST_PCV

# The committed table's parameters, as docs/disclosure.md gives them.
D, V, JS = 2, 1.0, 9
FILE = "ptable_d2_v1_js9.csv"
TABLE = perturbation.load_ptable(FILE)

# Other parameters the generator must handle: no threshold, a threshold the largest
# perturbation can jump (leaving gaps in the perturbations), more spread, less spread.
PARAMETERS = [(2, 1.0, 9), (2, 1.0, 0), (3, 1.0, 1), (3, 2.0, 9), (5, 3.0, 2)]
ROWS = [
    (d, v, js, count)
    for d, v, js in PARAMETERS
    # Every count from js + d + 1 up has the same perturbations as js + d + 1.
    for count in range(1, js + d + 3)
]


def mean_and_variance(chances):
    values = np.array(list(chances), dtype=float)
    p = np.array(list(chances.values()))
    return p @ values, p @ values**2


def entropy(p):
    return -sum(x * math.log(x) for x in p if x > 0)


@pytest.mark.parametrize(("d", "v", "js", "count"), ROWS)
def test_probabilities_sum_to_one(d, v, js, count):
    assert sum(ptable.probabilities(count, d, v, js).values()) == pytest.approx(1)


@pytest.mark.parametrize(("d", "v", "js", "count"), ROWS)
def test_above_the_threshold_the_mean_is_zero_and_the_variance_at_most_v(
    d, v, js, count
):
    if count <= js:
        return
    mean, variance = mean_and_variance(ptable.probabilities(count, d, v, js))
    assert mean == pytest.approx(0, abs=1e-12)
    assert variance <= v + 1e-12


@pytest.mark.parametrize(("d", "v", "js"), PARAMETERS)
def test_a_count_that_can_move_d_either_way_gets_variance_v(d, v, js):
    for count in (js + d + 1, js + d + 2, LARGEST_PCV):
        chances = ptable.probabilities(count, d, v, js)
        assert list(chances) == list(range(-d, d + 1))
        assert mean_and_variance(chances) == pytest.approx((0, v), abs=1e-12)


def test_where_variance_v_is_out_of_reach_it_is_relaxed_and_the_mean_stays_zero():
    # 11 may move by -1..+2 (not to 9): with mean 0 the variance is at most 1 × 2 = 2.
    mean, variance = mean_and_variance(ptable.probabilities(11, 2, 3.0, 9))
    assert mean == pytest.approx(0, abs=1e-12)
    assert variance < 2


@pytest.mark.parametrize(("d", "v", "js"), PARAMETERS)
def test_counts_up_to_js_are_published_as_zero(d, v, js):
    for count in range(1, js + 1):
        assert ptable.probabilities(count, d, v, js) == {-count: 1.0}


@pytest.mark.parametrize(("d", "v", "js", "count"), ROWS)
def test_no_perturbation_exceeds_d_goes_below_zero_or_lands_on_1_to_js(d, v, js, count):
    for change, chance in ptable.probabilities(count, d, v, js).items():
        if chance > 0 and count > js:
            assert abs(change) <= d
            assert count + change == 0 or count + change > js


def test_a_count_of_ten_that_can_only_go_up_is_left_as_it_is():
    # Neither 8 nor 9 may be published, and only "no change" has mean 0 on 0, 1, 2.
    assert ptable.probabilities(10, D, V, JS) == {0: 1.0, 1: 0.0, 2: 0.0}


def most_entropy_found_by_a_general_optimiser(values, v):
    """R's own formulation, solved directly over the probabilities by SLSQP."""
    x = np.array(values, dtype=float)
    zero = values.index(0)
    constraints = [
        {"type": "eq", "fun": lambda p: p.sum() - 1},
        {"type": "eq", "fun": lambda p: p @ x},
        {"type": "ineq", "fun": lambda p: v - p @ x**2},
        *({"type": "ineq", "fun": lambda p, j=j: p[j + 1] - p[j]} for j in range(zero)),
    ]
    result = optimize.minimize(
        lambda p: np.sum(p * np.log(p)),
        np.full(len(x), 1 / len(x)),
        method="SLSQP",
        bounds=[(1e-12, 1)] * len(x),
        constraints=constraints,
        options={"ftol": 1e-12, "maxiter": 1000},
    )
    # SLSQP may stop at its own precision without calling it success: check the point.
    p = result.x
    assert abs(p.sum() - 1) < 1e-8 and abs(p @ x) < 1e-8 and p @ x**2 < v + 1e-8
    assert np.all(np.diff(p[: zero + 1]) > -1e-8)
    return entropy(p)


@pytest.mark.parametrize(("d", "v", "js", "count"), ROWS)
def test_entropy_is_the_most_a_general_optimiser_finds(d, v, js, count):
    chances = ptable.probabilities(count, d, v, js)
    if min(chances) >= 0 or max(chances) <= 0:
        return
    reference = most_entropy_found_by_a_general_optimiser(list(chances), v)
    assert entropy(chances.values()) == pytest.approx(reference, abs=1e-9)


@pytest.mark.parametrize(("d", "v", "js", "count"), ROWS)
def test_moving_down_further_is_never_likelier_than_moving_down_less(d, v, js, count):
    chances = ptable.probabilities(count, d, v, js)
    downwards = [chance for change, chance in chances.items() if change <= 0]
    assert all(a <= b + 1e-12 for a, b in pairwise(downwards))


@pytest.mark.parametrize(("d", "v", "js"), PARAMETERS)
def test_a_large_count_gets_the_exponential_family_of_v_and_v_squared(d, v, js):
    # Maximum entropy with a mean and a variance: log p is a quadratic in v.
    chances = ptable.probabilities(LARGEST_PCV, d, v, js)
    values = np.array(list(chances), dtype=float)
    logs = np.log(list(chances.values()))
    fitted = np.polyval(np.polyfit(values, logs, 2), values)
    assert fitted == pytest.approx(logs, abs=1e-9)


def test_where_the_mono_rule_binds_moving_down_one_is_as_likely_as_no_change():
    chances = ptable.probabilities(11, D, V, JS)
    assert chances[-1] == pytest.approx(chances[0], abs=1e-12)


@pytest.mark.parametrize(("d", "v", "js", "count"), ROWS)
def test_every_cell_key_gets_exactly_one_perturbation(d, v, js, count):
    ranges = ptable.key_ranges(ptable.probabilities(count, d, v, js))
    keys = [key for first, last, _ in ranges for key in range(first, last + 1)]
    assert keys == list(range(KEY_RANGE))


@pytest.mark.parametrize(("d", "v", "js", "count"), ROWS)
def test_each_perturbation_gets_its_share_of_keys_within_one_key(d, v, js, count):
    chances = ptable.probabilities(count, d, v, js)
    keys = dict.fromkeys(chances, 0)
    for first, last, change in ptable.key_ranges(chances):
        keys[change] += last - first + 1
    for change, chance in chances.items():
        assert abs(keys[change] / KEY_RANGE - chance) <= 1 / KEY_RANGE


def test_committed_table_is_exactly_what_the_generator_writes():
    text = ptable.ptable_csv(D, V, JS)
    committed = resources.files("analysis").joinpath(FILE).read_bytes()
    assert text.encode("utf-8") == committed
    assert perturbation.read_ptable(io.StringIO(text)) == TABLE


def test_the_command_writes_the_table(capsys):
    ptable.main(["--d", "2", "--v", "1", "--js", "9"])
    assert capsys.readouterr().out == ptable.ptable_csv(D, V, JS)


@pytest.mark.parametrize(("d", "v", "js"), [(0, 1.0, 9), (2, 0.0, 9), (2, 1.0, -1)])
def test_parameters_that_make_no_table_are_refused(d, v, js):
    with pytest.raises(ValueError):
        ptable.ptable_csv(d, v, js)


@given(st.integers(0, 5000), st.integers(0, KEY_RANGE - 1))
def test_published_count_is_within_d_never_negative_and_never_1_to_js(count, key):
    published = perturbation.perturb(count, key, TABLE)
    assert published >= 0
    if count > JS:
        assert abs(published - count) <= D
        assert published > JS
    else:
        assert published == 0


@pytest.mark.parametrize("count", [JS + 1, JS + 2, JS + 3, 100, LARGEST_PCV, 4321])
def test_over_all_keys_the_mean_perturbation_is_within_d_over_256_of_zero(count):
    changes = [perturbation.perturbation(count, key, TABLE) for key in range(256)]
    assert abs(sum(changes) / KEY_RANGE) <= D / KEY_RANGE


@given(st.integers(JS + 2, 5000))
def test_the_published_count_depends_on_the_cell_key(count):
    published = {perturbation.perturb(count, key, TABLE) for key in range(KEY_RANGE)}
    assert published == set(range(count - D, count + D + 1)) - set(range(1, JS + 1))
