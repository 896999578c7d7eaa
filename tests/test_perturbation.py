"""Cell key perturbation: the same cell publishes the same count, as the ptable says."""

import csv
import io
import random
from importlib import metadata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import chisquare

from analysis import disclosure, perturbation
from analysis.perturbation import KEY_RANGE

# ONS's 10-5 table, kept beside the table in use for comparison.
TEN_FIVE = perturbation.load_ptable(perturbation.PTABLE_FILE)

counts = st.integers(0, 5000)
keys = st.integers(0, KEY_RANGE - 1)


def ons_ptable_rows():
    """The rows of the ptable ONS ships in cell-key-perturbation, read from its file."""
    dist = metadata.distribution("cell-key-perturbation")
    [path] = [f for f in dist.files if f.name == "ptable_10_5_rule.csv"]
    with open(dist.locate_file(path), newline="") as handle:
        return [
            (int(row["pcv"]), int(row["ckey"]), int(row["pvalue"]))
            for row in csv.DictReader(handle)
        ]


def test_shipped_ptable_is_the_one_ons_ships():
    rows = ons_ptable_rows()
    assert len(rows) == perturbation.LARGEST_PCV * KEY_RANGE
    assert all(TEN_FIVE.pvalues[pcv][ckey] == pvalue for pcv, ckey, pvalue in rows)
    ons = perturbation.read_ptable(
        ["pcv,ckey,pvalue\n", *(f"{p},{c},{v}\n" for p, c, v in rows)]
    )
    assert ons == TEN_FIVE


def test_ten_five_rule_removes_small_counts_and_rounds_the_rest_to_five():
    published = {
        n: {perturbation.perturb(n, key, TEN_FIVE) for key in range(KEY_RANGE)}
        for n in range(0, 30)
    }
    assert published == {
        n: {0} if n < 10 else {disclosure.round_count(n)} for n in range(0, 30)
    }
    assert published[12] == {10} and published[13] == {15}


def test_cell_key_is_the_sum_of_record_keys_modulo_256():
    assert perturbation.cell_key(0) == 0
    assert perturbation.cell_key(255) == 255
    assert perturbation.cell_key(256) == 0
    assert perturbation.cell_key(200 + 100 + 7) == 51


def test_counts_above_750_reuse_rows_501_to_750():
    rows = {n: perturbation.pcv(n) for n in (1, 750, 751, 1000, 1001, 1250)}
    assert rows == {1: 1, 750: 750, 751: 501, 1000: 750, 1001: 501, 1250: 750}


def test_an_empty_cell_publishes_zero():
    assert all(perturbation.perturb(0, key) == 0 for key in range(KEY_RANGE))


@pytest.mark.parametrize(("count", "key"), [(-1, 0), (5, -1), (5, KEY_RANGE)])
def test_impossible_counts_and_keys_are_refused(count, key):
    with pytest.raises(ValueError):
        perturbation.perturb(count, key)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("pcv,ckey,pvalue\n1,0,-2\n", "negative"),
        ("pcv,ckey,pvalue\n751,0,0\n", "out of range"),
        ("pcv,ckey,pvalue\n1,256,0\n", "out of range"),
        ("pcv,ckey_from,ckey_to,pvalue\n1,0,254,0\n", "lacks"),
    ],
)
def test_a_ptable_that_is_incomplete_or_unsafe_is_refused(text, problem):
    with pytest.raises(ValueError, match=problem):
        perturbation.read_ptable(io.StringIO(text))


@given(counts, keys)
def test_same_count_and_key_give_the_same_published_count(count, key):
    assert perturbation.perturb(count, key) == perturbation.perturb(count, key)


@given(counts, keys)
def test_published_count_is_never_negative(count, key):
    assert perturbation.perturb(count, key) >= 0


@given(st.integers(0, 9), keys)
def test_counts_below_ten_are_published_as_zero(count, key):
    assert perturbation.perturb(count, key) == 0


