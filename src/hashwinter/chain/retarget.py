"""Bitcoin's difficulty retarget, exactly as Bitcoin Core's ``pow.cpp`` does it.

Every 2016 blocks the target is multiplied by the time the last window took,
clamped to a factor of four either way, over the two weeks it should have taken
(``CalculateNextWorkRequired``). Core measures the span from the first to the last
block of the window, i.e. over 2015 intervals (a well-known off-by-one kept for
consensus). The new target is capped at the proof-of-work limit.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashwinter.chain.compact import POW_LIMIT, bits_to_target, target_to_bits

__all__ = [
    "RETARGET_INTERVAL",
    "TARGET_TIMESPAN_S",
    "clamp_timespan",
    "next_work_required",
    "retarget_difficulty",
]

#: Blocks per difficulty window (``DifficultyAdjustmentInterval()`` on mainnet).
RETARGET_INTERVAL: int = 2016
#: Two weeks (``consensus.nPowTargetTimespan``). [s]
TARGET_TIMESPAN_S: int = 14 * 24 * 60 * 60


def clamp_timespan(actual_span: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Clamp a window's measured span to [T/4, 4T] (T = two weeks). [s]."""
    span = np.asarray(actual_span, dtype=np.float64)
    return np.clip(span, TARGET_TIMESPAN_S / 4, TARGET_TIMESPAN_S * 4)


def next_work_required(last_bits: int, first_block_time: int, last_block_time: int) -> int:
    """Return the compact bits of the next window, with Bitcoin Core's semantics.

    Parameters
    ----------
    last_bits : int
        Compact target (``nBits``) of the last block of the finished window.
    first_block_time : int
        Timestamp of the first block of the window. [s since epoch]
    last_block_time : int
        Timestamp of the last block of the window. [s since epoch]

    Returns
    -------
    int
        Compact bits of the new target (capped at the mainnet proof-of-work limit).

    Examples
    --------
    Bitcoin Core's ``get_next_work`` vector (src/test/pow_tests.cpp):

    >>> hex(next_work_required(0x1d00ffff, 1261130161, 1262152739))
    '0x1d00d86a'

    """
    span = last_block_time - first_block_time
    span = max(TARGET_TIMESPAN_S // 4, min(span, TARGET_TIMESPAN_S * 4))
    target = bits_to_target(last_bits) * span // TARGET_TIMESPAN_S
    return target_to_bits(min(target, POW_LIMIT))


def retarget_difficulty(
    difficulty: npt.ArrayLike, actual_span: npt.ArrayLike, min_difficulty: float = 1.0
) -> npt.NDArray[np.float64]:
    """Return the next window's difficulty, the float form of :func:`next_work_required`.

    Difficulty is inversely proportional to the target, so the new difficulty is
    ``old * T / clamp(span, T/4, 4T)``, and never below the proof-of-work limit's
    difficulty (1 on mainnet). Compact-bits rounding (a relative 2^-15 at most) is
    not applied: use :func:`next_work_required` where consensus exactness matters.

    Parameters
    ----------
    difficulty : float or array_like
        Difficulty of the finished window. [dimensionless]
    actual_span : float or array_like
        Time the window took, first to last block. [s]
    min_difficulty : float, default 1.0
        Difficulty at the proof-of-work limit.

    Returns
    -------
    ndarray
        Difficulty of the next window. [dimensionless]

    """
    old = np.asarray(difficulty, dtype=np.float64)
    new = old * TARGET_TIMESPAN_S / clamp_timespan(actual_span)
    return np.maximum(new, min_difficulty)
