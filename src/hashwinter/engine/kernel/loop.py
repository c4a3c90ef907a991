"""The compiled step loop: days → cohorts → variants, fused, for the common case.

One numba function runs steps ``t0 .. t1 - 1`` of a run for every variant block,
path, cohort and owner, in the order of docs/engine.md (*One step*): observe,
decide (the policy's compiled step), run (no trades: the planned fleet), the
exogenous network, flows per cohort, the hedge's orders and the book (when the run has
instruments: :func:`book_cell`), hosting transfers, the treasury per owner, record and
check.

Why it is shaped as it is (each point measured, benchmarks/RESULTS.md):

* **One loop per policy function.** :func:`step_loop_for` builds the loop around
  the policy's step as a closure constant, so LLVM inlines it into the inner loop
  and vectorizes across variants; the loops are kept per function for the process.
* **Block-local state.** Each work item (a block of variants on one path) copies
  its slice of the per-cohort state (on/off, policy state, totals) and its
  parameters into small contiguous arrays indexed from 0, runs every step on them
  (they stay in the core's cache) and copies them back. Indices from 0 also spare
  the vectorizer numba's negative-index wraparound, which otherwise turns every
  load into a gather.
* **No branches in the inner loop.** Selects only; which totals are kept and
  whether the checks run are decided per step, outside it. A cohort with no
  machines installed in this step or the last only takes the policy's decision
  (its flows are all zero).
* **Owner by owner over chunks of steps.** With an exogenous network an owner's
  cohorts and treasury depend on no other owner, so within a chunk of
  :data:`T_CHUNK` steps each owner runs all the steps before the next owner: its
  cohorts' state stays in L1/L2 (at the network's shape, 10,000 cohorts, one step
  over all cohorts streamed 15 MB of totals). The checks' farm-wide sums per step are
  kept for the chunk. Each owner's per-step sums are cleared as the treasury reads them.
* **No (steps × cohorts) tables**: machines installed, power cost and purchases are
  derived per step from the cohorts' start and purchase steps and the tariff.

The function mutates its state, accumulator and record arrays in place (so a run
can be cut into chunks of steps, e.g. to keep per-day records bounded) and returns
nothing. The expressions are the numpy engine's, in the same order, so both paths
agree to float rounding of the sums over cohorts and owners.
"""

from __future__ import annotations

import types
from typing import Any

import numba
import numpy as np

from hashwinter.units import SECONDS_PER_DAY

__all__ = [
    "ACC_COINS",
    "ACC_OFF_STEPS",
    "ACC_POWER",
    "ACC_RESTART",
    "ACC_REVENUE",
    "ACC_RUNNING",
    "N_ACC",
    "N_BK",
    "N_IF",
    "OWN_CAPEX",
    "OWN_FIXED",
    "OWN_MIN_CASH",
    "OWN_OPEX",
    "OWN_OTHER",
    "OWN_PROCEEDS",
    "book_cell",
    "on_off_step",
    "step_loop_for",
]

# Per-cohort accumulators, first axis of ``acc`` (P, C, V each).
ACC_COINS, ACC_REVENUE, ACC_POWER, ACC_RUNNING, ACC_RESTART, ACC_OFF_STEPS = range(6)
N_ACC = 6
# Per-owner totals, first axis of ``own`` (P, O, V each).
OWN_PROCEEDS, OWN_OPEX, OWN_CAPEX, OWN_FIXED, OWN_OTHER, OWN_MIN_CASH = range(6)
# Cohort columns of ``cohort_f`` (K, C).
COH_HASHING, COH_HASHING_NET, COH_MGMT, COH_RESTART, COH_COUNT, COH_ENERGY, COH_CAPEX = range(7)
# Cohort columns of ``cohort_i`` (2, C).
COH_START, COH_CAPEX_STEP = range(2)
# Owner tables of ``owner_t`` (K, T, O).
OT_HOSTING, OT_TRANSFER, OT_SITE_CAPEX, OT_FIXED = range(4)
# Check results per block, columns of ``checks`` (n_blocks, 3).
CHK_SHARE, CHK_EXCESS, CHK_VIOLATION = range(3)
# Rows of the block-local per-step sums ``sums`` of one owner (4, VB); the farm's hashrate
# (for the checks) shares the array, so the inner loop writes fewer arrays (each pair of
# arrays costs the vectorizer a runtime overlap test per entry into the loop).
_MINED, _OPEX, _CAPEX, _HASH = range(4)
# Rows of ``sums`` the book writes each step: cash and coins it paid the owner (0 without one).
_ICASH, _ICOINS = 4, 5
# Rows of the block-local totals ``acc_b`` (C, 6, VB): the common group first and
# together, so that a run keeping only those touches half the rows.
_A_COINS, _A_POWER, _A_RUNNING, _A_REVENUE, _A_RESTART, _A_OFF = range(6)
_ACC_ROW = (ACC_COINS, ACC_POWER, ACC_RUNNING, ACC_REVENUE, ACC_RESTART, ACC_OFF_STEPS)

