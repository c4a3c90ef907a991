"""Farm scenarios: Monte Carlo of farms on the engine, in seeded chunks on any executor.

For each chunk, the price process draws ``(paths, days)`` prices and the
difficulty projection its paths (in that order, from the chunk's generator);
together with the subsidy schedule and constant fees they make a
:class:`~hashwinter.engine.DailyMarket` over the scenario's window; the farm is
built on it (:func:`hashwinter.farm.build_farm_run`) and run by the engine with a
:class:`PathRecorder` keeping, per day and path, what the risk outputs need.
Every farm of a scenario sees the same price paths (same seeds).

With ``network.mode = "endogenous"`` the market's difficulty is only the start
value (no random numbers are drawn for it, so the price paths are those of the
exogenous run with the same seed); the engine runs on an
:class:`~hashwinter.engine.EndogenousNetwork` whose rest of the world follows a
hash supply of each path's prices (:mod:`hashwinter.scenario.endogenous`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.console import Console

from hashwinter.chain import RETARGET_INTERVAL, estimate_height, subsidy_at
from hashwinter.engine import DailyMarket, RunMeta, StepData, run
from hashwinter.engine import EndogenousNetwork as EngineEndogenousNetwork
from hashwinter.errors import InputError
from hashwinter.farm import LoadedFarm, build_farm_run, load_farm, stay_put_farm
from hashwinter.farm.trading.book import (
    WITHOUT_TRADING_SUFFIX,
    has_trading,
    opening_book,
    without_trading,
)
from hashwinter.farm.trading.paths import TradeRecorder
from hashwinter.market.base import PriceProcess
from hashwinter.network import (
    ConstantGrowthDifficulty,
    HashSupply,
    RetargetBootstrap,
    revenue_per_hash,
)
from hashwinter.parallel import child_seeds, chunk_sizes, run_chunks
from hashwinter.risk import RunningPayback
from hashwinter.scenario.build import build_difficulty_projection, build_price
from hashwinter.scenario.config import EndogenousNetwork, ExogenousNetwork
from hashwinter.scenario.endogenous import (
    EQUILIBRIUM_INTERVAL_S,
    SupplyRestOfWorld,
    calibrate_supply,
    equilibrium_hashrate,
)
from hashwinter.scenario.load import LoadedScenario
from hashwinter.scenario.run import chunk_generator
from hashwinter.scenario.variants import (
    FarmVariants,
    VariantGroup,
    farm_variants,
    not_a_variant,
)
from hashwinter.units import SECONDS_PER_DAY, TARGET_BLOCK_INTERVAL_S

__all__ = [
    "FOLLOW_PLAN",
    "STAY_PUT",
    "EndogenousSetup",
    "FarmChunk",
    "FarmJob",
    "FarmPaths",
    "PathRecorder",
    "farm_jobs",
    "run_farm_scenarios",
    "run_farm_sweep",
    "run_farms",
    "simulate_farm_chunk",
    "simulate_farm_chunk_variants",
]

FloatArray = npt.NDArray[np.float64]
_BLOCKS_PER_DAY = SECONDS_PER_DAY / TARGET_BLOCK_INTERVAL_S
#: The two legs of a farm that follows a plan (their farm names end with them).
FOLLOW_PLAN, STAY_PUT = "follow the plan", "stay put"


@dataclasses.dataclass(frozen=True, eq=False)
class FarmPaths:
    """Per-day, per-path outcome of one farm (arrays ``(days, paths)`` unless noted).

    Attributes
    ----------
    farm : str
        Farm name.
    currency : str
        Currency of every amount (the farm's).
    dates : ndarray of datetime64[D] (days,)
        Days of the window.
    cohorts : tuple of str
        Labels of the fleet items.
    cohort_cost : ndarray (cohorts,)
        What each fleet item cost: count x unit price. [currency]
    starting_equity : ndarray (paths,)
        Cash plus coins at day 0's price, before day 0. [currency]
    cash, coins, price : ndarray
        End-of-day cash [currency], coins [coin], and the day's coin price [currency/coin].
    capex : ndarray
        Machine purchases and site capex paid since the start, cumulative. [currency]
    broke : ndarray of bool
        The farm is broke by the end of the day (cash below zero after forced sales).
    payback_days : ndarray (paths, cohorts)
        When each fleet item's cumulative operating margin first covers its cost,
        counted from the start (the end of day ``d`` is ``d + 1`` days; linear between
        two days' ends, :class:`~hashwinter.risk.RunningPayback`); inf if never. [day]
    cohort_margin_end : ndarray (paths, cohorts)
        Cumulative operating margin of each fleet item at the end: mined coins at the
        day's price minus power, management, hosting and restart costs (fixed costs are
        the farm's, not an item's). [currency]
    mined : ndarray
        Coins mined since the start, cumulative (after the pool fee). [coin]
    difficulty : ndarray
        Difficulty in force at the end of the day. [dimensionless]
    network_hashrate : ndarray
        Whole network's hashrate, mean over the day's steps. [H/s]
    height : ndarray
        Expected block height at the end of the day (endogenous network; NaN
        for an exogenous one, whose blocks are 144 a day). [blocks]
    owners : tuple of str
        Owners of the farm file (the farm first; a host and its client are two).
        ``cash``, ``coins``, ``capex`` and ``mined`` are their sums (the farm
        file as one business) and ``broke`` says that any of them is broke.
    owner_cash : ndarray (days, paths, owners)
        End-of-day cash of each owner. [currency]
    power_cost, move_cost : ndarray or None
        Power paid and machines' moving costs since the start, cumulative. [currency]
    road_days : ndarray or None
        Machine-days on the road since the start (moves of a plan), cumulative. [machine-days]
    plan_leg : (str, str) or None
        For a farm that follows a plan: ``(farm file's name, "follow the plan" | "stay put")``.
    cohort_margin : ndarray (days, paths, cohorts) or None
        The daily ledger of ``cohort_margin_end``: kept only when asked
        (``daily_margin=True``), as it grows with days x paths x cohorts (27 GiB at
        10,000 cohorts x 1,000 paths x 365 days). [currency]
    trades : ndarray (days, paths, figures) or None
        For a farm with trading rules: the fleet held and its trades per day and path,
        :data:`~hashwinter.farm.trading.paths.TRADE_FIGURES` on the last axis.
    used_models : tuple of str
        The models of ``used_price`` and ``shutdown_price`` (a trading farm's, in the
        order of their first cohort).
    used_price, shutdown_price : ndarray (days, paths, models) or None
        Each model's second-hand market price [currency/machine] and shutdown price
        [currency/coin] per day and path.

    """

    farm: str
    currency: str
    dates: npt.NDArray[np.datetime64]
    cohorts: tuple[str, ...]
    cohort_cost: FloatArray
    starting_equity: FloatArray
    cash: FloatArray
    coins: FloatArray
    price: FloatArray
    capex: FloatArray
    broke: npt.NDArray[np.bool_]
    payback_days: FloatArray
    cohort_margin_end: FloatArray
    mined: FloatArray
    difficulty: FloatArray
    network_hashrate: FloatArray
    height: FloatArray
    owners: tuple[str, ...] = ()
    owner_cash: FloatArray | None = None
    power_cost: FloatArray | None = None
    move_cost: FloatArray | None = None
    road_days: FloatArray | None = None
    plan_leg: tuple[str, str] | None = None
    cohort_margin: FloatArray | None = None
    trades: FloatArray | None = None
    used_models: tuple[str, ...] = ()
    used_price: FloatArray | None = None
    shutdown_price: FloatArray | None = None

    _PATH_AXIS = (
        ("starting_equity", 0),
        ("cash", 1),
        ("coins", 1),
        ("price", 1),
        ("capex", 1),
        ("broke", 1),
        ("payback_days", 0),
        ("cohort_margin_end", 0),
        ("mined", 1),
        ("difficulty", 1),
        ("network_hashrate", 1),
        ("height", 1),
        ("owner_cash", 1),
        ("power_cost", 1),
        ("move_cost", 1),
        ("road_days", 1),
        ("cohort_margin", 1),
        ("trades", 1),
        ("used_price", 1),
        ("shutdown_price", 1),
    )

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return int(self.cash.shape[1])

    @property
    def equity(self) -> FloatArray:
        """Cash plus coins at the day's price [currency]."""
        return np.asarray(self.cash + self.coins * self.price)

    @property
    def pnl(self) -> FloatArray:
        """Change of equity since the start, capex paid included (cash view) [currency]."""
        return np.asarray(self.equity - self.starting_equity[None, :])

    @classmethod
    def concat(cls, parts: Sequence[FarmPaths]) -> FarmPaths:
        """Join chunks of paths of the same farm, in order."""
        first = parts[0]
        joined = {
            name: np.concatenate([getattr(p, name) for p in parts], axis=axis)
            for name, axis in cls._PATH_AXIS
            if getattr(first, name) is not None
        }
        return dataclasses.replace(first, **joined)  # type: ignore[arg-type]


class PathRecorder:
    """Engine recorder: per-day, per-path balances of one farm file (one variant, any owners).

    Owner balances are summed over the farm file's owners (flows between them
    cancel); each owner's cash is kept too. ``in_transit`` (C,) marks the cohorts of
    machines on the road (a plan's moves), whose machine-days are counted. Per fleet
    item (``to_item`` (C, items) gathers a plan's slot and road cohorts into the item
    they came from; default: one item per cohort) it keeps running figures only: the
    cumulative operating margin and the payback day, updated at the end of every day
    (memory ``variants x paths x cohorts``, whatever the horizon); the daily ledger of
    each item's margin only with ``daily_margin``.

    Parameters
    ----------
    in_transit : ndarray (C,) of bool, optional
        Cohorts of machines on the road.
    to_item : ndarray (C, items), optional
        0/1 matrix: the fleet item of each cohort.
    item_cost : ndarray (items,), optional
        Purchase cost of each item (default: each cohort's count x unit price). [currency]
    daily_margin : bool, default False
        Also keep each fleet item's cumulative margin at the end of every day,
        ``(days, variants, paths, items)``.

    """

    def __init__(
        self,
        in_transit: npt.NDArray[np.bool_] | None = None,
        *,
        to_item: FloatArray | None = None,
        item_cost: FloatArray | None = None,
        daily_margin: bool = False,
    ) -> None:
        self._road = None if in_transit is None or not in_transit.any() else in_transit
        self._to_item = to_item
        self._item_cost = item_cost
        self.daily_margin = daily_margin

    def begin(self, meta: RunMeta) -> None:
        """Allocate ``(days, variants, paths)`` arrays (variants: a sweep's decision grid)."""
        d, v, p, c = meta.clock.n_days, meta.n_variants, meta.n_paths, meta.cohorts.n
        self.owner_cash = np.zeros((d, v, p, len(meta.owner_names)))
        self._meta = meta
        self._spd = meta.clock.steps_per_day
        vp = (v, p)
        self.cash = np.zeros((d, *vp))
        self.coins = np.zeros((d, *vp))
        self.price = np.zeros((d, *vp))
        self.capex = np.zeros((d, *vp))
        self.broke = np.zeros((d, *vp), dtype=bool)
        n_items = c if self._to_item is None else self._to_item.shape[1]
        self.margin: FloatArray | None = (
            np.zeros((d, *vp, n_items)) if self.daily_margin else None
        )
        self.mined = np.zeros((d, *vp))
        self.difficulty = np.zeros((d, *vp))
        self.network_hashrate = np.zeros((d, *vp))
        self.height = np.full((d, *vp), np.nan)
        self._capex_sum = np.zeros(vp)
        self.power = np.zeros((d, *vp))
        self.moving = np.zeros((d, *vp))
        self.road = np.zeros((d, *vp))
        self._power_sum = np.zeros(vp)
        self._moving_sum = np.zeros(vp)
        self._road_sum = np.zeros(vp)
        self._margin_sum = np.zeros((*vp, c))
        self._mined_sum = np.zeros(vp)
        self._hash_sum = np.zeros(vp)
        cohorts = meta.cohorts
        self.cohort_cost = (
            np.asarray(cohorts.count * cohorts.unit_price, dtype=np.float64)
            if self._item_cost is None else np.asarray(self._item_cost, dtype=np.float64)
        )
        self.payback = RunningPayback((*vp, n_items))

    @property
    def margin_end(self) -> FloatArray:
        """Cumulative operating margin of each fleet item so far ``(V, P, items)`` [currency]."""
        if self._to_item is None:
            return self._margin_sum
        return self._margin_sum @ self._to_item

    def record(self, data: StepData) -> None:
        """Accumulate every step; store at the last step of each day."""
        shape = self._capex_sum.shape
        paid = (data.machine_capex_owner + data.site_capex).sum(axis=-1)
        self._capex_sum += np.broadcast_to(paid, shape)
        price = np.broadcast_to(data.price, shape)
        costs = (
            data.running * data.cost_per_machine
            + data.restart_cost
            + np.broadcast_to(data.hosting_fee, data.running.shape)
        )
        self._power_sum += (data.running * data.power_per_machine).sum(axis=-1)
        if data.trades is not None:
            costs = costs + data.trades.move_cost
            self._moving_sum += data.trades.move_cost.sum(axis=-1)
        if self._road is not None:
            held = np.broadcast_to(data.installed, data.running.shape)
            self._road_sum += held[..., self._road].sum(axis=-1) / self._spd
        revenue = data.coins * price[..., None]
        if data.other_coin_revenue is not None:
            revenue = revenue + data.other_coin_revenue
        self._margin_sum += revenue - costs
        self._mined_sum += data.mined.sum(axis=-1)
        net = data.network
        self._hash_sum += np.broadcast_to(net.network_hashrate, shape)
        if (data.step + 1) % self._spd:
            return
        day = data.day
        self.mined[day] = self._mined_sum
        self.difficulty[day] = np.broadcast_to(net.difficulty, shape)
        self.network_hashrate[day] = self._hash_sum / self._spd
        self._hash_sum[:] = 0.0
        if net.height is not None:
            self.height[day] = np.broadcast_to(net.height, shape)
        tr = data.treasury
        self.cash[day] = tr.cash.sum(axis=-1)
        self.owner_cash[day] = tr.cash
        self.coins[day] = tr.coins.sum(axis=-1)
        self.price[day] = price
        self.capex[day] = self._capex_sum
        self.broke[day] = ~data.alive.all(axis=-1)
        self.power[day] = self._power_sum
        self.moving[day] = self._moving_sum
        self.road[day] = self._road_sum
        items = self.margin_end
        if self.margin is not None:
            self.margin[day] = items
        # The end of day d is d + 1 days from the start (the reports' payback clock).
        self.payback.update(items - self.cohort_cost, float(day + 1))

    def finish(self) -> PathRecorder:
        """Return itself (the arrays are its attributes)."""
        return self


@dataclasses.dataclass(frozen=True, eq=False)
class EndogenousSetup:
    """The endogenous network of a farm job (see :mod:`hashwinter.scenario.endogenous`).

    Attributes
    ----------
    supply : HashSupply
        The rest of the world's supply, calibrated for this farm. [H/s of currency/hash]
    difficulty : float
        Difficulty at the start. [dimensionless]
    start_height : int
        Height at the start. [blocks]
    window_elapsed : float
        Time since the current retarget window's first block, its blocks taken to
        have come at the equilibrium interval. [s]
    fees_per_block : float
        [coin per block]
    farm_hashrate : float
        The farm's hashrate installed at the start (uptime included). [H/s]
    start_revenue : float
        Expected revenue per hash at the start. [currency per hash]

    """

    supply: HashSupply
    difficulty: float
    start_height: int
    window_elapsed: float
    fees_per_block: float
    farm_hashrate: float
    start_revenue: float


@dataclasses.dataclass(frozen=True, eq=False)
class FarmJob:
    """One farm of a scenario, ready to simulate: built processes, window, market settings.

    ``daily_margin`` keeps each fleet item's daily margin ledger in the results
    (:class:`PathRecorder`); without it they hold running figures per item only.
    """

    farm: LoadedFarm
    price: PriceProcess
    projection: ConstantGrowthDifficulty | RetargetBootstrap
    start: dt.date
    days: int
    currency: str
    fx_per_usd: dict[str, float]
    fees_per_block: float
    start_height: int
    endogenous: EndogenousSetup | None = None
    variants: FarmVariants | None = None
    plan_leg: tuple[str, str] | None = None
    daily_margin: bool = False
    #: The farm a twin (unhedged, without trading) was made from: a sweep's
    #: ``farm.policies.<i>`` keys index that farm's entries.
    origin: LoadedFarm | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class FarmChunk:
    """One chunk of a farm job: how many paths, and the chunk's seed."""

    job: FarmJob
    n_paths: int
    seed: np.random.SeedSequence


def _market(job: FarmJob, n_paths: int, rng: np.random.Generator) -> DailyMarket:
    d = job.days
    dates = np.datetime64(job.start, "D") + np.arange(d)
    prices = job.price.simulate(n_paths, d - 1, rng)
    # A growth projection is the same on every path: keep one row.
    rows = 1 if isinstance(job.projection, ConstantGrowthDifficulty) else n_paths
    difficulty = job.projection.simulate(rows, d - 1, rng)
    heights = job.start_height + np.floor(np.arange(d) * _BLOCKS_PER_DAY).astype(np.int64)
    return DailyMarket(
        dates=dates,
        price=prices,
        difficulty=difficulty,
        subsidy=subsidy_at(heights)[None, :],
        fees_per_block=np.full((1, d), job.fees_per_block),
        blocks_per_day=np.full((1, d), _BLOCKS_PER_DAY),
        currency=job.currency,
        fx_per_usd={k: np.full(d, v) for k, v in job.fx_per_usd.items()},
        notes=("simulated prices and difficulty (hashwinter scenario)",),
    )


def simulate_farm_chunk(chunk: FarmChunk) -> FarmPaths:
    """Run one chunk of one farm (a module-level function: it is sent to the workers)."""
    return simulate_farm_chunk_variants(chunk)[0]


def simulate_farm_chunk_variants(chunk: FarmChunk) -> list[FarmPaths]:
    """Run one chunk of one farm for every variant of its job; one :class:`FarmPaths` each."""
    job = chunk.job
    market = _market(job, chunk.n_paths, chunk_generator(chunk.seed))
    last = job.start + dt.timedelta(days=job.days - 1)
    # The chunk's seed also seeds what the farm's policies draw (a hedge's funding paths).
    fr = build_farm_run(job.farm, market, start=job.start, end=last, seed=chunk.seed)
    spec = fr.spec
    endo = job.endogenous
    if endo is not None:
        # The supply sees the scenario's own prices (its currency), not the farm's.
        world = SupplyRestOfWorld(endo.supply, market.price, endo.fees_per_block)
        network = EngineEndogenousNetwork(
            spec.clock, difficulty=endo.difficulty, height=endo.start_height,
            rest_of_world=world, fees_per_block=endo.fees_per_block,
            window_elapsed=endo.window_elapsed,
        )  # fmt: skip
        spec = dataclasses.replace(spec, network=network)
    if job.variants is not None:
        groups = job.variants.groups(fr)
        n_var = job.variants.n
    else:
        groups = [VariantGroup(np.zeros(1, dtype=np.int64), fr.policy, fr.treasury, np.ones(1))]
        n_var = 1
    # The position book of the whole grid: every group's run carries it (a variant
    # trades only its own hedge's slots).
    instruments = fr.instruments if job.variants is None else job.variants.instruments(fr)
    # Per fleet item: the margins of its machines wherever a plan moved them (slot and
    # road cohorts follow the fleet's, in its order). Without a plan, items are cohorts.
    cohorts = fr.spec.cohorts
    n_items = len(job.farm.config.fleet)
    to_item: FloatArray | None = None
    item_cost = np.asarray(cohorts.count * cohorts.unit_price, dtype=np.float64)[:n_items]
    if cohorts.n != n_items:
        item_of = np.asarray(fr.context.fleet_item if fr.context is not None and
                             fr.context.fleet_item else np.arange(cohorts.n), dtype=np.int64)
        to_item = np.zeros((cohorts.n, n_items))
        to_item[np.arange(cohorts.n), item_of] = 1.0
    out: list[FarmPaths | None] = [None] * n_var
    # Policies of different kinds cannot share a run: one run per kind, same price paths.
    trading = has_trading(job.farm)
    tables = [p.tables for p in getattr(fr.policy, "parts", (fr.policy,)) if hasattr(p, "tables")]
    first_of = {m: c for c, m in reversed(list(enumerate(cohorts.model)))}
    used_models = tuple(m for m in dict.fromkeys(cohorts.model)) if tables else ()
    for group in groups:
        recorder = PathRecorder(fr.in_transit, to_item=to_item, item_cost=item_cost,
                                daily_margin=job.daily_margin)
        recorders: list[Any] = [recorder]
        if trading:  # the fleet and its trades on every path (the "with trading" leg)
            recorders.append(TradeRecorder(
                *opening_book(fr), market=tables[0].market if tables else None,
                price_cohorts=np.array([first_of[m] for m in used_models], dtype=np.int64)))
        result = run(spec, group.policy, group.treasury, tariff_scale=group.tariff_scale,
                     recorders=recorders, instruments=instruments)
        rec: PathRecorder = result.records[0]
        tr_rec = result.records[1] if trading else None
        meta = result.meta
        day0_price = fr.spec.market.price[:, 0]
        starting = meta.starting_cash.sum() + meta.starting_coins.sum() * day0_price
        for i, v in enumerate(group.indices):
            w = min(i, meta.n_variants - 1)  # a group whose points share one value: V = 1
            out[int(v)] = FarmPaths(
                farm=job.farm.config.name,
                currency=meta.currency,
                dates=fr.spec.clock.dates,
                cohorts=tuple(cohorts.label[:n_items]),
                cohort_cost=item_cost,
                starting_equity=np.broadcast_to(starting, (chunk.n_paths,)).astype(np.float64),
                cash=rec.cash[:, w],
                coins=rec.coins[:, w],
                price=rec.price[:, w],
                capex=rec.capex[:, w],
                broke=rec.broke[:, w],
                payback_days=rec.payback.time[w],
                cohort_margin_end=rec.margin_end[w],
                mined=rec.mined[:, w],
                difficulty=rec.difficulty[:, w],
                network_hashrate=rec.network_hashrate[:, w],
                height=rec.height[:, w],
                owners=meta.owner_names,
                owner_cash=rec.owner_cash[:, w],
                power_cost=rec.power[:, w],
                move_cost=rec.moving[:, w],
                road_days=rec.road[:, w],
                plan_leg=job.plan_leg,
                cohort_margin=None if rec.margin is None else rec.margin[:, w],
                trades=None if tr_rec is None else tr_rec.figures[:, w],
                used_models=used_models if tr_rec is not None else (),
                used_price=None if tr_rec is None or not used_models
                else tr_rec.used_price[:, w],
                shutdown_price=None if tr_rec is None or not used_models
                else tr_rec.shutdown_price[:, w],
            )
    assert all(o is not None for o in out)
    return out  # type: ignore[return-value]


def farm_jobs(loaded: LoadedScenario) -> list[FarmJob]:
    """Build one job per farm of a farm scenario (farm files resolved beside the scenario)."""
    config = loaded.config
    net = config.network
    if not isinstance(net, ExogenousNetwork | EndogenousNetwork):
        raise InputError("is not 'exogenous' or 'endogenous'", field="network.mode",
                         source=loaded.source)  # fmt: skip
    assert config.start is not None and config.horizon_days is not None  # cross-field checks
    days = round(config.horizon_days)
    if days < 2:
        raise InputError("must be at least 2 days", field="horizon_days", source=loaded.source)
    price = build_price(config.price, base_dir=loaded.base_dir)
    projection: ConstantGrowthDifficulty | RetargetBootstrap
    if isinstance(net, EndogenousNetwork):
        # The market holds the start difficulty only (the engine's network moves it).
        projection = ConstantGrowthDifficulty(d0=net.difficulty, monthly_growth=0.0)
    else:
        projection = build_difficulty_projection(net, base_dir=loaded.base_dir)
    height = net.start_height if net.start_height is not None else estimate_height(config.start)
    jobs = []
    for i, ref in enumerate(config.farms):
        path = Path(ref.file)
        if not path.is_absolute():
            path = loaded.base_dir / path
        if not path.is_file():
            raise InputError(f"no such farm file: {path}", field=f"farms[{i}].file",
                             source=loaded.source)  # fmt: skip
        farm = load_farm(path)
        if farm.config.coins:
            # The scenario simulates one coin's price and difficulty; other coins would
            # need a joint process (their history alone would be stale on every path).
            raise InputError(f"{path.name} mines more than one coin ([[coins]]): a Monte Carlo "
                             "scenario simulates one coin; backtest it instead",
                             field=f"farms[{i}].file", source=loaded.source)
        endo = None
        if isinstance(net, EndogenousNetwork):
            try:
                endo = _endogenous_setup(net, farm, config.start, price.s0, height)
            except InputError as exc:
                raise InputError(exc.message, field=exc.field, source=loaded.source) from None
        job = FarmJob(
            farm=farm,
            price=price,
            projection=projection,
            start=config.start,
            days=days,
            currency=config.market.currency,
            fx_per_usd=dict(config.market.fx_per_usd),
            fees_per_block=net.fees_per_block,
            start_height=height,
            endogenous=endo,
        )
        legs = _plan_legs(job)
        jobs.extend(legs)
        if is_hedged(farm):
            # A hedged farm is run twice on the same paths (common random numbers): with
            # its hedge, and as "<name> (unhedged)", so the report shows the hedge's cost
            # and benefit side by side. With a plan, the twin is the leg that follows it
            # (no unhedged stay-put leg): the two comparisons are independent.
            jobs.append(dataclasses.replace(legs[0], farm=unhedged_farm(legs[0].farm),
                                            plan_leg=None, origin=legs[0].farm))
        if has_trading(farm):
            # Likewise a farm with trading rules runs beside "<name> (without trading)":
            # the same farm, paths and decisions, its fleet fixed.
            name = legs[0].farm.config.name + WITHOUT_TRADING_SUFFIX
            jobs.append(dataclasses.replace(
                legs[0], farm=without_trading(legs[0].farm, name=name), plan_leg=None,
                origin=legs[0].farm))
    return jobs


def _plan_legs(job: FarmJob) -> list[FarmJob]:
    """Return a job per leg for a farm that follows a plan (follow, stay put), else the job.

    Both legs are farms of the scenario, so they see the same price paths.
    """
    name = job.farm.config.name
    stay = stay_put_farm(job.farm, name=f"{name} — {STAY_PUT}")
    if stay is None:
        return [job]
    follow = dataclasses.replace(job.farm, config=job.farm.config.model_copy(
        update={"name": f"{name} — {FOLLOW_PLAN}"}))
    return [dataclasses.replace(job, farm=follow, plan_leg=(name, FOLLOW_PLAN)),
            dataclasses.replace(job, farm=stay, plan_leg=(name, STAY_PUT))]


def is_hedged(farm: LoadedFarm) -> bool:
    """Whether a farm has a hedge (a ``[hedge]`` section or a hedge policy entry)."""
    from hashwinter.finance.config import HedgeConfig

    config = farm.config
    return config.hedge is not None or any(isinstance(p, HedgeConfig) for p in config.policies)


#: Suffix of the unhedged twin of a hedged farm in a scenario's outputs.
UNHEDGED_SUFFIX = " (unhedged)"


def unhedged_farm(farm: LoadedFarm) -> LoadedFarm:
    """Return the same farm without its hedge, named ``"<name> (unhedged)"``."""
    from hashwinter.finance.config import HedgeConfig

    config = farm.config.model_copy(update={
        "name": farm.config.name + UNHEDGED_SUFFIX, "hedge": None,
        "policies": [p for p in farm.config.policies if not isinstance(p, HedgeConfig)]})
    return dataclasses.replace(farm, config=config)


def _start_hashrate(farm: LoadedFarm, start: dt.date) -> float:
    """Return the farm's hashrate installed on ``start``, uptime included (as the engine) [H/s]."""
    config = farm.config
    total = 0.0
    for item, machine in zip(config.fleet, farm.machines, strict=True):
        if item.purchase_date <= start:
            uptime = config.site(item.site)[1].uptime
            total += machine.hashrate * uptime * item.count
    return total


def _endogenous_setup(
    net: EndogenousNetwork, farm: LoadedFarm, start: dt.date, s0: float, height: int
) -> EndogenousSetup:
    """Calibrate the rest of the world so that the start is an equilibrium with this farm in it."""
    farm_h = _start_hashrate(farm, start)
    reward = float(subsidy_at(height)) + net.fees_per_block
    revenue = float(revenue_per_hash(s0, net.difficulty, reward))
    supply = calibrate_supply(
        net.supply, revenue=revenue, hashrate=equilibrium_hashrate(net.difficulty) - farm_h
    )
    return EndogenousSetup(
        supply=supply,
        difficulty=net.difficulty,
        start_height=height,
        window_elapsed=(height % RETARGET_INTERVAL) * EQUILIBRIUM_INTERVAL_S,
        fees_per_block=net.fees_per_block,
        farm_hashrate=farm_h,
        start_revenue=revenue,
    )


def run_farms(
    loaded: LoadedScenario,
    executor: Executor,
    *,
    progress: bool = True,
    console: Console | None = None,
    daily_margin: bool = False,
) -> list[FarmPaths]:
    """Run every farm of a scenario over its paths; one :class:`FarmPaths` per farm.

    Chunks of ``chunk_paths`` paths, chunk ``i`` seeded by child ``i`` of
    ``SeedSequence(seed)`` (the same for every farm: common random numbers).
    ``daily_margin`` also keeps each fleet item's daily margin ledger
    (:attr:`FarmPaths.cohort_margin`; memory days x paths x cohorts).
    """
    return run_farm_scenarios([loaded], executor, progress=progress, console=console,
                              daily_margin=daily_margin)[0]


def run_farm_scenarios(
    scenarios: Sequence[LoadedScenario],
    executor: Executor,
    *,
    progress: bool = True,
    console: Console | None = None,
    daily_margin: bool = False,
) -> list[list[FarmPaths]]:
    """Run several farm scenarios (a sweep's grid points) as one batch of chunks.

    Returns, per scenario, one :class:`FarmPaths` per farm.
    """
    batches = run_farm_sweep(scenarios, (), executor, progress=progress, console=console,
                             daily_margin=daily_margin)
    return [variants[0] for variants in batches]


def _with_variants(jobs: list[FarmJob],
                   axes: Sequence[tuple[str, list[Any]]]) -> list[FarmJob]:
    """Give each farm job of a scenario its variant grid; every key must fit some farm."""
    others = len({id(job.origin or job.farm) for job in jobs}) > 1
    out = [dataclasses.replace(job, variants=farm_variants(
        job.farm, axes, unhedged_twin=job.farm.config.name.endswith(UNHEDGED_SUFFIX),
        origin=job.origin, other_farms=others)) for job in jobs]
    for key, _ in axes:
        if all(job.variants is not None and key in job.variants.entry_index
               and job.variants.entry_index[key] is None for job in out):
            raise not_a_variant(key)
    return out


def run_farm_sweep(
    scenarios: Sequence[LoadedScenario],
    variant_axes: Sequence[tuple[str, list[Any]]],
    executor: Executor,
    *,
    progress: bool = True,
    console: Console | None = None,
    daily_margin: bool = False,
) -> list[list[list[FarmPaths]]]:
    """Run farm scenarios with a grid of decisions on the engine's variant axis.

    ``variant_axes`` are ``farm.*`` grid keys (:mod:`hashwinter.scenario.variants`):
    every chunk runs all their points at once, on the same price paths. Returns
    ``[scenario][variant][farm]`` (variants in the order of
    :func:`~hashwinter.scenario.load.grid_overrides`; one variant without axes).
    ``daily_margin``: see :func:`run_farms`.
    """
    payloads: list[FarmChunk] = []
    owners: list[tuple[int, int]] = []
    shape: list[int] = []
    n_var = 1
    for s_index, loaded in enumerate(scenarios):
        jobs = farm_jobs(loaded)
        if daily_margin:
            jobs = [dataclasses.replace(job, daily_margin=True) for job in jobs]
        if variant_axes:
            jobs = _with_variants(jobs, variant_axes)
            n_var = jobs[0].variants.n if jobs and jobs[0].variants is not None else 1
        shape.append(len(jobs))
        sizes = chunk_sizes(loaded.config.paths, loaded.config.chunk_paths)
        seeds = child_seeds(loaded.config.seed, len(sizes))
        for f_index, job in enumerate(jobs):
            for size, seed in zip(sizes, seeds, strict=True):
                payloads.append(FarmChunk(job=job, n_paths=size, seed=seed))
                owners.append((s_index, f_index))
    label = "farm paths" if len(scenarios) == 1 else f"{len(scenarios)} scenarios"
    results = run_chunks(
        executor, simulate_farm_chunk_variants, payloads, description=label,
        progress=progress, console=console,
    )  # fmt: skip
    grouped: list[list[list[list[FarmPaths]]]] = [
        [[[] for _ in range(n)] for _ in range(n_var)] for n in shape]
    for (s_index, f_index), parts in zip(owners, results, strict=True):
        for v, part in enumerate(parts):
            grouped[s_index][v][f_index].append(part)
    return [[[FarmPaths.concat(chunks) for chunks in farms] for farms in variants]
            for variants in grouped]
