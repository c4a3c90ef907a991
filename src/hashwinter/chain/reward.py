"""Block reward: the subsidy schedule exactly as Bitcoin Core computes it.

The subsidy starts at 50 BTC and halves every 210,000 blocks by a right shift of
an integer number of satoshis (``GetBlockSubsidy`` in Bitcoin Core's
``src/validation.cpp``), so rounding is part of the rule: the sum over all
heights is 2,099,999,997,690,000 sat, not 21 M BTC.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashwinter.units import SATOSHI_PER_COIN

__all__ = [
    "HALVING_INTERVAL",
    "INITIAL_SUBSIDY_SAT",
    "block_subsidy",
    "halving_epoch",
    "subsidy_at",
    "total_supply_sat",
]

#: Blocks between halvings (``consensus.nSubsidyHalvingInterval`` on mainnet).
HALVING_INTERVAL: int = 210_000
#: Subsidy of the genesis epoch. [sat]
INITIAL_SUBSIDY_SAT: int = 50 * SATOSHI_PER_COIN
#: After 64 halvings the shift would be undefined in C++; Core returns 0.
_MAX_HALVINGS: int = 64


def _check_height(height: int) -> None:
    if isinstance(height, bool) or not isinstance(height, int | np.integer):
        raise TypeError(f"height must be an integer, got {type(height).__name__}")
    if height < 0:
        raise ValueError(f"height must be >= 0, got {height}")


def halving_epoch(height: int) -> int:
    """Return how many halvings have happened by block ``height`` (0 for the first epoch)."""
    _check_height(height)
    return int(height) // HALVING_INTERVAL


def block_subsidy(height: int) -> int:
    """Return the block subsidy at ``height`` in integer satoshis, as the node computes it.

    Parameters
    ----------
    height : int
        Block height (>= 0).

    Returns
    -------
    int
        Subsidy of that block. [sat]

    Examples
    --------
    >>> block_subsidy(0), block_subsidy(209_999), block_subsidy(210_000)
    (5000000000, 5000000000, 2500000000)
    >>> block_subsidy(840_000)
    312500000

    """
    halvings = halving_epoch(height)
    if halvings >= _MAX_HALVINGS:
        return 0
    return INITIAL_SUBSIDY_SAT >> halvings


def subsidy_at(height: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return the block subsidy at each height, vectorized, in coins.

    Parameters
    ----------
    height : int or array_like of int
        Block heights (>= 0).

    Returns
    -------
    ndarray of float
        Subsidy per block. [BTC]

    """
    heights = np.asarray(height, dtype=np.int64)
    if np.any(heights < 0):
        raise ValueError("height must be >= 0")
    halvings = heights // HALVING_INTERVAL
    shift = np.minimum(halvings, _MAX_HALVINGS - 1)
    sat = np.where(halvings >= _MAX_HALVINGS, 0, np.right_shift(INITIAL_SUBSIDY_SAT, shift))
    return np.asarray(sat / SATOSHI_PER_COIN, dtype=np.float64)


def total_supply_sat() -> int:
    """Return the sum of the subsidies of all blocks ever. [sat].

    Every block of an epoch has the same subsidy, so the sum is taken per epoch.
    """
    return sum(HALVING_INTERVAL * (INITIAL_SUBSIDY_SAT >> epoch) for epoch in range(_MAX_HALVINGS))
