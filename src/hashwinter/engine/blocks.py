"""A network at block resolution inside the engine's steps: Poisson blocks, any retarget rule.

Each path of each variant mines its own sequence of blocks. A block's interval
is drawn when the previous block is found, ``Exp(1) · D · 2^32 / H``, with
``H`` the network's hashrate then: the run's running cohorts plus the rest of
the world's hash supply of the expected revenue of a hash at that moment
(``price · reward / (D · 2^32)``). The block belongs to the engine step in which
it is found; when it is found the retarget rule
(:class:`hashwinter.blockclock.rules.RetargetRule`, per path: Bitcoin's 2016-block
rule, cw-144, ...) sets the next block's difficulty and, if the network carries
its own price (:class:`BlockPrice`), the price moves over the interval by an
exact GBM step. Cohort flows stay per step: the run's cohorts earn
``h · Σ reward_b / H_b`` over the blocks ``b`` found in the step (their
expected share of each block). The network keeps per-path block statistics
(count, sum and sum of squares of intervals, the longest), so the block-clock
studies (docs/scenarios.md) are a mode of the engine:
:func:`hashwinter.scenario.run.simulate_chunk_on_engine`.

State arrays are ``(V, P)``; the only Python loop inside a step is over blocks
(a step of a day holds about 144), never over variants or paths.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from hashwinter.blockclock.rules import PathTracker, RetargetRule
from hashwinter.chain import HALVING_INTERVAL, reward_per_hash, subsidy_at
from hashwinter.engine.clock import Clock
from hashwinter.engine.network import NetworkStep
from hashwinter.errors import InputError
from hashwinter.network.supply import HashSupply
from hashwinter.units import HASHES_PER_DIFFICULTY, SECONDS_PER_DAY, TARGET_BLOCK_INTERVAL_S

__all__ = ["BlockNetwork", "BlockPrice", "BlockState"]

FloatArray = npt.NDArray[np.float64]
#: Subsidy of each halving era (the era's first block), looked up per block: cheaper than
#: :func:`hashwinter.chain.subsidy_at` inside the block loop, and the same numbers.
_ERA_SUBSIDY = subsidy_at(np.arange(70, dtype=np.int64) * HALVING_INTERVAL)


def _subsidy(height: npt.NDArray[np.int64]) -> FloatArray:
    return np.asarray(_ERA_SUBSIDY[np.minimum(height // HALVING_INTERVAL, 69)])


@dataclasses.dataclass(frozen=True)
class BlockPrice:
    """A price the network moves block by block: a GBM from ``s0``.

    Attributes
    ----------
    s0 : float
        Price at the start. [currency/coin]
    mu_per_day, sigma_per_day : float
        Drift [1/day] and volatility [1/sqrt(day)]; over an interval of ``dt``
        seconds the log price moves by ``(mu - sigma²/2)·dt/86400 + sigma·sqrt(dt/86400)·z``.

    """

    s0: float
    mu_per_day: float = 0.0
    sigma_per_day: float = 0.0


@dataclasses.dataclass
class BlockState:
    """Per-path state of a :class:`BlockNetwork`, arrays (V, P).

    Attributes
    ----------
    difficulty : ndarray
        Difficulty of the pending block. [dimensionless]
    height : ndarray of int
        Height of the pending block. [blocks]
    last_time, next_time : ndarray
        When the last block was found, and when the pending one will be (since
        the run's start). [s]
    pending_hashrate : ndarray
        Network hashrate the pending interval was drawn with. [H/s]
    price : ndarray
        The network's price (its own GBM, or the engine's last known price). [currency/coin]
    count, total_s, sumsq_s2, longest_s : ndarray
        Blocks found, sum and sum of squares of their intervals, the longest. [-], [s], [s²], [s]
    started : bool
        Whether the first intervals were drawn (at the first step, with its fleet).

    """

    difficulty: FloatArray
    height: npt.NDArray[np.int64]
    last_time: FloatArray
    next_time: FloatArray
    pending_hashrate: FloatArray
    price: FloatArray
    count: npt.NDArray[np.int64]
    total_s: FloatArray
    sumsq_s2: FloatArray
    longest_s: FloatArray
    tracker: PathTracker
    rng: np.random.Generator
    started: bool = False


@dataclasses.dataclass(frozen=True, eq=False)
class BlockNetwork:
    """A block-resolution network (see the module docstring).

    Parameters
    ----------
    clock : Clock
        The run's steps.
    difficulty : float
        Difficulty of the first block. [dimensionless]
    height : int
        Height of the first block. [blocks]
    supply : HashSupply
        The rest of the world's hashrate [H/s] from the expected revenue of a hash
        [currency per hash].
    rule : RetargetRule
        Any rule of :mod:`hashwinter.blockclock.rules`.
    seed : int or numpy.random.SeedSequence
        Seed of the block draws (an exponential, and a normal if the price moves,
        per path and block).
    price : BlockPrice, optional
        The network's own block-by-block price; by default the engine's last
        known price (the previous day's close, held within the day).
    fees_per_block : float, default 0
        [coin per block]
    max_blocks : int, optional
        Blocks per path after which the path's network stops (a block-clock study
        of N blocks); the run's cohorts then earn nothing.
    prehistory_interval_s : float, default 600
        Spacing of the blocks before the run, for the rule's look-back. [s]

    """

    clock: Clock
    difficulty: float
    height: int
    supply: HashSupply
    rule: RetargetRule
    seed: int | np.random.SeedSequence = 0
    price: BlockPrice | None = None
    fees_per_block: float = 0.0
    max_blocks: int | None = None
    prehistory_interval_s: float = TARGET_BLOCK_INTERVAL_S
    endogenous: bool = dataclasses.field(default=True, init=False)

    def __post_init__(self) -> None:
        if not np.isfinite(self.difficulty) or self.difficulty <= 0:
            raise InputError("must be > 0", field="difficulty")
        if self.height < 0:
            raise InputError("must be >= 0", field="height")
        if self.max_blocks is not None and self.max_blocks < 1:
            raise InputError("must be >= 1", field="max_blocks")
        if self.price is not None and (not self.price.s0 > 0 or self.price.sigma_per_day < 0):
            raise InputError("s0 must be > 0 and sigma >= 0", field="price")

    def init_state(self, n_variants: int, n_paths: int) -> BlockState:
        """Return the state before the first block, shaped (V, P)."""
        shape = (n_variants, n_paths)
        d0 = np.full(shape, float(self.difficulty))
        tracker = self.rule.start_paths(d0.reshape(-1), self.height, self.prehistory_interval_s)
        seed = self.seed if isinstance(self.seed, np.random.SeedSequence) else (
            np.random.SeedSequence(self.seed))
        s0 = self.price.s0 if self.price is not None else np.nan
        zeros = np.zeros(shape)
        return BlockState(
            difficulty=d0, height=np.full(shape, self.height, dtype=np.int64),
            last_time=zeros.copy(), next_time=np.full(shape, np.inf),
            pending_hashrate=zeros.copy(), price=np.full(shape, s0),
            count=np.zeros(shape, dtype=np.int64), total_s=zeros.copy(),
            sumsq_s2=zeros.copy(), longest_s=zeros.copy(), tracker=tracker,
            rng=np.random.Generator(np.random.SFC64(seed)),
        )

    def observe(self, state: object, step: int) -> FloatArray:
        """Return expected coins per H/s in ``step`` at the pending block's difficulty."""
        st: BlockState = state  # type: ignore[assignment]
        reward = _subsidy(st.height) + self.fees_per_block
        return self.clock.step_seconds * reward_per_hash(st.difficulty, reward)

    def _draw(self, st: BlockState, where: npt.NDArray[np.bool_], farm: FloatArray) -> None:
        """Draw the pending interval of the paths ``where`` (their last block is just found)."""
        reward = _subsidy(st.height) + self.fees_per_block
        revenue = st.price * reward_per_hash(st.difficulty, reward)
        hashrate = np.asarray(self.supply(revenue)) + farm
        e = st.rng.standard_exponential(st.difficulty.shape)
        with np.errstate(divide="ignore"):
            interval = e * st.difficulty * HASHES_PER_DIFFICULTY / hashrate
        st.next_time = np.where(where, st.last_time + interval, st.next_time)
        st.pending_hashrate = np.where(where, hashrate, st.pending_hashrate)

    def advance(
        self, state: object, step: int, farm_hashrate: FloatArray,
        price: FloatArray | None = None, running: FloatArray | None = None,
    ) -> tuple[BlockState, NetworkStep]:
        """Find every block of the step, path by path; return what the cohorts earned."""
        st: BlockState = state  # type: ignore[assignment]
        shape = st.difficulty.shape
        farm = np.broadcast_to(np.asarray(farm_hashrate, dtype=np.float64), shape)
        if self.price is None:
            if price is None:
                raise InputError("a BlockNetwork without its own price needs the engine's",
                                 field="price")
            st.price = np.broadcast_to(np.asarray(price, dtype=np.float64)[None, :], shape).copy()
        live = np.ones(shape, dtype=bool) if self.max_blocks is None else (
            st.count < self.max_blocks)
        if not st.started:
            self._draw(st, live, farm)
            st.started = True
        step_end = (step + 1) * self.clock.step_seconds
        rho = np.zeros(shape)
        issuance = np.zeros(shape)
        moves = self.price is not None and (self.price.sigma_per_day > 0
                                            or self.price.mu_per_day != 0)
        for _ in range(1_000_000):
            found = live & (st.next_time <= step_end)
            if not found.any():
                break
            # Paths without a block now have an infinite pending time: keep them out of it.
            interval = np.where(found, st.next_time - st.last_time, 0.0)
            reward = _subsidy(st.height) + self.fees_per_block
            rho += np.where(found, reward / st.pending_hashrate, 0.0)
            issuance += np.where(found, reward, 0.0)
            st.count = st.count + found
            st.total_s = np.where(found, st.total_s + interval, st.total_s)
            st.sumsq_s2 = np.where(found, st.sumsq_s2 + interval * interval, st.sumsq_s2)
            st.longest_s = np.where(found, np.maximum(st.longest_s, interval), st.longest_s)
            if moves:
                assert self.price is not None
                days = interval / SECONDS_PER_DAY
                z = st.rng.standard_normal(shape)
                mu, sigma = self.price.mu_per_day, self.price.sigma_per_day
                step_px = np.exp((mu - 0.5 * sigma**2) * days + sigma * np.sqrt(days) * z)
                st.price = np.where(found, st.price * step_px, st.price)
            flat = found.reshape(-1)
            new_d = st.tracker.after_blocks(flat, st.height.reshape(-1),
                                            st.next_time.reshape(-1), st.difficulty.reshape(-1))
            st.difficulty = new_d.reshape(shape)
            st.last_time = np.where(found, st.next_time, st.last_time)
            st.height = st.height + found
            if self.max_blocks is not None:
                live = st.count < self.max_blocks
            st.next_time = np.where(found, np.inf, st.next_time)
            self._draw(st, found & live, farm)
        # The hashrate whose share of the step's issuance the cohorts' coins are.
        with np.errstate(divide="ignore", invalid="ignore"):
            seen = np.where(rho > 0, issuance / rho, st.pending_hashrate)
        return st, NetworkStep(reward_per_hash=rho, issuance=issuance, network_hashrate=seen,
                               difficulty=st.difficulty.copy(),
                               height=st.height.astype(np.float64))

    def take_paths(self, paths: slice | npt.NDArray[np.int64]) -> BlockNetwork:
        """Return the same network (its paths are drawn from its seed, per run)."""
        return self
