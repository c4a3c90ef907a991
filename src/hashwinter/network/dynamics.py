"""The network run: the population on the engine, one step per day, all paths at once.

* every farm unplugs below its shutdown price and plugs back above it, with hysteresis
  (:class:`~hashwinter.farm.policies.ShutdownPricePolicy`, at its own tariff);
* the second-hand market clears each day (:class:`~hashwinter.network.trading.SecondHandMarket`);
* hashrate is the sum of the running cohorts (the farms are the whole network: no rest
  of the world); blocks arrive at the expected rate and the difficulty retargets by
  Bitcoin's rule (:class:`~hashwinter.engine.network.EndogenousNetwork` with its
  ``BitcoinRule``), starting from the real difficulty, window position and fees; or,
  as ``[network]`` chooses, Poisson blocks and/or another rule (cw-144) on the
  block-resolution network (:mod:`hashwinter.network.chainmodel`);
* owners whose cash runs out are broke (the engine's treasury): their machines stop and
  the market liquidates them;
* the price is the history path (btc_daily.csv) or geometric Brownian motion from the
  start day's price (with the optional impact feedback of network.impact);
* the makers, when the scenario has any (network.makers), sell new machines to the
  farms and mine their unsold inventory.

The engine's conservation checks (cash = flows, machine counts per cohort) run on
every run; :class:`~hashwinter.network.recorder.NetworkRecorder` adds the network's
(coins mined = issuance, machines sold = bought in every tier).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.economics.revenue import revenue_per_day
from hashwinter.engine.chunks import concat_paths
from hashwinter.engine.clock import Clock
from hashwinter.engine.cohorts import Cohorts
from hashwinter.engine.market import DailyMarket
from hashwinter.engine.policy import Policies, Policy
from hashwinter.engine.run import RunResult, run
from hashwinter.engine.spec import EngineSpec, Owners
from hashwinter.errors import InputError
from hashwinter.farm.policies import ShutdownPricePolicy
from hashwinter.market import BlockBootstrap, log_returns
from hashwinter.network.chainmodel import scenario_network
from hashwinter.network.clearing import price_grid
from hashwinter.network.config import NetworkScenario
from hashwinter.network.habits import hedging, network_treasury
from hashwinter.network.impact import solve_impact
from hashwinter.network.maker_population import add_makers, maker_policy
from hashwinter.network.migration import MigrationPlan, SeasonalMove, migration_plan
from hashwinter.network.population import Population, build_population, read_btc_daily
from hashwinter.network.recorder import NetworkRecord, NetworkRecorder, concat_records
from hashwinter.network.restart import ExitOnSale, MinimumOffTime
from hashwinter.network.trading import SecondHandMarket
from hashwinter.parallel.tasks import chunk_sizes, run_chunks

__all__ = [
    "ANCHOR_DATE",
    "ANCHOR_HEIGHT",
    "ChunkResult",
    "NetworkChunk",
    "NetworkRun",
    "chain_position",
    "chunk_count",
    "price_paths",
    "run_chunk",
    "run_network",
    "size_classes",
]

FloatArray = npt.NDArray[np.float64]

#: Block 550,368 (a retarget) was mined on 2018-11-17 (the −7.4 % retarget of issue 15).
ANCHOR_HEIGHT = 550_368
ANCHOR_DATE = pd.Timestamp("2018-11-17")
#: Farm-size classes: the farms holding the smallest, middle and largest third of the
#: machines at the start (fixed bounds in machines would leave a class empty: farm sizes
#: are scaled to the network).
SIZE_LABELS = ("small farms", "middle farms", "large farms")


@dataclasses.dataclass(frozen=True)
class NetworkRun:
    """A network run's inputs and results."""

    scenario: NetworkScenario
    population: Population
    dates: npt.NDArray[np.datetime64]
    price: FloatArray
    history: pd.DataFrame
    record: NetworkRecord
    result: RunResult
    size_labels: tuple[str, ...] = SIZE_LABELS
    #: Height of the run's first block (chain_position). [blocks]
    start_height: int = 0