@numba.njit
def on_off_step(params: Any, state: Any, j: int, c: int,
                on: bool, revenue: float, cost: float, step_seconds: float) -> bool:
    """Decide one cell of the package's on/off policies (ShutdownPricePolicy, AlwaysOn).

    ``params[:, j] = (always_on, off_below, on_above, minimum)``
    (:mod:`hashwinter.engine.kernel.policy_steps` builds them). Always on when
    ``always_on`` is nonzero. Otherwise hysteresis around the shutdown price: off
    when ``revenue < cost * (1 + off_below)``, on again when ``revenue > cost * (1 +
    on_above)``; a nonzero minimum margin [currency/(machine·day)] also requires
    ``revenue - cost >= minimum * step_seconds / 86400`` (0: no minimum). The
    comparisons are the numpy ``decide``'s, in the same order. Written without
    branches (``&``, ``|`` on booleans evaluate every comparison, harmless as they are
    pure) so that the loop over variants vectorizes. It lives in this file, not beside
    the parameter builders, because numba's disk cache of the loop that inlines it is
    invalidated by edits of this file only.
    """
    stay = revenue >= cost * (1.0 + params[1, j])
    start = revenue > cost * (1.0 + params[2, j])
    minimum = params[3, j]
    enough = (minimum == 0.0) | ((revenue - cost) >= minimum * (step_seconds / SECONDS_PER_DAY))
    decided = ((on & stay) | (~on & start)) & enough
    return (params[0, j] != 0.0) | decided


# Instrument terms, rows of ``ins_f`` (K, I) (kernel/run.py packs CompiledContract into it).
(IF_INVERSE, IF_PERPETUAL, IF_DELIVER, IF_LEVERAGE, IF_MAINTENANCE, IF_TAKER, IF_SETTLEMENT,
 IF_LIQ_FEE) = range(8)
N_IF = 8
# The hedge book's state per (owner, variant) of the variant's instrument, rows of ``book``.
BK_SIZE, BK_ENTRY, BK_LAST, BK_COLLATERAL, BK_OPEN, BK_HEDGED, BK_LIFE, BK_LIQUIDATION = range(8)
N_BK = 8


@numba.njit
def _pnl(size: float, entry: float, exit: float, inverse: bool) -> float:
    """P&L of ``size`` from ``entry`` to ``exit``: coins × move, or face × reciprocal move."""
    if inverse:
        return size * (1.0 / entry - 1.0 / exit)
    return size * (exit - entry)


@numba.njit
def _fee(size: float, price: float, rate: float, inverse: bool) -> float:
    """Fee at ``rate`` on the notional (coins |face|/price, or currency |size|·price)."""
    if inverse:
        return rate * (abs(size) / price)
    return rate * (abs(size) * price)


@numba.njit
def _liquidation_price(size: float, entry: float, leverage: float, m: float,
                       inverse: bool) -> float:
    """:func:`hashwinter.finance.margin.liquidation_price` of one position."""
    inv_lev = 1.0 / leverage
    if inverse:
        if size > 0:
            return entry * (1.0 + m) / (1.0 + inv_lev)
        denominator = 1.0 - inv_lev
        return entry * (1.0 - m) / denominator if denominator > 0 else np.inf
    if size > 0:
        return max(entry * (1.0 - inv_lev) / (1.0 - m), 0.0)
    return entry * (1.0 + inv_lev) / (1.0 + m)


@numba.njit
def book_cell(bk: Any, o: int, j: int, ins_f: Any, i: int, price: float, fill_open: float,
              spot: float, closing: bool, rate: float, order: float) -> tuple[float, float]:
    """Settle one owner's position of one variant in instrument ``i``: (cash, coins) received.

    :meth:`hashwinter.finance.instruments.HedgeContract.settle` for one cell of a
    margined contract, the same expressions in the same order: mark at ``price`` (and
    liquidate at or beyond the liquidation price, the loss capped at the collateral, the
    fee once), funding ``rate`` of an open perpetual, the close at a close day's close
    (``closing``: P&L since the mark, settlement or taker fee, delivery of the hedged
    coins at ``spot``), then the fill of ``order`` [coin] at ``fill_open`` after a close
    or ``price`` otherwise. ``bk[:, o, j]`` is the state (rows ``BK_*``); prices in
    currency/coin. The journal's figures (realised P&L, accrued) are not kept.
    """
    inverse = ins_f[IF_INVERSE, i] != 0.0
    size = bk[BK_SIZE, o, j]
    is_open = bk[BK_OPEN, o, j] != 0.0
    hedged = bk[BK_HEDGED, o, j]
    life = bk[BK_LIFE, o, j]
    traded = order != 0.0
    if not (is_open or traded or (closing and (hedged != 0.0 or life != 0.0))):
        return 0.0, 0.0  # an idle cell: nothing open, to fill or to deliver
    perpetual = ins_f[IF_PERPETUAL, i] != 0.0
    entry = bk[BK_ENTRY, o, j]
    last = bk[BK_LAST, o, j]
    collateral = bk[BK_COLLATERAL, o, j]
    liquidation = bk[BK_LIQUIDATION, o, j]
    # 1. Mark (and liquidate).
    variation = 0.0
    fees = 0.0
    if is_open:
        variation = _pnl(size, last, price, inverse)
        hit = price <= liquidation if size > 0 else price >= liquidation
        if hit:
            realised = max(_pnl(size, entry, price, inverse), -collateral)
            fees = min(_fee(size, price, ins_f[IF_LIQ_FEE, i], inverse),
                       max(collateral + realised, 0.0))
            variation = realised - _pnl(size, entry, last, inverse)
            is_open = False
        last = price
    # 2. Funding of an open perpetual.
    funding = 0.0
    if perpetual and is_open:
        funding = -rate * size / price if inverse else -rate * size * price
    # 3. Close at the close of a close day.
    payoff = 0.0
    delivered = 0.0
    deliver = ins_f[IF_DELIVER, i] != 0.0
    if closing:
        if is_open:
            payoff = _pnl(size, entry, price, inverse) - _pnl(size, entry, last, inverse)
            fee_rate = ins_f[IF_TAKER, i] if perpetual else ins_f[IF_SETTLEMENT, i]
            fees = fees + _fee(size, price, fee_rate, inverse)
            last = price
            is_open = False
        if deliver:
            delivered = max(-hedged, 0.0)
        hedged = 0.0
    paid = variation + funding - fees + payoff
    # 4. Fill the order (a new contract after a close).
    entry_fee = 0.0
    if traded:
        fill = fill_open if closing else price
        order_size = order * fill if inverse else order
        new_size = (size if is_open else 0.0) + order_size
        entry_fee = _fee(order_size, fill, ins_f[IF_TAKER, i], inverse)
        leverage = ins_f[IF_LEVERAGE, i]
        value = abs(new_size) / fill if inverse else abs(new_size) * fill
        size, entry, last, collateral = new_size, fill, fill, value / leverage
        is_open = new_size != 0.0
        liquidation = _liquidation_price(new_size, fill, leverage, ins_f[IF_MAINTENANCE, i],
                                         inverse)
        hedged = hedged + order
    flow = paid - entry_fee
    cash = 0.0 if inverse else flow
    coins = flow if inverse else 0.0
    if closing and deliver:
        if inverse:  # the coins the contract paid (or took) over its life are sold too
            delivered = delivered + life + paid
        coins = coins - delivered
        cash = cash + delivered * spot
    life = -entry_fee if closing else life + flow
    bk[BK_SIZE, o, j] = size
    bk[BK_ENTRY, o, j] = entry
    bk[BK_LAST, o, j] = last
    bk[BK_COLLATERAL, o, j] = collateral
    bk[BK_OPEN, o, j] = 1.0 if is_open else 0.0
    bk[BK_HEDGED, o, j] = hedged
    bk[BK_LIFE, o, j] = life
    bk[BK_LIQUIDATION, o, j] = liquidation
    return cash, coins


