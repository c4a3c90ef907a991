"""The run of a network with machine trades on the compiled path (kernel.network_market).

:func:`run_market` is what ``network_run.run_endogenous`` hands a
:class:`~hashwinter.engine.kernel.network_run.MarketStep` to: it builds the kernel's
tables from the spec, the market's and the makers' policies, runs
:func:`~hashwinter.engine.kernel.network_market.market_loop` over chunks of days, and
returns the :class:`~hashwinter.engine.run.RunResult` the numpy path would (closing
balances, machines held, conservation report, the recorders' records).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numba
import numpy as np
import numpy.typing as npt

from hashwinter.engine.kernel.network_run import DayGroups, MarketStep, share_checks, tariff_rows
from hashwinter.engine.kernel.run import CohortTables
from hashwinter.engine.network import EndogenousNetwork, EndogenousState
from hashwinter.engine.spec import EngineSpec
from hashwinter.engine.step import Recorder, RunMeta
from hashwinter.engine.treasury import Treasury
from hashwinter.errors import InputError

if TYPE_CHECKING:
    from hashwinter.engine.run import RunResult

__all__ = ["MARKET_ROWS", "run_market"]

FloatArray = npt.NDArray[np.float64]
#: Extra rows the kernel hands a recorder's ``load_compiled_days`` with the market:
#: ``traded``, ``used_price`` and ``scrapped`` (D, P, K), the makers' (D, P, M).
MARKET_ROWS = ("traded", "used_price", "scrapped", "produced", "delivered", "inventory",
               "maker_running", "maker_revenue")


def run_market(
    spec: EngineSpec, step: MarketStep, treasury: Treasury, scale: FloatArray, n_var: int,
    meta: RunMeta, recorders: Sequence[Recorder], progress: Callable[[int], None] | None,
    check: bool,
) -> RunResult:
    """Run ``spec`` with its market and makers on the compiled path (``run_compiled``'s args)."""
    from hashwinter.chain.retarget import TARGET_TIMESPAN_S
    from hashwinter.engine.checks import (
        _REL,
        COUNT_TOLERANCE,
        ConservationChecker,
        ConservationError,
    )
    from hashwinter.engine.kernel import network_market as nm
    from hashwinter.engine.kernel.run import _c
    from hashwinter.engine.network_days import DAY_ROWS
    from hashwinter.engine.run import RunResult
    from hashwinter.engine.treasury import BROKE_TOLERANCE

    if n_var != 1:
        raise InputError(f"the market's compiled step runs one variant (got {n_var}); "
                         "use engine='numpy'", field="engine")
    network = spec.network
    assert isinstance(network, EndogenousNetwork)
    clock, cohorts, owners = spec.clock, spec.cohorts, spec.owners
    n_paths, n_coh, n_own = spec.market.n_paths, cohorts.n, owners.n
    n_days, dt = clock.n_days, clock.step_seconds

    tables = CohortTables.of(spec)
    hashing, cohort_f, cohort_i = tables.hashing, tables.cohort_f, tables.cohort_i
    start_step, count = tables.start_step, tables.count
    owner_t = _c(np.stack([owners.site_capex, owners.fixed_costs]))
    tariff, tariff_row = tariff_rows(spec)
    hodl, cover = treasury.sale_rules()
    hodl_o = _c(np.broadcast_to(np.asarray(hodl, np.float64), (1, 1, n_own)).reshape(n_own))
    cover_o = _c(np.broadcast_to(np.asarray(cover, bool), (1, 1, n_own)).reshape(n_own), np.bool_)
    par = _c(step.params.T)  # (5, 1)
    price = _c(np.broadcast_to(spec.market.price, (n_paths, n_days)))
    fees = _c(np.asarray(network.fees_per_block))
    rest = _c(np.asarray(network.rest_of_world))
    st = network.init_state(1, n_paths)
    net = _c(np.stack([np.broadcast_to(a, (1, n_paths))[0] for a in (
        st.difficulty, st.height, st.window_elapsed, st.retargets.astype(np.float64))]))
    rule = network.rule
    span_factor = (rule.interval - 1) / rule.interval  # type: ignore[attr-defined]

    owner = _c(cohorts.owner, np.int64)

    # The market (SecondHandMarket's fields; the plan asks for one).
    mk = step.market
    assert mk is not None
    tier = _c(mk.tier, np.int64)
    tier_order = _c(np.argsort(tier, kind="stable"), np.int64)
    per_tier = np.bincount(tier, minlength=mk.grid.shape[0])
    tier_start = _c(np.concatenate([[0], np.cumsum(per_tier)]), np.int64)
    offers = _c(np.ones(n_coh, bool) if mk.offers is None else mk.offers, np.bool_)
    capacity = _c(np.broadcast_to(mk.capacity, (n_coh,)))
    grid = _c(mk.grid)
    market_f = _c([1.0, mk.sell_after_days, mk.payback_days, mk.cash_share,
                   mk.scrap_after_days, mk.scrap_value, mk.short_cash_days])
    owner_cohorts = _c(np.bincount(mk.owner, minlength=n_own).astype(np.float64))
    mp = step.makers
    is_maker = np.zeros(n_coh, np.bool_)
    maker_rel = np.zeros(n_coh, np.bool_)
    maker_bp = np.zeros(n_coh)
    maker_sp = np.zeros(n_coh)
    if mp is not None:
        maker_cohort = _c(mp.maker_cohort, np.int64)
        farm_cohorts = _c(mp.farm_cohorts, np.int64)
        farm_owner = _c(mp.farm_owner, np.int64)
        farm_weight = _c(mp.farm_weight)
        maker_f = _c(np.stack([mp.capacity_day, mp.list_price, mp.unit_cost, mp.full_return]))
        maker_i = _c(np.stack([mp.lead_days, mp.production_lead_days]), np.int64)
        cash_share = float(mp.cash_share)
        n_ring = int(max(mp.lead_days.max(), mp.production_lead_days.max())) + 1
        is_maker[maker_cohort] = True
        maker_rel[maker_cohort] = True
        maker_rel[farm_cohorts] = True
        # MakerPolicy's prices: unit cost and list price at the inventory, list price at
        # the farms' cohorts of the maker's model.
        maker_bp[maker_cohort] = mp.unit_cost
        maker_bp[farm_cohorts] = mp.list_price[:, None]
        maker_sp[maker_cohort] = mp.list_price
    else:
        maker_cohort = np.zeros(0, np.int64)
        farm_cohorts = np.zeros((0, 0), np.int64)
        farm_owner = np.zeros(0, np.int64)
        farm_weight = np.zeros(0)
        maker_f = np.zeros((4, 0))
        maker_i = np.zeros((2, 0), np.int64)
        cash_share = 0.0
        n_ring = 1
    n_tiers, n_makers = int(grid.shape[0]), int(maker_cohort.size)
    maker_list = _c(np.flatnonzero(maker_rel), np.int64)

    groups = DayGroups.of(recorders, hashing)
    day_rows = np.zeros((len(DAY_ROWS), n_days, n_paths))
    day_groups = np.zeros((n_days, n_paths, groups.n_groups))
    traded = np.zeros((n_days, n_paths, n_tiers))
    used_price = np.full((n_days, n_paths, n_tiers), np.nan)
    scrapped = np.zeros((n_days, n_paths, n_tiers))
    maker_rows = np.zeros((nm.N_MAKER_ROWS, n_days, n_paths, n_makers))

    on = np.ones((n_paths, n_coh), dtype=np.bool_)
    policy_state = np.zeros((n_paths, 1, n_coh, 1))
    held = _c(np.broadcast_to(np.where(start_step <= 0, count, 0.0), (n_paths, n_coh)))
    cash = _c(np.broadcast_to(owners.starting_cash, (n_paths, n_own)))
    coins = _c(np.broadcast_to(owners.starting_coins, (n_paths, n_own)))
    alive = np.ones((n_paths, n_own), dtype=np.bool_)
    broke_step = np.full((n_paths, n_own), -1, dtype=np.int64)
    ring = np.zeros((n_paths, n_makers, n_ring))
    backlog = np.zeros((n_paths, n_makers))
    flows = np.zeros((2, n_paths, n_own))
    count_flows = np.zeros((n_paths, n_coh))
    checks = np.zeros((n_paths, 6))
    checks[:, 1:3] = -np.inf

    scale_1 = float(np.broadcast_to(scale, (1,))[0])

    for rec in recorders:
        rec.begin(meta)
    # Chunks of days only to report progress (network_run's: day 1, then 64 at a time).
    bounds = [0, n_days] if progress is None else sorted({0, *range(1, n_days, 64), n_days})
    threads = numba.get_num_threads()
    numba.set_num_threads(max(1, min(threads, n_paths)))
    try:
        for first_day, last_day in itertools.pairwise(bounds):
            nm.market_loop(
                par, policy_state, first_day, last_day, dt, price, fees, rest, net,
                network.window, span_factor, float(TARGET_TIMESPAN_S),
                owner, tables.owner_order, tables.owner_start, cohort_f, cohort_i,
                groups.group, groups.weight, tariff, tariff_row, owner_t, scale_1,
                hodl_o, cover_o,
                tier, tier_order, tier_start, offers, capacity, owner_cohorts, grid,
                market_f,
                is_maker, maker_rel, maker_list, maker_bp, maker_sp, maker_cohort,
                farm_cohorts, farm_owner, farm_weight, maker_f, maker_i, cash_share,
                on, held, cash, coins, alive, broke_step, ring, backlog,
                flows, count_flows, checks, check, day_rows, day_groups, traded,
                used_price, scrapped, maker_rows, BROKE_TOLERANCE, _REL, COUNT_TOLERANCE)
            if progress is not None:
                progress(last_day)
    finally:
        numba.set_num_threads(threads)
    if float(checks[:, 3].max()) > 0:
        raise InputError("hashrate too large: more than 10,000 retargets in one step",
                         field="rest_of_world")

    rows: dict[str, Any] = {name: np.ascontiguousarray(day_rows[k])
                            for k, name in enumerate(DAY_ROWS)}
    rows.update(traded=traded, used_price=used_price, scrapped=scrapped)
    for k, name in enumerate(MARKET_ROWS[3:]):
        rows[name] = np.ascontiguousarray(maker_rows[k])
    groups.load(rows, day_groups)

    checker = ConservationChecker(meta, enabled=check)
    if check:
        if float(checks[:, nm.CHECK_TIERS].max()) > 0:
            raise ConservationError("machines sold and bought (less the makers' production) "
                                    "differ in a tier")
        if float(checks[:, nm.CHECK_COUNT].max()) > 0:
            raise ConservationError("a cohort holds a negative count")
        share_checks(checks, checker, flows[0][None], flows[1][None])
        checker.count_flows = count_flows[None]
    report = checker.finish(cash[None], coins[None], held[None])
    state = EndogenousState(difficulty=net[0][None].copy(), height=net[1][None].copy(),
                            window_elapsed=net[2][None].copy(),
                            retargets=net[3][None].astype(np.int64))
    return RunResult(meta=meta, records=[rec.finish() for rec in recorders], cash=cash[None],
                     coins=coins[None], broke_step=broke_step[None], checks=report,
                     held=held[None], positions=np.zeros((1, n_paths, n_own, 0)),
                     network_state=state, path="compiled")