def chain_position(daily: pd.DataFrame, start: pd.Timestamp) -> tuple[int, float]:
    """Return the block height and the time into the retarget window at ``start``.

    The window's start is the last day before ``start`` on which the difficulty changed
    (its blocks counted half: the retarget falls mid-day on average); the height is
    the multiple of 2016 nearest to the anchor (block 550,368 on 2018-11-17) moved by
    the blocks of btc_daily.csv in between, plus the blocks since the window started.

    Returns
    -------
    height : int
        Block height. [blocks]
    elapsed : float
        Time since the window's first block. [s]

    """
    before = daily.loc[:start - pd.Timedelta(days=1)]
    changed = before.index[before["difficulty"].diff().fillna(0) != 0]
    if len(changed) == 0:
        raise InputError("no retarget in the history before the start", field="start")
    first = changed[-1]
    blocks = before.loc[first:, "blocks"].to_numpy(np.float64)
    into = float(blocks.sum() - blocks[0] / 2)
    days = float((start - first).days) - 0.5
    if first >= ANCHOR_DATE:
        moved = float(daily.loc[ANCHOR_DATE:first, "blocks"].sum())
    else:
        moved = -float(daily.loc[first:ANCHOR_DATE - pd.Timedelta(days=1), "blocks"].sum())
    window_start = ANCHOR_HEIGHT + 2016 * round(moved / 2016)
    n = round(min(into, 2015))
    return window_start + n, days * 86400.0


def price_paths(scenario: NetworkScenario, history: pd.DataFrame, dates: pd.DatetimeIndex,
                n_paths: int) -> FloatArray:
    """Return the price paths (P, D) [USD/BTC], from the start's price.

    The history, or GBM, or a block bootstrap of the history's returns before the start;
    drawn for all paths at once, so a path's price does not depend on the chunking.
    """
    real = history.loc[dates, "price"].to_numpy(np.float64)
    pc = scenario.price
    if pc.kind == "history":
        return np.broadcast_to(real, (n_paths, real.size)).copy()
    rng = np.random.default_rng(pc.seed)
    if pc.kind == "bootstrap":
        end = (pd.Timestamp(pc.fit_end) if pc.fit_end is not None
               else dates[0] - pd.Timedelta(days=1))
        window = history.loc[pd.Timestamp(pc.fit_start):end, "price"]
        if len(window) <= pc.block_length:
            raise InputError(f"the window holds {len(window)} days of prices, not more than "
                             f"block_length ({pc.block_length})", field="price.fit_start")
        process = BlockBootstrap(float(real[0]), log_returns(window), pc.block_length)
        return np.asarray(process.simulate(n_paths, real.size - 1, rng))
    dt = 1.0 / 365.25
    shocks = rng.standard_normal((n_paths, real.size - 1))
    steps = (pc.drift - pc.volatility**2 / 2) * dt + pc.volatility * np.sqrt(dt) * shocks
    log = np.concatenate([np.zeros((n_paths, 1)), np.cumsum(steps, axis=1)], axis=1)
    return np.asarray(real[0] * np.exp(log))


def _starting_coins(scenario: NetworkScenario, pop: Population,
                    hist: pd.DataFrame) -> FloatArray:
    """Return each owner's coins at the start: ``coin_days`` of its first day's mining."""
    first = hist.iloc[0]
    per_machine = np.asarray(revenue_per_day(pop.tier_hashrate, float(first["difficulty"]),
                                             float(first["subsidy"]), 1.0,
                                             float(first["fees_per_block"])))
    daily = np.bincount(pop.cohort_owner, weights=pop.cohort_count
                        * per_machine[pop.cohort_tier], minlength=pop.n_farms)
    return np.asarray(daily * scenario.habits.coin_days, dtype=np.float64)