@given(st.integers(10, 5000), keys)
def test_ons_table_moves_larger_counts_at_most_two_to_a_multiple_of_five(count, key):
    published = perturbation.perturb(count, key, TEN_FIVE)
    assert published % 5 == 0 and abs(published - count) <= 2


@given(st.integers(10, 5000), keys)
def test_larger_counts_move_at_most_two_and_stay_at_ten_or_more(count, key):
    published = perturbation.perturb(count, key)
    assert abs(published - count) <= 2 and published >= 10


def test_the_table_in_use_depends_on_the_cell_key():
    # The 10-5 table is rounding whatever the key; the one in use is not.
    assert len({perturbation.perturb(500, key) for key in range(KEY_RANGE)}) == 5
    assert perturbation.load_ptable("ptable_d2_v1_js9.csv") == perturbation.PTABLE


@pytest.mark.parametrize("threshold", [5, 10, 12])
def test_the_ptable_for_a_threshold_publishes_k_or_more_exactly_from_k(threshold):
    table = perturbation.ptable_for(threshold)
    for count in range(0, 40):
        published = {perturbation.perturb(count, k, table) for k in range(KEY_RANGE)}
        if count < threshold:
            assert published == {0}, count
        else:
            assert min(published) >= threshold, count


def test_a_count_without_record_keys_cannot_be_published():
    with pytest.raises(KeyError, match="no record keys"):
        perturbation.perturbed({"responses": 12}, "responses")
    assert perturbation.perturbed({"responses": 0}, "responses") == 0
    counts = {"responses": 500, "responses.key": 256 * 3 + 40}
    assert perturbation.perturbed(counts, "responses") == perturbation.perturb(500, 40)


@given(counts, keys)
def test_perturbation_is_one_the_ptable_gives_that_count(count, key):
    assert perturbation.perturbation(count, key) in perturbation.distribution(count)


# A ptable whose perturbation depends on the cell key, as a real one would: each count
# of 2 or more moves by -1, 0 or +1 with chances 1/4, 1/2 and 1/4; a count of 1 moves
# to 0 or stays, half and half.
RANDOM_PTABLE = perturbation.read_ptable(
    io.StringIO(
        "pcv,ckey_from,ckey_to,pvalue\n"
        "1,0,127,-1\n1,128,255,0\n"
        + "".join(f"{n},0,63,-1\n{n},64,191,0\n{n},192,255,1\n" for n in range(2, 751))
    )
)


def test_perturbations_over_random_record_keys_follow_the_ptable():
    rng = random.Random(12)
    for count in (1, 2, 7, 30, 900):
        observed = {
            pvalue: 0 for pvalue in perturbation.distribution(count, RANDOM_PTABLE)
        }
        cells = 4000
        for _ in range(cells):
            record_keys = [rng.randrange(KEY_RANGE) for _ in range(count)]
            key = perturbation.cell_key(sum(record_keys))
            observed[perturbation.perturbation(count, key, RANDOM_PTABLE)] += 1
        expected = perturbation.distribution(count, RANDOM_PTABLE)
        result = chisquare(
            list(observed.values()), [cells * expected[p] for p in observed]
        )
        assert result.pvalue > 0.001, (count, observed)


def test_cell_keys_from_random_record_keys_are_uniform():
    rng = random.Random(7)
    cells = 25_600
    seen = [0] * KEY_RANGE
    for _ in range(cells):
        size = rng.randrange(1, 40)
        seen[
            perturbation.cell_key(sum(rng.randrange(KEY_RANGE) for _ in range(size)))
        ] += 1
    assert chisquare(seen).pvalue > 0.001


@given(st.integers(1, 5000))
def test_with_such_a_ptable_equal_counts_are_not_all_published_alike(count):
    published = {
        perturbation.perturb(count, key, RANDOM_PTABLE) for key in range(KEY_RANGE)
    }
    assert len(published) > 1
