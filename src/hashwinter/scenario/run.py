"""Run block-clock scenarios in chunks on an executor, identically on any of them.

A scenario (or each grid point of a sweep) is built once in the calling
process into a :class:`BlockClockJob` (rules, supply, price, clock settings);
its paths are cut into chunks of ``chunk_paths``, chunk ``i`` seeded by child
``i`` of ``SeedSequence(seed)``. Every grid point uses the same seeds (common
random numbers), so differences between grid points are not sampling noise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from concurrent.futures import Executor

import numpy as np
from rich.console import Console

from hashwinter.blockclock import BlockClockResult, RetargetRule, simulate_blocks
from hashwinter.errors import InputError
from hashwinter.market import GBM
from hashwinter.network import HashSupply
from hashwinter.parallel import child_seeds, chunk_sizes, run_chunks
from hashwinter.scenario.build import build_price, build_rules, build_supply
from hashwinter.scenario.config import BlockClockNetwork
from hashwinter.scenario.load import LoadedScenario
from hashwinter.units import SECONDS_PER_DAY, TARGET_BLOCK_INTERVAL_S

__all__ = [
    "BlockClockChunk",
    "BlockClockJob",
    "blockclock_job",
    "chunk_generator",
    "run_blockclock",
    "simulate_chunk",
    "simulate_chunk_on_engine",
]


@dataclasses.dataclass(frozen=True)
class BlockClockJob:
    """Everything one block-clock run needs, built and picklable."""

    rules: tuple[RetargetRule, ...]
    supply: HashSupply
    price: GBM
    n_blocks: int
    d0: float
    start_height: int
    fees_per_block: float
    prehistory_interval_s: float
    horizon_s: float | None
    trace_every: int | None


@dataclasses.dataclass(frozen=True)
class BlockClockChunk:
    """One chunk: a job, how many paths, and the chunk's seed."""

    job: BlockClockJob
    n_paths: int
    seed: np.random.SeedSequence


def blockclock_job(loaded: LoadedScenario) -> BlockClockJob:
    """Build the job of a block-clock scenario."""
    config = loaded.config
    net = config.network
    if not isinstance(net, BlockClockNetwork):
        raise InputError("is not 'blockclock'", field="network.mode", source=loaded.source)
    price = build_price(config.price, base_dir=loaded.base_dir)
    assert isinstance(price, GBM)  # cross-field validation requires a GBM here
    return BlockClockJob(
        rules=tuple(build_rules(net.rules)),
        supply=build_supply(net.supply),
        price=price,
        n_blocks=net.blocks,
        d0=net.difficulty,
        start_height=net.start_height,
        fees_per_block=net.fees_per_block,
        prehistory_interval_s=net.prehistory_interval_s,
        horizon_s=None if net.horizon_days is None else net.horizon_days * SECONDS_PER_DAY,
        trace_every=net.trace_every or None,
    )


def chunk_generator(seed: np.random.SeedSequence) -> np.random.Generator:
    """Return the generator of a chunk: SFC64 seeded by the chunk's SeedSequence.

    SFC64 rather than numpy's default PCG64: the block clock draws two numbers per
    path and block, and numpy's SFC64 (Doty-Humphrey's small fast chaotic generator,
    which numpy documents as passing standard test batteries) draws them ~10-15 %
    faster here.
    """
    return np.random.Generator(np.random.SFC64(seed))


def simulate_chunk(chunk: BlockClockChunk) -> BlockClockResult:
    """Run one chunk (a module-level function: it is sent to the workers)."""
    job = chunk.job
    return simulate_blocks(
        list(job.rules),
        job.supply,
        job.price,
        n_paths=chunk.n_paths,
        n_blocks=job.n_blocks,
        d0=job.d0,
        start_height=job.start_height,
        fees_per_block=job.fees_per_block,
        prehistory_interval_s=job.prehistory_interval_s,
        horizon_s=job.horizon_s,
        trace_every=job.trace_every,
        rng=chunk_generator(chunk.seed),
    )


