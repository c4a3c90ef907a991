"""Difficulty retarget rules, the package's one rule type, vectorized over paths.

A rule is a small frozen dataclass; :meth:`RetargetRule.start` returns a tracker
holding the per-path state of one run, paths at any heights (the engine's
block network, :class:`hashwinter.engine.BlockNetwork`, moves each path at its
own pace). After the paths where ``found`` mined their block number ``index``
of the run (height ``start_height + index``) at times ``t``,
``tracker.after_blocks(found, index, t, d)`` sets, in place in ``d``, the
difficulty of those paths' next block. Time 0 is when the last block before the
run (``start_height - 1``) was found, and the blocks before it are assumed to
have come every ``prehistory_interval_s`` seconds at the starting difficulty.

A tracker is called once per round of the network's block loop, in which every
path finds at most one block: rules that act only now and then (Bitcoin's every
2016 blocks) use this to skip rounds in which no path can reach a retarget.

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

__all__ = ["BitcoinRule", "PathTracker", "RetargetRule", "RollingWindowRule"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class PathTracker(Protocol):
    """Per-path state of one rule during one run (paths may be at different heights)."""

    def after_blocks(
        self, found: npt.NDArray[np.bool_] | None, index: int | IntArray,
        timestamp: FloatArray, difficulty: FloatArray,
    ) -> None:
        """Record block ``index[i]`` of the run on each path ``i`` where ``found``.

        Parameters
        ----------
        found : ndarray of bool (n,) or None
            Paths that found a block in this round (at most one each); None: all.
        index : int or ndarray of int (n,)
            Blocks each path found before this one: the block's height is
            ``start_height + index``; an int when all paths that found one are at
            the same block (paths in lockstep, the block-clock case: no gathers). [blocks]
        timestamp : ndarray (n,)
            When each found block was found (others: ignored). [s]
        difficulty : ndarray (n,)
            Difficulty of each path's block; set in place to the next block's
            difficulty where ``found`` (others are left alone).

        """
        ...


class RetargetRule(Protocol):
    """A difficulty adjustment algorithm (the one rule type of the package).

    ``start`` tracks paths block by block (the engine's block-resolution
    network, :class:`hashwinter.engine.BlockNetwork`, and through it the
    block-time studies). Window rules also offer
    ``window_retarget(difficulty, window_seconds)`` for the engine's
    expected-value network.
    """

    @property
    def name(self) -> str:
        """Short label used in reports, e.g. ``"bitcoin"``."""
        ...

    def start(
        self, d0: FloatArray, start_height: int, prehistory_interval_s: float
    ) -> PathTracker:
        """Return a tracker for paths (1-d) from ``start_height`` with difficulties ``d0``."""
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
    ) -> _BitcoinPaths:
        """Return a tracker; the window in progress began ``start_height % 2016`` blocks ago."""
        window_start = start_height - start_height % self.interval
        # Time of the window's first block, counting back from block start_height - 1 at t = 0.
        first = -(start_height - 1 - window_start) * prehistory_interval_s
        return _BitcoinPaths(self.interval, start_height, np.full(d0.shape[0], float(first)))


class _BitcoinPaths:
    """State of :class:`BitcoinRule`: when each path's current window began.

    ``skip`` counts the rounds in which no path can reach a window's first or last
    block (each round moves a path by one block at most): those rounds cost nothing.
    """

    def __init__(self, interval: int, start_height: int, first_time: FloatArray) -> None:
        self.interval = interval
        self.start_height = start_height
        self.first_time = first_time
        self.skip = self._distance(np.full(1, start_height % interval))

    def _distance(self, position: IntArray) -> int:
        """Return the rounds before any path at ``position`` (in its window) reaches its end."""
        to_open = (-position) % self.interval
        to_close = (self.interval - 1 - position) % self.interval
        return int(np.minimum(to_open, to_close).min())

    def after_blocks(
        self, found: npt.NDArray[np.bool_] | None, index: int | IntArray,
        timestamp: FloatArray, difficulty: FloatArray,
    ) -> None:
        if isinstance(index, int):
            self._lockstep(found, (index + self.start_height) % self.interval, timestamp,
                           difficulty)
            return
        if self.skip > 0:
            self.skip -= 1
            return
        found_ = np.ones(difficulty.shape, dtype=bool) if found is None else found
        position = (index + self.start_height) % self.interval
        opens = found_ & (position == 0)
        if opens.any():
            np.copyto(self.first_time, timestamp, where=opens)
        closes = found_ & (position == self.interval - 1)
        if closes.any():
            new = retarget_difficulty(difficulty, timestamp - self.first_time)
            np.copyto(difficulty, new, where=closes)
        # Where each path's next block falls in its window.
        self.skip = self._distance((position + found_) % self.interval)

    def _lockstep(self, found: npt.NDArray[np.bool_] | None, position: int,
                  timestamp: FloatArray, difficulty: FloatArray) -> None:
        if position == 0:
            if found is None:
                self.first_time[:] = timestamp
            else:
                np.copyto(self.first_time, timestamp, where=found)
        elif position == self.interval - 1:
            new = retarget_difficulty(difficulty, timestamp - self.first_time)
            if found is None:
                difficulty[:] = new
            else:
                np.copyto(difficulty, new, where=found)


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
    ) -> _RollingPaths:
        """Return a tracker whose history holds earlier blocks at ``d0``, one per spacing."""
        return _RollingPaths(self, d0, start_height, prehistory_interval_s)


class _RollingPaths:
    """Ring buffers of cumulative work and timestamps, ``(size, n)``, slot = height mod size.

    The size is a power of two above ``window + 2`` (a mask instead of a modulo).
    Paths in lockstep share a slot (whole rows, as a block clock does); paths at
    their own heights gather and scatter their slots. A round writes every path's
    pending slot (paths without a block write the cumulative work their block will
    have, and a time overwritten when they find it): the slot held a block ``size``
    back, older than any the rule reads.
    """

    def __init__(
        self,
        rule: RollingWindowRule,
        d0: FloatArray,
        start_height: int,
        prehistory_interval_s: float,
    ) -> None:
        self.lag = 1 if rule.median_of_three else 0
        self.back = self.lag + rule.window
        size = 1 << int(np.ceil(np.log2(rule.window + 3)))
        self.mask = size - 1
        self.start_height = start_height
        self.spacing = float(rule.spacing_s)
        self.lo = 0.5 * rule.window * self.spacing if rule.clamp else 0.0
        self.hi = 2.0 * rule.window * self.spacing if rule.clamp else np.inf
        n = d0.shape[0]
        self.n = n
        self.work = np.empty((size, n))
        self.time = np.empty((size, n))
        # Blocks start_height - size .. start_height - 1, the last one at t = 0 and
        # cumulative work 0 (only differences of work matter).
        for back in range(size):
            slot = (start_height - 1 - back) & self.mask
            self.work[slot] = -back * d0
            self.time[slot] = -back * prehistory_interval_s
        self.cols = np.arange(n, dtype=np.int64)
        self.at = np.empty(n, dtype=np.int64)
        self.slot = np.empty(n, dtype=np.int64)
        self.span = np.empty(n)
        self.out = np.empty(n)

    def after_blocks(
        self, found: npt.NDArray[np.bool_] | None, index: int | IntArray,
        timestamp: FloatArray, difficulty: FloatArray,
    ) -> None:
        span, out = self.span, self.out
        if isinstance(index, int):
            height = self.start_height + index
            now = self.work[height & self.mask]
            np.add(self.work[(height - 1) & self.mask], difficulty, out=now)
            self.time[height & self.mask] = timestamp
            last = (height - self.lag) & self.mask
            first = (height - self.back) & self.mask
            np.subtract(self.time[last], self.time[first], out=span)
            last_work, first_work = self.work[last], self.work[first]
        else:
            flat_w, flat_t = self.work.reshape(-1), self.time.reshape(-1)
            slot, at = self.slot, self.at
            np.add(index, self.start_height - 1, out=slot)  # the previous block's height
            np.bitwise_and(slot, self.mask, out=at)
            at *= self.n
            at += self.cols
            previous = flat_w.take(at)
            last_time = flat_t.take(at)
            slot += 1
            np.bitwise_and(slot, self.mask, out=at)
            at *= self.n
            at += self.cols
            work_now = previous + difficulty
            flat_w.put(at, work_now)
            flat_t.put(at, timestamp)
            if self.lag:
                last_work = previous
            else:
                last_work, last_time = work_now, timestamp
            slot -= self.back
            np.bitwise_and(slot, self.mask, out=at)
            at *= self.n
            at += self.cols
            np.subtract(last_time, flat_t.take(at), out=span)
            first_work = flat_w.take(at)
        np.maximum(span, self.lo, out=span)
        np.minimum(span, self.hi, out=span)
        np.subtract(last_work, first_work, out=out)
        out *= self.spacing
        out /= span
        np.maximum(out, 1.0, out=out)
        if found is None:
            difficulty[:] = out
        else:
            np.copyto(difficulty, out, where=found)