@numba.njit
def _owner_book(bk: Any, o: int, slot_b: Any, inv_b: Any, lim_lo: Any, lim_hi: Any,
                msz: Any, lastq: Any) -> int:
    """Derive owner ``o``'s mark state from its book; return its count of open positions.

    Run where :func:`book_cell` may have changed the book (the block's start, a step of
    closes, orders or a liquidation), so that the other steps' mark (in the treasury's
    loop over variants) reads three numbers per position:

    * ``msz[o, j]``: the size of an open position, 0 for a flat one;
    * ``lastq[o, j]``: the last mark in the margin currency's units, the price (linear)
      or minus its reciprocal (inverse), so that the variation margin of either kind is
      ``msz · (q − lastq)`` with ``q`` the mark's (see :func:`_mark_tables`);
    * ``lim_lo[o, i]``, ``lim_hi[o, i]``: the highest liquidation price of the owner's
      open longs in instrument ``i`` (-inf: none) and the lowest of its open shorts
      (+inf: none). A mark at ``price`` reaches some position's liquidation price
      (:func:`book_cell`'s test, ``price <= liquidation`` for a long, ``>=`` for a short)
      exactly when ``price <= lim_lo`` or ``price >= lim_hi``: one comparison per
      instrument a step instead of a pass over the variants. The liquidation price is
      fixed at entry, so the bounds change only where :func:`book_cell` runs.
    """
    for i in range(lim_lo.shape[1]):
        lim_lo[o, i] = -np.inf
        lim_hi[o, i] = np.inf
    n_open = 0
    for j in range(slot_b.size):
        if bk[BK_OPEN, o, j] != 0.0:
            n_open += 1
            i = slot_b[j]
            size = bk[BK_SIZE, o, j]
            last = bk[BK_LAST, o, j]
            liquidation = bk[BK_LIQUIDATION, o, j]
            if size > 0:
                lim_lo[o, i] = max(lim_lo[o, i], liquidation)
            else:
                lim_hi[o, i] = min(lim_hi[o, i], liquidation)
            msz[o, j] = size
            lastq[o, j] = -1.0 / last if inv_b[j] else last
        else:
            msz[o, j] = 0.0
            lastq[o, j] = 0.0
    return n_open


@numba.njit
def _mark_tables(qtab: Any, ftab: Any, tc0: int, tc1: int, p: int, p_fund: int,
                 steps_per_day: int, contract_px: Any, funding: Any, slot_b: Any,
                 inv_b: Any, perp_b: Any) -> None:
    """Fill each variant's mark terms for steps ``tc0 .. tc1 - 1`` (rows ``t - tc0``).

    ``qtab`` is the instrument's price (linear) or minus its reciprocal (inverse),
    ``ftab`` the funding paid per unit of size, ``-rate · price`` (linear) or
    ``-rate / price`` (inverse), 0 for a future: a mark's payment is then
    ``size · ((q − lastq) + f)``, :func:`book_cell`'s variation margin plus funding
    (the funding's product taken in another order: equal to rounding). Computed once a
    chunk of steps for all owners, so that an owner's mark reads contiguous rows.
    """
    for t in range(tc0, tc1):
        day = t // steps_per_day
        for j in range(slot_b.size):
            i = slot_b[j]
            price = contract_px[0, i, p, day]
            rate = funding[i, p_fund, t]
            inverse = inv_b[j]
            qtab[t - tc0, j] = -1.0 / price if inverse else price
            f = -rate / price if inverse else -rate * price
            ftab[t - tc0, j] = f if perp_b[j] else 0.0


