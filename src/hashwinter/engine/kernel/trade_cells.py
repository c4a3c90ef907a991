"""The kernel's machine trades: sell, scrap and buy one owner's cohorts on a day's first step.

:func:`owner_trades` is the numpy trading rules' ``decide`` plus the engine's ``_trade``
for the cohorts of one owner in one block of variants on one path, the same expressions in
the same order (:mod:`hashwinter.farm.trading.rules`):

* **sell** (``SellRule``): ``held`` machines when ``market (1 - fee) / keep - 1 > premium``,
  at ``market (1 - fee)`` each;
* **scrap** (``ScrapRule``): ``min(held, held - sold)`` machines when the market pays no more
  than the scrap value and ``keep / scrap - 1 <= margin``, at the scrap value;
* **buy** (``BuyRule``, ``BlockBuy``): into the target cohort, the whole machines that fit
  the site's free slots and MW (machines held at the site before the day's trades), that
  the owner's cash above the reserve pays for, at most ``max_per_day``, when the payback
  ``price / margin per day`` is below the threshold (or ``keep > price``; or on the block
  purchase's day, at most its count at ``discount x market``).

Counts are state: ``ts[c, TS_DH, j]`` is the machines traded into cohort ``c`` so far (the
planned fleet plus it is what the cohort holds). The figures of the trade ledger
(:class:`~hashwinter.farm.trading.paths.TradeRecorder`: counts, purchase cost, proceeds,
book value and realised gain) are kept per cohort; :func:`owner_day_end` depreciates the
book and writes the day's figures. Every function here is called from
:mod:`hashwinter.engine.kernel.loop` (the trading loop is compiled per process, not cached
on disk, so that edits of this file are always seen).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

__all__ = [
    "N_TS",
    "TS_BOOK",
    "TS_BOUGHT",
    "TS_BUY_COST",
    "TS_COST",
    "TS_DH",
    "TS_DHP",
    "TS_GAIN",
    "TS_HELD_STEPS",
    "TS_OUT",
    "TS_SALES",
    "TS_SCRAPPED",
    "TS_SCRAP_CASH",
    "TS_SOLD",
    "owner_day_end",
    "owner_trades",
]

# Rows of the trade state ``ts`` (C, N_TS, VB) of a block (and (N_TS, P, C, V) of a run):
# traded machines so far, before this step's trades, taken out this step; the book's
# undepreciated cost and value; cumulative counts and money; machine-steps traded in
# (each trade's count times the steps from it to the run's end).
(TS_DH, TS_DHP, TS_OUT, TS_COST, TS_BOOK, TS_BOUGHT, TS_SOLD, TS_SCRAPPED, TS_BUY_COST,
 TS_SALES, TS_SCRAP_CASH, TS_GAIN, TS_HELD_STEPS) = range(13)
N_TS = 13
# Per-cohort rows of ``tr_f`` (K, C): may sell, may scrap, scrap value, meter watts,
# depreciation per day (1 / life days).
TF_SELL, TF_SCRAP, TF_SCRAP_VALUE, TF_METER_W, TF_PER_DAY = range(5)
N_TF = 5
# Per-variant rows of ``tr_v`` (K, V): premium, margin, payback, max a day, reserve, discount.
TV_PREMIUM, TV_MARGIN, TV_PAYBACK, TV_MAX_DAY, TV_RESERVE, TV_DISCOUNT = range(6)
N_TV = 6
# Scalars of ``tr_s``: sell fee, buy mode, target, owner, fee, fixed price, block day,
# block count, the target site's slots and watts, whether the book is kept, the run's steps.
(TSC_SELL_FEE, TSC_MODE, TSC_TARGET, TSC_OWNER, TSC_BUY_FEE, TSC_FIXED, TSC_BLOCK_DAY,
 TSC_BLOCK_COUNT, TSC_SLOTS, TSC_WATTS, TSC_BOOK, TSC_N_STEPS) = range(12)
N_TSC = 12
# Figures of the trade ledger per day (TradeRecorder's TRADE_FIGURES order).
(FIG_FLEET, FIG_BOUGHT, FIG_SOLD, FIG_SCRAPPED, FIG_BUY_COST, FIG_PROCEEDS, FIG_GAIN,
 FIG_BOOK) = range(8)
N_FIG = 8


@numba.njit(error_model="numpy")
def _buy_counts(buy_b: Any, ts: Any, t: int, day: int, pt: int, p: int, o: int, v0: int,
                cohort_f: Any, cohort_i: Any, tariff: Any, scale: Any, rho_obs: float,
                price_obs: float, steps_per_day: int, alive_o: Any, cash: Any,
                tprice: Any, tr_f: Any, tr_vb: Any, tr_s: Any, members: Any) -> bool:
    """Write the buy rule's machines and price into ``buy_b`` (2, VB); return whether it trades.

    The numpy ``BuyRule.decide`` / ``BlockBuy.decide`` (and ``SiteLimits.room``,
    ``_affordable``) for one block of variants: cohort and site columns come from
    ``cohort_f`` (the kernel's ``COH_*`` rows: 1 hashrate after pool fee, 2 management
    fee per step, 4 machines, 5 energy per step) and ``tr_f``.
    """
    nvb = buy_b.shape[1]
    mode = int(tr_s[TSC_MODE])
    k = int(tr_s[TSC_TARGET])
    issued = False
    used = np.zeros(nvb)
    used_w = np.zeros(nvb)
    for m in members:
        planned = cohort_f[4, m] if t >= cohort_i[0, m] else 0.0
        mw = tr_f[TF_METER_W, m]
        for j in range(nvb):
            h = planned + ts[m, TS_DH, j]
            used[j] += h
            used_w[j] += h * mw
    market = tprice[0, pt, k, day]
    fixed = tr_s[TSC_FIXED]
    price0 = fixed if not np.isnan(fixed) else market * (1.0 + tr_s[TSC_BUY_FEE])
    mw_k = max(tr_f[TF_METER_W, k], 1e-300)
    revenue = rho_obs * cohort_f[1, k] * price_obs
    power_base = cohort_f[5, k] * tariff[t, k]
    mgmt = cohort_f[2, k]
    keep = tprice[1, pt, k, day]
    for j in range(nvb):
        free_slots = tr_s[TSC_SLOTS] - used[j]
        free_w = tr_s[TSC_WATTS] - used_w[j]
        by_power = free_w / mw_k
        room = np.floor(max(min(free_slots, by_power), 0.0) + 1e-9)
        price = market * tr_vb[TV_DISCOUNT, j] if mode == 2 else price0
        spare = max(cash[p, o, v0 + j] - tr_vb[TV_RESERVE, j], 0.0)
        n = spare / price if price > 0 else 0.0
        n = n if alive_o[j] else 0.0
        affordable = np.floor(n + 1e-9)
        if mode == 2:
            bought = min(min(room, tr_s[TSC_BLOCK_COUNT]), affordable)
            issued = True
        else:
            if mode == 1:
                want = keep > price
            else:
                cost = power_base * scale[j] + mgmt
                margin = (revenue - cost) * steps_per_day
                payback = price / max(margin, 1e-300) if margin > 0 else np.inf
                want = payback < tr_vb[TV_PAYBACK, j]
            n_buy = min(room, affordable)
            bought = min(n_buy, np.floor(tr_vb[TV_MAX_DAY, j])) if want else 0.0
            issued = issued or bought > 0
        buy_b[0, j] = bought
        buy_b[1, j] = price
    return issued


@numba.njit(error_model="numpy")
def owner_trades(ts: Any, touched: Any, moved: Any, tsum: Any, buy_b: Any, t: int, day: int,
                 pt: int, p: int, o: int, v0: int, owner_order: Any, owner_start: Any,
                 cohort_f: Any, cohort_i: Any, tariff: Any, scale: Any, rho_obs: float,
                 price_obs: float, steps_per_day: int, alive_o: Any, cash: Any, tprice: Any,
                 tr_f: Any, tr_vb: Any, tr_s: Any, members: Any) -> bool:
    """Apply owner ``o``'s trades of step ``t`` (a day's first step); return whether any issued.

    Updates the state ``ts`` (C, N_TS, VB), sets ``moved[c]`` for the cohorts traded this
    step and ``touched[c]`` for those ever traded, and writes the step's sale and scrap
    proceeds (row 0) and purchase cost (row 1) per variant into ``tsum`` (2, VB)
    [currency]. ``pt`` is the price table's path (0 for a table shared by every path).
    """
    nvb = tsum.shape[1]
    for j in range(nvb):
        tsum[0, j] = 0.0
        tsum[1, j] = 0.0
    fee = tr_s[TSC_SELL_FEE]
    target = int(tr_s[TSC_TARGET])
    buying = int(tr_s[TSC_MODE]) >= 0 and int(tr_s[TSC_OWNER]) == o
    if buying and int(tr_s[TSC_MODE]) == 2:
        buying = day == int(tr_s[TSC_BLOCK_DAY])
    book_on = tr_s[TSC_BOOK] != 0.0
    issued = False
    if buying:
        issued = _buy_counts(buy_b, ts, t, day, pt, p, o, v0, cohort_f, cohort_i, tariff,
                             scale, rho_obs, price_obs, steps_per_day, alive_o, cash, tprice,
                             tr_f, tr_vb, tr_s, members)
    min_premium = np.inf
    max_margin = -np.inf
    for j in range(nvb):
        min_premium = min(min_premium, tr_vb[TV_PREMIUM, j])
        max_margin = max(max_margin, tr_vb[TV_MARGIN, j])
    for ci in range(owner_start[o], owner_start[o + 1]):
        c = owner_order[ci]
        moved[c] = False
        market = tprice[0, pt, c, day]
        keep = tprice[1, pt, c, day]
        net = market * (1.0 - fee)
        pays = net / keep - 1.0 if tr_f[TF_SELL, c] != 0.0 else np.nan
        scrap_value = tr_f[TF_SCRAP_VALUE, c]
        base = (tr_f[TF_SCRAP, c] != 0.0) and market <= scrap_value * (1.0 + 1e-12) and (
            scrap_value > 0)
        over = keep / scrap_value - 1.0 if base else np.nan
        is_target = buying and c == target
        if not (pays > min_premium or over <= max_margin or is_target):
            continue
        planned = cohort_f[4, c] if t >= cohort_i[0, c] else 0.0
        if not is_target:
            # A first pass without writes (it vectorizes): most days no variant of a cohort
            # the gate lets through trades (what the cheapest premium would sell is gone).
            trades_c = False
            for j in range(nvb):
                held = planned + ts[c, TS_DH, j]
                trades_c = trades_c | ((held > 0.0) & ((pays > tr_vb[TV_PREMIUM, j])
                                                       | (over <= tr_vb[TV_MARGIN, j])))
            if not trades_c:
                continue
        remaining = tr_s[TSC_N_STEPS] - t  # steps the trade's machines are held (or not)
        any_trade = False
        for j in range(nvb):
            dh = ts[c, TS_DH, j]
            held = planned + dh
            sold = held if pays > tr_vb[TV_PREMIUM, j] else 0.0
            scrapped = min(held if over <= tr_vb[TV_MARGIN, j] else 0.0, held - sold)
            bought = buy_b[0, j] if is_target else 0.0
            price = buy_b[1, j] if is_target else 0.0
            out = sold + scrapped
            ts[c, TS_DHP, j] = dh
            ts[c, TS_OUT, j] = out
            ts[c, TS_DH, j] = dh - sold - scrapped + bought
            sales = sold * net
            scrap_cash = scrapped * scrap_value
            cost = bought * price
            tsum[0, j] += sales + scrap_cash
            tsum[1, j] += cost
            ts[c, TS_BOUGHT, j] += bought
            ts[c, TS_SOLD, j] += sold
            ts[c, TS_SCRAPPED, j] += scrapped
            ts[c, TS_BUY_COST, j] += cost
            ts[c, TS_SALES, j] += sales
            ts[c, TS_SCRAP_CASH, j] += scrap_cash
            ts[c, TS_HELD_STEPS, j] += (bought - sold - scrapped) * remaining
            if book_on:
                share = out / held if held > 0 else 0.0
                disposed = ts[c, TS_BOOK, j] * share
                ts[c, TS_COST, j] = ts[c, TS_COST, j] * (1.0 - share) + cost
                ts[c, TS_BOOK, j] = ts[c, TS_BOOK, j] - disposed + cost
                ts[c, TS_GAIN, j] += (sales + scrap_cash) - disposed
            any_trade = any_trade or out > 0 or bought > 0
        moved[c] = True
        touched[c] = touched[c] or any_trade
        issued = issued or any_trade
    return issued


@numba.njit(error_model="numpy")
def owner_day_end(ts: Any, fig: Any, t: int, o: int, owner_order: Any, owner_start: Any,
                  cohort_f: Any, cohort_i: Any, tr_f: Any, book_on: bool,
                  record: bool) -> None:
    """Depreciate owner ``o``'s books at a day's end and add its figures into ``fig`` (8, VB).

    ``TradeRecorder.record`` at a day's last step: each cohort's book loses
    ``min(book, cost / life days)``; the day's figures are the owner's sums over its
    cohorts (machines held, cumulative counts and money, book value).
    """
    nvb = fig.shape[1]
    for ci in range(owner_start[o], owner_start[o + 1]):
        c = owner_order[ci]
        per_day = tr_f[TF_PER_DAY, c]
        planned = cohort_f[4, c] if t >= cohort_i[0, c] else 0.0
        for j in range(nvb):
            if book_on:
                book = ts[c, TS_BOOK, j]
                ts[c, TS_BOOK, j] = book - min(book, ts[c, TS_COST, j] * per_day)
            if record:
                fig[FIG_FLEET, j] += planned + ts[c, TS_DH, j]
                fig[FIG_BOUGHT, j] += ts[c, TS_BOUGHT, j]
                fig[FIG_SOLD, j] += ts[c, TS_SOLD, j]
                fig[FIG_SCRAPPED, j] += ts[c, TS_SCRAPPED, j]
                fig[FIG_BUY_COST, j] += ts[c, TS_BUY_COST, j]
                fig[FIG_PROCEEDS, j] += ts[c, TS_SALES, j] + ts[c, TS_SCRAP_CASH, j]
                fig[FIG_GAIN, j] += ts[c, TS_GAIN, j]
                fig[FIG_BOOK, j] += ts[c, TS_BOOK, j]
