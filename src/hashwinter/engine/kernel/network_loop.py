"""The compiled step loop of an endogenous network (hashrate = the run's + rest of world).

The same step as :mod:`hashwinter.engine.kernel.loop` (docs/engine.md, *One step*), with
the network of :class:`~hashwinter.engine.network.EndogenousNetwork` in it: the reward
per hash of a step depends on the hashrate running in it, so the pass order differs.
Per step, on one work item (a block of variants on one path):

1. observe: the reward per hash at the difficulty and subsidy in force and the previous
   day's fees (``EndogenousNetwork.observe``);
2. pass over all cohorts: decide, the running machines, their operating and restart
   cost per owner, and the farm's running hashrate;
3. the block clock per variant (``EndogenousNetwork.advance``): blocks at the expected
   rate ``H / (D * 2**32)``, the step cut at every retarget and halving, Bitcoin's
   window retarget (span over 2015 of the 2016 intervals, clamped to a factor 4, at
   least difficulty 1);
4. owner by owner: coins mined at the step's reward, purchases, then the treasury
   (the expressions of ``loop.py``'s treasury);
5. per-day network rows and the running hashrate per group (variant 0), the checks.

Owners cannot run one after another over chunks of steps here (every owner's hashrate
moves every other owner's reward), so the cohorts are walked once per step, owner by
owner; pass 2 keeps each owner's running hashrate after pool fee, and pass 4 multiplies
it by the step's reward (the numpy loop sums the cohorts' coins instead: the same to
float rounding).

A block of one variant (a network run on one path) takes scalar passes of its own:
its cohorts' state and factors are copied into slots in owner order when the call
starts (:func:`_pass_one` then reads each cohort's row one after another, no
``owner_order`` indirection, unsigned indices: numba emits no negative-index wrap for
them), every owner's pass 2 is one call a step with its sums in registers, and pass 4
(:func:`_treasury_one`) keeps the day's sums in registers too. Where each owner's
cohorts share their group in every column (a farm's region and size), the groups are
summed owner by owner instead of by a scatter per cohort, inside pass 2 for up to
four columns (``_FUSED_COLUMNS``). The treasury of a block is kept as (O, VB)
arrays for the call. Why one loop per
policy function and block-local state: see ``loop.py``. The loop of
:func:`on_off_min_off_step` (the package's on/off policies, with or without the
network's restart delay) is cached on disk; numba's cache is keyed on this file, so
that step is defined here.
"""

from __future__ import annotations

import math
import types
from typing import Any

import numba
import numpy as np

from hashwinter.chain.reward import HALVING_INTERVAL, INITIAL_SUBSIDY_SAT
from hashwinter.units import HASHES_PER_DIFFICULTY, SATOSHI_PER_COIN, SECONDS_PER_DAY

__all__ = [
    "DAY_DIFFICULTY",
    "DAY_FORCED",
    "DAY_HASHRATE",
    "DAY_ISSUANCE",
    "DAY_MINED",
    "DAY_SOLD",
    "NET_DIFFICULTY",
    "NET_ELAPSED",
    "NET_HEIGHT",
    "NET_RETARGETS",
    "N_DAY",
    "endogenous_loop_for",
    "on_off_min_off_step",
]

# Rows of the network state ``net`` (4, P, V).
NET_DIFFICULTY, NET_HEIGHT, NET_ELAPSED, NET_RETARGETS = range(4)
# Rows of the per-day records ``day_rows`` (6, D, P, V): network hashrate and difficulty
# at the day's last step, coins issued, mined, sold (planned and forced) and forced.
DAY_HASHRATE, DAY_DIFFICULTY, DAY_ISSUANCE, DAY_MINED, DAY_SOLD, DAY_FORCED = range(6)
N_DAY = 6
# Cohort rows of ``cohort_f`` (the same as loop.py's).
_HASHING, _HASHING_NET, _MGMT, _RESTART, _COUNT, _ENERGY, _CAPEX = range(7)
# A one-variant block's row per cohort: those rows, the start step in place of the energy.
_START = _ENERGY
_N_CELL = 6
#: Group columns the one-variant pass sums itself (more: a pass of their own).
_FUSED_COLUMNS = 4
# The subsidy is 0 from the 64th halving on (hashwinter.chain.reward).
_MAX_HALVINGS = 64
#: Largest number of retargets and halvings one step may cross (the numpy loop's bound).
MAX_SEGMENTS = 10_000


