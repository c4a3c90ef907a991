"""Difficulty retarget rules for the block clock, pluggable and vectorized over paths.

A rule is a small frozen dataclass; :meth:`start` returns a tracker holding the
per-path state of one run. After block ``h`` is mined at times ``t`` (one per
path) with difficulties ``d``, ``tracker.after_block(h, t, d)`` returns the
difficulty of block ``h + 1`` (or None when it is unchanged). Block ``h`` is the
``h``-th block of the chain; time 0 is when the last block before the run
(``start_height - 1``) was found, and the blocks before it are assumed to have
come every ``prehistory_interval_s`` seconds at the starting difficulty.

- :class:`BitcoinRule` — Bitcoin's rule: every 2016 blocks, difficulty times
  two weeks over the window's span, clamped to x4 either way
  (:func:`hashwinter.chain.retarget_difficulty`).
  Its :meth:`BitcoinRule.window_retarget` is the same rule in the form the
  engine's expected-value network uses (difficulty and window time in, new
  difficulty out): one rule type for the whole package.
- :class:`RollingWindowRule` — Bitcoin Cash's November 2017 DAA ("cw-144"):
  every block, the work of the last 144 blocks over the time they took, the
  span clamped to [72, 288] target spacings, endpoints picked by a median of
  three timestamps.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

import numpy as np
import numpy.typing as npt

from hashwinter.chain import RETARGET_INTERVAL, retarget_difficulty
from hashwinter.errors import InputError
from hashwinter.units import TARGET_BLOCK_INTERVAL_S

__all__ = ["BitcoinRule", "PathTracker", "RetargetRule", "RollingWindowRule", "RuleTracker"]

FloatArray = npt.NDArray[np.float64]


class RuleTracker(Protocol):
    """Per-path state of one rule during one run."""

    def after_block(
        self, height: int, timestamp: FloatArray, difficulty: FloatArray
    ) -> FloatArray | None:
        """Record block ``height``; return the next block's difficulty, or None if unchanged."""
        ...


class PathTracker(Protocol):
    """Per-path state of one rule when paths are at different heights (the engine's clock)."""

    def after_blocks(
        self, found: npt.NDArray[np.bool_], height: npt.NDArray[np.int64],
        timestamp: FloatArray, difficulty: FloatArray,
    ) -> FloatArray:
        """Record block ``height[i]`` of each path ``i`` where ``found``; return next difficulties.

        Paths where nothing was found keep their difficulty.
        """
        ...


class RetargetRule(Protocol):
    """A difficulty adjustment algorithm (the one rule type of the package).

    ``start`` tracks paths that move in lockstep, block by block (the block
    clock); ``start_paths`` tracks paths at different heights (the engine's
    block-resolution network, :class:`hashwinter.engine.BlockNetwork`). Window
    rules also offer ``window_retarget(difficulty, window_seconds)`` for the
    engine's expected-value network.
    """

    @property
    def name(self) -> str:
        """Short label used in reports, e.g. ``"bitcoin"``."""
        ...

    def start(self, d0: FloatArray, start_height: int, prehistory_interval_s: float) -> RuleTracker:
        """Return a tracker for paths starting at ``start_height`` with difficulties ``d0``."""
        ...

    def start_paths(
        self, d0: FloatArray, start_height: int, prehistory_interval_s: float
    ) -> PathTracker:
        """Return a tracker for paths (1-d) that may drift to different heights."""
        ...


