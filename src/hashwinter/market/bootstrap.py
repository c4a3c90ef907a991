"""Block bootstrap of historical log returns.

Future log returns are whole blocks of consecutive historical returns, drawn
with replacement (the circular block bootstrap of Politis & Romano, 1992: a
block may wrap from the end of the window to its start, so every historical
return is equally likely to be drawn). Blocks keep the short-range dependence
of the history (volatility clusters, momentum) that i.i.d. resampling loses;
no distribution is assumed, and only returns that happened are ever reused.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.errors import InputError
from hashwinter.market.base import (
    FloatArray,
    check_positive,
    check_shape,
    log_returns,
    paths_from_log_increments,
)

__all__ = ["BlockBootstrap", "circular_block_indices"]


def circular_block_indices(
    n_source: int, n_paths: int, n_steps: int, block_length: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """Draw indices into a source of ``n_source`` items, in blocks, wrapping around.

    Parameters
    ----------
    n_source : int
        Length of the series resampled.
    n_paths, n_steps : int
        Shape of the result.
    block_length : int
        Consecutive items per block (the last block of a path is cut short).
    rng : numpy.random.Generator
        Draws ``(n_paths, ceil(n_steps / block_length))`` uniform block starts.

    Returns
    -------
    ndarray of int64
        Indices shaped ``(n_paths, n_steps)``, each in ``[0, n_source)``.

    """
    n_blocks = max(1, math.ceil(n_steps / block_length))
    starts = rng.integers(0, n_source, size=(n_paths, n_blocks))
    offsets = np.arange(block_length, dtype=np.int64)
    idx = (starts[:, :, None] + offsets) % n_source
    return idx.reshape(n_paths, n_blocks * block_length)[:, :n_steps]


@dataclasses.dataclass(frozen=True, eq=False)
class BlockBootstrap:
    """Circular block bootstrap of a window of historical log returns.

    Parameters
    ----------
    s0 : float
        Price at step 0. [currency per coin]
    returns : ndarray
        Historical log returns, one per step of ``dt_days``. [log price]
    block_length : int, default 10
        Consecutive historical steps per resampled block. [steps]
    dt_days : float, default 1.0
        Spacing of the historical returns, and so of the simulated steps. [day]

    """

    s0: float
    returns: FloatArray
    block_length: int = 10
    dt_days: float = 1.0

    def __post_init__(self) -> None:
        check_positive(self.s0, "s0")
        check_positive(self.dt_days, "dt_days")
        values = np.array(self.returns, dtype=np.float64)  # a private, read-only copy
        if values.ndim != 1 or values.size == 0:
            raise InputError("must be a non-empty list of log returns", field="returns")
        if not np.all(np.isfinite(values)):
            raise InputError("must all be finite", field="returns")
        values.setflags(write=False)
        object.__setattr__(self, "returns", values)
        length = self.block_length
        if isinstance(length, bool) or not isinstance(length, int | np.integer) or length < 1:
            raise InputError(f"must be a whole number >= 1 (got {length!r})", field="block_length")
        if length > values.size:
            raise InputError(
                f"must be <= the number of historical returns ({values.size})",
                field="block_length",
            )

    def simulate(self, n_paths: int, n_steps: int, rng: np.random.Generator) -> FloatArray:
        """Return prices shaped ``(n_paths, n_steps + 1)`` (column 0 is ``s0``).

        Draws ``(n_paths, ceil(n_steps / block_length))`` block starts from ``rng``.

        Returns
        -------
        ndarray
            Prices. [currency per coin]

        """
        check_shape(n_paths, n_steps)
        idx = circular_block_indices(self.returns.size, n_paths, n_steps, self.block_length, rng)
        return paths_from_log_increments(self.s0, self.returns[idx])

    @classmethod
    def fit(
        cls, history: pd.Series | npt.ArrayLike, block_length: int = 10, dt_days: float = 1.0
    ) -> BlockBootstrap:
        """Take the log returns of a window of prices; ``s0`` is its last price.

        Parameters
        ----------
        history : pandas.Series or array_like
            Prices in time order, evenly spaced by ``dt_days``. [currency per coin]
        block_length : int, default 10
            Steps per resampled block. [steps]
        dt_days : float, default 1.0
            Spacing of the history. [day]

        Returns
        -------
        BlockBootstrap

        """
        r = log_returns(history, min_returns=1)
        last = float(pd.Series(history).dropna().iloc[-1])
        return cls(s0=last, returns=r, block_length=block_length, dt_days=dt_days)
