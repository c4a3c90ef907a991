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


@pytest.mark.parametrize("sort", [True, False])
def test_equals_a_loop_over_cohorts_on_leading_axes(sort: bool) -> None:
    rng = np.random.default_rng(7)
    owner = rng.integers(0, 40, size=300)
    owner = np.sort(owner) if sort else owner
    values = rng.normal(size=(2, 3, 5, 300))  # (K, V, P, C): leading axes of any count
    np.testing.assert_allclose(OwnerGroups.of(owner, 45).sum(values),
                               _loop(values, owner, 45), rtol=1e-12, atol=1e-12)


def test_broadcast_view_and_one_owner() -> None:
    values = np.broadcast_to(np.arange(4.0), (3, 2, 4))  # a stride-0 view, as the engine passes
    np.testing.assert_array_equal(OwnerGroups.of([0, 0, 0, 0], 1).sum(values),
                                  np.full((3, 2, 1), 6.0))


def test_an_owner_index_out_of_range_is_refused() -> None:
    with pytest.raises(InputError, match="owner"):
        OwnerGroups.of([0, 3], 3)