def _check_int(value: int, field: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InputError(f"must be a whole number >= {minimum} (got {value!r})", field=field)


@dataclasses.dataclass(frozen=True)
class BitcoinRule:
    """Bitcoin's retarget: every 2016 blocks, ``D * T / clamp(span, T/4, 4T)``, T = 2 weeks.

    The span is measured from the first to the last block of the window, i.e. over
    2015 block intervals, as Bitcoin Core does (``pow.cpp``). The new difficulty is
    computed by :func:`hashwinter.chain.retarget_difficulty`, which applies Core's
    clamp and proof-of-work limit to float difficulties.
    """

    interval: int = dataclasses.field(default=RETARGET_INTERVAL, init=False)

    @property
    def name(self) -> str:
        """Label used in reports."""
        return "bitcoin"

    def window_retarget(self, difficulty: FloatArray, window_seconds: FloatArray) -> FloatArray:
        """Return the difficulty after a window whose 2016 blocks took ``window_seconds``.

        For a continuous (expected-value) clock that time covers all 2016 intervals;
        Bitcoin Core measures the span over 2015 of them, ``window_seconds * 2015 / 2016``,
        then :func:`hashwinter.chain.retarget_difficulty`.
        """
        span = np.asarray(window_seconds, dtype=np.float64) * (self.interval - 1) / self.interval
        return retarget_difficulty(difficulty, span)

    def start(
        self, d0: FloatArray, start_height: int, prehistory_interval_s: float
    ) -> _BitcoinTracker:
        """Return a tracker; the window in progress began ``start_height % 2016`` blocks ago."""
        n = d0.shape[0]
        window_start = start_height - start_height % self.interval
        # Time of the window's first block, counting back from block start_height - 1 at t = 0.
        first = -(start_height - 1 - window_start) * prehistory_interval_s
        return _BitcoinTracker(self.interval, np.full(n, float(first)))

    def start_paths(
        self, d0: FloatArray, start_height: int, prehistory_interval_s: float
    ) -> _BitcoinPaths:
        """Return a per-path tracker (same state as :meth:`start`, heights per path)."""
        return _BitcoinPaths(self.start(d0, start_height, prehistory_interval_s))


class _BitcoinPaths:
    """:class:`BitcoinRule` with a height per path."""

    def __init__(self, lockstep: _BitcoinTracker) -> None:
        self.interval = lockstep.interval
        self.first_time = lockstep.first_time

    def after_blocks(
        self, found: npt.NDArray[np.bool_], height: npt.NDArray[np.int64],
        timestamp: FloatArray, difficulty: FloatArray,
    ) -> FloatArray:
        opens = found & (height % self.interval == 0)
        self.first_time = np.where(opens, timestamp, self.first_time)
        closes = found & ((height + 1) % self.interval == 0)
        if not closes.any():
            return difficulty
        new = retarget_difficulty(difficulty, timestamp - self.first_time)
        return np.where(closes, new, difficulty)


class _BitcoinTracker:
    """State of :class:`BitcoinRule`: when the current window's first block was found."""

    def __init__(self, interval: int, first_time: FloatArray) -> None:
        self.interval = interval
        self.first_time = first_time

    def after_block(
        self, height: int, timestamp: FloatArray, difficulty: FloatArray
    ) -> FloatArray | None:
        if height % self.interval == 0:
            self.first_time = timestamp.copy()
        if (height + 1) % self.interval == 0:
            return retarget_difficulty(difficulty, timestamp - self.first_time)
        return None


@dataclasses.dataclass(frozen=True)
class RollingWindowRule:
    """A rolling-window, work-weighted rule: Bitcoin Cash's 2017 DAA (cw-144) by default.

    Before block ``h + 1``, with ``last`` and ``first`` the suitable blocks:
    ``D = (W[last] - W[first]) * spacing / clamp(t[last] - t[first])`` where ``W``
    is cumulative work in difficulty units (sum of difficulties) and the span is
    clamped to ``[window/2, 2 window]`` spacings. As in Bitcoin ABC's
    ``GetNextCashWorkRequired``, ``last`` is the median-by-timestamp of blocks
    ``h, h-1, h-2`` and ``first`` that of ``h-144, h-145, h-146``.

    Simplifications (documented in docs/scenarios.md): simulated timestamps are the
    true, increasing times, so each median is the middle block (``h - 1`` and
    ``h - 145``): miners' timestamp games are not modelled. Work and targets are
    floats, without 256-bit integer rounding or compact-bits encoding. The
    difficulty is floored at 1 (the proof-of-work limit).

    Parameters
    ----------
    window : int, default 144
        Blocks between the two endpoints.
    spacing_s : float, default 600
        Target block interval. [s]
    median_of_three : bool, default True
        Use the median-of-three endpoints (one block older); False uses ``h`` and
        ``h - window``.
    clamp : bool, default True
        Clamp the span to ``[window/2, 2 window] * spacing``.

    """

    window: int = 144
    spacing_s: float = TARGET_BLOCK_INTERVAL_S
    median_of_three: bool = True
    clamp: bool = True

    def __post_init__(self) -> None:
        _check_int(self.window, "window", 2)
        if not self.spacing_s > 0:
            raise InputError(f"must be > 0 (got {self.spacing_s!r})", field="spacing_s")

    @property
    def name(self) -> str:
        """Label used in reports, e.g. ``"cw-144"``."""
        return f"cw-{self.window}"

    def start(
        self, d0: FloatArray, start_height: int, prehistory_interval_s: float
    ) -> _RollingTracker:
        """Return a tracker whose history holds ``window + 2`` earlier blocks at ``d0``."""
        return _RollingTracker(self, d0, start_height, prehistory_interval_s)

    def start_paths(
        self, d0: FloatArray, start_height: int, prehistory_interval_s: float
    ) -> _RollingPaths:
        """Return a per-path tracker (the same ring buffers, indexed per path)."""
        return _RollingPaths(_RollingTracker(self, d0, start_height, prehistory_interval_s))


class _RollingPaths:
    """:class:`RollingWindowRule` with a height per path: ring-buffer slots per path."""

    def __init__(self, lockstep: _RollingTracker) -> None:
        self.t = lockstep
        self.cols = np.arange(lockstep.work.shape[1])

    def after_blocks(
        self, found: npt.NDArray[np.bool_], height: npt.NDArray[np.int64],
        timestamp: FloatArray, difficulty: FloatArray,
    ) -> FloatArray:
        t = self.t
        idx = np.flatnonzero(found)
        if idx.size == 0:
            return difficulty
        h = height[idx]
        slot = h % t.size
        prev = (h - 1) % t.size
        t.work[slot, idx] = t.work[prev, idx] + difficulty[idx]
        t.time[slot, idx] = timestamp[idx]
        last = (h - t.lag) % t.size
        first = (h - t.lag - t.window) % t.size
        span = np.clip(t.time[last, idx] - t.time[first, idx], t.lo, t.hi)
        new = np.maximum((t.work[last, idx] - t.work[first, idx]) * t.spacing / span, 1.0)
        out = difficulty.copy()
        out[idx] = new
        return out


class _RollingTracker:
    """Ring buffers of cumulative work and timestamps of the last ``window + 2`` blocks."""

    def __init__(
        self,
        rule: RollingWindowRule,
        d0: FloatArray,
        start_height: int,
        prehistory_interval_s: float,
    ) -> None:
        self.lag = 1 if rule.median_of_three else 0
        self.window = rule.window
        self.size = rule.window + 2
        self.spacing = float(rule.spacing_s)
        self.lo = 0.5 * rule.window * self.spacing if rule.clamp else 0.0
        self.hi = 2.0 * rule.window * self.spacing if rule.clamp else np.inf
        n = d0.shape[0]
        self.work = np.empty((self.size, n))
        self.time = np.empty((self.size, n))
        # Blocks start_height - size .. start_height - 1, the last one at t = 0 and
        # cumulative work 0 (only differences of work matter).
        for back in range(self.size):
            slot = (start_height - 1 - back) % self.size
            self.work[slot] = -back * d0
            self.time[slot] = -back * prehistory_interval_s
        self.last_slot = (start_height - 1) % self.size
        self.span = np.empty(n)
        self.out = np.empty(n)

    def after_block(
        self, height: int, timestamp: FloatArray, difficulty: FloatArray
    ) -> FloatArray | None:
        slot = height % self.size
        np.add(self.work[self.last_slot], difficulty, out=self.work[slot])
        self.time[slot] = timestamp
        self.last_slot = slot
        last = (height - self.lag) % self.size
        first = (height - self.lag - self.window) % self.size
        np.subtract(self.time[last], self.time[first], out=self.span)
        np.maximum(self.span, self.lo, out=self.span)
        np.minimum(self.span, self.hi, out=self.span)
        np.subtract(self.work[last], self.work[first], out=self.out)
        self.out *= self.spacing
        self.out /= self.span
        np.maximum(self.out, 1.0, out=self.out)
        return self.out
