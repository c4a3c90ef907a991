"""Block-time studies as a mode of the engine: a run with no machines on a block network.

For each block, on every path: the miners see the coin price and the difficulty,
so the expected revenue per hash ``R = price * reward / (D * 2^32)``; the hash
supply function turns it into a hashrate ``H``; the block takes
``Exp(1) * D * 2^32 / H`` seconds; the price moves over that interval as a GBM;
the retarget rule then sets the next block's difficulty. That is the
:class:`~hashwinter.engine.blocks.BlockNetwork` of the engine's run loop: here
its rules are the run's variants and it carries its own price, the run has one
empty cohort, and each path stops after ``n_blocks`` blocks (or at the horizon).

All rules of a run share the same random numbers (the same exponential draw for
block ``h`` of path ``p``, the same normal for its price move), so differences
between rules are not sampling noise: this is how Noda, Okumura & Hashimoto
compare algorithms too (one set of price paths and exponentials for all rules).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from hashwinter.blockclock.rules import RetargetRule
from hashwinter.engine.blockresult import BlockClockResult
from hashwinter.engine.blocks import BlockNetwork, BlockPrice, BlockState
from hashwinter.engine.clock import Clock
from hashwinter.engine.cohorts import Cohorts
from hashwinter.engine.market import DailyMarket
from hashwinter.engine.policy import Policies
from hashwinter.engine.run import run
from hashwinter.engine.spec import EngineSpec, Owners
from hashwinter.errors import InputError
from hashwinter.market.gbm import GBM
from hashwinter.network.supply import HashSupply
from hashwinter.units import SECONDS_PER_DAY, TARGET_BLOCK_INTERVAL_S

__all__ = ["simulate_blocks"]

FloatArray = npt.NDArray[np.float64]
_EPOCH = np.datetime64("2000-01-01")


def _check_inputs(
    rules: Sequence[RetargetRule], n_paths: int, n_blocks: int, start_height: int,
    trace_every: int | None,
) -> None:
    if not rules:
        raise InputError("needs at least one retarget rule", field="rules")
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise InputError(f"rule names must be unique (got {names})", field="rules")
    for value, field, minimum in (
        (n_paths, "n_paths", 1),
        (n_blocks, "n_blocks", 1),
        (start_height, "start_height", 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
            raise InputError(f"must be a whole number >= {minimum} (got {value!r})", field=field)
    if trace_every is not None and (
        isinstance(trace_every, bool) or not isinstance(trace_every, int) or trace_every < 1
    ):
        raise InputError(f"must be a whole number >= 1 (got {trace_every!r})", field="trace_every")


def _empty_fleet() -> Cohorts:
    """One cohort of no machines: the study's run has nothing of its own to mine."""
    one, zero = np.ones(1), np.zeros(1)
    return Cohorts(label=("none",), model=("none",), site=("none",), hashrate=one, power=zero,
                   count=zero, owner=np.zeros(1, dtype=np.int64),
                   start_step=np.zeros(1, dtype=np.int64),
                   capex_step=np.full(1, -1, dtype=np.int64), unit_price=zero, uptime=one,
                   pue=one, pool_fee=zero, management_fee=zero, hosting_fee=zero,
                   restart_cost=zero)


def _run_days(n_blocks: int, horizon_s: float | None) -> int:
    """Days of the study's run: to the horizon, or the blocks at the target pace.

    The network runs ahead (it finds every block at the first step), so the days only
    bound what the steps book: blocks after the run's last day are in no step.
    """
    seconds = horizon_s if horizon_s is not None else n_blocks * TARGET_BLOCK_INTERVAL_S
    return int(np.ceil(seconds / SECONDS_PER_DAY)) + 1


