"""The network seen by a run: exogenous (history) or endogenous (retargets by the rule).

Both kinds answer two questions per step:

* :meth:`observe` — what one H/s is expected to earn in the coming step, with
  what is known at its start (the policy decides on it);
* :meth:`advance` — what one H/s did earn during the step, given the farm's
  running hashrate, and how many coins the whole network issued.

The **exogenous** network reads difficulty, subsidy, fees and blocks per day
from a :class:`~hashwinter.engine.market.DailyMarket`; the farm does not move
it. The **endogenous** network is the seam for the network-wide simulation:
its hashrate is the sum of the running cohorts plus the rest of the world, an
expected-value block clock advances the height, and every 2016 blocks the
difficulty retargets with the protocol's rule (:func:`hashwinter.chain.retarget_difficulty`).
When a retarget (or a halving) falls inside a step the step is split at the
exact crossing, so the new difficulty (or subsidy) applies from that block on.
The rest of the world is a table per day, or a :class:`RestOfWorld` model
that answers from the network's state at the start of each step (miners
switching on and off with the expected revenue of a hash, on each path).

Arrays are shaped ``(V, P)`` (variants, paths) or broadcastable to it.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol, cast, runtime_checkable

import numpy as np
import numpy.typing as npt

from hashwinter.blockclock.rules import BitcoinRule, RetargetRule
from hashwinter.chain import HALVING_INTERVAL, reward_per_hash, subsidy_at
from hashwinter.engine.clock import Clock
from hashwinter.engine.market import DailyMarket
from hashwinter.errors import InputError
from hashwinter.units import HASHES_PER_DIFFICULTY, SECONDS_PER_DAY, TARGET_BLOCK_INTERVAL_S

__all__ = [
    "EndogenousNetwork",
    "EndogenousState",
    "ExogenousNetwork",
    "Network",
    "NetworkStep",
    "RestOfWorld",
    "RetargetRule",
    "bitcoin_retarget",
]

FloatArray = npt.NDArray[np.float64]


def bitcoin_retarget(difficulty: FloatArray, window_seconds: FloatArray) -> FloatArray:
    """Bitcoin's retarget for a window that took ``window_seconds`` for 2016 blocks.

    The same as ``BitcoinRule().window_retarget``: Bitcoin Core measures the span from
    the window's first to its last block, i.e. 2015 of the 2016 intervals; with a
    continuous clock that is ``window_seconds * 2015 / 2016``. Then
    :func:`hashwinter.chain.retarget_difficulty`.

    Parameters
    ----------
    difficulty : ndarray
        Difficulty of the finished window. [dimensionless]
    window_seconds : ndarray
        Time from the window's first block to the retarget block. [s]

    Returns
    -------
    ndarray
        New difficulty. [dimensionless]

    """
    return BitcoinRule().window_retarget(difficulty, window_seconds)


@dataclasses.dataclass(frozen=True)
class NetworkStep:
    """What happened on the network during one step.

    Attributes
    ----------
    reward_per_hash : ndarray (V|1, P|1)
        Coins (subsidy + fees, before pool fee) one H/s earned in the step.
        [coin/(H/s)]
    issuance : ndarray (V|1, P|1)
        Coins the whole network issued in the step (subsidy + fees). [coin]
    network_hashrate : ndarray (V|1, P|1)
        Hashrate of the whole network in the step. [H/s]
    difficulty : ndarray (V|1, P|1)
        Difficulty in force at the end of the step. [dimensionless]
    height : ndarray (V|1, P|1) or None
        Expected block height at the end of the step (endogenous only). [blocks]

    """

    reward_per_hash: FloatArray
    issuance: FloatArray
    network_hashrate: FloatArray
    difficulty: FloatArray
    height: FloatArray | None = None


class Network(Protocol):
    """What the engine needs from a network model."""

    @property
    def endogenous(self) -> bool:
        """Whether the run's cohorts move the network (read-only)."""
        ...

    def init_state(self, n_variants: int, n_paths: int) -> object:
        """Return the network's dynamic state at the start of the run."""
        ...

    def observe(self, state: object, step: int) -> FloatArray:
        """Return expected coins per H/s in ``step``, known at its start, (V|1, P|1)."""
        ...

    def advance(
        self, state: object, step: int, farm_hashrate: FloatArray,
        price: FloatArray | None = None, running: FloatArray | None = None,
    ) -> tuple[object, NetworkStep]:
        """Advance one step; return the new state and what happened.

        Parameters
        ----------
        state : object
            What :meth:`init_state` or the previous step returned.
        step : int
            Step index.
        farm_hashrate : ndarray (V, P)
            Effective hashrate of the run's running cohorts. [H/s]
        price : ndarray (P,), optional
            Coin price known at the step's start (the previous day's close) in the
            run currency. [currency/coin]
        running : ndarray (V, P, C), optional
            Machines running in each cohort in the step (the fleet). [machines]

        """
        ...

    def take_paths(self, paths: slice | npt.NDArray[np.int64]) -> Network:
        """Return the same network restricted to some paths."""
        ...


