"""The licence calculator: the basic 41, packs A (5) and B (10), the nearest totals."""

from itertools import product

import pytest

from portal.orders import licences
from portal.orders.licences import Packs, quote


@pytest.mark.parametrize(
    ("wanted", "below", "order", "order_packs"),
    [
        (1, None, 41, Packs()),
        (30, None, 41, Packs()),  # the basic contract is the minimum, even for 30 pupils
        (41, None, 41, Packs()),
        (42, 41, 46, Packs(a=1)),
        (45, 41, 46, Packs(a=1)),
        (46, None, 46, Packs(a=1)),
        (47, 46, 51, Packs(b=1)),
        (51, None, 51, Packs(b=1)),
        (57, 56, 61, Packs(b=2)),
        (100, 96, 101, Packs(b=6)),
        (1_000, 996, 1_001, Packs(b=96)),
        (10_000, 9_996, 10_001, Packs(b=996)),
    ],
)
def test_nearest_totals_of_a_wanted_number(wanted, below, order, order_packs):
    result = quote(wanted, 0)
    assert result.order == order_packs and result.order.total == order
    assert (result.below.total if result.below else None) == below
    assert result.exact == (order == wanted)
    assert result.spare == order - wanted


@pytest.mark.parametrize(
    ("total", "label"),
    [
        (41, "基本41"),
        (46, "基本41 + A契約×1"),
        (56, "基本41 + A契約×1 + B契約×1"),
        (61, "基本41 + B契約×2"),
        (96, "基本41 + A契約×1 + B契約×5"),
        (996, "基本41 + A契約×1 + B契約×95"),
        (1_001, "基本41 + B契約×96"),
    ],
)
def test_pack_labels(total, label):
    assert licences.fewest_packs(total).label == label


@pytest.mark.parametrize(
    ("personal", "shared", "order", "below"),
    [
        (30, 11, 41, None),  # the demo school: exactly the basic contract
        (0, 12, 41, None),  # shared alone, under 41
        (12, 0, 41, None),
        (35, 20, 56, 51),  # junior high personal, senior high shared
        (40, 2, 46, 41),
        (500, 500, 1_001, 996),
        (1, 45, 46, None),
    ],
)
def test_mixes_count_by_their_total(personal, shared, order, below):
    result = quote(personal, shared)
    assert (result.personal, result.shared, result.wanted) == (personal, shared, personal + shared)
    assert result.order.total == order
    assert (result.below.total if result.below else None) == below


@pytest.mark.parametrize(("personal", "shared"), [(0, 0), (-1, 5), (5, -1)])
def test_nothing_or_negative_is_not_a_quote(personal, shared):
    with pytest.raises(ValueError):
        quote(personal, shared)


def test_every_wanted_number_up_to_2000():
    for wanted in range(1, 2_001):
        result = quote(wanted, 0)
        order, below = result.order, result.below
        assert licences.reachable(order.total) and order.total >= wanted
        assert order.total == max(41, wanted) or order.total - wanted < 5
        if below is not None:
            assert below.total < wanted < order.total
            assert order.total - below.total == 5
        else:
            assert wanted <= 41 or result.exact


def test_fewest_packs_is_the_minimum_by_brute_force():
    fewest = {}
    for a, b in product(range(0, 41), range(0, 21)):
        total = Packs(a, b).total
        fewest[total] = min(fewest.get(total, 10**6), a + b)
    for total in range(41, 41 + 5 * 40 + 1, 5):  # every total both ranges cover in full
        packs = licences.fewest_packs(total)
        assert packs.total == total and packs.count == fewest[total] and packs.a in (0, 1)


@pytest.mark.parametrize("total", [0, 40, 42, 43, 44, 45, 47, 1_000])
def test_unreachable_totals(total):
    assert not licences.reachable(total)
    with pytest.raises(ValueError):
        licences.fewest_packs(total)