def size_classes(machines: FloatArray) -> tuple[npt.NDArray[np.int64], tuple[str, ...]]:
    """Return each farm's size class and the classes' labels (with their farms and sizes).

    Farms sorted by size; a farm is in class ``k`` when the machines of the farms smaller
    than it plus half its own fall in the ``k``-th third of all machines.
    """
    order = np.argsort(machines, kind="stable")
    cum = np.cumsum(machines[order])
    mid = (cum - machines[order] / 2) / cum[-1]
    cls = np.empty(machines.size, np.int64)
    cls[order] = np.minimum((mid * 3).astype(np.int64), 2)
    labels = []
    for k, name in enumerate(SIZE_LABELS):
        m = machines[cls == k]
        labels.append(f"{name} ({m.size}, {m.min():,.0f}-{m.max():,.0f} machines)" if m.size
                      else f"{name} (none)")
    return cls, tuple(labels)


def run_network(
    scenario: NetworkScenario, folder: Path, *, n_paths: int = 1,
    progress: Callable[[int], None] | None = None,
    history: pd.DataFrame | None = None,
    chunk_paths: int | None = None,
    executor: Executor | None = None,
    engine: str = "auto",
) -> NetworkRun:
    """Build the population and run the network through the scenario's days.

    Paths run in chunks of ``chunk_paths`` (each a whole engine run on its paths, so the
    working memory is one chunk's); paths are independent and every path's price is
    drawn here, keyed by its index, so the results do not depend on the chunking or on
    where the chunks ran (to rounding, 1e-12 relative; with price impact each chunk
    solves its own paths' fixed point: equal within the solver's tolerance, 1e-10).

    Parameters
    ----------
    scenario : NetworkScenario
        The scenario (validated).
    folder : Path
        Folder of the public data.
    n_paths : int, default 1
        Price paths (GBM); the history price is the same on every path.
    progress : callable, optional
        Called with the number of days done, over all chunks (``n_days`` per chunk and
        engine pass; see :func:`chunk_count`). Not called when the chunks run on an
        ``executor``.
    history : pandas.DataFrame, optional
        :func:`~hashwinter.network.population.read_btc_daily` output (read when omitted).
    chunk_paths : int, optional
        Paths per chunk (default: all paths in one chunk).
    executor : concurrent.futures.Executor, optional
        Where the chunks run (:func:`hashwinter.parallel.open_executor`: a process pool
        or a Dask cluster), with a progress bar per chunk; default: here, one after
        the other.
    engine : {"auto", "numpy", "compiled"}, default "auto"
        The engine's step loop (:func:`~hashwinter.engine.run.run`): ``"auto"`` takes the
        compiled kernel whenever it covers the run (no second-hand market, makers or
        hedgers: the endogenous network's loop, kernel.network_run; it is cached on disk,
        so it pays at any size) and numpy otherwise; ``RunResult.path`` and ``.fallback``
        say which ran.

    """
    if n_paths < 1:
        raise InputError(f"must be >= 1 (got {n_paths})", field="paths")
    history = read_btc_daily(folder) if history is None else history
    start, end = pd.Timestamp(scenario.start), pd.Timestamp(scenario.end)
    if end not in history.index:
        raise InputError(f"btc_daily.csv ends before {scenario.end}", field="end")
    pop = build_population(scenario, folder, history)
    dates = pd.date_range(start, end, freq="D")
    prices = price_paths(scenario, history, dates, n_paths)
    bounds = np.cumsum([0, *chunk_sizes(n_paths, chunk_paths or n_paths)])
    chunks = [NetworkChunk(scenario, folder, pop, history, prices[lo:hi], engine,
                           first_path=int(lo))
              for lo, hi in itertools.pairwise(bounds)]
    if executor is not None:
        parts = run_chunks(executor, run_chunk, chunks, description="network chunks")
    else:
        parts = [run_chunk(chunk, _shifted(progress, i * dates.size))
                 for i, chunk in enumerate(chunks)]
    record = concat_records([p.record for p in parts])
    result = concat_paths([p.result for p in parts], [record])
    return NetworkRun(scenario=scenario, population=parts[0].population, dates=parts[0].dates,
                      price=np.concatenate([p.prices for p in parts]),
                      history=parts[0].history, record=record, result=result,
                      size_labels=parts[0].size_labels, start_height=parts[0].start_height)