@numba.njit
def on_off_min_off_step(params: Any, state: Any, j: int, c: int,
                        on: bool, revenue: float, cost: float, step_seconds: float) -> bool:
    """Decide one cell as ``loop.on_off_step``, then apply a restart delay.

    ``params[:, j] = (always_on, off_below, on_above, minimum, min_off_days)``;
    ``state[0, c, j]`` is the days the cohort has been off in a row. The first four
    parameters decide as :func:`hashwinter.engine.kernel.loop.on_off_step`; then, as
    :class:`hashwinter.network.restart.MinimumOffTime`, a cohort switched back on before
    it has been off ``min_off_days`` days stays off (0: no delay), and the days off
    advance by the step. Branch-free, like ``on_off_step`` (same comparisons, same order).
    """
    stay = revenue >= cost * (1.0 + params[1, j])
    start = revenue > cost * (1.0 + params[2, j])
    minimum = params[3, j]
    enough = (minimum == 0.0) | ((revenue - cost) >= minimum * (step_seconds / SECONDS_PER_DAY))
    decided = ((on & stay) | (~on & start)) & enough
    now = (params[0, j] != 0.0) | decided
    off = state[0, c, j]
    early = now & (off > 0.0) & (off < params[4, j])
    now = now & ~early
    state[0, c, j] = 0.0 if now else off + step_seconds / SECONDS_PER_DAY
    return now


#: The policy step the module-level loop calls; :func:`endogenous_loop_for` rebinds it.
decide = on_off_min_off_step


@numba.njit
def _subsidy(height: float) -> float:
    """Block subsidy at a fractional height [coin] (``hashwinter.chain.subsidy_at``)."""
    halvings = np.int64(math.floor(height)) // HALVING_INTERVAL
    if halvings >= _MAX_HALVINGS:
        return 0.0
    return (INITIAL_SUBSIDY_SAT >> halvings) / SATOSHI_PER_COIN


_LOOPS: dict[Any, Any] = {}


def endogenous_loop_for(policy_fn: Any) -> Any:
    """Return the jitted endogenous loop around ``policy_fn`` (as ``loop.step_loop_for``).

    :func:`on_off_min_off_step`'s loop is cached on disk; another policy function's is
    compiled once per process (numba's cache key does not see a function's globals).
    """
    if policy_fn is on_off_min_off_step:
        return _endogenous_on_off
    fn = _LOOPS.get(policy_fn)
    if fn is None:
        scope = dict(globals(), decide=policy_fn)
        one = types.FunctionType(_pass_one_body.__code__, scope, "pass_one")
        scope["_pass_one"] = numba.njit(one)
        body = types.FunctionType(_endogenous_body.__code__, scope, "endogenous_loop")
        fn = numba.njit(parallel=True)(body)
        _LOOPS[policy_fn] = fn
    return fn


