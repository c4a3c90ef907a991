"""A plain day-by-day (step-by-step) Python loop of the engine's model, written from
docs/engine.md without numpy and without the engine's code, for comparison tests.

Everything is scalar: loops over variants, paths, steps, cohorts and owners.
"""

from __future__ import annotations

import math

TWO32 = 2.0**32


def reference_run(spec, *, policy_kind="always_on", off_below=(0.0,), on_above=(0.0,),
                  min_margin=(0.0,), hodl=(0.0,), cover=(False,), tariff_scale=(1.0,),
                  sell_after=None):
    """Return per-step ledgers as nested lists indexed [t][v][p][c] / [t][v][p][o].

    ``sell_after = (days, machines, price)`` adds, after the curtailment, the example
    trading rule of examples/plugins/sell_after_losses.py as docs/engine.md states it:
    once a cohort's expected margin per machine has been negative for ``days`` days in a
    row, sell ``machines`` of it (at most those held, stopped machines first) at ``price``
    at the start of the step, and count again from zero.
    """
    clock, market, coh, own = spec.clock, spec.market, spec.cohorts, spec.owners
    spd = clock.steps_per_day
    dt = 86400.0 / spd
    n_t, n_c, n_o = clock.n_steps, coh.n, own.n
    n_p = market.n_paths
    n_v = max(len(off_below), len(on_above), len(min_margin), len(hodl), len(cover),
              len(tariff_scale))

    def pick(seq, v):
        return seq[v] if len(seq) > 1 else seq[0]

    def series(arr, p, d):
        row = arr[p] if arr.shape[0] > 1 else arr[0]
        return float(row[d])

    out = {k: [[[[0.0] * n_c for _ in range(n_p)] for _ in range(n_v)] for _ in range(n_t)]
           for k in ("running", "coins", "power_cost", "management_fee", "hosting_fee",
                     "restart_cost", "machine_capex", "energy_kwh", "held", "machines_sold")}
    own_out = {k: [[[[0.0] * n_o for _ in range(n_p)] for _ in range(n_v)] for _ in range(n_t)]
               for k in ("cash", "coins", "sold", "forced_sold", "alive", "machine_sales")}
    for v in range(n_v):
        for p in range(n_p):
            on = [True] * n_c
            prev_running = [float(coh.count[c]) if coh.start_step[c] <= 0 else 0.0
                            for c in range(n_c)]
            cash = [float(x) for x in own.starting_cash]
            coins = [float(x) for x in own.starting_coins]
            alive = [True] * n_o
            traded = [0.0] * n_c      # machines bought minus sold so far, per cohort
            streak = [0.0] * n_c      # days in a row of negative expected margin
            held_prev = list(prev_running)
            for t in range(n_t):
                d = t // spd
                dobs = max(d - 1, 0)
                price_obs = series(market.price, p, dobs)
                price = series(market.price, p, d)
                reward_obs = (series(market.subsidy, p, dobs)
                              + series(market.fees_per_block, p, dobs))
                rho_obs = dt * reward_obs / (series(market.difficulty, p, dobs) * TWO32)
                rho = dt * (series(market.subsidy, p, d) + series(market.fees_per_block, p, d)) / (
                    series(market.difficulty, p, d) * TWO32)
                scale = pick(tariff_scale, v)
                mined = [0.0] * n_o
                opex = [0.0] * n_o
                capex = [0.0] * n_o
                sales = [0.0] * n_o
                for c in range(n_c):
                    o = int(coh.owner[c])
                    planned = float(coh.count[c]) if t >= coh.start_step[c] else 0.0
                    installed = planned + traded[c]
                    h, u = float(coh.hashrate[c]), float(coh.uptime[c])
                    pool = float(coh.pool_fee[c])
                    kwh_pm = float(coh.power[c]) * float(coh.pue[c]) * u * dt / 3600.0 / 1000.0
                    tariff = float(spec.tariff[t][c]) * scale
                    mgmt_pm = float(coh.management_fee[c]) * dt / 86400.0
                    cost = kwh_pm * tariff + mgmt_pm
                    rev = h * u * (1 - pool) * rho_obs * price_obs
                    if policy_kind == "shutdown_price":
                        # A minimum of 0 means "no minimum" (so off_below < 0 runs at a loss).
                        minimum = pick(min_margin, v)
                        enough = minimum == 0 or (rev - cost) >= minimum * dt / 86400.0
                        if on[c]:
                            on[c] = rev >= cost * (1 + pick(off_below, v)) and enough
                        else:
                            on[c] = rev > cost * (1 + pick(on_above, v)) and enough
                    sold_c = 0.0
                    if sell_after is not None:
                        days, machines, sale_price = (pick(x, v) for x in sell_after)
                        streak[c] = streak[c] + dt / 86400.0 if rev < cost else 0.0
                        if streak[c] >= days - 1e-9:
                            sold_c = min(float(machines), installed)
                            streak[c] = 0.0
                    installed -= sold_c
                    traded[c] -= sold_c
                    sales[o] += sold_c * sale_price if sold_c else 0.0
                    kept = max(held_prev[c] - sold_c, 0.0)
                    held_prev[c] = installed
                    running = installed if (on[c] and alive[o]) else 0.0
                    coins_c = running * h * u * (1 - pool) * rho
                    power_c = running * kwh_pm * tariff
                    mgmt_c = running * mgmt_pm
                    host_c = installed * float(coh.hosting_fee[c]) * dt / 86400.0
                    restart_c = max(0.0, min(running, kept) - min(prev_running[c], kept)) * float(
                        coh.restart_cost[c])
                    capex_c = (float(coh.count[c]) * float(coh.unit_price[c])
                               if (t == coh.capex_step[c] and alive[o]) else 0.0)
                    prev_running[c] = running
                    for key, val in (("running", running), ("coins", coins_c),
                                     ("power_cost", power_c), ("management_fee", mgmt_c),
                                     ("hosting_fee", host_c), ("restart_cost", restart_c),
                                     ("machine_capex", capex_c),
                                     ("energy_kwh", running * kwh_pm), ("held", installed),
                                     ("machines_sold", sold_c)):
                        out[key][t][v][p][c] = val
                    mined[o] += coins_c
                    opex[o] += power_c + mgmt_c + host_c + restart_c
                    capex[o] += capex_c
                for o in range(n_o):
                    site = float(own.site_capex[t][o]) if alive[o] else 0.0
                    fixed = float(own.fixed_costs[t][o])
                    held = coins[o] + mined[o]
                    planned = (1 - pick(hodl, v)) * mined[o]
                    if pick(cover, v):
                        planned = max(planned, opex[o] / price)
                    sold = min(planned, held)
                    held -= sold
                    c_ = cash[o] + sold * price - opex[o] - capex[o] - site - fixed + sales[o]
                    forced = 0.0
                    if c_ < 0:
                        forced = min(held, -c_ / price)
                        held -= forced
                        c_ += forced * price
                    if alive[o] and c_ < -0.005:
                        alive[o] = False
                    cash[o], coins[o] = c_, held
                    own_out["cash"][t][v][p][o] = c_
                    own_out["coins"][t][v][p][o] = held
                    own_out["sold"][t][v][p][o] = sold
                    own_out["forced_sold"][t][v][p][o] = forced
                    own_out["alive"][t][v][p][o] = 1.0 if alive[o] else 0.0
                    own_out["machine_sales"][t][v][p][o] = sales[o]
    return out, own_out


