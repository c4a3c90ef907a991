"""The compiled step loop of a network run with its second-hand market and its makers.

The loop of :mod:`hashwinter.engine.kernel.network_loop` (an endogenous network: the
block clock and the retargets in the step) for one variant, with the machine trades of
:class:`~hashwinter.network.trading.SecondHandMarket` (settled the day they clear) and
:class:`~hashwinter.network.makers.MakerPolicy`. Per step and path (one work item per
path), in the numpy engine's order (docs/engine.md, *One step*):

1. observe: the reward per hash at the difficulty and subsidy in force and the
   previous day's fees and price;
2. one pass over the cohorts, owner by owner: the planned installs, the on/off decision
   with the restart delay (``network_loop.on_off_min_off_step``; its state is the days
   off in a row, which is also the market's), the market's inputs while the cohort's
   revenue and cost are at hand: what it offers (held machines, once off
   ``sell_after_days``, its owner broke, or off while its owner is short of cash:
   ``short_cash_days``; the tiers with an offer are flagged), its
   valuation (``payback_days`` of its margin), free slots and budget; and, as if nothing
   traded, its running machines and their sums (the makers' cohorts wait for step 5);
3. the market clears on its price grid with
   :func:`hashwinter.network.clearing.clear_tiers`, the numpy path's own function
   (``clear_market``), visiting only the flagged tiers' cohorts (grouped by tier), so
   both paths give the same prices and volumes; skipped when nobody offers; it lists
   the cohorts that traded;
4. the makers: order ratio, production ring, deliveries shared by the live farms and
   capped by their cash (``MakerPolicy.decide``'s expressions, per maker and farm);
5. the trades (sales clipped to what is held, purchases of live owners): the cohorts
   that traded on the market corrected (their step-2 contribution replaced), then the
   makers' cohorts: running machines, costs, purchases and sale proceeds per owner, the
   per-tier sums (machines sold = bought less production: checked every step); then
   the scrapping of what was offered, not sold and off ``scrap_after_days`` in a row
   (``SecondHandMarket._scrap``: at ``scrap_value``, out of the counts);
6. the block clock (``network_loop``'s), then the treasury per owner (per-owner sale
   rules: :class:`~hashwinter.engine.treasury.OwnerTreasury` or one for all);
7. per-day rows: the network's, the groups' running hashrate, machines traded and the
   used price per tier, the makers' production, deliveries, inventory, running machines
   and revenue.

Daily steps only (the market clears once a step); no restart costs, hosting or
instruments (the plan, ``kernel.network_run``, falls back on them with the reason).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from hashwinter.chain.reward import HALVING_INTERVAL
from hashwinter.engine.kernel.network_loop import MAX_SEGMENTS, _subsidy, on_off_min_off_step
from hashwinter.network.clearing import clear_tiers
from hashwinter.network.makers import DAYS_PER_YEAR
from hashwinter.units import HASHES_PER_DIFFICULTY, SECONDS_PER_DAY

__all__ = [
    "CHECK_COUNT",
    "CHECK_TIERS",
    "MAKER_DELIVERED",
    "MAKER_INVENTORY",
    "MAKER_PRODUCED",
    "MAKER_REVENUE",
    "MAKER_RUNNING",
    "N_MAKER_ROWS",
    "market_loop",
]

# Cohort rows of ``cohort_f`` (network_loop's).
_HASHING, _HASHING_NET, _MGMT, _RESTART, _COUNT, _ENERGY, _CAPEX = range(7)
# Rows of ``maker_rows`` (5, D, P, M).
MAKER_PRODUCED, MAKER_DELIVERED, MAKER_INVENTORY, MAKER_RUNNING, MAKER_REVENUE = range(5)
N_MAKER_ROWS = 5
# Columns of ``checks`` (P, 6): network_loop's four, then a tier whose machines sold
# differ from those bought less production, and a negative count.
CHECK_TIERS, CHECK_COUNT = 4, 5


@numba.njit(parallel=True, cache=True)
def market_loop(
    par: Any, policy_state: Any, t0: int, t1: int, step_seconds: float,
    price: Any, fees: Any, rest: Any, net: Any, window: int, span_factor: float,
    target_span: float,
    owner: Any, owner_order: Any, owner_start: Any, cohort_f: Any, cohort_i: Any,
    group: Any, weight: Any, tariff: Any, tariff_row: Any, owner_t: Any, scale: float,
    hodl: Any, cover: Any,
    tier: Any, tier_order: Any, tier_start: Any, offers: Any, capacity: Any,
    owner_cohorts: Any, grid: Any, market_f: Any,
    is_maker: Any, maker_rel: Any, maker_list: Any, maker_bp: Any, maker_sp: Any,
    maker_cohort: Any, farm_cohorts: Any, farm_owner: Any, farm_weight: Any,
    maker_f: Any, maker_i: Any, maker_cash_share: float,
    on: Any, held: Any, cash: Any, coins: Any, alive: Any, broke_step: Any,
    ring: Any, backlog: Any,
    flows: Any, count_flows: Any, checks: Any, check: bool,
    day_rows: Any, day_groups: Any, traded: Any, used_price: Any, scrapped: Any,
    maker_rows: Any, broke_tolerance: float, rel_slack: float, count_tolerance: float,
) -> None:
    """Advance every path through the daily steps ``t0 .. t1 - 1`` (one variant).

    Parameters (arrays C-contiguous float64 unless stated)
    ------------------------------------------------------
    par, policy_state : (5, 1), (P, 1, C, 1)
        ``on_off_min_off_step``'s parameters and state (days off in a row).
    price, fees, rest, net, window, span_factor, target_span
        As ``network_loop``'s, for one variant: ``net`` is (4, P).
    owner : int64 (C,); owner_order, owner_start : int64
        Each cohort's owner; the cohorts grouped by owner (CSR).
    cohort_f, cohort_i, group, weight, tariff, tariff_row, owner_t
        As ``network_loop``'s; ``scale`` the tariff's multiplier.
    hodl, cover : (O,), bool (O,)
        Each owner's sale rules (share of mined coins kept; sell to cover).
    tier, tier_order, tier_start : int64 (C,), (C,), (K + 1,)
        Each cohort's tier; the cohorts grouped by tier (CSR, increasing within a tier).
    offers : bool (C,); capacity : (C,); owner_cohorts : (O,)
        The market: whether each cohort may offer, the machines it can
        hold, and its owner's cohorts (the budget's split). ``grid`` (K, B) the
        price grid; ``market_f`` = (enabled, sell_after_days, payback_days,
        cash_share, scrap_after_days (inf: never), scrap_value, short_cash_days).
    is_maker, maker_rel : bool (C,); maker_list : int64 (R,); maker_bp, maker_sp : (C,)
        The makers' inventory cohorts; those and the farms' cohorts of the makers'
        models (the cohorts the makers trade with), also as a list; the makers' buy
        and sell price per cohort
        (unit cost and list price at the inventory, list price at the farms'
        cohorts of the maker's model).
    maker_cohort : int64 (M,); farm_cohorts : int64 (M, F); farm_owner : int64 (F,)
        The makers (``MakerPolicy``'s fields); ``farm_weight`` (F,).
    maker_f : (4, M); maker_i : int64 (2, M)
        Capacity per day, list price, unit cost, full return; lead and production
        lead days. ``maker_cash_share``: share of a farm's cash for new machines.
    on, held : bool (P, C), (P, C)
        On/off state and machines held.
    cash, coins, alive, broke_step : (P, O)
        Owners' state (``broke_step`` int64).
    ring, backlog : (P, M, N), (P, M)
        The makers' order-ratio history and backlog.
    flows : (2, P, O); count_flows : (P, C); checks : (P, 6)
        Cash and coin flows; machines bought less sold; the checks (``CHECK_*``).
    day_rows : (6, D, P); day_groups : (D, P, G)
        ``network_loop``'s per-day rows and groups for one variant.
    traded, used_price, scrapped : (D, P, K); maker_rows : (5, D, P, M)
        Used machines traded and their price per tier (NaN: none), machines scrapped;
        ``MAKER_*`` rows.

    """
    n_paths, n_coh = held.shape
    n_own = cash.shape[1]
    n_tiers, n_bins = grid.shape
    n_makers = maker_cohort.size
    n_farms = farm_owner.size
    n_ring = ring.shape[2]
    n_grp = group.shape[1]
    hpd = HASHES_PER_DIFFICULTY
    per_day = SECONDS_PER_DAY / step_seconds
    market_on = market_f[0] != 0.0
    sell_after, payback, cash_share = market_f[1], market_f[2], market_f[3]
    scrap_after, scrap_value, short_days = market_f[4], market_f[5], market_f[6]
    scrapping = market_on and scrap_after < np.inf
    for p in numba.prange(n_paths):
        # int64 on both branches (the parallel loop's index may be unsigned).
        pf = np.int64(p) if fees.shape[0] > 1 else np.int64(0)
        pr = np.int64(p) if rest.shape[0] > 1 else np.int64(0)
        pst = policy_state[p]
        on_p = on[p]
        held_p = held[p]
        cash_p = cash[p]
        coins_p = coins[p]
        alive_p = alive[p]
        count_flows_p = count_flows[p]
        offer = np.zeros(n_coh)
        value = np.zeros(n_coh)
        slots = np.zeros(n_coh)
        budget = np.zeros(n_coh)
        sold_m = np.zeros(n_coh)
        bought_m = np.zeros(n_coh)
        traders = np.empty(n_coh, np.int64)
        offered = np.zeros(n_tiers, np.bool_)
        has = np.zeros(n_tiers, np.bool_)
        maker_buy = np.zeros(n_coh)
        maker_sell = np.zeros(n_coh)
        run0 = np.zeros(n_coh)
        scratch = np.empty((6, n_tiers, n_bins + 1))
        price_k = np.empty(n_tiers)
        volume_k = np.empty(n_tiers)
        t_sold = np.zeros(n_tiers)
        t_bought = np.zeros(n_tiers)
        t_value = np.zeros(n_tiers)
        t_scrap = np.zeros(n_tiers)
        want = np.zeros(n_makers)
        made = np.zeros(n_makers)
        opex_o = np.zeros(n_own)
        hash_o = np.zeros(n_own)
        capex_o = np.zeros(n_own)
        sales_o = np.zeros(n_own)
        grp = np.zeros((4, day_groups.shape[2]))
        diff = net[0, p]
        height = net[1, p]
        elapsed = net[2, p]
        retargets = net[3, p]
        max_share = 0.0
        max_excess = -np.inf
        max_violation = -np.inf
        overflow = 0.0
        tiers_off = 0.0
        negative = 0.0
        for t in range(t0, t1):
            day = t
            d_obs = max(day - 1, 0)
            price_obs = price[p, d_obs]
            price_now = price[p, day]
            tariff_t = tariff[tariff_row[t]]
            reward = _subsidy(height) + fees[pf, d_obs]
            rho_obs = step_seconds * (reward / (diff * hpd))
            # 2. decide, owner by owner; what each cohort offers; and, as if nothing
            # traded, the running machines and their sums (most days most paths trade
            # nothing: one pass; the makers' cohorts wait for the makers, below).
            any_offer = False
            offered[:] = False
            farm = 0.0
            grp[:, :] = 0.0
            for o in range(n_own):
                live = alive_p[o]
                # SecondHandMarket._clear's budget: the owner's cash split over its cohorts.
                budget_o = max(max(cash_p[o], 0.0) * cash_share / owner_cohorts[o] - 0.0, 0.0)
                short = False
                if market_on and short_days > 0.0:
                    # SecondHandMarket's short of cash: cash below short_days of the cost
                    # of every machine held running (today's installs included).
                    fleet = 0.0
                    for ci in range(owner_start[o], owner_start[o + 1]):
                        c = owner_order[ci]
                        h = held_p[c] + (cohort_f[_COUNT, c] if t > 0 and cohort_i[0, c] == t
                                         else 0.0)
                        cost = cohort_f[_ENERGY, c] * tariff_t[c] * scale + cohort_f[_MGMT, c]
                        fleet += h * cost * per_day
                    short = cash_p[o] < short_days * fleet
                opex = 0.0
                hashed = 0.0
                capex = 0.0
                for ci in range(owner_start[o], owner_start[o + 1]):
                    c = owner_order[ci]
                    if t > 0 and cohort_i[0, c] == t:
                        held_p[c] += cohort_f[_COUNT, c]  # a planned install arrives
                    hash_net = cohort_f[_HASHING_NET, c]
                    revenue = rho_obs * hash_net * price_obs
                    cost = cohort_f[_ENERGY, c] * tariff_t[c] * scale + cohort_f[_MGMT, c]
                    now = on_off_min_off_step(par, pst, 0, c, on_p[c], revenue, cost,
                                              step_seconds)
                    on_p[c] = now
                    h = held_p[c]
                    if market_on:
                        give = h if (offers[c] and (pst[0, c, 0] >= sell_after or not live
                                                    or (short and not now))) else 0.0
                        offer[c] = give
                        any_offer = any_offer or give > 0.0
                        if give != 0.0:
                            offered[tier[c]] = True
                        # The market's inputs (its bids), while revenue and cost are at hand.
                        if now and live:
                            value[c] = max((revenue - cost) * per_day, 0.0) * payback
                            slots[c] = max(capacity[c] - h, 0.0)
                        else:
                            value[c] = 0.0
                            slots[c] = 0.0
                        budget[c] = budget_o
                    if maker_rel[c]:
                        continue
                    running = h if (now and live) else 0.0
                    opex += running * cost
                    hashed += running * hash_net
                    farm += running * cohort_f[_HASHING, c]
                    run0[c] = running
                    if cohort_i[1, c] == t and live:
                        capex += cohort_f[_CAPEX, c]
                    lane = c & 3
                    for g in range(n_grp):
                        grp[lane, group[c, g]] += running * weight[c, g]
                opex_o[o] = opex
                hash_o[o] = hashed
                capex_o[o] = capex
                sales_o[o] = 0.0
            # 3. the market (SecondHandMarket._clear's inputs; clearing.clear_tiers, the
            # numpy path's function), when anybody offers.
            cleared = False
            n_traders = 0
            if any_offer:
                n_traders = clear_tiers(offer, value, slots, budget, tier_order, tier_start,
                                        offered, grid, price_k, volume_k, sold_m, bought_m,
                                        has, traders, scratch)
                cleared = n_traders >= 0
            # 4. the makers (MakerPolicy.decide).
            if n_makers:
                total_w = 0.0
                for f in range(n_farms):
                    total_w += farm_weight[f] * (1.0 if alive_p[farm_owner[f]] else 0.0)
                for m in range(n_makers):
                    c = maker_cohort[m]
                    revenue = rho_obs * cohort_f[_HASHING_NET, c] * price_obs
                    cost = cohort_f[_ENERGY, c] * tariff_t[c] * scale + cohort_f[_MGMT, c]
                    ret = (revenue * per_day - cost * per_day) * DAYS_PER_YEAR / maker_f[1, m]
                    ratio = min(max(ret / maker_f[3, m], 0.0), 1.0)
                    if t == 0:  # before the run the ratio is the first day's
                        for k in range(n_ring):
                            ring[p, m, k] = ratio
                    ring[p, m, t % n_ring] = ratio
                    due_ratio = ring[p, m, (t - maker_i[0, m]) % n_ring]
                    made_ratio = ring[p, m, (t - maker_i[1, m]) % n_ring]
                    made[m] = maker_f[0, m] * made_ratio
                    due = maker_f[0, m] * due_ratio + backlog[p, m]
                    h = held_p[c]
                    want[m] = min(due, h)
                    backlog[p, m] = max(due - h, 0.0)
                    delivered = 0.0
                    for f in range(n_farms):
                        fo = farm_owner[f]
                        w = farm_weight[f] * (1.0 if alive_p[fo] else 0.0)
                        share = w / total_w if total_w > 0.0 else 0.0
                        cap = max(cash_p[fo], 0.0) * maker_cash_share / n_makers
                        alloc = min(want[m] * share, cap / maker_f[1, m])
                        maker_buy[farm_cohorts[m, f]] = alloc
                        delivered += alloc
                    maker_buy[c] = made[m]
                    maker_sell[c] = delivered
            # 5. trades (engine.run._trade), running machines, owner sums: pass 2 took
            # nothing as traded; the cohorts that traded on the market are corrected
            # (their first contribution taken out), the makers' cohorts added.
            t_sold[:] = 0.0
            t_bought[:] = 0.0
            t_value[:] = 0.0
            if cleared:
                for i in range(n_traders):  # in increasing order, as over all cohorts
                    c = traders[i]
                    if maker_rel[c]:
                        continue
                    ms = sold_m[c]
                    mb = bought_m[c]
                    o = owner[c]
                    k = tier[c]
                    pc = price_k[k]
                    pc = 0.0 if math.isnan(pc) else pc
                    old = run0[c]
                    cost = cohort_f[_ENERGY, c] * tariff_t[c] * scale + cohort_f[_MGMT, c]
                    d_opex, d_hash, d_farm, d_capex, d_sales, bad = _trade_cohort(
                        c, t, alive_p[o], ms, mb, pc, old, False, held_p, on_p, count_flows_p,
                        run0, cohort_f, cohort_i, tariff_t, scale, maker_buy, maker_sell,
                        maker_bp, maker_sp, is_maker, k, t_sold, t_bought, t_value, grp,
                        group, weight, count_tolerance)
                    opex_o[o] += d_opex - old * cost
                    hash_o[o] += d_hash - old * cohort_f[_HASHING_NET, c]
                    farm += d_farm - old * cohort_f[_HASHING, c]
                    capex_o[o] += d_capex
                    sales_o[o] += d_sales
                    negative = max(negative, bad)
            for c in maker_list:
                o = owner[c]
                k = tier[c]
                # sold_m, bought_m are written in the tiers with supply only (0 elsewhere).
                ms = sold_m[c] if cleared and has[k] else 0.0
                mb = bought_m[c] if cleared and has[k] else 0.0
                pc = price_k[k] if cleared else 0.0
                pc = 0.0 if math.isnan(pc) else pc
                d_opex, d_hash, d_farm, d_capex, d_sales, bad = _trade_cohort(
                    c, t, alive_p[o], ms, mb, pc, 0.0, True, held_p, on_p, count_flows_p, run0,
                    cohort_f, cohort_i, tariff_t, scale, maker_buy, maker_sell, maker_bp,
                    maker_sp, is_maker, k, t_sold, t_bought, t_value, grp, group, weight,
                    count_tolerance)
                opex_o[o] += d_opex
                hash_o[o] += d_hash
                farm += d_farm
                capex_o[o] += d_capex
                sales_o[o] += d_sales
                negative = max(negative, bad)
            if scrapping and any_offer:
                # SecondHandMarket._scrap: what was offered and not sold, off long enough
                # (engine.run._trade: clipped to what is left after the day's sale).
                t_scrap[:] = 0.0
                for c in range(n_coh):
                    give = offer[c]
                    if give > 0.0 and pst[0, c, 0] >= scrap_after:
                        k = tier[c]
                        ms = sold_m[c] if cleared and has[k] else 0.0
                        x = max(give - ms, 0.0)  # what is left after the sale
                        if x > 0.0:
                            held_p[c] -= x
                            count_flows_p[c] -= x
                            sales_o[owner[c]] += x * scrap_value
                            t_scrap[k] += x
                for k in range(n_tiers):
                    scrapped[day, p, k] = t_scrap[k]
            for k in range(n_tiers):
                if abs(t_sold[k] - t_bought[k]) > 1e-9 + 1e-9 * abs(t_bought[k]):
                    tiers_off = 1.0
            for m in range(n_makers):
                c = maker_cohort[m]
                k = tier[c]
                delivered = maker_sell[c]
                t_sold[k] -= delivered  # new machines: not the used market's
                maker_rows[MAKER_PRODUCED, day, p, m] = maker_buy[c] if alive_p[owner[c]] else 0.0
                maker_rows[MAKER_DELIVERED, day, p, m] = delivered
                maker_rows[MAKER_INVENTORY, day, p, m] = held_p[c]
                maker_rows[MAKER_RUNNING, day, p, m] = run0[c]
                maker_rows[MAKER_REVENUE, day, p, m] = delivered * maker_sp[c]
            for k in range(n_tiers):
                traded[day, p, k] = t_sold[k]
                used_price[day, p, k] = t_value[k] / t_sold[k] if t_sold[k] > 1e-9 else np.nan
            # 6. the block clock (network_loop's), then the treasury.
            fee_now = fees[pf, day]
            total = farm + rest[pr, day]
            remaining = step_seconds
            rho = 0.0
            issue = 0.0
            for _ in range(MAX_SEGMENTS + 1):
                if remaining <= 0.0:
                    break
                rate = total / (diff * hpd)
                next_retarget = (math.floor(height / window) + 1) * window
                next_halving = (math.floor(height / HALVING_INTERVAL) + 1) * HALVING_INTERVAL
                boundary = min(next_retarget, next_halving)
                to_boundary = (boundary - height) / rate if rate > 0 else np.inf
                crosses = to_boundary <= remaining
                seg = to_boundary if crosses else remaining
                reward = _subsidy(height) + fee_now
                rho += seg * (reward / (diff * hpd))
                issue += seg * rate * reward
                height = boundary if crosses else height + seg * rate
                elapsed += seg
                remaining = remaining - seg if crosses else 0.0
                if crosses and boundary == next_retarget:
                    span = elapsed * span_factor
                    span = min(max(span, target_span / 4), target_span * 4)
                    diff = max(diff * target_span / span, 1.0)
                    elapsed = 0.0
                    retargets += 1.0
            if remaining > 0.0:
                overflow = 1.0
            share_b = farm / total if total > 0.0 else 0.0
            mined_all = 0.0
            sold_all = 0.0
            forced_all = 0.0
            for o in range(n_own):
                solvent = alive_p[o]
                mined = rho * hash_o[o]
                opex = opex_o[o]
                site = owner_t[0, t, o] if solvent else 0.0
                fixed = owner_t[1, t, o]
                other = ((capex_o[o] + site) + fixed) - sales_o[o]
                held_coins = coins_p[o] + mined
                planned = (1.0 - hodl[o]) * mined
                planned = max(planned, opex / price_now) if cover[o] else planned
                sold = min(planned, held_coins)
                held_coins = held_coins - sold
                proceeds = sold * price_now
                after = cash_p[o] + proceeds - opex - other
                short = max(-after, 0.0)
                forced = min(held_coins, short / price_now)
                forced_proceeds = forced * price_now
                final = after + forced_proceeds
                cash_p[o] = final
                coins_p[o] = held_coins - forced
                broke = solvent and final < -broke_tolerance
                alive_p[o] = solvent and not broke
                broke_step[p, o] = t if broke else broke_step[p, o]
                mined_all += mined
                sold_all += sold + forced
                forced_all += forced
                if check:
                    flows[0, p, o] += (proceeds + forced_proceeds - opex - capex_o[o] - site
                                       - fixed + sales_o[o])
                    flows[1, p, o] += mined - sold - forced
            # 7. the day's rows.
            day_rows[0, day, p] = total
            day_rows[1, day, p] = diff
            day_rows[2, day, p] += issue
            day_rows[3, day, p] += mined_all
            day_rows[4, day, p] += sold_all
            day_rows[5, day, p] += forced_all
            if check:
                max_share = max(max_share, share_b)
                bound = issue * share_b
                excess = mined_all - bound
                max_excess = max(max_excess, excess)
                max_violation = max(max_violation, excess - (rel_slack * bound + 1e-12))
            for g in range(grp.shape[1]):
                day_groups[day, p, g] += (grp[0, g] + grp[1, g]) + (grp[2, g] + grp[3, g])
        net[0, p] = diff
        net[1, p] = height
        net[2, p] = elapsed
        net[3, p] = retargets
        checks[p, 0] = max(checks[p, 0], max_share)
        checks[p, 1] = max(checks[p, 1], max_excess)
        checks[p, 2] = max(checks[p, 2], max_violation)
        checks[p, 3] = max(checks[p, 3], overflow)
        checks[p, CHECK_TIERS] = max(checks[p, CHECK_TIERS], tiers_off)
        checks[p, CHECK_COUNT] = max(checks[p, CHECK_COUNT], negative)


# Inlined at numba's level: a call per cohort would pass (and reference-count) its
# twenty arrays every time (3x the loop's time, measured).
@numba.njit(inline="always")
def _trade_cohort(c: int, t: int, live: bool, ms: float, mb: float, pc: float, old: float,
                  planned: bool, held_p: Any,
                  on_p: Any, count_flows_p: Any, run0: Any, cohort_f: Any, cohort_i: Any,
                  tariff_t: Any, scale: float, maker_buy: Any, maker_sell: Any,
                  maker_bp: Any, maker_sp: Any, is_maker: Any, k: int, t_sold: Any,
                  t_bought: Any, t_value: Any, grp: Any, group: Any, weight: Any,
                  count_tolerance: float) -> tuple[float, float, float, float, float, float]:
    """Trade one cohort's machines and run it (engine.run._trade, then the step's costs).

    ``ms``, ``mb``: machines it sold and bought on the used market at ``pc`` (its tier's
    price); the makers' trades are ``maker_sell`` and ``maker_buy``. ``old``: its
    running machines already in the groups; ``planned``: whether to add its planned
    purchase of this step (not yet counted). Sales are clipped
    to the machines held, purchases need a live owner (``live``). Writes the machines
    held, the count flows, the running machines (``run0``), the tier sums and the
    groups; returns the cohort's operating cost, hashrate after pool fee, effective
    hashrate, purchases and sale proceeds, and 1.0 for a negative count.
    """
    sell = ms + maker_sell[c]
    buy = mb + maker_buy[c]
    h = held_p[c]
    s = min(sell, h)
    b = buy if live else 0.0
    now_held = (h - s) + b
    held_p[c] = now_held
    count_flows_p[c] += b - s
    running = now_held if (on_p[c] and live) else 0.0
    cost = cohort_f[_ENERGY, c] * tariff_t[c] * scale + cohort_f[_MGMT, c]
    run0[c] = running
    buy_price = pc if mb > 0.0 else maker_bp[c]
    sale_price = pc if ms > 0.0 else maker_sp[c]
    paid = b * buy_price
    if planned and cohort_i[1, c] == t and live:
        paid += cohort_f[_CAPEX, c]
    proceeds = s * sale_price
    t_sold[k] += s
    if is_maker[c]:
        maker_sell[c] = s  # what was delivered (clipped), for the rows
    else:
        t_bought[k] += b
        t_value[k] += proceeds
    lane = c & 3
    for g in range(group.shape[1]):
        grp[lane, group[c, g]] += (running - old) * weight[c, g]
    bad = 1.0 if now_held < -count_tolerance else 0.0
    return (running * cost, running * cohort_f[_HASHING_NET, c], running * cohort_f[_HASHING, c],
            paid, proceeds, bad)