def _endogenous_body(
    policy_params: Any, policy_state: Any,
    t0: int, t1: int, steps_per_day: int, step_seconds: float, n_blocks: int,
    price: Any, fees: Any, rest: Any, net: Any, window: int, span_factor: float,
    target_span: float,
    owner_order: Any, owner_start: Any, cohort_f: Any, cohort_i: Any,
    group: Any, weight: Any, tariff: Any, tariff_row: Any, capex_steps: Any, owner_t: Any,
    variant_f: Any, cover: Any,
    on: Any, alive_prev: Any, cash: Any, coins: Any, alive: Any, broke_step: Any,
    flows: Any, checks: Any, check: bool, day_rows: Any, day_groups: Any,
    broke_tolerance: float, rel_slack: float,
) -> None:
    """Advance every variant block and path through steps ``t0 .. t1 - 1``.

    Parameters (arrays C-contiguous float64 unless stated)
    ------------------------------------------------------
    policy_params, policy_state
        The policy's (K, V) parameters and (S, P, C, V) state (kernel.protocol).
    t0, t1, steps_per_day, step_seconds, n_blocks
        Steps to run, steps per day, step length [s], variant blocks.
    price : (P, D)
        Coin price per day. [currency/coin]
    fees, rest : (P|1, D)
        Fees per block [coin/block] and the rest of the world's hashrate [H/s] per day.
    net : (4, P, V)
        State: difficulty, expected height [blocks], time into the window [s], retargets.
    window : int
        Blocks per retarget window. ``span_factor``: the rule's measured share of the
        window's time (2015/2016); ``target_span``: two weeks [s].
    owner_order, owner_start : int64
        The cohorts grouped by owner (CSR, each owner's in increasing order).
    cohort_f : (7, C); cohort_i : int64 (2, C)
        As ``loop.py``'s.
    group, weight : int64 (C, G0), (C, G0)
        Columns of group indices into ``day_groups``' last axis (e.g. region, size) and
        what one running machine of the cohort adds to its group in that column (e.g.
        its hashrate [H/s] or its power [W]).
    tariff, tariff_row : (U, C), int64 (T,)
        The distinct rows of the tariff [currency/kWh] and each step's row (a run's
        tariff changes on few steps, e.g. with the season: streaming a (T, C) table was
        a third of the loop's memory traffic). ``capex_steps`` : bool (T,), steps
        with a purchase.
    owner_t : (2, T, O)
        Site capex and fixed costs per step. [currency]
    variant_f : (2, V); cover : bool (V,)
        Tariff scale, hodl ratio; sell to cover.
    on, alive_prev, cash, coins, alive, broke_step
        State (P, C, V) and (P, O, V), as ``loop.py``'s.
    flows : (2, P, O, V); checks : (n_blocks * P, 4)
        Cash and coin flows; largest share, excess, violation, and 1 where a step
        crossed more than :data:`MAX_SEGMENTS` boundaries.
    day_rows : (6, D, P, V); day_groups : (D, P, G)
        Per-day network rows (DAY_*) and the groups' sums of ``weight`` over the running
        machines of variant 0, mean over the day's steps.

    """
    n_paths = on.shape[0]
    n_coh = on.shape[1]
    n_var = on.shape[2]
    n_own = cash.shape[1]
    n_par = policy_params.shape[0]
    n_st = policy_state.shape[0]
    n_grp = group.shape[1]
    hpd = HASHES_PER_DIFFICULTY
    for item in numba.prange(n_blocks * n_paths):
        b = item // n_paths
        p = item % n_paths
        pf = p if fees.shape[0] > 1 else 0
        pr = p if rest.shape[0] > 1 else 0
        v0 = b * n_var // n_blocks
        v1 = (b + 1) * n_var // n_blocks
        nvb = v1 - v0
        par = np.empty((n_par, nvb))
        for k in range(n_par):
            for j in range(nvb):
                par[k, j] = policy_params[k, v0 + j]
        # The block's cohort state by slot: slot x holds cohort home[x] (owner order for
        # one variant, where the pass reads the cohorts' rows one after another).
        one = nvb == 1
        home = owner_order if one else np.arange(n_coh)
        pst = np.empty((n_st, n_coh, nvb))
        for k in range(n_st):
            for x in range(n_coh):
                for j in range(nvb):
                    pst[k, x, j] = policy_state[k, p, home[x], v0 + j]
        on_b = np.empty((n_coh, nvb), dtype=np.bool_)
        for x in range(n_coh):
            for j in range(nvb):
                on_b[x, j] = on[p, home[x], v0 + j]
        # One variant: each cohort's factors in one row by slot, its energy x tariff row.
        n_one = n_coh if one else 0
        cell = np.empty((n_one, _N_CELL))
        power = np.empty((tariff.shape[0] if one else 0, n_one))
        for x in range(n_one):
            c = home[x]
            cell[x, _HASHING] = cohort_f[_HASHING, c]
            cell[x, _HASHING_NET] = cohort_f[_HASHING_NET, c]
            cell[x, _MGMT] = cohort_f[_MGMT, c]
            cell[x, _RESTART] = cohort_f[_RESTART, c]
            cell[x, _COUNT] = cohort_f[_COUNT, c]
            cell[x, _START] = cohort_i[0, c]
            for u in range(power.shape[0]):
                power[u, x] = cohort_f[_ENERGY, c] * tariff[u, c]
        group_s = np.empty((n_grp, n_coh), dtype=np.int64)
        weight_s = np.empty((n_grp, n_coh))
        for x in range(n_coh):
            for g in range(n_grp):
                group_s[g, x] = group[home[x], g]
                weight_s[g, x] = weight[home[x], g]
        # Whether each owner's slots (consecutive) share their group in every column
        # (e.g. a farm's region and size): then the groups' sums go owner by owner.
        by_owner = True
        for o in range(n_own):
            for x in range(owner_start[o], owner_start[o + 1]):
                for g in range(n_grp):
                    by_owner &= group_s[g, x] == group_s[g, owner_start[o]]
        # One variant, groups by owner in at most four columns: the pass sums them too.
        fused = one and by_owner and n_grp <= _FUSED_COLUMNS
        cell_w = np.zeros((n_coh if fused else 0, _FUSED_COLUMNS))
        owner_g = np.zeros((n_own if fused else 0, _FUSED_COLUMNS), dtype=np.int64)
        for o in range(owner_g.shape[0]):
            for x in range(owner_start[o], owner_start[o + 1]):
                for g in range(n_grp):
                    cell_w[x, g] = weight_s[g, x]
                    owner_g[o, g] = group_s[g, x]
        alive_b = np.empty((n_own, nvb), dtype=np.bool_)
        solv = np.empty((n_own, nvb), dtype=np.bool_)
        # The block's treasury (P, O, V) -> (O, VB): two-index loads in pass 4.
        cash_b = np.empty((n_own, nvb))
        coins_b = np.empty((n_own, nvb))
        broke_b = np.empty((n_own, nvb), dtype=np.int64)
        flows_b = np.empty((2, n_own, nvb))
        for o in range(n_own):
            for j in range(nvb):
                alive_b[o, j] = alive[p, o, v0 + j]
                solv[o, j] = alive_prev[p, o, v0 + j]
                cash_b[o, j] = cash[p, o, v0 + j]
                coins_b[o, j] = coins[p, o, v0 + j]
                broke_b[o, j] = broke_step[p, o, v0 + j]
                flows_b[0, o, j] = flows[0, p, o, v0 + j]
                flows_b[1, o, j] = flows[1, p, o, v0 + j]
        hodl_b = np.empty(nvb)
        cover_b = np.empty(nvb, dtype=np.bool_)
        for j in range(nvb):
            hodl_b[j] = variant_f[1, v0 + j]
            cover_b[j] = cover[v0 + j]
        diff = np.empty(nvb)
        height = np.empty(nvb)
        elapsed = np.empty(nvb)
        retargets = np.empty(nvb)
        for j in range(nvb):
            diff[j] = net[0, p, v0 + j]
            height[j] = net[1, p, v0 + j]
            elapsed[j] = net[2, p, v0 + j]
            retargets[j] = net[3, p, v0 + j]
        scale = np.empty(nvb)
        for j in range(nvb):
            scale[j] = variant_f[0, v0 + j]
        opex_o = np.zeros((n_own, nvb))
        hash_o = np.zeros((n_own, nvb))
        sold_all = np.empty(nvb)
        forced_all = np.empty(nvb)
        grp = np.zeros((4, day_groups.shape[2]))
        run0 = np.zeros(n_coh)
        rho_obs = np.empty(nvb)
        rho_now = np.empty(nvb)
        issued = np.empty(nvb)
        farm = np.empty(nvb)
        total_b = np.empty(nvb)
        share_b = np.empty(nvb)
        mined_o = np.empty(nvb)
        capex_o = np.empty(nvb)
        mined_all = np.empty(nvb)
        max_share = 0.0
        max_excess = -np.inf
        max_violation = -np.inf
        overflow = 0.0
        record_groups = b == 0
        for t in range(t0, t1):
            day = t // steps_per_day
            d_obs = max(day - 1, 0)
            t_prev = max(t - 1, 0)
            price_obs = price[p, d_obs]
            price_now = price[p, day]
            tariff_t = tariff[tariff_row[t]]
            # 1. observe: EndogenousNetwork.observe (the previous day's fees).
            for j in range(nvb):
                reward = _subsidy(height[j]) + fees[pf, d_obs]
                rho_obs[j] = step_seconds * (reward / (diff[j] * hpd))
                farm[j] = 0.0
                mined_all[j] = 0.0
                sold_all[j] = 0.0
                forced_all[j] = 0.0
            # 2. decide and run, owner by owner: each owner's operating cost and its
            # running hashrate after pool fee (mined = reward x that, once the network has
            # moved), the farm's hashrate; the groups' sums of variant 0. One pass over
            # the cohorts a step (the running machines are not kept), row views per owner.
            if one:
                # One variant (a network run): the same cell, scalar, its sums in
                # registers, the cohorts' rows read in slot order (no indirection).
                farm[0] = _pass_one(par, pst, t, t_prev, owner_start, cell,
                                    power[tariff_row[t]], on_b, alive_b, solv, opex_o, hash_o,
                                    run0, farm[0], rho_obs[0], price_obs, scale[0],
                                    step_seconds, cell_w, owner_g, grp,
                                    n_grp if record_groups and fused else 0)
            for o in range(n_own if not one else 0):
                alive_o = alive_b[o]
                solv_o = solv[o]
                opex_r = opex_o[o]
                hn_r = hash_o[o]
                for ci in range(owner_start[o], owner_start[o + 1]):
                    c = owner_order[ci]
                    start = cohort_i[0, c]
                    count = cohort_f[_COUNT, c]
                    held = count if t >= start else 0.0
                    held_before = count if t_prev >= start else 0.0
                    hash_net = cohort_f[_HASHING_NET, c]
                    hash_eff = cohort_f[_HASHING, c]
                    mgmt = cohort_f[_MGMT, c]
                    restart_pm = cohort_f[_RESTART, c]
                    power_base = cohort_f[_ENERGY, c] * tariff_t[c]
                    onc = on_b[c]
                    for j in range(nvb):
                        revenue = rho_obs[j] * hash_net * price_obs
                        cost = power_base * scale[j] + mgmt
                        was = onc[j]
                        now = decide(par, pst, j, c, was, revenue, cost, step_seconds)
                        onc[j] = now
                        running = held if (now and alive_o[j]) else 0.0
                        before = held_before if (was and solv_o[j]) else 0.0
                        restarted = min(running, held_before) - before
                        restart = (restarted if restarted > 0.0 else 0.0) * restart_pm
                        opex_r[j] += running * cost + restart
                        hn_r[j] += running * hash_net
                        farm[j] += running * hash_eff
                    run0[c] = held if (onc[0] and alive_o[0]) else 0.0
            if record_groups and fused:
                pass  # summed in the pass
            elif record_groups and by_owner:
                # Each owner's sum per column (its slots in a row, no scatter), added to
                # its group in four lanes (by owner mod 4).
                for o in range(n_own):
                    lo = np.uint64(owner_start[o])
                    hi = np.uint64(owner_start[o + 1])
                    if hi == lo:
                        continue
                    lane = o & 3
                    for g in range(n_grp):
                        acc = 0.0
                        for x in range(lo, hi):
                            acc += run0[x] * weight_s[g, x]
                        grp[lane, group_s[g, lo]] += acc
            elif record_groups:
                # Four partial sums (by slot mod 4): neighbouring cohorts share their
                # groups, and one sum would chain every add on the one before (a quarter
                # of the loop's time, measured).
                for x in range(n_coh):
                    running = run0[x]
                    lane = x & 3
                    for g in range(n_grp):
                        grp[lane, group_s[g, x]] += running * weight_s[g, x]
            # 3. the block clock: EndogenousNetwork.advance, per variant.
            fee_now = fees[pf, day]
            for j in range(nvb):
                total = farm[j] + rest[pr, day]
                remaining = step_seconds
                rho = 0.0
                issue = 0.0
                for _ in range(MAX_SEGMENTS + 1):
                    if remaining <= 0.0:
                        break
                    rate = total / (diff[j] * hpd)
                    next_retarget = (math.floor(height[j] / window) + 1) * window
                    next_halving = ((math.floor(height[j] / HALVING_INTERVAL) + 1)
                                    * HALVING_INTERVAL)
                    boundary = min(next_retarget, next_halving)
                    to_boundary = (boundary - height[j]) / rate if rate > 0 else np.inf
                    crosses = to_boundary <= remaining
                    seg = to_boundary if crosses else remaining
                    reward = _subsidy(height[j]) + fee_now
                    rho += seg * (reward / (diff[j] * hpd))
                    issue += seg * rate * reward
                    height[j] = boundary if crosses else height[j] + seg * rate
                    elapsed[j] += seg
                    remaining = remaining - seg if crosses else 0.0
                    if crosses and boundary == next_retarget:
                        span = elapsed[j] * span_factor
                        span = min(max(span, target_span / 4), target_span * 4)
                        diff[j] = max(diff[j] * target_span / span, 1.0)
                        elapsed[j] = 0.0
                        retargets[j] += 1.0
                if remaining > 0.0:
                    overflow = 1.0
                rho_now[j] = rho
                issued[j] = issue
                total_b[j] = total
                share_b[j] = farm[j] / total if total > 0.0 else 0.0
            # 4. owner by owner: coins mined, purchases, the treasury (loop.py's).
            end_of_day = (t + 1) % steps_per_day == 0
            if one:
                # One variant: the same treasury, the day's sums in registers.
                mined_all[0], sold_all[0], forced_all[0] = _treasury_one(
                    t, rho_now[0], price_now, hodl_b[0], cover_b[0], broke_tolerance, check,
                    capex_steps[t], owner_start, owner_order, cohort_i, cohort_f,
                    owner_t[0, t], owner_t[1, t], hash_o, opex_o, alive_b, solv, cash_b,
                    coins_b, broke_b, flows_b)
            for o in range(n_own if not one else 0):
                for j in range(nvb):
                    # Coins mined: the step's reward x the owner's running hashrate.
                    mined_o[j] = rho_now[j] * hash_o[o, j]
                    hash_o[o, j] = 0.0
                    capex_o[j] = 0.0
                if capex_steps[t]:
                    for ci in range(owner_start[o], owner_start[o + 1]):
                        c = owner_order[ci]
                        if cohort_i[1, c] == t:
                            paid = cohort_f[_CAPEX, c]
                            for j in range(nvb):
                                capex_o[j] += paid if alive_b[o, j] else 0.0
                site_capex = owner_t[0, t, o]
                fixed = owner_t[1, t, o]
                for j in range(nvb):
                    solvent = alive_b[o, j]
                    solv[o, j] = solvent
                    mined = mined_o[j]
                    machine_capex = capex_o[j]
                    opex = opex_o[o, j]
                    opex_o[o, j] = 0.0
                    site = site_capex if solvent else 0.0
                    other = machine_capex + site + fixed
                    held_coins = coins_b[o, j] + mined
                    planned = (1.0 - hodl_b[j]) * mined
                    planned = max(planned, opex / price_now) if cover_b[j] else planned
                    sold = min(planned, held_coins)
                    held_coins = held_coins - sold
                    proceeds = sold * price_now
                    after = cash_b[o, j] + proceeds - opex - other
                    short = max(-after, 0.0)
                    forced = min(held_coins, short / price_now)
                    forced_proceeds = forced * price_now
                    final = after + forced_proceeds
                    cash_b[o, j] = final
                    coins_b[o, j] = held_coins - forced
                    # The tie rule: exactly -broke_tolerance is still paid.
                    broke = solvent and final < -broke_tolerance
                    alive_b[o, j] = solvent and not broke
                    broke_b[o, j] = t if broke else broke_b[o, j]
                    mined_all[j] += mined
                    sold_all[j] += sold + forced
                    forced_all[j] += forced
                    if check:
                        flows_b[0, o, j] += (proceeds + forced_proceeds - opex
                                             - machine_capex - site - fixed)
                        flows_b[1, o, j] += mined - sold - forced
            # 5. records and checks.
            for j in range(nvb):
                v = v0 + j
                day_rows[2, day, p, v] += issued[j]
                day_rows[3, day, p, v] += mined_all[j]
                day_rows[4, day, p, v] += sold_all[j]
                day_rows[5, day, p, v] += forced_all[j]
                if end_of_day:
                    day_rows[0, day, p, v] = total_b[j]
                    day_rows[1, day, p, v] = diff[j]
                if check:
                    max_share = max(max_share, share_b[j])
                    bound = issued[j] * share_b[j]
                    excess = mined_all[j] - bound
                    max_excess = max(max_excess, excess)
                    max_violation = max(max_violation, excess - (rel_slack * bound + 1e-12))
            if record_groups:
                for g in range(grp.shape[1]):
                    day_groups[day, p, g] += ((grp[0, g] + grp[1, g]) + (grp[2, g] + grp[3, g])
                                              ) / steps_per_day
                    for lane in range(4):
                        grp[lane, g] = 0.0
        for k in range(n_st):
            for x in range(n_coh):
                for j in range(nvb):
                    policy_state[k, p, home[x], v0 + j] = pst[k, x, j]
        for x in range(n_coh):
            for j in range(nvb):
                on[p, home[x], v0 + j] = on_b[x, j]
        for o in range(n_own):
            for j in range(nvb):
                alive[p, o, v0 + j] = alive_b[o, j]
                alive_prev[p, o, v0 + j] = solv[o, j]
                cash[p, o, v0 + j] = cash_b[o, j]
                coins[p, o, v0 + j] = coins_b[o, j]
                broke_step[p, o, v0 + j] = broke_b[o, j]
                flows[0, p, o, v0 + j] = flows_b[0, o, j]
                flows[1, p, o, v0 + j] = flows_b[1, o, j]
        for j in range(nvb):
            net[0, p, v0 + j] = diff[j]
            net[1, p, v0 + j] = height[j]
            net[2, p, v0 + j] = elapsed[j]
            net[3, p, v0 + j] = retargets[j]
        checks[item, 0] = max(checks[item, 0], max_share)
        checks[item, 1] = max(checks[item, 1], max_excess)
        checks[item, 2] = max(checks[item, 2], max_violation)
        checks[item, 3] = max(checks[item, 3], overflow)


