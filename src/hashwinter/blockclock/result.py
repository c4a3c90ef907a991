"""What a block-clock run returns: per-path statistics and an optional trace."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError

__all__ = ["BlockClockResult"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True, eq=False)
class BlockClockResult:
    """Per-path outcome of a block-clock run, for each retarget rule.

    Arrays are shaped ``(n_rules, n_paths)`` (trace arrays ``(n_rules, n_paths,
    n_snapshots)``). A block is *counted* when it is mined inside the run: all of
    them, or with a time horizon those that started before it.

    Attributes
    ----------
    rules : tuple of str
        Rule names, in the order of the first axis.
    start_height : int
        Height of the first simulated block.
    n_blocks : int
        Blocks simulated per path (the loop length).
    count : ndarray of int64
        Blocks counted per path.
    total_s : ndarray
        Sum of the counted block intervals. [s]
    sumsq_s2 : ndarray
        Sum of their squares. [s^2]
    max_interval_s : ndarray
        Longest counted interval. [s]
    end_time_s : ndarray
        Time the last counted block was found. [s]
    end_difficulty : ndarray
        Difficulty in force after the last counted block. [dimensionless]
    end_price : ndarray
        Price when the last counted block was found. [currency per coin]
    trace_height : ndarray of int64
        Height of the last block of each trace snapshot (empty without a trace).
    trace_interval_s : ndarray of float32
        Mean counted interval per path within each snapshot's blocks (NaN if none). [s]
    trace_time_s, trace_difficulty, trace_hashrate, trace_price : ndarray of float32
        Time [s], difficulty, hashrate [H/s] and price [currency per coin] at the
        end of each snapshot's blocks.

    """

    rules: tuple[str, ...]
    start_height: int
    n_blocks: int
    count: npt.NDArray[np.int64]
    total_s: FloatArray
    sumsq_s2: FloatArray
    max_interval_s: FloatArray
    end_time_s: FloatArray
    end_difficulty: FloatArray
    end_price: FloatArray
    trace_height: npt.NDArray[np.int64]
    trace_interval_s: npt.NDArray[np.float32]
    trace_time_s: npt.NDArray[np.float32]
    trace_difficulty: npt.NDArray[np.float32]
    trace_hashrate: npt.NDArray[np.float32]
    trace_price: npt.NDArray[np.float32]

    _PER_PATH = (
        "count",
        "total_s",
        "sumsq_s2",
        "max_interval_s",
        "end_time_s",
        "end_difficulty",
        "end_price",
        "trace_interval_s",
        "trace_time_s",
        "trace_difficulty",
        "trace_hashrate",
        "trace_price",
    )

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return int(self.count.shape[1])

    @property
    def mean_interval_s(self) -> FloatArray:
        """Mean counted block interval per path [s]."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(self.total_s / self.count)

    @property
    def std_interval_s(self) -> FloatArray:
        """Sample standard deviation (ddof=1) of the counted intervals per path [s]."""
        n = self.count.astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = (self.sumsq_s2 - self.total_s**2 / n) / (n - 1)
        return np.asarray(np.sqrt(np.maximum(var, 0.0)))

    def rule_index(self, name: str) -> int:
        """Return the position of rule ``name``; fails naming the known rules."""
        try:
            return self.rules.index(name)
        except ValueError:
            raise InputError(
                f"unknown rule {name!r}; this run has {', '.join(self.rules)}", field="rule"
            ) from None

    @classmethod
    def concat(cls, parts: Sequence[BlockClockResult]) -> BlockClockResult:
        """Join runs over disjoint sets of paths (same rules and blocks), in order."""
        if not parts:
            raise ValueError("nothing to concatenate")
        first = parts[0]
        for p in parts[1:]:
            same = (p.rules, p.start_height, p.n_blocks) == (
                first.rules,
                first.start_height,
                first.n_blocks,
            )
            if not same or not np.array_equal(p.trace_height, first.trace_height):
                raise ValueError("parts come from different set-ups")
        joined = {
            name: np.concatenate([getattr(p, name) for p in parts], axis=1)
            for name in cls._PER_PATH
        }
        return cls(
            rules=first.rules,
            start_height=first.start_height,
            n_blocks=first.n_blocks,
            trace_height=first.trace_height,
            **joined,
        )