def simulate_chunk_on_engine(
    chunk: BlockClockChunk, *, days: int | None = None
) -> BlockClockResult:
    """Run one chunk as a mode of the engine: a :class:`~hashwinter.engine.BlockNetwork` run.

    The same study as :func:`simulate_chunk` (same model, other random draws): for
    each rule, an engine run with no machines of its own (one empty cohort) on a
    block-resolution network that carries the scenario's price (a GBM stepped per
    block) and hash supply, stopping each path after ``n_blocks`` blocks. No trace
    and no horizon (use :func:`simulate_chunk` for those).

    Parameters
    ----------
    chunk : BlockClockChunk
        The job and its paths.
    days : int, optional
        Days the engine runs at first (default: 8 x the blocks at 10 minutes); while
        a path has not found its blocks the run is repeated with twice the days (the
        draws of a day do not depend on the days after it, so the first days repeat
        exactly).

    """
    from hashwinter.engine import (
        BlockNetwork,
        BlockPrice,
        BlockState,
        Clock,
        Cohorts,
        DailyMarket,
        EngineSpec,
        Owners,
        run,
    )
    from hashwinter.farm.policies import AlwaysOn

    job = chunk.job
    if job.horizon_s is not None or job.trace_every is not None:
        raise InputError("the engine mode has no horizon or trace", field="network")
    # Steps after every path is done cost little: start long enough for a mean block time
    # 8 x the target, rather than repeat runs.
    n_days = days if days is not None else int(
        np.ceil(job.n_blocks * TARGET_BLOCK_INTERVAL_S * 8 / SECONDS_PER_DAY))
    one, zero = np.ones(1), np.zeros(1)
    empty = Cohorts(label=("none",), model=("none",), site=("none",), hashrate=one, power=zero,
                    count=zero, owner=np.zeros(1, dtype=np.int64),
                    start_step=np.zeros(1, dtype=np.int64),
                    capex_step=np.full(1, -1, dtype=np.int64), unit_price=zero, uptime=one,
                    pue=one, pool_fee=zero, management_fee=zero, hosting_fee=zero,
                    restart_cost=zero)
    price = BlockPrice(job.price.s0, job.price.mu, job.price.sigma)
    parts: list[BlockState] = []
    for rule in job.rules:
        length = n_days
        for _ in range(20):
            dates = np.datetime64("2000-01-01") + np.arange(length)
            clock = Clock(dates)
            market = DailyMarket.constant(dates, price=job.price.s0, difficulty=job.d0,
                                          subsidy=0.0)
            market = market.with_price_paths(np.full((chunk.n_paths, length), job.price.s0))
            network = BlockNetwork(
                clock, job.d0, job.start_height, job.supply, rule, seed=chunk.seed,
                price=price, fees_per_block=job.fees_per_block, max_blocks=job.n_blocks,
                prehistory_interval_s=job.prehistory_interval_s)
            spec = EngineSpec(clock, market, empty, Owners.single(clock.n_steps),
                              np.zeros((clock.n_steps, 1)), network)
            state = run(spec, AlwaysOn(), check=False).network_state
            assert isinstance(state, BlockState)
            if (state.count >= job.n_blocks).all():
                break
            length *= 2
        parts.append(state)  # type: ignore[arg-type]  # the last run's, checked above
    rows = len(parts)
    empty_trace = np.zeros((rows, chunk.n_paths, 0), dtype=np.float32)
    return BlockClockResult(
        rules=tuple(rule.name for rule in job.rules),
        start_height=job.start_height,
        n_blocks=job.n_blocks,
        count=np.stack([p.count[0] for p in parts]),
        total_s=np.stack([p.total_s[0] for p in parts]),
        sumsq_s2=np.stack([p.sumsq_s2[0] for p in parts]),
        max_interval_s=np.stack([p.longest_s[0] for p in parts]),
        end_time_s=np.stack([p.last_time[0] for p in parts]),
        end_difficulty=np.stack([p.difficulty[0] for p in parts]),
        end_price=np.stack([p.price[0] for p in parts]),
        trace_height=np.zeros(0, dtype=np.int64),
        trace_interval_s=empty_trace,
        trace_time_s=empty_trace.copy(),
        trace_difficulty=empty_trace.copy(),
        trace_hashrate=empty_trace.copy(),
        trace_price=empty_trace.copy(),
    )


def run_blockclock(
    scenarios: Sequence[LoadedScenario],
    executor: Executor,
    *,
    progress: bool = True,
    console: Console | None = None,
) -> list[BlockClockResult]:
    """Run block-clock scenarios (e.g. a sweep's grid points); one result per scenario.

    Parameters
    ----------
    scenarios : sequence of LoadedScenario
        Validated block-clock scenarios; each is cut into chunks of its
        ``chunk_paths`` and seeded from its ``seed``.
    executor : concurrent.futures.Executor
        Where the chunks run.
    progress : bool, default True
        Show a progress bar per finished chunk.
    console : rich.console.Console, optional
        Where to draw it.

    Returns
    -------
    list of BlockClockResult
        In the order of ``scenarios``, paths in chunk order.

    """
    payloads: list[BlockClockChunk] = []
    owners: list[int] = []
    for index, loaded in enumerate(scenarios):
        job = blockclock_job(loaded)
        sizes = chunk_sizes(loaded.config.paths, loaded.config.chunk_paths)
        for size, seed in zip(sizes, child_seeds(loaded.config.seed, len(sizes)), strict=True):
            payloads.append(BlockClockChunk(job=job, n_paths=size, seed=seed))
            owners.append(index)
    label = "blocks" if len(scenarios) == 1 else f"{len(scenarios)} scenarios"
    results = run_chunks(
        executor, simulate_chunk, payloads, description=label, progress=progress, console=console
    )
    grouped: list[list[BlockClockResult]] = [[] for _ in scenarios]
    for owner, result in zip(owners, results, strict=True):
        grouped[owner].append(result)
    return [BlockClockResult.concat(parts) for parts in grouped]