def _pass_one_body(par: Any, pst: Any, t: int, t_prev: int, owner_start: Any, cell: Any,
                   power: Any, on_b: Any, alive_b: Any, solv: Any, opex_o: Any, hash_o: Any,
                   run0: Any, total: float, rho_obs: float, price_obs: float, scale: float,
                   step_seconds: float, cell_w: Any, owner_g: Any, grp: Any,
                   n_grp: int) -> float:
    """Pass 2 of a one-variant block, all owners; return the farm's running hashrate.

    The loop's cell with scalar sums; the cohorts by slot (``cell``, ``power``, ``on_b``,
    ``pst`` and ``run0`` in owner order), indexed unsigned (no negative-index wrap).
    With ``n_grp`` > 0 (at most :data:`_FUSED_COLUMNS`), each owner's groups
    ``owner_g[o]`` also get its running machines x ``cell_w`` (lane ``o`` mod 4 of
    ``grp``).
    """
    step = float(t)
    step_prev = float(t_prev)
    for o in range(owner_start.shape[0] - 1):
        alive = alive_b[o, 0]
        solvent = solv[o, 0]
        opex = 0.0
        hashed = 0.0
        w0 = 0.0
        w1 = 0.0
        w2 = 0.0
        w3 = 0.0
        for x in range(np.uint64(owner_start[o]), np.uint64(owner_start[o + 1])):
            start = cell[x, _START]
            count = cell[x, _COUNT]
            held = count if step >= start else 0.0
            held_before = count if step_prev >= start else 0.0
            hash_net = cell[x, _HASHING_NET]
            revenue = rho_obs * hash_net * price_obs
            cost = power[x] * scale + cell[x, _MGMT]
            was = on_b[x, 0]
            now = decide(par, pst, 0, x, was, revenue, cost, step_seconds)
            on_b[x, 0] = now
            running = held if (now & alive) else 0.0  # & not and: selects, no branch
            before = held_before if (was & solvent) else 0.0
            restarted = min(running, held_before) - before
            restart = (restarted if restarted > 0.0 else 0.0) * cell[x, _RESTART]
            opex += running * cost + restart
            hashed += running * hash_net
            total += running * cell[x, _HASHING]
            run0[x] = running
            if n_grp > 0:
                w0 += running * cell_w[x, 0]
                w1 += running * cell_w[x, 1]
                w2 += running * cell_w[x, 2]
                w3 += running * cell_w[x, 3]
        opex_o[o, 0] += opex
        hash_o[o, 0] += hashed
        if n_grp > 0:
            lane = o & 3
            grp[lane, owner_g[o, 0]] += w0
            if n_grp > 1:
                grp[lane, owner_g[o, 1]] += w1
            if n_grp > 2:
                grp[lane, owner_g[o, 2]] += w2
            if n_grp > 3:
                grp[lane, owner_g[o, 3]] += w3
    return total


