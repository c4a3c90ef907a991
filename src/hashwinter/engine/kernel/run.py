"""Run the compiled step loop: build its arrays, call it, hand the recorders their records.

:func:`run_compiled` is what :func:`hashwinter.engine.run` calls when the run is
supported (:mod:`hashwinter.engine.kernel.support`). It prepares the same static
tables as the numpy loop (per-cohort factors, per-step tables, owner tables),
lays state out ``(P, C, V)`` for the kernel, runs it in chunks of steps (one
chunk unless per-day owner statistics are kept, whose buffers are bounded), and
returns the :class:`~hashwinter.engine.run.RunResult` the numpy path would:
the same records, balances, broke steps and conservation report.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numba
import numpy as np
import numpy.typing as npt

from hashwinter.engine.checks import (
    _REL,
    CASH_TOLERANCE,
    ConservationChecker,
    ConservationError,
)
from hashwinter.engine.kernel import loop
from hashwinter.engine.kernel.protocol import CompiledStep
from hashwinter.engine.kernel.trade_cells import N_FIG, TS_HELD_STEPS
from hashwinter.engine.kernel.trade_run import trade_arrays, trade_results
from hashwinter.engine.network import EndogenousNetwork
from hashwinter.engine.recorders import OwnerStatsRecorder, TotalsRecorder
from hashwinter.engine.spec import EngineSpec
from hashwinter.engine.step import Recorder, RunMeta
from hashwinter.engine.treasury import BROKE_TOLERANCE, Treasury
from hashwinter.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, WATTS_PER_KILOWATT

if TYPE_CHECKING:
    from hashwinter.engine.run import RunResult

__all__ = ["DAY_RECORD_VALUES", "VARIANT_BLOCK", "CohortTables", "run_compiled"]

FloatArray = npt.NDArray[np.float64]

#: Variants per block of the kernel. A block's totals of 100 cohorts (3 × 100 × 256 floats,
#: 600 kB) stay in a core's 1 MB L2, and the vectorized loop over a block's variants is long
#: enough to pay for its entry (runtime overlap tests): 1.74 ns per cohort-day against 2.06 at
#: 64 (CPU time, the issue-4 workload, benchmarks/RESULTS.md).
VARIANT_BLOCK = 256
#: Largest per-day record buffer (days × V × P × O floats) of one chunk of steps.
DAY_RECORD_VALUES = 4_000_000

# Which accumulators each total needs.
_NEEDS = {
    "coins": loop.ACC_COINS, "revenue": loop.ACC_REVENUE, "power_cost": loop.ACC_POWER,
    "management_fee": loop.ACC_RUNNING, "energy_kwh": loop.ACC_RUNNING,
    "running_days": loop.ACC_RUNNING, "unplugged_days": loop.ACC_RUNNING,
    "restart_cost": loop.ACC_RESTART, "days_off": loop.ACC_OFF_STEPS,
}


def _c(a: npt.ArrayLike, dtype: type = np.float64) -> npt.NDArray[Any]:
    """Return ``a`` as a writable C-contiguous array (copied only if it is not one).

    A read-only or strided array would compile another specialisation of the kernel,
    and the state arrays are written in place.
    """
    return np.require(a, dtype=dtype, requirements=["C_CONTIGUOUS", "WRITEABLE", "ALIGNED"])


@dataclasses.dataclass(frozen=True)
class CohortTables:
    """The compiled loops' per-cohort tables of a spec (the numpy loop's expressions).

    ``cohort_f`` (7, C): hashrate and hashrate after pool fee [H/s per machine],
    management fee per step, restart cost, count, energy per step [kWh per machine],
    capex [currency]; ``cohort_i`` (2, C): start and capex steps (-1: none in the run);
    ``capex_steps`` (T,): the steps with a purchase; the cohorts grouped by owner
    (``owner_order``, ``owner_start``: CSR, each owner's in increasing order). No
    (steps × cohorts) tables of machines, power or capex: the loops derive them per step
    from the start and purchase steps and the tariff (at the network's shape the tables
    took longer to build than the run).
    """

    hashing: FloatArray
    cohort_f: FloatArray
    cohort_i: npt.NDArray[np.int64]
    capex_steps: npt.NDArray[np.bool_]
    owner_order: npt.NDArray[np.int64]
    owner_start: npt.NDArray[np.int64]

    @property
    def start_step(self) -> npt.NDArray[np.int64]:
        """Each cohort's first step (C,)."""
        return self.cohort_i[0]

    @property
    def count(self) -> FloatArray:
        """Machines of each cohort (C,) [machines]."""
        return self.cohort_f[4]

    @property
    def mgmt_pm(self) -> FloatArray:
        """Management fee per machine and step (C,) [currency]."""
        return self.cohort_f[2]

    @property
    def energy_pm(self) -> FloatArray:
        """Energy per machine and step (C,) [kWh]."""
        return self.cohort_f[5]

    @classmethod
    def of(cls, spec: EngineSpec) -> CohortTables:
        """Build the tables of ``spec``."""
        cohorts = spec.cohorts
        n_steps, dt = spec.clock.n_steps, spec.clock.step_seconds
        hashing = cohorts.effective_hashrate
        hashing_net = hashing * (1.0 - cohorts.pool_fee)
        energy_pm = cohorts.power * cohorts.pue * cohorts.uptime * dt / SECONDS_PER_HOUR
        energy_pm = energy_pm / WATTS_PER_KILOWATT
        mgmt_pm = cohorts.management_fee * dt / SECONDS_PER_DAY
        start_step = cohorts.start_step.astype(np.int64)
        count = cohorts.count.astype(np.float64)
        paid = (cohorts.capex_step >= 0) & (cohorts.capex_step < n_steps)
        capex_step = np.where(paid, cohorts.capex_step, -1).astype(np.int64)
        capex_amount = np.where(paid, cohorts.count * cohorts.unit_price, 0.0)
        capex_steps = np.zeros(n_steps, dtype=np.bool_)
        capex_steps[capex_step[paid]] = True
        per_owner = np.bincount(cohorts.owner, minlength=spec.owners.n)
        return cls(
            hashing=hashing,
            cohort_f=_c(np.stack([hashing, hashing_net, mgmt_pm, cohorts.restart_cost, count,
                                  energy_pm, capex_amount])),
            cohort_i=_c(np.stack([start_step, capex_step]), np.int64),
            capex_steps=capex_steps,
            owner_order=_c(np.argsort(cohorts.owner, kind="stable"), np.int64),
            owner_start=_c(np.concatenate([[0], np.cumsum(per_owner)]), np.int64))


def run_compiled(
    spec: EngineSpec, step: CompiledStep, treasury: Treasury, scale: FloatArray, n_var: int,
    meta: RunMeta, recorders: Sequence[Recorder], progress: Callable[[int], None] | None,
    check: bool,
) -> RunResult:
    """Run ``spec`` on the compiled path (the caller checked it is supported).

    Parameters
    ----------
    spec : EngineSpec
        Static inputs (exogenous network of the main coin).
    step : CompiledStep
        The policy's compiled step.
    treasury : Treasury
        Coin-sale rules.
    scale : ndarray (V|1,)
        Tariff multiplier per variant. [dimensionless]
    n_var : int
        Number of variants ``V``.
    meta : RunMeta
        Shape and labels (given to the recorders).
    recorders : sequence of TotalsRecorder or OwnerStatsRecorder
        What to keep.
    progress : callable, optional
        Called with the number of steps done after each chunk of steps.
    check : bool
        Run the conservation checks.

    """
    from hashwinter.engine.run import RunResult

    if type(spec.network) is EndogenousNetwork:
        from hashwinter.engine.kernel.network_run import run_endogenous

        return run_endogenous(spec, step, treasury, scale, n_var, meta, recorders, progress,
                              check)
    clock, cohorts, owners = spec.clock, spec.cohorts, spec.owners
    network = spec.net
    n_paths, n_coh, n_own, n_steps = spec.market.n_paths, cohorts.n, owners.n, clock.n_steps
    n_days, spd, dt = clock.n_days, clock.steps_per_day, clock.step_seconds
    shape, owner_shape = (n_var, n_paths, n_coh), (n_var, n_paths, n_own)

    # The same static tables as the numpy loop, same expressions.
    ct = CohortTables.of(spec)
    cohort_f, cohort_i, capex_steps = ct.cohort_f, ct.cohort_i, ct.capex_steps
    start_step, count = ct.start_step, ct.count
    mgmt_pm, energy_pm = ct.mgmt_pm, ct.energy_pm
    host_pm = cohorts.hosting_fee * dt / SECONDS_PER_DAY
    hosted = (np.asarray(cohorts.host) >= 0).astype(np.float64)
    hosting_owner = np.zeros((n_steps, n_own))
    if np.any(host_pm):
        # Per owner and step: the fees of its installed cohorts, paid outside the run.
        # They change only where a cohort is installed (a sum of events, then a running sum).
        events = np.zeros((n_steps + 1, n_own))
        np.add.at(events, (np.clip(start_step, 0, n_steps), cohorts.owner),
                  count * host_pm * (1.0 - hosted))
        hosting_owner = np.cumsum(events, axis=0)[:n_steps]
    if hosted.any():
        installed = cohorts.installed(n_steps)
        hosting = installed * host_pm[None, :]
        full_matrix = cohorts.owner_matrix(n_own)
        host_transfer = (hosting * hosted) @ (cohorts.host_matrix(n_own) - full_matrix)
        imbalance = float(np.max(np.abs(host_transfer.sum(axis=1))))
        if check and imbalance > CASH_TOLERANCE:
            raise ConservationError(f"hosting transfers between owners do not sum to zero "
                                    f"(off by {imbalance:.4f})")
    else:
        host_transfer = np.zeros((n_steps, n_own))
    owner_t = _c(np.stack([hosting_owner, host_transfer, owners.site_capex, owners.fixed_costs]))
    tables = cast(tuple[FloatArray, ...], network.init_state(n_var, n_paths))
    rho, issuance, net_hashrate = (np.broadcast_to(a, (n_paths, n_days)) for a in tables[:3])
    price = np.broadcast_to(spec.market.price, (n_paths, n_days))
    market = _c(np.stack([price, rho, issuance, net_hashrate]))
    variant_f = _c(np.stack([np.broadcast_to(scale, (n_var,)),
                             np.broadcast_to(treasury.hodl_ratio, (n_var,))]))
    cover = _c(np.broadcast_to(treasury.sell_to_cover, (n_var,)), np.bool_)
    # Parameter-major (K, V) and (S, P, C, V): a block's slice is contiguous per row.
    params = _c(np.broadcast_to(step.params.T, (step.params.shape[1], n_var)))
    n_state = step.initial_state.size
    policy_state = _c(np.broadcast_to(step.initial_state[:, None, None, None],
                                      (n_state, n_paths, n_coh, n_var)))

    # State, variants innermost.
    on = np.ones((n_paths, n_coh, n_var), dtype=np.bool_)
    cash = _c(np.broadcast_to(owners.starting_cash[None, :, None], (n_paths, n_own, n_var)))
    coins = _c(np.broadcast_to(owners.starting_coins[None, :, None], cash.shape))
    alive = np.ones(cash.shape, dtype=np.bool_)
    alive_prev = np.ones(cash.shape, dtype=np.bool_)
    broke_step = np.full(cash.shape, -1, dtype=np.int64)

    totals_recs = [r for r in recorders if isinstance(r, TotalsRecorder)]
    stats_recs = [r for r in recorders if isinstance(r, OwnerStatsRecorder)]
    want = np.zeros(loop.N_ACC, dtype=np.bool_)
    for trec in totals_recs:
        for name in trec.fields:
            want[_NEEDS[name]] = True
    acc = np.zeros((loop.N_ACC, *on.shape)) if want.any() else np.zeros((loop.N_ACC, 1, 1, 1))
    own = np.zeros((6, *cash.shape))
    own[loop.OWN_MIN_CASH] = cash
    flows = np.zeros((2, *cash.shape))

    n_blocks = _variant_blocks(n_var, n_paths)
    checks = np.zeros((n_blocks * n_paths, 3))
    checks[:, 1:] = -np.inf

    # A trade ledger recorder (TradeRecorder) takes the kernel's per-day trade figures.
    book_recs = [r for r in recorders if getattr(r, "kernel_trade_book", None) is not None]
    days_per_chunk = n_days
    if stats_recs:
        days_per_chunk = max(1, min(n_days, DAY_RECORD_VALUES // (n_var * n_paths * n_own)))
    if book_recs:
        days_per_chunk = max(1, min(days_per_chunk,
                                    DAY_RECORD_VALUES // (n_var * n_paths * N_FIG)))
    buffer_days = days_per_chunk if (stats_recs or book_recs) else 1
    day_shape = (buffer_days, n_var, n_paths, n_own) if stats_recs else (1, 1, 1, 1)
    day_cash, day_coins = np.zeros(day_shape), np.zeros(day_shape)
    day_alive = np.zeros(day_shape, dtype=np.bool_)

    hedge = _book_arrays(step, n_var, n_paths, n_own, n_days)
    trading = trade_arrays(step.trades, n_var, n_paths, n_coh, n_blocks * n_paths, buffer_days,
                           n_steps, book_recs[0] if book_recs else None)

    for rec in recorders:
        rec.begin(meta)
    step_loop = (loop.step_loop_for(step.function, trading=True) if trading.on
                 else loop.step_loop_for(step.function))
    owner_order, owner_start = ct.owner_order, ct.owner_start
    for first_day in range(0, n_days, days_per_chunk):
        last_day = min(first_day + days_per_chunk, n_days)
        trading.day_figures[...] = 0.0
        step_loop(
            params, policy_state,
            first_day * spd, last_day * spd, spd, dt, n_blocks,
            market, owner_order, owner_start, cohort_f, cohort_i, _c(spec.tariff),
            capex_steps, owner_t, variant_f,
            cover, on, alive_prev, cash, coins, alive, broke_step,
            acc, want, own, flows, checks, check,
            day_cash, day_coins, day_alive, bool(stats_recs), first_day,
            BROKE_TOLERANCE, _REL, *hedge, trading.args,
        )
        for d in range(first_day, last_day):
            for srec in stats_recs:
                k = d - first_day
                srec.record_day(d, day_cash[k], day_coins[k], price[:, d], day_alive[k])
            for brec in book_recs:
                cast(Any, brec).load_day(d, trading.day_figures[d - first_day])
        if progress is not None:
            progress(last_day * spd)

    def vpo(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """(P, O|C, V) → (V, P, O|C)."""
        return np.ascontiguousarray(np.moveaxis(a, -1, 0))

    cash_v, coins_v, broke_v = vpo(cash), vpo(coins), vpo(broke_step)
    if totals_recs:
        f = 1.0 / spd
        running = vpo(acc[loop.ACC_RUNNING]) if want[loop.ACC_RUNNING] else None
        cohort: dict[str, FloatArray] = {}
        for name in {n for tr in totals_recs for n in tr.fields}:
            if name == "coins":
                cohort[name] = vpo(acc[loop.ACC_COINS])
            elif name == "revenue":
                cohort[name] = vpo(acc[loop.ACC_REVENUE])
            elif name == "power_cost":
                cohort[name] = vpo(acc[loop.ACC_POWER])
            elif name == "restart_cost":
                cohort[name] = vpo(acc[loop.ACC_RESTART])
            elif name == "days_off":
                cohort[name] = vpo(acc[loop.ACC_OFF_STEPS]) * f
            else:
                assert running is not None
                if name == "management_fee":
                    cohort[name] = running * mgmt_pm
                elif name == "energy_kwh":
                    cohort[name] = running * energy_pm
                elif name == "running_days":
                    cohort[name] = running if f == 1.0 else running * f
                else:  # unplugged_days; a sequential sum, like the kernel's running sum
                    installed_steps = np.cumsum(cohorts.installed(n_steps), axis=0)[-1]
                    if trading.on:  # and the machine-steps traded in (or out: negative)
                        installed_steps = installed_steps + vpo(
                            trading.state[TS_HELD_STEPS])
                    cohort[name] = (installed_steps - running) * f
        day_of_step = clock.day_of_step.astype(np.float64)
        owner_tot = {
            "proceeds": vpo(own[loop.OWN_PROCEEDS]), "operating_cost": vpo(own[loop.OWN_OPEX]),
            "capex": vpo(own[loop.OWN_CAPEX]), "fixed_costs": vpo(own[loop.OWN_FIXED]),
            "other_income": vpo(own[loop.OWN_OTHER]), "min_cash": vpo(own[loop.OWN_MIN_CASH]),
            "broke_day": np.where(broke_v >= 0, day_of_step[np.maximum(broke_v, 0)], -1.0),
        }
        if trading.on:
            owner_tot.update(trade_results(trading, np.zeros(shape), cohorts.owner, n_own)[2])
        for trec in totals_recs:
            trec.load_totals(cohort, owner_tot, cash_v, coins_v)

    checker = ConservationChecker(meta, enabled=check)
    if check:
        max_share = float(checks[:, loop.CHK_SHARE].max())
        if max_share > 1 + _REL:
            raise ConservationError(f"the cohorts hold {max_share:.3g} of the network "
                                    "hashrate: more than the whole network")
        if float(checks[:, loop.CHK_VIOLATION].max()) > 0:
            raise ConservationError("cohorts mined more coins than issuance times their "
                                    "hashrate share")
        checker.max_share = max_share
        checker.max_excess = float(checks[:, loop.CHK_EXCESS].max())
        checker.cash_flows = vpo(flows[0])
        checker.coin_flows = vpo(flows[1])
    held = np.broadcast_to(np.where(start_step <= n_steps - 1, count, 0.0), shape)
    if trading.on:
        # Counts are state: the planned fleet plus what was traded; the checker compares
        # them with bought - sold - scrapped.
        held, change, _ = trade_results(trading, held, cohorts.owner, n_own)
        if check:
            if float(held.min()) < -1e-9:
                raise ConservationError("a cohort holds a negative count")
            checker.count_flows = change
    report = checker.finish(cash_v, coins_v, held)
    return RunResult(
        meta=meta,
        records=[rec.finish() for rec in recorders],
        cash=cash_v,
        coins=coins_v,
        broke_step=broke_v,
        checks=report,
        held=held,
        positions=_positions(step, hedge, owner_shape),
        network_state=network.init_state(n_var, n_paths),
        path="compiled",
    )


def _variant_blocks(n_var: int, n_paths: int) -> int:
    """Variant blocks: at most VARIANT_BLOCK variants each, and enough work for every thread."""
    blocks = math.ceil(n_var / VARIANT_BLOCK)
    threads = numba.get_num_threads()
    if blocks * n_paths < threads:
        blocks = min(n_var, math.ceil(threads / n_paths))
    return max(1, blocks)


def _book_arrays(step: CompiledStep, n_var: int, n_paths: int, n_own: int,
                 n_days: int) -> tuple[Any, ...]:
    """Return the hedge book's arguments of the loop (placeholders without orders)."""
    orders, contracts = step.orders, step.contracts
    if orders is None or not contracts:
        one = np.zeros(1)
        return (False, one, np.zeros(1, np.int64), 0, np.zeros((1, 1), np.bool_),
                np.zeros(1, np.bool_), np.zeros((1, 1), np.bool_), np.zeros((loop.N_IF, 1)),
                np.zeros((2, 1, 1, 1)), np.zeros((1, 1, 1)), np.zeros((loop.N_BK, 1, 1, 1)))
    n_ins = len(contracts)
    ins_f = np.zeros((loop.N_IF, n_ins))
    for i, k in enumerate(contracts):
        ins_f[[loop.IF_INVERSE, loop.IF_PERPETUAL, loop.IF_DELIVER, loop.IF_LEVERAGE,
               loop.IF_MAINTENANCE, loop.IF_TAKER, loop.IF_SETTLEMENT, loop.IF_LIQ_FEE], i] = (
            k.inverse, k.perpetual, k.deliver_at_close, k.leverage, k.maintenance_margin,
            k.taker_fee, k.settlement_fee, k.liquidation_fee)
    n_fund = max(k.funding.shape[0] for k in contracts)
    funding = _c(np.stack([np.broadcast_to(k.funding, (n_fund, k.funding.shape[1]))
                           for k in contracts]))
    prices = _c(np.stack([np.broadcast_to(k.prices, (2, n_paths, n_days)) for k in contracts],
                         axis=1))
    opens = _c(np.asarray(orders.opens, dtype=np.bool_)[:n_ins], np.bool_)
    close_days = _c(np.stack([k.close_days for k in contracts]), np.bool_)
    book = np.zeros((loop.N_BK, n_paths, n_own, n_var))
    book[loop.BK_LIQUIDATION] = np.inf  # a flat position is never liquidated
    return (True, _c(np.broadcast_to(orders.scale, (n_var,))),
            _c(np.broadcast_to(orders.slot, (n_var,)), np.int64), int(orders.target), opens,
            _c(opens.any(axis=0), np.bool_), close_days, ins_f, prices, funding, book)


def _positions(step: CompiledStep, hedge: tuple[Any, ...],
               owner_shape: tuple[int, int, int]) -> FloatArray:
    """Return the closing positions (V, P, O, I) [coin]: each variant's in its slot only."""
    n_ins = len(step.contracts)
    out = np.zeros((*owner_shape, n_ins))
    if not hedge[0]:
        return out
    slot, ins_f, book = hedge[2], hedge[7], hedge[10]
    size, entry = book[loop.BK_SIZE], book[loop.BK_ENTRY]
    inverse = ins_f[loop.IF_INVERSE, slot] != 0  # (V,)
    with np.errstate(divide="ignore", invalid="ignore"):
        quantity = np.where(inverse, size / np.where(entry != 0, entry, 1.0), size)
    quantity = np.where(book[loop.BK_OPEN] != 0, quantity, 0.0)  # (P, O, V)
    v = np.arange(owner_shape[0])
    out[v, :, :, slot] = np.moveaxis(quantity, -1, 0)
    return out