def _shifted(progress: Callable[[int], None] | None,
             offset: int) -> Callable[[int], None] | None:
    """Return ``progress`` counting ``offset`` more days (the chunks before this one)."""
    if progress is None:
        return None
    call = progress

    def shifted(done: int) -> None:
        call(offset + done)

    return shifted


def chunk_count(n_paths: int, chunk_paths: int | None) -> int:
    """Return how many chunks :func:`run_network` runs."""
    return len(chunk_sizes(n_paths, chunk_paths or n_paths))


@dataclasses.dataclass(frozen=True)
class NetworkChunk:
    """What one chunk of paths needs (picklable: it travels to a worker)."""

    scenario: NetworkScenario
    folder: Path
    population: Population
    history: pd.DataFrame
    prices: FloatArray
    engine: str = "auto"
    #: Index of the chunk's first path in the run (its paths' Poisson blocks).
    first_path: int = 0


@dataclasses.dataclass(frozen=True)
class ChunkResult:
    """One chunk's outputs (``prices``: after the impact feedback, when there is one)."""

    population: Population
    dates: npt.NDArray[np.datetime64]
    history: pd.DataFrame
    prices: FloatArray
    record: NetworkRecord
    result: RunResult
    size_labels: tuple[str, ...]
    start_height: int = 0


def _migration(scenario: NetworkScenario, pop: Population, folder: Path,
               dates: npt.NDArray[np.datetime64], tariff: FloatArray) -> MigrationPlan | None:
    """Return the ``[migration]`` plan of the cohorts (None when it is off)."""
    cfg = scenario.migration
    if not cfg.enabled:
        return None
    assert pop.farm_quantile is not None and pop.farm_premium is not None
    assert pop.region_tariff is not None
    weight = pop.cohort_count * pop.tier_hashrate[pop.cohort_tier]
    return migration_plan(cfg, folder, pop.regions, pop.cohort_owner, weight,
                          pop.farm_region, pop.farm_quantile, pop.farm_premium,
                          pop.region_tariff, dates, pop.dry_months, tariff,
                          scenario.population.seed)


