"""OwnerGroups: sums over cohorts into owners, against a plain loop and by hand."""

from __future__ import annotations

import numpy as np
import pytest

from hashwinter.engine.owners import OwnerGroups
from hashwinter.errors import InputError


def _loop(values: np.ndarray, owner: np.ndarray, n_owners: int) -> np.ndarray:
    out = np.zeros((*values.shape[:-1], n_owners))
    for c, o in enumerate(owner):
        out[..., o] += values[..., c]
    return out


def test_by_hand_unsorted_with_an_owner_without_cohorts() -> None:
    # Owner 0 holds cohorts 1 and 3 (2 + 8), owner 2 holds 0 and 2 (1 + 4); owner 1 none.
    groups = OwnerGroups.of([2, 0, 2, 0], 3)
    np.testing.assert_array_equal(groups.sum(np.array([1.0, 2.0, 4.0, 8.0])), [10.0, 0.0, 5.0])


LAYOUTS = {
    "blocks": (np.repeat(np.arange(40), 6), "blocks"),  # the network's owners
    "tiled": (np.tile(np.arange(6), 40), "tiled"),  # the network's tiers
    "sorted": (np.sort(np.random.default_rng(3).integers(0, 45, 240)), "general"),
    "unsorted": (np.random.default_rng(4).integers(0, 45, 240), "general"),
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_equals_a_loop_over_cohorts_on_leading_axes(name: str) -> None:
    owner, layout = LAYOUTS[name]
    n_owners = int(owner.max()) + 1 + (name != "tiled") * (name != "blocks") * 3
    groups = OwnerGroups.of(owner, n_owners)
    assert groups.layout == layout
    values = np.random.default_rng(7).normal(size=(2, 3, 5, owner.size))  # any leading axes
    np.testing.assert_allclose(groups.sum(values), _loop(values, owner, n_owners),
                               rtol=1e-12, atol=1e-12)
    # Each row's sum does not depend on the rows beside it (chunks over paths).
    np.testing.assert_array_equal(groups.sum(values[:, :, 1:2]), groups.sum(values)[:, :, 1:2])


def test_broadcast_view_and_one_owner() -> None:
    values = np.broadcast_to(np.arange(4.0), (3, 2, 4))  # a stride-0 view, as the engine passes
    np.testing.assert_array_equal(OwnerGroups.of([0, 0, 0, 0], 1).sum(values),
                                  np.full((3, 2, 1), 6.0))


def test_an_owner_index_out_of_range_is_refused() -> None:
    with pytest.raises(InputError, match="owner"):
        OwnerGroups.of([0, 3], 3)