def simulate_blocks(
    rules: Sequence[RetargetRule],
    supply: HashSupply,
    price: GBM,
    *,
    n_paths: int,
    n_blocks: int,
    d0: float,
    start_height: int = 0,
    fees_per_block: float = 0.0,
    prehistory_interval_s: float = TARGET_BLOCK_INTERVAL_S,
    horizon_s: float | None = None,
    trace_every: int | None = None,
    rng: np.random.Generator | None = None,
    draws: tuple[FloatArray, FloatArray] | None = None,
) -> BlockClockResult:
    """Simulate ``n_blocks`` blocks on ``n_paths`` paths under each rule, on the engine.

    Parameters
    ----------
    rules : sequence of RetargetRule
        Difficulty adjustment algorithms to compare (e.g. ``BitcoinRule()``,
        ``RollingWindowRule()``); all start from the same state and share draws.
    supply : HashSupply
        Hashrate [H/s] as a function of expected revenue per hash [currency per hash].
    price : GBM
        Price process: ``price.s0`` at time 0, then stepped exactly over each block
        interval with ``price.mu`` [1/day] and ``price.sigma`` [1/sqrt(day)]
        (``price.dt_days`` is not used: the step is the block interval).
    n_paths : int
        Independent paths.
    n_blocks : int
        Blocks per path (the most, with a horizon).
    d0 : float
        Difficulty of the first block. [dimensionless]
    start_height : int, default 0
        Height of the first block: sets the subsidy (halvings) and where the first
        block falls in Bitcoin's 2016-block window.
    fees_per_block : float, default 0
        Fees added to the subsidy in the miners' reward. [coin per block]
    prehistory_interval_s : float, default 600
        Spacing assumed for the blocks before the run (the rules look back). [s]
    horizon_s : float, optional
        Count only blocks that start before this time (Noda et al. stop at
        12,096 * 10 minutes). [s]
    trace_every : int, optional
        Record a snapshot every this many blocks (memory: 5 floats per path,
        rule and snapshot).
    rng : numpy.random.Generator, optional
        Source of randomness: per chunk of
        :data:`~hashwinter.engine.blockdraws.DRAW_CHUNK_BLOCKS` blocks an
        ``(chunk, n_paths)`` array of standard exponentials, then one of standard
        normals. Required unless ``draws`` is given.
    draws : tuple of ndarray, optional
        ``(exponentials, normals)``, each ``(n_blocks, n_paths)``: explicit random
        numbers instead of ``rng`` (for tests against independent loops).

    Returns
    -------
    BlockClockResult
        Per-path statistics for each rule (and the trace, if asked).

    """
    _check_inputs(rules, n_paths, n_blocks, start_height, trace_every)
    if draws is None and rng is None:
        raise InputError("give rng (or explicit draws)", field="rng")
    if draws is not None and (
        draws[0].shape != (n_blocks, n_paths) or draws[1].shape != (n_blocks, n_paths)
    ):
        raise InputError(f"each must be shaped ({n_blocks}, {n_paths})", field="draws")
    if not (np.isfinite(d0) and d0 >= 1.0):
        raise InputError(f"must be a finite number >= 1 (got {d0!r})", field="d0")
    clock = Clock(_EPOCH + np.arange(_run_days(n_blocks, horizon_s)))
    network = BlockNetwork(
        clock, float(d0), start_height, supply, tuple(rules),
        seed=rng if rng is not None else 0, price=BlockPrice(price.s0, price.mu, price.sigma),
        fees_per_block=fees_per_block, max_blocks=n_blocks, horizon_s=horizon_s,
        trace_every=trace_every, prehistory_interval_s=prehistory_interval_s, draws=draws,
        ahead=True)
    market = DailyMarket.constant(clock.dates, price=price.s0, difficulty=d0, subsidy=0.0)
    # The paths' axis (the network moves its own price; the market's is not read).
    market = market.with_price_paths(np.broadcast_to(price.s0, (n_paths, clock.n_days)))
    spec = EngineSpec(clock, market, _empty_fleet(), Owners.single(clock.n_steps),
                      np.zeros((clock.n_steps, 1)), network)
    state = run(spec, Policies([]), check=False).network_state
    assert isinstance(state, BlockState)
    trace = state.trace
    empty = np.zeros((len(rules), n_paths, 0), dtype=np.float32)
    return BlockClockResult(
        rules=tuple(rule.name for rule in rules),
        start_height=start_height,
        n_blocks=n_blocks,
        count=state.count,
        total_s=state.total_s,
        sumsq_s2=state.sumsq_s2,
        max_interval_s=state.longest_s,
        end_time_s=state.last_time,
        end_difficulty=state.difficulty,
        end_price=state.price,
        trace_height=trace.height if trace is not None else np.zeros(0, dtype=np.int64),
        trace_interval_s=trace.interval_s if trace is not None else empty,
        trace_time_s=trace.time_s if trace is not None else empty.copy(),
        trace_difficulty=trace.difficulty if trace is not None else empty.copy(),
        trace_hashrate=trace.hashrate if trace is not None else empty.copy(),
        trace_price=trace.price if trace is not None else empty.copy(),
    )