def run_chunk(chunk: NetworkChunk,
              progress: Callable[[int], None] | None = None) -> ChunkResult:
    """Run the network on one chunk's paths (module-level: an executor pickles it)."""
    scenario, folder, pop, history = chunk.scenario, chunk.folder, chunk.population, chunk.history
    start, end = pd.Timestamp(scenario.start), pd.Timestamp(scenario.end)
    n_real = pop.n_farms
    makers = None
    if scenario.makers.maker:
        pop, makers = add_makers(pop, scenario.makers)
    dates = pd.date_range(start, end, freq="D")
    clock = Clock(dates.to_numpy().astype("datetime64[D]"))
    prices = chunk.prices
    hist = history.loc[dates]
    height, elapsed = chain_position(history, start)
    network = scenario_network(
        scenario.network, clock, difficulty=float(hist["difficulty"].to_numpy(np.float64)[0]),
        height=height, elapsed_s=elapsed,
        fees_per_block=hist["fees_per_block"].to_numpy(np.float64),
        first_path=chunk.first_path, n_paths=prices.shape[0])
    c = pop.cohort_owner.size
    owner, tier = pop.cohort_owner, pop.cohort_tier
    owner_names = (tuple(f"farm {o}" for o in range(n_real))
                   + tuple(m.name for m in scenario.makers.maker))
    labels = tuple(f"{owner_names[o]} / {pop.tier_model[k]}"
                   for o, k in zip(owner, tier, strict=True))
    pc = scenario.population
    # Where each cohort is (its owner's site, or its host's: a maker's hosted machines).
    place = owner if makers is None else makers.place(owner)
    hosting_fee, host = np.zeros(c), np.full(c, -1, np.int64)
    if makers is not None and makers.hosted_cohort.size:
        fees = np.array([m.hosting_fee_per_machine_day for m in scenario.makers.maker])
        hosting_fee[makers.hosted_cohort] = fees[makers.hosted_maker]
        host[makers.hosted_cohort] = makers.hosted_host
    cohorts = Cohorts(
        label=labels, model=tuple(pop.tier_model[k] for k in tier),
        site=tuple(pop.regions[pop.farm_region[o]] for o in place),
        hashrate=pop.tier_hashrate[tier], power=pop.tier_power[tier], count=pop.cohort_count,
        owner=owner, start_step=np.zeros(c, np.int64), capex_step=np.full(c, -1, np.int64),
        unit_price=np.zeros(c), uptime=np.ones(c), pue=np.full(c, pc.pue),
        pool_fee=np.zeros(c),
        management_fee=np.full(c, pc.overhead_per_machine_day), hosting_fee=hosting_fee,
        restart_cost=np.zeros(c), host=host)
    dry = np.isin(dates.month.to_numpy(), pop.dry_months)
    tariff = np.where(dry[:, None], pop.farm_dry_tariff[place][None, :],
                      pop.farm_tariff[place][None, :])
    plan = _migration(scenario, pop, folder, clock.dates, tariff)
    if plan is not None:
        tariff = plan.tariff
    daily_power = (pop.cohort_count * pop.tier_power[tier] * pc.pue * 24 / 1000
                   * tariff[0])
    power_by_farm = np.bincount(owner, weights=daily_power, minlength=pop.n_farms)
    fixed = np.broadcast_to(pop.farm_machines * pc.fixed_cost_per_machine_day,
                            (clock.n_steps, pop.n_farms))
    starting_cash = power_by_farm * pc.cash_days
    if makers is not None:
        starting_cash[makers.maker_owner] += [m.starting_cash for m in scenario.makers.maker]
    owners = Owners(names=owner_names,
                    starting_cash=np.asarray(starting_cash, dtype=np.float64),
                    starting_coins=_starting_coins(scenario, pop, hist), fixed_costs=fixed,
                    site_capex=np.zeros((clock.n_steps, pop.n_farms)))
    dyn = scenario.dynamics
    parts: list[Policy] = [ShutdownPricePolicy(dyn.off_below, dyn.on_above)]
    if dyn.min_off_days > 0:
        parts.append(MinimumOffTime(dyn.min_off_days))
    mc = scenario.market
    if mc.enabled and mc.sellers_exit:
        parts.append(ExitOnSale(mc.sell_after_days))
    if plan is not None:
        # After the restart delay (a move is not an unplugging), before the market (a
        # dark cohort's machines are off, so offered after market.sell_after_days).
        mig = scenario.migration
        parts.append(SeasonalMove(plan.dry, plan.left, plan.sister, mig.transit_days,
                                  mig.cost_per_machine))
    mc = scenario.market
    if mc.enabled:
        n_tiers = pop.tier_hashrate.size
        parts.append(SecondHandMarket(
            tier=tier, owner=owner, capacity=pop.cohort_count * (1 + mc.spare_slots),
            grid=price_grid(np.full(n_tiers, mc.scrap_floor), np.full(n_tiers, mc.price_cap),
                            mc.bins),
            sell_after_days=mc.sell_after_days, payback_days=mc.payback_days,
            cash_share=mc.cash_share,
            offers=None if makers is None else ~np.isin(
                np.arange(c), np.concatenate([makers.maker_cohort, makers.hosted_cohort])),
            ship_days=mc.ship_days,
            scrap_after_days=(math.inf if mc.scrap_after_days is None
                              else mc.scrap_after_days),
            scrap_value=mc.scrap_floor, short_cash_days=mc.short_cash_days,
            dark=None if plan is None else plan.dry,
            dark_sells=scenario.migration.dark_sites_sell))
    farm_class, size_labels = size_classes(pop.farm_machines[:n_real])
    size_class = np.concatenate([farm_class, np.full(pop.n_farms - n_real, 3, np.int64)])
    if makers is not None:
        parts.append(maker_policy(scenario, pop, makers, folder, history))
        # The makers' own mining is a size class of its own ("mine in a bear market").
        size_labels = (*size_labels, "makers")
    recorder = NetworkRecorder(tier, pop.farm_region[place], size_class[owner],
                               pop.tier_hashrate.size, len(pop.regions), len(size_labels),
                               pop.tier_hashrate[tier],
                               None if makers is None else makers.maker_cohort,
                               power=pop.tier_power[tier],
                               region_by_day=None if plan is None else plan.region,
                               hosted=None if makers is None else (makers.hosted_cohort,
                                                                   makers.hosted_maker),
                               dry=None if plan is None else plan.dry)
    treasury = network_treasury(scenario.habits, pop.farm_machines[:n_real], pop.n_farms)
    hedge = hedging(scenario.habits, pop.farm_machines[:n_real], pop.n_farms, cohorts, clock,
                    owner_names)
    instruments = []
    if hedge is not None:
        parts.append(hedge[0])
        instruments = hedge[1]

    def once(price: FloatArray) -> tuple[RunResult, FloatArray]:
        market = DailyMarket(
            dates=clock.dates, price=price, difficulty=hist["difficulty"].to_numpy(np.float64),
            subsidy=hist["subsidy"].to_numpy(np.float64),
            fees_per_block=hist["fees_per_block"].to_numpy(np.float64),
            blocks_per_day=hist["blocks"].to_numpy(np.float64), currency="USD")
        spec = EngineSpec(clock, market, cohorts, owners, tariff, network=network)
        engine = chunk.engine
        reason = None
        if engine == "auto":
            # Not the engine's size threshold: the endogenous loop loads from numba's
            # disk cache, and at the twin's size it already runs ~40x the numpy loop.
            from hashwinter.engine.kernel.support import compiled_plan

            step, reason = compiled_plan(spec, Policies(parts), treasury, [recorder],
                                         instruments)
            engine = "compiled" if step is not None else "numpy"
        out = run(spec, Policies(parts), treasury=treasury, recorders=[recorder],
                  progress=progress, engine=engine, instruments=instruments)
        if reason is not None:  # why "auto" fell back, not "numpy was asked for"
            out = dataclasses.replace(out, fallback=reason)
        rec = out.records[0]
        assert isinstance(rec, NetworkRecord)
        return out, rec.net_sold

    if scenario.price.impact > 0:
        result, prices = solve_impact(once, prices, scenario.price.impact)
    else:
        result, _ = once(prices)
    record = result.records[0]
    assert isinstance(record, NetworkRecord)
    for name, arr in (("hashrate", record.hashrate), ("difficulty", record.difficulty)):
        bad = ~(np.isfinite(arr) & (arr > 0))
        if bad.any():
            day, path = (int(i[0]) for i in np.nonzero(bad))
            raise InputError(f"the run diverged: network {name} is {arr[day, path]:.6g} on "
                             f"{pd.Timestamp(dates[day]).date()} (path "
                             f"{chunk.first_path + path}), not a finite number > 0 (every "
                             "farm unplugged, or the price left the model's range)",
                             field="scenario")
    return ChunkResult(population=pop, dates=clock.dates, history=hist, prices=prices,
                       record=record, result=result, size_labels=size_labels,
                       start_height=height)
