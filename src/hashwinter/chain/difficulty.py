"""Hashrate and difficulty: the expected work per block.

At difficulty ``D`` a block takes ``D * 2**32`` hashes on average, so a network
that finds one block per target interval (600 s) runs at ``D * 2**32 / 600``
hashes per second, and each hash earns on average the block's reward over the
hashes a block takes: :func:`reward_per_hash`, the one place of that formula (coins
per day, revenue per hash, the engine's networks and the valuation of machines use it).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashwinter.units import HASHES_PER_DIFFICULTY, TARGET_BLOCK_INTERVAL_S

__all__ = [
    "difficulty_from_hashrate",
    "expected_block_interval",
    "hashrate_from_difficulty",
    "reward_per_hash",
]

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


def reward_per_hash(
    difficulty: npt.ArrayLike, reward_per_block: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Return the expected coins one hash earns, ``reward / (D * 2^32)``.

    A block takes ``D * 2^32`` hashes on average, so a hash earns that share of the
    block's reward; per unit of hashrate it is the coins one H/s earns per second
    (times a step's seconds: the coins of one H/s in the step; times a price: the
    revenue per hash).

    Parameters
    ----------
    difficulty : float or array_like
        Difficulty in force (> 0). [dimensionless]
    reward_per_block : float or array_like
        Subsidy plus fees of a block. [coin/block]

    Returns
    -------
    ndarray
        Expected reward per hash, broadcast over the inputs. [coin/hash = coin/(H/s)/s]

    Examples
    --------
    25 Nov 2018: difficulty 6,653,303,141,406 and 12.5 + 0.26 BTC a block. One TH/s
    for a day: 1e12 x 86,400 x 12.76 / (6.6533e12 x 4,294,967,296) = 3.858e-5 BTC.

    >>> round(float(reward_per_hash(6_653_303_141_406, 12.76)) * 1e12 * 86_400 * 1e5, 3)
    3.858

    """
    return np.asarray(np.asarray(reward_per_block, dtype=np.float64) / (
        np.asarray(difficulty, dtype=np.float64) * HASHES_PER_DIFFICULTY), dtype=np.float64)
