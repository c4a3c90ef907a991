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
        Height of the last block of each trace snapshot (empty without a trace):
        ``start_height + min((k + 1) * every, n_blocks) - 1``, whether or not the
        run got that far.
    trace_interval_s : ndarray of float32
        Mean counted interval per path within each snapshot's blocks (NaN if none). [s]
    trace_time_s, trace_difficulty, trace_hashrate, trace_price : ndarray of float32
        Time [s], difficulty, hashrate [H/s] and price [currency per coin] at the
        end of each snapshot's blocks; with a horizon, after the path's last
        counted block in the snapshot (NaN if it counted none), so a path's trace
        does not depend on which other paths ran with it.

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
            raise InputError("nothing to concatenate", field="parts")
        first = parts[0]
        for i, p in enumerate(parts[1:], start=1):
            mine = (p.rules, p.start_height, p.n_blocks, p.trace_height.tolist())
            theirs = (first.rules, first.start_height, first.n_blocks, first.trace_height.tolist())
            if mine != theirs:
                # Chunks of one scenario always agree (trace heights come from the
                # layout, not from where a chunk stopped): this is a caller's mix-up.
                names = ("rules", "start_height", "n_blocks", "trace_height")
                differ = [n for n, a, b in zip(names, mine, theirs, strict=True) if a != b]
                raise InputError(
                    f"part {i} differs from part 0 in {', '.join(differ)}: "
                    "only runs of one set-up over different paths can be joined",
                    field="parts",
                )
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