@runtime_checkable
class RestOfWorld(Protocol):
    """Hashrate outside the run's cohorts that depends on the network's state.

    Called once per step with the state at the step's start, so it can only use
    what is known then (no look-ahead); within a step the answer is held.
    """

    def hashrate(self, day: int, difficulty: FloatArray, height: FloatArray,
                 price: FloatArray | None = None) -> FloatArray:
        """Return the rest of the world's hashrate [H/s], broadcastable to (V, P).

        Parameters
        ----------
        day : int
            Day of the step (index into the run's days).
        difficulty : ndarray (V, P)
            Difficulty in force at the start of the step. [dimensionless]
        height : ndarray (V, P)
            Expected block height at the start of the step. [blocks]
        price : ndarray (1, P), optional
            Coin price known at the step's start (the previous day's close), in
            the run currency. [currency/coin]

        """
        ...

    def take_paths(self, paths: slice | npt.NDArray[np.int64]) -> RestOfWorld:
        """Return the same model restricted to some paths."""
        ...


@dataclasses.dataclass(frozen=True)
class ExogenousNetwork:
    """Difficulty, reward and blocks from a daily market; the farm does not move them.

    The expected coins of hashrate ``h`` in a step of ``dt`` seconds are
    ``h * dt / (D * 2**32) * (subsidy + fees)``: that is exactly the farm's share
    ``h / H`` of the day's issuance when the network hashrate is taken as
    ``H = D * 2**32 * blocks / 86400`` (Coin Metrics' definition).

    Parameters
    ----------
    market : DailyMarket
        Days of the run (same days as ``clock``).
    clock : Clock
        The run's steps.

    """

    market: DailyMarket
    clock: Clock
    endogenous: bool = dataclasses.field(default=False, init=False)

    def __post_init__(self) -> None:
        if self.market.n_days != self.clock.n_days or self.market.dates[0] != self.clock.dates[0]:
            raise InputError("market and clock must cover the same days", field="market")

    def _day_values(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        m = self.market
        dt = self.clock.step_seconds
        reward = m.subsidy + m.fees_per_block
        rho = dt * reward_per_hash(m.difficulty, reward)
        issuance = m.blocks_per_day * dt / SECONDS_PER_DAY * reward
        return rho, issuance, m.network_hashrate, np.broadcast_to(m.difficulty, rho.shape)

    def init_state(self, n_variants: int, n_paths: int) -> object:
        """Return the per-day tables (the exogenous network has no dynamic state)."""
        return self._day_values()

    def observe(self, state: object, step: int) -> FloatArray:
        """Return expected coins per H/s in ``step`` at the previous day's difficulty and reward.

        On the first day the day itself is used (nothing earlier is in the run).
        """
        rho = cast(tuple[FloatArray, ...], state)[0]
        day = max(int(self.clock.day_of_step[step]) - 1, 0)
        return np.asarray(rho[:, day][None, :])

    def advance(
        self, state: object, step: int, farm_hashrate: FloatArray,
        price: FloatArray | None = None, running: FloatArray | None = None,
    ) -> tuple[object, NetworkStep]:
        """Return the step's reward per hash, issuance and network hashrate from history."""
        rho, issuance, hashrate, difficulty = cast(tuple[FloatArray, ...], state)
        day = int(self.clock.day_of_step[step])
        return state, NetworkStep(
            reward_per_hash=rho[None, :, day],
            issuance=issuance[None, :, day],
            network_hashrate=hashrate[None, :, day],
            difficulty=difficulty[None, :, day],
        )

    def take_paths(self, paths: slice | npt.NDArray[np.int64]) -> ExogenousNetwork:
        """Return the network of some paths."""
        return ExogenousNetwork(self.market.take_paths(paths), self.clock)


@dataclasses.dataclass
class EndogenousState:
    """Dynamic state of an endogenous network, arrays shaped (V, P).

    Attributes
    ----------
    difficulty : ndarray
        Difficulty in force. [dimensionless]
    height : ndarray
        Expected block height (fractional: an expected-value clock). [blocks]
    window_elapsed : ndarray
        Time since the first block of the current retarget window. [s]
    retargets : ndarray of int
        Retargets so far.

    """

    difficulty: FloatArray
    height: FloatArray
    window_elapsed: FloatArray
    retargets: npt.NDArray[np.int64]


def _per_day(values: npt.ArrayLike, n_days: int, name: str) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full((1, n_days), float(arr))
    elif arr.ndim == 1:
        arr = arr[None, :]
    if arr.shape[-1] != n_days or arr.ndim != 2:
        raise InputError(f"must be shaped (paths, {n_days}) or a scalar", field=name)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise InputError("must be finite and >= 0", field=name)
    return arr


@dataclasses.dataclass(frozen=True)
class EndogenousNetwork:
    """A network whose hashrate is the running cohorts plus the rest of the world.

    Blocks arrive at the expected rate ``H / (D * 2**32)`` per second; every
    ``interval`` blocks the difficulty is replaced by ``rule(D, window time)``;
    the subsidy follows the halving schedule at the current height. Steps are
    split at the exact block where a retarget or a halving happens.

    Parameters
    ----------
    clock : Clock
        The run's steps.
    difficulty : float or array_like (P,)
        Difficulty in force at the start. [dimensionless]
    height : int
        Block height at the start. [blocks]
    rest_of_world : float, array_like (P|1, D) or RestOfWorld
        Hashrate not in the run's cohorts: per day, or a model of the state
        (:class:`RestOfWorld`) asked at the start of every step. [H/s]
    fees_per_block : float or array_like (P|1, D), default 0
        Fees per block, per day. [coin/block]
    window_elapsed : float, optional
        Time since the current window's first block; by default the blocks of the
        window so far are assumed to have come every 600 s. [s]
    rule : RetargetRule, default BitcoinRule()
        The package's retarget-rule type (:mod:`hashwinter.blockclock.rules`); this
        expected-value clock uses the window rules (``window_retarget`` and
        ``interval``): Bitcoin's. A per-block rule (cw-144) needs a block-resolution
        network (not built yet) and is refused.
    interval : int, optional
        Blocks per retarget window (default: the rule's).

    """

    clock: Clock
    difficulty: FloatArray | float
    height: int
    rest_of_world: FloatArray | float | RestOfWorld
    fees_per_block: FloatArray | float = 0.0
    window_elapsed: float | None = None
    rule: RetargetRule = dataclasses.field(default_factory=BitcoinRule)
    interval: int | None = None
    endogenous: bool = dataclasses.field(default=True, init=False)

    def __post_init__(self) -> None:
        n = self.clock.n_days
        if not callable(getattr(self.rule, "window_retarget", None)):
            raise InputError(f"rule {self.rule.name!r} retargets every block: it needs a "
                             "block-resolution network (this one is an expected-value "
                             "clock of whole windows)", field="rule")
        if self.interval is None:
            object.__setattr__(self, "interval", int(getattr(self.rule, "interval")))  # noqa: B009
        if not isinstance(self.rest_of_world, RestOfWorld):
            object.__setattr__(self, "rest_of_world",
                               _per_day(self.rest_of_world, n, "rest_of_world"))  # fmt: skip
        object.__setattr__(self, "fees_per_block", _per_day(self.fees_per_block, n,
                                                            "fees_per_block"))
        diff = np.atleast_1d(np.asarray(self.difficulty, dtype=np.float64))
        if diff.ndim != 1 or not np.all(np.isfinite(diff)) or np.any(diff <= 0):
            raise InputError("must be > 0 (one value or one per path)", field="difficulty")
        object.__setattr__(self, "difficulty", diff)
        if self.height < 0 or self.window < 1:
            raise InputError("height must be >= 0 and interval >= 1", field="height")

    @property
    def window(self) -> int:
        """Blocks per retarget window."""
        assert self.interval is not None  # set in __post_init__
        return self.interval

    def init_state(self, n_variants: int, n_paths: int) -> EndogenousState:
        """Return the state at the start of the run, shaped (V, P)."""
        shape = (n_variants, n_paths)
        diff = np.asarray(self.difficulty)
        elapsed = self.window_elapsed
        if elapsed is None:
            elapsed = float(self.height % self.window) * TARGET_BLOCK_INTERVAL_S
        return EndogenousState(
            difficulty=np.broadcast_to(diff[None, :], shape).copy(),
            height=np.full(shape, float(self.height)),
            window_elapsed=np.full(shape, float(elapsed)),
            retargets=np.zeros(shape, dtype=np.int64),
        )

    def _fees(self, step: int) -> FloatArray:
        fees = np.asarray(self.fees_per_block)
        return fees[None, :, int(self.clock.day_of_step[step])]

    def observe(self, state: object, step: int) -> FloatArray:
        """Return expected coins per H/s in ``step`` at the difficulty and subsidy in force.

        Fees are the previous day's (the current day's on the first day).
        """
        st: EndogenousState = state  # type: ignore[assignment]
        day = max(int(self.clock.day_of_step[step]) - 1, 0)
        fees = np.asarray(self.fees_per_block)[None, :, day]
        reward = subsidy_at(np.floor(st.height).astype(np.int64)) + fees
        return self.clock.step_seconds * reward_per_hash(st.difficulty, reward)

    def advance(
        self, state: object, step: int, farm_hashrate: FloatArray,
        price: FloatArray | None = None, running: FloatArray | None = None,
    ) -> tuple[EndogenousState, NetworkStep]:
        """Advance the block clock by one step, splitting it at retargets and halvings.

        Parameters
        ----------
        state : EndogenousState
            State at the start of the step (not modified).
        step : int
            Step index.
        farm_hashrate : ndarray (V, P)
            Effective hashrate of all running cohorts. [H/s]
        price : ndarray (P,), optional
            Price known at the step's start, passed on to a :class:`RestOfWorld`.
        running : ndarray (V, P, C), optional
            The fleet (not needed here: the farm's hashrate says it all).

        """
        st: EndogenousState = state  # type: ignore[assignment]
        day = int(self.clock.day_of_step[step])
        # Per-day arrays were made ndarrays in __post_init__; anything else is a RestOfWorld
        # (an isinstance check against the runtime Protocol costs ~50 us a step).
        if isinstance(self.rest_of_world, np.ndarray):
            rest = self.rest_of_world[None, :, day]
        else:
            seen = None if price is None else np.asarray(price)[None, :]
            model = cast(RestOfWorld, self.rest_of_world)
            rest = model.hashrate(day, st.difficulty, st.height, seen)
        total = np.broadcast_to(np.asarray(farm_hashrate, dtype=np.float64) + rest,
                                st.difficulty.shape)
        fees = np.broadcast_to(self._fees(step), total.shape)
        diff = st.difficulty.copy()
        height = st.height.copy()
        elapsed = st.window_elapsed.copy()
        retargets = st.retargets.copy()
        remaining = np.full(total.shape, self.clock.step_seconds)
        rho = np.zeros(total.shape)
        issuance = np.zeros(total.shape)
        for _ in range(10_000):  # a step cannot span more boundaries than this
            active = remaining > 0
            if not active.any():
                break
            rate = total / (diff * HASHES_PER_DIFFICULTY)  # blocks per second
            next_retarget = (np.floor(height / self.window) + 1) * self.window
            next_halving = (np.floor(height / HALVING_INTERVAL) + 1) * HALVING_INTERVAL
            boundary = np.minimum(next_retarget, next_halving)
            with np.errstate(divide="ignore", invalid="ignore"):
                to_boundary = np.where(rate > 0, (boundary - height) / rate, np.inf)
            crosses = active & (to_boundary <= remaining)
            seg = np.where(crosses, to_boundary, remaining)
            reward = subsidy_at(np.floor(height).astype(np.int64)) + fees
            rho += seg * reward_per_hash(diff, reward)
            issuance += seg * rate * reward
            height = np.where(crosses, boundary, height + seg * rate)
            elapsed += seg
            remaining = np.where(crosses, remaining - seg, 0.0)
            at_retarget = crosses & (boundary == next_retarget)
            if at_retarget.any():
                new_diff = self.rule.window_retarget(diff, elapsed)  # type: ignore[attr-defined]
                diff = np.where(at_retarget, new_diff, diff)
                elapsed = np.where(at_retarget, 0.0, elapsed)
                retargets += at_retarget
        else:  # pragma: no cover - only with absurd hashrates
            raise InputError("hashrate too large: more than 10,000 retargets in one step",
                             field="rest_of_world")
        new = EndogenousState(diff, height, elapsed, retargets)
        return new, NetworkStep(
            reward_per_hash=rho,
            issuance=issuance,
            network_hashrate=total,
            difficulty=diff,
            height=height,
        )

    def take_paths(self, paths: slice | npt.NDArray[np.int64]) -> EndogenousNetwork:
        """Return the network of some paths."""

        def pick(a: FloatArray) -> FloatArray:
            return a if a.shape[0] == 1 else a[paths]

        rest = self.rest_of_world
        if isinstance(rest, RestOfWorld):
            rest = rest.take_paths(paths)
        else:
            rest = pick(np.asarray(rest))
        return dataclasses.replace(
            self,
            difficulty=pick(np.asarray(self.difficulty)),
            rest_of_world=rest,
            fees_per_block=pick(np.asarray(self.fees_per_block)),
        )