def reference_block_clock(difficulty, height, elapsed, hashrate_per_step, step_seconds,
                          fees=0.0, interval=2016, halving=210_000):
    """Advance an expected-value block clock block by block (scalar Python).

    Returns per-step lists: reward per hash [coin/(H/s)], difficulty at step end, height.
    """
    rewards, diffs, heights = [], [], []
    for hashrate in hashrate_per_step:
        remaining = step_seconds
        rho = 0.0
        while remaining > 1e-12:
            block_time = difficulty * TWO32 / hashrate
            to_next = (math.floor(height) + 1 - height) * block_time
            subsidy = (50.0 / 2 ** (math.floor(height) // halving))
            if to_next <= remaining:
                rho += to_next * (subsidy + fees) / (difficulty * TWO32)
                remaining -= to_next
                elapsed += to_next
                height = float(math.floor(height) + 1)
                if int(height) % interval == 0:
                    span = elapsed * (interval - 1) / interval
                    span = min(max(span, 1_209_600 / 4), 1_209_600 * 4)
                    difficulty = max(difficulty * 1_209_600 / span, 1.0)
                    elapsed = 0.0
            else:
                rho += remaining * (subsidy + fees) / (difficulty * TWO32)
                height += remaining / block_time
                elapsed += remaining
                remaining = 0.0
        rewards.append(rho)
        diffs.append(difficulty)
        heights.append(height)
    return rewards, diffs, heights
