"""The compiled step loop: days → cohorts → variants, fused, for the common case.

One numba function runs steps ``t0 .. t1 - 1`` of a run for every variant block,
path, cohort and owner, in the order of docs/engine.md (*One step*): observe,
decide (the policy's compiled step), run (no trades: the planned fleet), the
exogenous network, flows per cohort, hosting transfers, the treasury per owner,
record and check. Variants are innermost: state is laid out ``(P, C, V)`` and
``(P, O, V)`` so that the inner loop walks contiguous memory; blocks of
variants run in parallel (``prange``), each block owning its slice of every
state and accumulator array, so no two threads write the same element.

The function mutates its state, accumulator and record arrays in place (so a
run can be cut into chunks of steps, e.g. to keep per-day records bounded) and
returns nothing. Everything here is arithmetic on scalars read from arrays; the
expressions are the numpy engine's, in the same order, so both paths agree to
float rounding of the sums over cohorts and owners.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

__all__ = [
    "ACC_COINS",
    "ACC_OFF_STEPS",
    "ACC_POWER",
    "ACC_RESTART",
    "ACC_REVENUE",
    "ACC_RUNNING",
    "N_ACC",
    "OWN_CAPEX",
    "OWN_FIXED",
    "OWN_MIN_CASH",
    "OWN_OPEX",
    "OWN_OTHER",
    "OWN_PROCEEDS",
    "step_loop",
]

# Per-cohort accumulators, first axis of ``acc`` (P, C, V each).
ACC_COINS, ACC_REVENUE, ACC_POWER, ACC_RUNNING, ACC_RESTART, ACC_OFF_STEPS = range(6)
N_ACC = 6
# Per-owner totals, first axis of ``own`` (P, O, V each).
OWN_PROCEEDS, OWN_OPEX, OWN_CAPEX, OWN_FIXED, OWN_OTHER, OWN_MIN_CASH = range(6)
# Cohort columns of ``cohort_f`` (K, C).
COH_HASHING, COH_HASHING_NET, COH_MGMT, COH_RESTART = range(4)
# Owner tables of ``owner_t`` (K, T, O).
OT_HOSTING, OT_TRANSFER, OT_SITE_CAPEX, OT_FIXED = range(4)
# Check results per block, columns of ``checks`` (n_blocks, 3).
CHK_SHARE, CHK_EXCESS, CHK_VIOLATION = range(3)


# No cache=True: numba cannot cache a function that takes a jitted function as an argument
# (the policy's step); it would compile anyway and add a cache file per process. The loop
# compiles once per process and policy function (docs/engine.md, *Compiled path*).
@numba.njit(parallel=True)
def step_loop(
    policy_fn: Any, policy_params: Any, policy_state: Any,
    t0: int, t1: int, steps_per_day: int, step_seconds: float, n_blocks: int,
    market: Any, owner: Any, cohort_f: Any, installed: Any, power_pm: Any, capex: Any,
    capex_steps: Any, owner_t: Any, variant_f: Any, cover: Any,
    on: Any, alive_prev: Any, cash: Any, coins: Any, alive: Any, broke_step: Any,
    acc: Any, want: Any, own: Any, flows: Any, checks: Any, check: bool,
    day_cash: Any, day_coins: Any, day_alive: Any, record_days: bool, day0: int,
    broke_tolerance: float, rel_slack: float,
) -> None:
    """Advance every variant block, path, cohort and owner through steps ``t0 .. t1 - 1``.

    Parameters (arrays are C-contiguous float64 unless stated)
    ----------------------------------------------------------
    policy_fn, policy_params, policy_state
        The policy's compiled step (see :mod:`hashwinter.engine.kernel.protocol`),
        its parameters (V, K) and its state (P, C, V, S).
    t0, t1 : int
        Steps to run. ``steps_per_day`` (1 or 24), ``step_seconds`` [s].
    n_blocks : int
        Variant blocks; the (block, path) pairs run in parallel.
    market : (4, P, D)
        Price [currency/coin], reward per H/s in one step [coin/(H/s)], issuance in
        one step [coin] and network hashrate [H/s], per path and day.
    owner : int64 (C,)
        Owner of each cohort.
    cohort_f : (4, C)
        Effective hashrate [H/s], hashrate after pool fee [H/s], management fee per
        running machine and step [currency], restart cost [currency/machine].
    installed, power_pm, capex : (T, C)
        Machines installed, power cost of one running machine before the tariff
        scale [currency], machine purchases paid [currency], per step.
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

    """
    want_coins = want[ACC_COINS]
    want_revenue = want[ACC_REVENUE]
    want_power = want[ACC_POWER]
    want_running = want[ACC_RUNNING]
    want_restart = want[ACC_RESTART]
    want_off = want[ACC_OFF_STEPS]
    want_main = want_coins or want_power or want_running
    want_extra = want_revenue or want_restart or want_off
    n_paths = on.shape[0]
    n_coh = on.shape[1]
    n_var = on.shape[2]
    n_own = cash.shape[1]
    # Work items: (variant block, path) pairs, so that a run of one variant and many
    # paths (a Monte Carlo) is parallel too.
    for item in numba.prange(n_blocks * n_paths):
        b = item // n_paths
        p = item % n_paths
        v0 = b * n_var // n_blocks
        v1 = (b + 1) * n_var // n_blocks
        nvb = v1 - v0
        mined_o = np.zeros((n_own, nvb))
        solvent_before = np.zeros((n_own, nvb), dtype=np.bool_)
        opex_o = np.zeros((n_own, nvb))
        capex_o = np.zeros((n_own, nvb))
        farm_hash = np.zeros(nvb)
        mined_all = np.zeros(nvb)
        max_share = 0.0
        max_excess = -np.inf
        max_violation = -np.inf
        for t in range(t0, t1):
            day = t // steps_per_day
            d_obs = max(day - 1, 0)
            t_prev = max(t - 1, 0)
            price_obs = market[0, p, d_obs]
            price_now = market[0, p, day]
            rho_obs = market[1, p, d_obs]
            rho_now = market[1, p, day]
            mined_o[:, :] = 0.0
            opex_o[:, :] = 0.0
            capex_o[:, :] = 0.0
            farm_hash[:] = 0.0
            for o in range(n_own):
                for j in range(nvb):
                    solvent_before[o, j] = alive_prev[p, o, v0 + j]
                    alive_prev[p, o, v0 + j] = alive[p, o, v0 + j]
            for c in range(n_coh):
                o = owner[c]
                held = installed[t, c]
                held_before = installed[t_prev, c]
                hash_eff = cohort_f[COH_HASHING, c]
                hash_net = cohort_f[COH_HASHING_NET, c]
                mgmt = cohort_f[COH_MGMT, c]
                restart_pm = cohort_f[COH_RESTART, c]
                # 1. observe: expected revenue at yesterday's reward and price.
                revenue = rho_obs * hash_net * price_obs
                coins_pm = rho_now * hash_net
                power_base = power_pm[t, c]
                for j in range(nvb):
                    v = v0 + j
                    power = power_base * variant_f[0, v]
                    cost = power + mgmt
                    # 2. decide
                    was = on[p, c, v]
                    now = policy_fn(policy_params, policy_state, v, p, c, was,
                                    revenue, cost, step_seconds)
                    on[p, c, v] = now
                    # 3. run: the planned fleet, nothing for a broke owner
                    running = held if (now and alive[p, o, v]) else 0.0
                    # 5. flows: machines switched back on pay the restart cost
                    mined = running * coins_pm
                    # What ran in the last step: its machines, if on and solvent then.
                    before = held_before if (was and solvent_before[o, j]) else 0.0
                    restarted = min(running, held_before) - before
                    restart = (restarted if restarted > 0.0 else 0.0) * restart_pm
                    mined_o[o, j] += mined
                    opex_o[o, j] += running * cost + restart
                    if check:
                        farm_hash[j] += running * hash_eff
                    # Two predictable branches (not one per total): the common totals, the rest.
                    if want_main:
                        acc[ACC_COINS, p, c, v] += mined
                        acc[ACC_POWER, p, c, v] += running * power
                        acc[ACC_RUNNING, p, c, v] += running
                    if want_extra:
                        acc[ACC_REVENUE, p, c, v] += mined * price_now
                        acc[ACC_RESTART, p, c, v] += restart
                        if running == 0.0 and held > 0.0:
                            acc[ACC_OFF_STEPS, p, c, v] += 1.0
                if capex_steps[t]:
                    paid = capex[t, c]
                    if paid != 0.0:
                        for j in range(nvb):
                            if alive[p, o, v0 + j]:
                                capex_o[o, j] += paid
            # 4. the exogenous network: the cohorts' share of issuance.
            if check:
                mined_all[:] = 0.0
                for o in range(n_own):
                    for j in range(nvb):
                        mined_all[j] += mined_o[o, j]
                network = market[3, p, day]
                issuance = market[2, p, day]
                for j in range(nvb):
                    share = farm_hash[j] / network if network > 0.0 else 0.0
                    bound = issuance * share
                    excess = mined_all[j] - bound
                    max_share = max(max_share, share)
                    max_excess = max(max_excess, excess)
                    max_violation = max(max_violation,
                                        excess - (rel_slack * bound + 1e-12))
            # 6.-7. transfers, then the treasury per owner.
            end_of_day = (t + 1) % steps_per_day == 0
            for o in range(n_own):
                hosting = owner_t[OT_HOSTING, t, o]
                transfer = owner_t[OT_TRANSFER, t, o]
                site_capex = owner_t[OT_SITE_CAPEX, t, o]
                fixed = owner_t[OT_FIXED, t, o]
                for j in range(nvb):
                    v = v0 + j
                    solvent = alive[p, o, v]
                    mined = mined_o[o, j]
                    opex = opex_o[o, j] + hosting
                    site = site_capex if solvent else 0.0
                    other = capex_o[o, j] + site + fixed
                    other = other - transfer
                    held_coins = coins[p, o, v] + mined
                    planned = (1.0 - variant_f[1, v]) * mined
                    if cover[v]:
                        planned = max(planned, opex / price_now)
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
                    if solvent and final < -broke_tolerance:
                        alive[p, o, v] = False
                        broke_step[p, o, v] = t
                    own[OWN_PROCEEDS, p, o, v] += proceeds + forced_proceeds
                    own[OWN_OPEX, p, o, v] += opex
                    own[OWN_CAPEX, p, o, v] += capex_o[o, j] + site
                    own[OWN_FIXED, p, o, v] += fixed
                    own[OWN_OTHER, p, o, v] += transfer
                    own[OWN_MIN_CASH, p, o, v] = min(own[OWN_MIN_CASH, p, o, v], final)
                    if check:
                        flows[0, p, o, v] += (proceeds + forced_proceeds - opex
                                              - capex_o[o, j] - site - fixed) + transfer
                        flows[1, p, o, v] += mined - sold - forced
                    if record_days and end_of_day:
                        day_cash[day - day0, v, p, o] = final
                        day_coins[day - day0, v, p, o] = held_coins - forced
                        day_alive[day - day0, v, p, o] = alive[p, o, v]
        checks[item, CHK_SHARE] = max(checks[item, CHK_SHARE], max_share)
        checks[item, CHK_EXCESS] = max(checks[item, CHK_EXCESS], max_excess)
        checks[item, CHK_VIOLATION] = max(checks[item, CHK_VIOLATION], max_violation)