@numba.njit
def _restore_last(bk: Any, o: int, t_mark: int, p: int, steps_per_day: int,
                  contract_px: Any, slot_b: Any) -> None:
    """Set ``BK_LAST`` of owner ``o``'s open positions to the mark of step ``t_mark``.

    The treasury's mark keeps ``lastq`` only; an open position is marked on every step,
    so its last mark is its instrument's price on the owner's last marked step, written
    back before :func:`book_cell` reads the book and when the block ends.
    """
    day = t_mark // steps_per_day
    for j in range(slot_b.size):
        if bk[BK_OPEN, o, j] != 0.0:
            bk[BK_LAST, o, j] = contract_px[0, slot_b[j], p, day]


@numba.njit
def _hedge_orders(order_b: Any, t: int, day: int, end_of_day: bool, o: int, on_b: Any,
                  alive_o: Any, owner_order: Any, owner_start: Any, cohort_i: Any,
                  cohort_f: Any, tariff: Any, scale: Any, rho_obs: float, price_obs: float,
                  steps_per_day: int, target: int, hscale_b: Any, slot_b: Any, opens: Any,
                  opens_any: Any) -> None:
    """Write owner ``o``'s orders of step ``t`` [coin] into ``order_b`` (VB,), 0 on most steps.

    :meth:`hashwinter.farm.hedging.HedgeShort.decide`: at the close of a day on which
    the variant's instrument opens, short ``scale ·`` the owner's expected coins per day
    of the cohorts that are on (``target`` 0: coins per machine at the observed reward;
    1: avoidable cost over the observed price), nothing for a broke owner. It reads the
    step's decisions ``on_b``, so it runs after the owner's cohorts.
    """
    nvb = order_b.size
    for j in range(nvb):
        order_b[j] = 0.0
    if not (end_of_day and opens_any[day]):
        return
    for ci in range(owner_start[o], owner_start[o + 1]):
        c = owner_order[ci]
        held = cohort_f[COH_COUNT, c] if t >= cohort_i[COH_START, c] else 0.0
        if target == 0:
            coins_obs = rho_obs * cohort_f[COH_HASHING_NET, c]
            for j in range(nvb):
                order_b[j] += (held if on_b[c, j] else 0.0) * coins_obs
        else:
            power_base = cohort_f[COH_ENERGY, c] * tariff[t, c]
            mgmt = cohort_f[COH_MGMT, c]
            for j in range(nvb):
                cost = power_base * scale[j] + mgmt
                order_b[j] += (held if on_b[c, j] else 0.0) * cost / price_obs
    for j in range(nvb):
        due = opens[slot_b[j], day]
        short = -(hscale_b[j] if due else 0.0) * (order_b[j] * steps_per_day)
        order_b[j] = short if alive_o[j] else 0.0


#: The policy step the module-level loop calls; :func:`step_loop_for` rebinds it per policy.
decide = on_off_step

#: Steps per chunk in which owners run one after another
#: (the checks' buffers are T_CHUNK × VB).
T_CHUNK = 64

_LOOPS: dict[Any, Any] = {}


def step_loop_for(policy_fn: Any) -> Any:
    """Return the jitted step loop around ``policy_fn``.

    The loop calls the policy's step as a compile-time constant (a global of the
    function), so LLVM inlines it and vectorizes over variants. For the package's
    :func:`on_off_step` it is the module's loop, cached on disk (a new process loads it
    instead of compiling it, benchmarks/RESULTS.md); for any other policy function it is
    the same code with that function as its ``decide``, compiled once per process (not
    cached: numba's cache key does not see a function's globals).
    """
    if policy_fn is on_off_step:
        return _step_loop_on_off
    loop = _LOOPS.get(policy_fn)
    if loop is None:
        scope = dict(globals(), decide=policy_fn)
        fn = types.FunctionType(_loop_body.__code__, scope, "step_loop")
        loop = numba.njit(parallel=True)(fn)
        _LOOPS[policy_fn] = loop
    return loop