_pass_one = numba.njit(_pass_one_body)


@numba.njit
def _treasury_one(t: int, rho_now: float, price_now: float, hodl: float, cover: bool,
                  broke_tolerance: float, check: bool, capex_now: bool, owner_start: Any,
                  owner_order: Any, cohort_i: Any, cohort_f: Any, site_capex_t: Any,
                  fixed_t: Any, hash_o: Any, opex_o: Any, alive_b: Any, solv: Any,
                  cash_b: Any, coins_b: Any, broke_b: Any,
                  flows_b: Any) -> tuple[float, float, float]:
    """Pass 4 of a one-variant block (the loop's expressions, scalar sums).

    Returns the step's coins mined, sold (planned and forced) and forced over all owners.
    """
    mined_all = 0.0
    sold_all = 0.0
    forced_all = 0.0
    for o in range(owner_start.shape[0] - 1):
        # Coins mined: the step's reward x the owner's running hashrate.
        mined = rho_now * hash_o[o, 0]
        hash_o[o, 0] = 0.0
        solvent = alive_b[o, 0]
        machine_capex = 0.0
        if capex_now:
            for ci in range(owner_start[o], owner_start[o + 1]):
                c = owner_order[ci]
                if cohort_i[1, c] == t:
                    machine_capex += cohort_f[_CAPEX, c] if solvent else 0.0
        solv[o, 0] = solvent
        opex = opex_o[o, 0]
        opex_o[o, 0] = 0.0
        site = site_capex_t[o] if solvent else 0.0
        fixed = fixed_t[o]
        other = machine_capex + site + fixed
        held_coins = coins_b[o, 0] + mined
        planned = (1.0 - hodl) * mined
        planned = max(planned, opex / price_now) if cover else planned
        sold = min(planned, held_coins)
        held_coins = held_coins - sold
        proceeds = sold * price_now
        after = cash_b[o, 0] + proceeds - opex - other
        short = max(-after, 0.0)
        forced = min(held_coins, short / price_now)
        forced_proceeds = forced * price_now
        final = after + forced_proceeds
        cash_b[o, 0] = final
        coins_b[o, 0] = held_coins - forced
        # The tie rule: exactly -broke_tolerance is still paid.
        broke = solvent and final < -broke_tolerance
        alive_b[o, 0] = solvent and not broke
        broke_b[o, 0] = t if broke else broke_b[o, 0]
        mined_all += mined
        sold_all += sold + forced
        forced_all += forced
        if check:
            flows_b[0, o, 0] += (proceeds + forced_proceeds - opex
                                 - machine_capex - site - fixed)
            flows_b[1, o, 0] += mined - sold - forced
    return mined_all, sold_all, forced_all
_endogenous_on_off = numba.njit(parallel=True, cache=True)(_endogenous_body)
