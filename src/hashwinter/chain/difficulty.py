"""Hashrate and difficulty: the expected work per block.

At difficulty ``D`` a block takes ``D * 2**32`` hashes on average, so a network
that finds one block per target interval (600 s) runs at ``D * 2**32 / 600``
hashes per second.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashwinter.units import HASHES_PER_DIFFICULTY, TARGET_BLOCK_INTERVAL_S

__all__ = ["difficulty_from_hashrate", "expected_block_interval", "hashrate_from_difficulty"]

FloatOrArray = float | npt.NDArray[np.float64]


def hashrate_from_difficulty(
    difficulty: npt.ArrayLike, block_interval: float = TARGET_BLOCK_INTERVAL_S
) -> FloatOrArray:
    """Return the network hashrate implied by a difficulty.

    Parameters
    ----------
    difficulty : float or array_like
        Difficulty in force. [dimensionless]
    block_interval : float, default 600
        Mean time between blocks that hashrate would produce. [s]

    Returns
    -------
    float or ndarray
        Network hashrate. [H/s]

    """
    result = np.asarray(difficulty, dtype=np.float64) * HASHES_PER_DIFFICULTY / block_interval
    return float(result) if result.ndim == 0 else result


def difficulty_from_hashrate(
    hashrate: npt.ArrayLike, block_interval: float = TARGET_BLOCK_INTERVAL_S
) -> FloatOrArray:
    """Return the difficulty at which ``hashrate`` finds one block per ``block_interval``.

    Parameters
    ----------
    hashrate : float or array_like
        Network hashrate. [H/s]
    block_interval : float, default 600
        Target time between blocks. [s]

    Returns
    -------
    float or ndarray
        Difficulty. [dimensionless]

    """
    result = np.asarray(hashrate, dtype=np.float64) * block_interval / HASHES_PER_DIFFICULTY
    return float(result) if result.ndim == 0 else result


def expected_block_interval(difficulty: npt.ArrayLike, hashrate: npt.ArrayLike) -> FloatOrArray:
    """Return the mean time to find a block at ``difficulty`` with ``hashrate``.

    Parameters
    ----------
    difficulty : float or array_like
        Difficulty in force. [dimensionless]
    hashrate : float or array_like
        Network hashrate (> 0). [H/s]

    Returns
    -------
    float or ndarray
        Expected interval between blocks. [s]

    """
    result = (
        np.asarray(difficulty, dtype=np.float64)
        * HASHES_PER_DIFFICULTY
        / np.asarray(hashrate, dtype=np.float64)
    )
    return float(result) if result.ndim == 0 else result