def _loop_body(
    policy_params: Any, policy_state: Any,
    t0: int, t1: int, steps_per_day: int, step_seconds: float, n_blocks: int,
    market: Any, owner_order: Any, owner_start: Any, cohort_f: Any, cohort_i: Any,
    tariff: Any, capex_steps: Any, owner_t: Any, variant_f: Any, cover: Any,
    on: Any, alive_prev: Any, cash: Any, coins: Any, alive: Any, broke_step: Any,
    acc: Any, want: Any, own: Any, flows: Any, checks: Any, check: bool,
    day_cash: Any, day_coins: Any, day_alive: Any, record_days: bool, day0: int,
    broke_tolerance: float, rel_slack: float,
    book_on: bool, hedge_scale: Any, hedge_slot: Any, hedge_target: int, opens: Any,
    opens_any: Any, close_days: Any, ins_f: Any, contract_px: Any, funding: Any, book: Any,
) -> None:
    """Advance every variant block, path, cohort and owner through steps ``t0 .. t1 - 1``.

    Parameters (arrays are C-contiguous float64 unless stated)
    ----------------------------------------------------------
    policy_params, policy_state
        The policy's parameters (K, V) and state (S, P, C, V) (see
        :mod:`hashwinter.engine.kernel.protocol`).
    t0, t1 : int
        Steps to run. ``steps_per_day`` (1 or 24), ``step_seconds`` [s].
    n_blocks : int
        Variant blocks; the (block, path) pairs run in parallel.
    market : (4, P, D)
        Price [currency/coin], reward per H/s in one step [coin/(H/s)], issuance in
        one step [coin] and network hashrate [H/s], per path and day.
    owner_order, owner_start : int64 (C,), (O + 1,)
        The cohorts grouped by owner: owner ``o``'s are ``owner_order[owner_start[o]:
        owner_start[o + 1]]``, in increasing order (the order the numpy loop sums them).
    cohort_f : (7, C)
        Effective hashrate [H/s], hashrate after pool fee [H/s], management fee per
        running machine and step [currency], restart cost [currency/machine], machines
        [machines], energy of one running machine in a step [kWh], purchase paid
        [currency].
    cohort_i : int64 (2, C)
        First step installed; step the purchase is paid (-1: none in the run).
    tariff : (T, C)
        Tariff [currency/kWh]: one running machine's power cost before the tariff scale
        is energy × tariff (the numpy loop's table, computed per step here).
    capex_steps : bool (T,)
        Steps with any purchase.
    owner_t : (4, T, O)
        Hosting fees paid outside the run, hosting received minus paid between
        owners of the run, site capex, fixed costs, per step [currency].
    variant_f : (2, V)
        Tariff scale [dimensionless] and hodl ratio [fraction] per variant.
    cover : bool (V,)
        Sell to cover per variant.
    on : bool (P, C, V)
        State: switched on in the last step.
    alive_prev : bool (P, O, V)
        State: solvent at the start of the last step (with ``on`` and the machines
        installed it says what ran in the last step: a restart is counted against it).
    cash, coins, alive, broke_step : (P, O, V)
        State: balances [currency], [coin], solvent, step it went broke (-1).
    acc : (6, P, C, V); want : bool (6,)
        Per-cohort sums (coins, revenue, power cost, machine-steps running, restart
        cost, steps off while installed). Where ``want`` asks for any of the first
        group (coins, power, running) all three are summed, likewise the second.
    own : (6, P, O, V)
        Per-owner sums (proceeds, operating cost, capex, fixed costs, other income)
        and the minimum cash.
    flows : (2, P, O, V)
        Cash and coin flows for the conservation checks.
    checks : (n_blocks * P, 3)
        Largest hashrate share, largest excess of mined coins over issuance ×
        share, largest excess over its slack (> 0: violated), per work item.
    day_cash, day_coins, day_alive : (days, V, P, O)
        End-of-day balances and solvency from day ``day0`` (when ``record_days``).
    broke_tolerance : float
        Cash below minus this is unpaid (:data:`~hashwinter.engine.treasury.BROKE_TOLERANCE`).
    rel_slack : float
        Relative slack of the issuance bound.
    book_on : bool
        Whether the hedge book runs (else the arrays below are placeholders).
    hedge_scale, hedge_slot : (V,), int64 (V,)
        The hedge policy's ratio × horizon [day] and instrument per variant
        (:class:`~hashwinter.engine.kernel.protocol.CompiledOrders`); ``hedge_target``
        0 production, 1 power bill.
    opens, opens_any : bool (I, D), bool (D,)
        Days at whose close each instrument's hedge opens; any instrument's.
    close_days : bool (I, D)
        Days at whose close each instrument's contract closes.
    ins_f : (N_IF, I)
        Instrument terms (rows ``IF_*``).
    contract_px : (2, I, P, D)
        Price of the open contract and of one opened at a close [currency/coin].
    funding : (I, P|1, T)
        Funding rate per step [fraction].
    book : (N_BK, P, O, V)
        State: each owner's position in its variant's instrument (rows ``BK_*``).

    """
    want_main = want[ACC_COINS] or want[ACC_POWER] or want[ACC_RUNNING]
    want_extra = want[ACC_REVENUE] or want[ACC_RESTART] or want[ACC_OFF_STEPS]
    n_paths = on.shape[0]
    n_coh = on.shape[1]
    n_var = on.shape[2]
    n_own = cash.shape[1]
    n_par = policy_params.shape[0]
    n_st = policy_state.shape[0]
    # Work items: (variant block, path) pairs, so that a run of one variant and many
    # paths (a Monte Carlo) is parallel too.
    for item in numba.prange(n_blocks * n_paths):
        b = item // n_paths
        p = item % n_paths
        v0 = b * n_var // n_blocks
        v1 = (b + 1) * n_var // n_blocks
        nvb = v1 - v0
        v0u = np.uint64(v0)
        # The block's slice of everything the inner loop touches, indexed from 0.
        par = np.empty((n_par, nvb))
        for k in range(n_par):
            for j in range(nvb):
                par[k, j] = policy_params[k, v0 + j]
        pst = np.empty((n_st, n_coh, nvb))
        for k in range(n_st):
            for c in range(n_coh):
                for j in range(nvb):
                    pst[k, c, j] = policy_state[k, p, c, v0 + j]
        scale = np.empty(nvb)
        for j in range(nvb):
            scale[j] = variant_f[0, v0 + j]
        on_b = np.empty((n_coh, nvb), dtype=np.bool_)
        acc_b = np.zeros((n_coh, N_ACC, nvb))
        for c in range(n_coh):
            for j in range(nvb):
                on_b[c, j] = on[p, c, v0 + j]
            if want_main or want_extra:
                for k in range(N_ACC):
                    row = _ACC_ROW[k]
                    for j in range(nvb):
                        acc_b[c, k, j] = acc[row, p, c, v0 + j]
        alive_b = np.empty((n_own, nvb), dtype=np.bool_)
        solvent_before = np.empty((n_own, nvb), dtype=np.bool_)
        for o in range(n_own):
            for j in range(nvb):
                alive_b[o, j] = alive[p, o, v0 + j]
                solvent_before[o, j] = alive_prev[p, o, v0 + j]
        # The hedge book of the block: each variant trades one instrument (its slot), so
        # its state is one position per (owner, variant); the other slots stay flat.
        n_bk = book.shape[0] if book_on else 0
        bk = np.empty((n_bk, n_own, nvb))
        for k in range(n_bk):
            for o in range(n_own):
                for j in range(nvb):
                    bk[k, o, j] = book[k, p, o, v0 + j]
        slot_b = np.zeros(nvb, dtype=np.int64)
        hscale_b = np.zeros(nvb)
        if book_on:
            for j in range(nvb):
                slot_b[j] = hedge_slot[v0 + j]
                hscale_b[j] = hedge_scale[v0 + j]
        p_fund = min(p, funding.shape[1] - 1)
        n_ins = ins_f.shape[1]
        close_any = np.zeros(close_days.shape[1], dtype=np.bool_)
        for i in range(close_days.shape[0]):
            for d in range(close_days.shape[1]):
                close_any[d] = close_any[d] or close_days[i, d]
        inv_b = np.zeros(nvb, dtype=np.bool_)
        perp_b = np.zeros(nvb, dtype=np.bool_)
        for j in range(nvb):
            inv_b[j] = ins_f[IF_INVERSE, slot_b[j]] != 0.0
            perp_b[j] = ins_f[IF_PERPETUAL, slot_b[j]] != 0.0
        # Per owner: positions open in the block, their mark state and liquidation bounds
        # (:func:`_owner_book`), the last step marked since the book last ran (-1: none);
        # the variants' mark terms per step of a chunk (:func:`_mark_tables`); whether the
        # book's rows of ``sums`` hold a payment.
        lim_lo = np.empty((n_own, n_ins))
        lim_hi = np.empty((n_own, n_ins))
        n_open = np.zeros(n_own, dtype=np.int64)
        msz = np.zeros((n_own, nvb))
        lastq = np.zeros((n_own, nvb))
        t_mark = np.full(n_own, -1, dtype=np.int64)
        any_inv = False
        for j in range(nvb):
            any_inv = any_inv or inv_b[j]
        n_tq = T_CHUNK if book_on else 1
        qtab = np.zeros((n_tq, nvb))
        ftab = np.zeros((n_tq, nvb))
        if book_on:
            for o in range(n_own):
                n_open[o] = _owner_book(bk, o, slot_b, inv_b, lim_lo, lim_hi, msz, lastq)
        book_paid = False
        order_b = np.zeros(nvb)
        # Per-step owner sums of the owner being run, zeroed as the treasury reads them.
        sums = np.zeros((6, nvb))
        # The farm's mined coins and hashrate per step of a chunk of steps, summed over
        # owners for the checks (owners run one after another within the chunk).
        n_tc = T_CHUNK if check else 1
        mined_t = np.zeros((n_tc, nvb))
        hash_t = np.zeros((n_tc, nvb))
        max_share = 0.0
        max_excess = -np.inf
        max_violation = -np.inf
        for tc0 in range(t0, t1, T_CHUNK):
            tc1 = min(tc0 + T_CHUNK, t1)
            if book_on:
                _mark_tables(qtab, ftab, tc0, tc1, p, p_fund, steps_per_day, contract_px,
                             funding, slot_b, inv_b, perp_b)
            # Owner by owner: an owner's cohorts and treasury depend on no other owner
            # (the network is exogenous, hosting transfers are tables), so each owner runs
            # the chunk's steps with its cohorts' state in L1/L2 (the network's shape has
            # 10,000 cohorts: a step over all of them would stream 15 MB of totals).
            for o in range(n_own):
                alive_o = alive_b[o]
                solv_o = solvent_before[o]
                for t in range(tc0, tc1):
                    day = t // steps_per_day
                    d_obs = max(day - 1, 0)
                    t_prev = max(t - 1, 0)
                    price_obs = market[0, p, d_obs]
                    price_now = market[0, p, day]
                    rho_obs = market[1, p, d_obs]
                    rho_now = market[1, p, day]
                    for ci in range(owner_start[o], owner_start[o + 1]):
                        c = owner_order[ci]
                        start = cohort_i[COH_START, c]
                        count = cohort_f[COH_COUNT, c]
                        held = count if t >= start else 0.0
                        held_before = count if t_prev >= start else 0.0
                        hash_net = cohort_f[COH_HASHING_NET, c]
                        mgmt = cohort_f[COH_MGMT, c]
                        # 1. observe: expected revenue at yesterday's reward and price.
                        revenue = rho_obs * hash_net * price_obs
                        power_base = cohort_f[COH_ENERGY, c] * tariff[t, c]
                        onc = on_b[c]
                        if held == 0.0 and held_before == 0.0:
                            # Nothing installed now or in the last step: every flow is zero
                            # (running = 0, restarted = 0); only the policy's state moves.
                            for j in range(nvb):
                                cost = power_base * scale[j] + mgmt
                                onc[j] = decide(par, pst, j, c, onc[j], revenue, cost,
                                                step_seconds)
                            continue
                        hash_eff = cohort_f[COH_HASHING, c]
                        restart_pm = cohort_f[COH_RESTART, c]
                        coins_pm = rho_now * hash_net
                        accs = acc_b[c]
                        if not want_extra:
                            for j in range(nvb):
                                power = power_base * scale[j]
                                cost = power + mgmt
                                # 2. decide
                                was = onc[j]
                                now = decide(par, pst, j, c, was, revenue, cost, step_seconds)
                                onc[j] = now
                                # 3. run: the planned fleet, nothing for a broke owner
                                running = held if (now and alive_o[j]) else 0.0
                                # 5. flows: machines switched back on pay the restart cost
                                mined = running * coins_pm
                                # What ran in the last step: its machines, if on and solvent.
                                before = held_before if (was and solv_o[j]) else 0.0
                                restarted = min(running, held_before) - before
                                restart = (restarted if restarted > 0.0 else 0.0) * restart_pm
                                sums[_MINED, j] += mined
                                sums[_OPEX, j] += running * cost + restart
                                sums[_HASH, j] += running * hash_eff
                                accs[_A_COINS, j] += mined
                                accs[_A_POWER, j] += running * power
                                accs[_A_RUNNING, j] += running
                        else:
                            # The same, and the second group of totals.
                            for j in range(nvb):
                                power = power_base * scale[j]
                                cost = power + mgmt
                                was = onc[j]
                                now = decide(par, pst, j, c, was, revenue, cost, step_seconds)
                                onc[j] = now
                                running = held if (now and alive_o[j]) else 0.0
                                mined = running * coins_pm
                                before = held_before if (was and solv_o[j]) else 0.0
                                restarted = min(running, held_before) - before
                                restart = (restarted if restarted > 0.0 else 0.0) * restart_pm
                                sums[_MINED, j] += mined
                                sums[_OPEX, j] += running * cost + restart
                                sums[_HASH, j] += running * hash_eff
                                accs[_A_COINS, j] += mined
                                accs[_A_POWER, j] += running * power
                                accs[_A_RUNNING, j] += running
                                accs[_A_REVENUE, j] += mined * price_now
                                accs[_A_RESTART, j] += restart
                                off = 1.0 if (running == 0.0 and held > 0.0) else 0.0
                                accs[_A_OFF, j] += off
                    if capex_steps[t]:
                        for ci in range(owner_start[o], owner_start[o + 1]):
                            c = owner_order[ci]
                            due = cohort_i[COH_CAPEX_STEP, c] == t
                            paid = cohort_f[COH_CAPEX, c] if due else 0.0
                            if paid != 0.0:
                                for j in range(nvb):
                                    if alive_o[j]:
                                        sums[_CAPEX, j] += paid
                    end_of_day = (t + 1) % steps_per_day == 0
                    mark = False
                    # Whether the book pays anything this step: without (no position open, no
                    # book_cell) the treasury's plain loop is exact (no coins owed).
                    book_step = False
                    if book_on:
                        # 2. the hedge's orders, 6. the book. Most steps only mark and fund
                        # what is open, in the treasury's loop below; a step of closes or
                        # orders, or whose mark reaches a liquidation price, runs
                        # book_cell, its cash and coins into sums.
                        rare = end_of_day and (opens_any[day] or close_any[day])
                        if not rare and n_open[o] > 0:
                            for i in range(n_ins):
                                px = contract_px[0, i, p, day]
                                rare = rare | ((px <= lim_lo[o, i]) | (px >= lim_hi[o, i]))
                        if not rare:
                            mark = n_open[o] > 0
                            book_step = mark
                            t_mark[o] = t if mark else t_mark[o]
                            if book_paid:
                                for j in range(nvb):
                                    sums[_ICASH, j] = 0.0
                                    sums[_ICOINS, j] = 0.0
                                book_paid = False
                        else:
                            if t_mark[o] >= 0:
                                _restore_last(bk, o, t_mark[o], p, steps_per_day, contract_px,
                                              slot_b)
                                t_mark[o] = -1
                            _hedge_orders(order_b, t, day, end_of_day, o, on_b, alive_o,
                                          owner_order, owner_start, cohort_i, cohort_f, tariff,
                                          scale, rho_obs, price_obs, steps_per_day,
                                          hedge_target, hscale_b, slot_b, opens, opens_any)
                            for j in range(nvb):
                                i = slot_b[j]
                                sums[_ICASH, j], sums[_ICOINS, j] = book_cell(
                                    bk, o, j, ins_f, i, contract_px[0, i, p, day],
                                    contract_px[1, i, p, day], price_now,
                                    end_of_day and close_days[i, day], funding[i, p_fund, t],
                                    order_b[j])
                            book_paid = True
                            book_step = True
                            n_open[o] = _owner_book(bk, o, slot_b, inv_b, lim_lo, lim_hi, msz,
                                                    lastq)
                    tq = t - tc0
                    # 6.-7. transfers, then the owner's treasury.
                    hosting = owner_t[OT_HOSTING, t, o]
                    transfer = owner_t[OT_TRANSFER, t, o]
                    site_capex = owner_t[OT_SITE_CAPEX, t, o]
                    fixed = owner_t[OT_FIXED, t, o]
                    for j in range(nvb):
                        # Unsigned: numba adds no negative-index wraparound, so the loads
                        # stay contiguous and the loop vectorizes.
                        v = v0u + np.uint64(j)
                        solvent = alive_b[o, j]
                        # Solvent at the start of this step: "before" for the next one.
                        solvent_before[o, j] = solvent
                        mined = sums[_MINED, j]
                        machine_capex = sums[_CAPEX, j]
                        opex = sums[_OPEX, j] + hosting
                        if check:
                            mined_t[t - tc0, j] += mined
                            hash_t[t - tc0, j] += sums[_HASH, j]
                        sums[_MINED, j] = 0.0
                        sums[_OPEX, j] = 0.0
                        sums[_CAPEX, j] = 0.0
                        sums[_HASH, j] = 0.0
                        site = site_capex if solvent else 0.0
                        other = machine_capex + site + fixed
                        other = other - transfer
                        held_coins = coins[p, o, v] + mined
                        other_income = transfer
                        coins_in = 0.0
                        if book_step:  # loop-invariant: the loop is unswitched, no cost without
                            # The mark of a step without book_cell (``mark``): variation
                            # margin and funding of the open position (msz 0: flat), in cash
                            # (linear) or coins (inverse), fused here so that the book adds
                            # no pass over the variants on most steps (benchmarks/RESULTS.md).
                            if mark:
                                ms = msz[o, j]
                                q = qtab[tq, j]
                                flow = ms * (q - lastq[o, j]) + ms * ftab[tq, j]
                                flow = flow if ms != 0.0 else 0.0
                                lastq[o, j] = q
                                if any_inv:  # the coins an inverse contract paid in its life
                                    bk[BK_LIFE, o, j] = bk[BK_LIFE, o, j] + flow
                                inverse = inv_b[j]
                                ins_cash = 0.0 if inverse else flow
                                ins_coins = flow if inverse else 0.0
                            else:
                                ins_cash = sums[_ICASH, j]
                                ins_coins = sums[_ICOINS, j]
                            # The book's cash and coins; coins owed beyond those held are
                            # bought at the step's price.
                            other = other - ins_cash
                            held_coins = held_coins + ins_coins
                            bought = max(-held_coins, 0.0)
                            held_coins = held_coins + bought
                            other = other + bought * price_now
                            other_income = transfer + ins_cash - bought * price_now
                            coins_in = ins_coins + bought
                        planned = (1.0 - variant_f[1, v]) * mined
                        planned = max(planned, opex / price_now) if cover[v] else planned
                        sold = min(planned, held_coins)
                        held_coins = held_coins - sold
                        proceeds = sold * price_now
                        after = cash[p, o, v] + proceeds - opex - other
                        short = max(-after, 0.0)
                        forced = min(held_coins, short / price_now)
                        forced_proceeds = forced * price_now
                        final = after + forced_proceeds
                        cash[p, o, v] = final
                        coins[p, o, v] = held_coins - forced
                        # The tie rule: exactly -broke_tolerance is still paid.
                        broke = solvent and final < -broke_tolerance
                        alive_b[o, j] = solvent and not broke
                        broke_step[p, o, v] = t if broke else broke_step[p, o, v]
                        own[OWN_PROCEEDS, p, o, v] += proceeds + forced_proceeds
                        own[OWN_OPEX, p, o, v] += opex
                        own[OWN_CAPEX, p, o, v] += machine_capex + site
                        own[OWN_FIXED, p, o, v] += fixed
                        own[OWN_OTHER, p, o, v] += other_income
                        own[OWN_MIN_CASH, p, o, v] = min(own[OWN_MIN_CASH, p, o, v], final)
                        if check:
                            flows[0, p, o, v] += (proceeds + forced_proceeds - opex
                                                  - machine_capex - site - fixed) + other_income
                            flows[1, p, o, v] += mined - sold - forced + coins_in
                        if record_days and end_of_day:
                            day_cash[day - day0, v, p, o] = final
                            day_coins[day - day0, v, p, o] = held_coins - forced
                            day_alive[day - day0, v, p, o] = alive_b[o, j]
            # 4. the exogenous network: the cohorts' share of issuance, per step.
            if check:
                for t in range(tc0, tc1):
                    day = t // steps_per_day
                    network = market[3, p, day]
                    issuance = market[2, p, day]
                    for j in range(nvb):
                        share = hash_t[t - tc0, j] / network if network > 0.0 else 0.0
                        bound = issuance * share
                        excess = mined_t[t - tc0, j] - bound
                        max_share = max(max_share, share)
                        max_excess = max(max_excess, excess)
                        max_violation = max(max_violation,
                                            excess - (rel_slack * bound + 1e-12))
                        mined_t[t - tc0, j] = 0.0
                        hash_t[t - tc0, j] = 0.0
        for o in range(n_own):
            if t_mark[o] >= 0:
                _restore_last(bk, o, t_mark[o], p, steps_per_day, contract_px, slot_b)
        for k in range(n_bk):
            for o in range(n_own):
                for j in range(nvb):
                    book[k, p, o, v0 + j] = bk[k, o, j]
        # The block's state back into the run's arrays.
        for k in range(n_st):
            for c in range(n_coh):
                for j in range(nvb):
                    policy_state[k, p, c, v0 + j] = pst[k, c, j]
        for c in range(n_coh):
            for j in range(nvb):
                on[p, c, v0 + j] = on_b[c, j]
            if want_main or want_extra:
                for k in range(N_ACC):
                    row = _ACC_ROW[k]
                    for j in range(nvb):
                        acc[row, p, c, v0 + j] = acc_b[c, k, j]
        for o in range(n_own):
            for j in range(nvb):
                alive[p, o, v0 + j] = alive_b[o, j]
                alive_prev[p, o, v0 + j] = solvent_before[o, j]
        checks[item, CHK_SHARE] = max(checks[item, CHK_SHARE], max_share)
        checks[item, CHK_EXCESS] = max(checks[item, CHK_EXCESS], max_excess)
        checks[item, CHK_VIOLATION] = max(checks[item, CHK_VIOLATION], max_violation)



_step_loop_on_off = numba.njit(parallel=True, cache=True)(_loop_body)
