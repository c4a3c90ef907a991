"""Block times and retarget sizes of a network run, from its daily record.

* **blocks per day** ``n_t = issuance_t / (subsidy + fees_t)``: every block of a day pays
  the subsidy of its height and the day's fees (the expected-value clock's fractional
  blocks and the block network's whole ones alike); a day that crosses a halving is
  split at it. The **mean time between blocks** of the day is ``86,400 / n_t`` [s].
* **retargets**: under Bitcoin's rule every day that reaches a multiple of 2016 blocks
  (a retarget may change the difficulty by ~0 on a steady network); under a per-block
  rule every change of the difficulty between two days' closes; its size
  ``D_after / D_before - 1`` and the height reached that day. Under Bitcoin's rule a
  retarget closes a window of 2016 blocks whose mean interval the rule itself
  measured: ``D_after / D_before = 2016 x 600 / span`` with ``span`` its 2015 intervals,
  so the window's mean block time is ``600 x 2016 / 2015 x D_before / D_after`` [s]
  (unless the x4 clamp bound; NaN then). A per-block rule (cw-144) changes the
  difficulty every block: its rows are the days' net changes, without a window.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.chain import HALVING_INTERVAL, RETARGET_INTERVAL, subsidy_at
from hashwinter.units import SECONDS_PER_DAY, TARGET_BLOCK_INTERVAL_S

__all__ = ["block_time_table", "daily_blocks", "retarget_table"]

FloatArray = npt.NDArray[np.float64]


def daily_blocks(issuance: FloatArray, fees_per_block: FloatArray,
                 start_height: int) -> FloatArray:
    """Return the blocks found each day ``(T, P)`` from the coins issued.

    Parameters
    ----------
    issuance : ndarray (T, P)
        Coins the network issued each day. [BTC]
    fees_per_block : ndarray (T,)
        Fees per block each day. [BTC]
    start_height : int
        Height of the run's first block. [blocks]

    """
    issued = np.asarray(issuance, dtype=np.float64)
    fees = np.asarray(fees_per_block, dtype=np.float64)
    height = np.full(issued.shape[1], float(start_height))
    out = np.empty_like(issued)
    for t in range(issued.shape[0]):
        era = np.floor(height / HALVING_INTERVAL)
        reward = subsidy_at(np.floor(height).astype(np.int64)) + fees[t]
        blocks = issued[t] / reward
        # A day that reaches the next halving: its blocks after it pay half the subsidy.
        to_halving = (era + 1) * HALVING_INTERVAL - height
        crosses = blocks > to_halving
        if crosses.any():
            after = subsidy_at(((era + 1) * HALVING_INTERVAL).astype(np.int64)) + fees[t]
            rest = issued[t] - to_halving * reward
            blocks = np.where(crosses, to_halving + rest / after, blocks)
        out[t] = blocks
        height = height + blocks
    return out


def retarget_table(dates: npt.NDArray[np.datetime64], difficulty: FloatArray,
                   blocks: FloatArray, start_height: int, rule: str) -> pd.DataFrame:
    """Return one row per path and difficulty change (see the module docstring).

    Columns: ``date``, ``path``, ``change`` (``D_after / D_before - 1``),
    ``difficulty_before``, ``difficulty_after``, ``height`` (the height reached at the
    day's end; for Bitcoin's rule the retarget block, the multiple of 2016 crossed that
    day), ``window_block_time_s`` (Bitcoin's rule: the window's mean interval [s]).

    Parameters
    ----------
    dates : ndarray (T,)
        The run's days.
    difficulty : ndarray (T, P)
        Difficulty at each day's close.
    blocks : ndarray (T, P)
        :func:`daily_blocks`.
    start_height : int
        Height of the run's first block. [blocks]
    rule : str
        ``"bitcoin"`` or ``"cw-N"``.

    """
    d = np.asarray(difficulty, dtype=np.float64)
    height = start_height + np.cumsum(blocks, axis=0)
    if rule == "bitcoin":
        # A retarget is the day a multiple of 2016 is reached (its size may be ~0 on a
        # steady network), the heights rebuilt from the coins to ~1e-9 of a block.
        window = np.floor((height + 1e-6) / RETARGET_INTERVAL)
        day, path = np.nonzero(window[1:] > window[:-1])
    else:
        day, path = np.nonzero(np.abs(d[1:] / d[:-1] - 1) > 1e-12)
    before, after = d[day, path], d[day + 1, path]
    reached = height[day + 1, path]
    window = np.full(day.size, np.nan)
    if rule == "bitcoin":
        reached = np.floor((reached + 1e-6) / RETARGET_INTERVAL) * RETARGET_INTERVAL
        r = after / before
        unclamped = (r > 0.25 * (1 + 1e-9)) & (r < 4 * (1 - 1e-9))
        window = np.where(unclamped, TARGET_BLOCK_INTERVAL_S * RETARGET_INTERVAL
                          / (RETARGET_INTERVAL - 1) / r, np.nan)
    order = np.lexsort((day, path))
    return pd.DataFrame({
        "date": pd.DatetimeIndex(np.asarray(dates)[day[order] + 1]).date,
        "path": path[order], "change": (after / before - 1)[order],
        "difficulty_before": before[order], "difficulty_after": after[order],
        "height": reached[order], "window_block_time_s": window[order],
    })


def block_time_table(dates: npt.NDArray[np.datetime64], blocks: FloatArray,
                     history_blocks: FloatArray) -> pd.DataFrame:
    """Return per day and path the blocks found and the mean time between them [s]."""
    n_days, n_paths = blocks.shape
    with np.errstate(divide="ignore"):
        mean = SECONDS_PER_DAY / blocks
    return pd.DataFrame({
        "date": np.repeat(pd.DatetimeIndex(np.asarray(dates)).date, n_paths),
        "path": np.tile(np.arange(n_paths), n_days),
        "blocks": blocks.ravel(), "mean_block_time_s": mean.ravel(),
        "history_blocks": np.repeat(np.asarray(history_blocks, np.float64), n_paths),
    })
