"""Machine trades on the compiled kernel give the numpy engine's balances, counts and ledger.

Small real-history cases (the 2018-19 winter of btc_daily.csv in USD): a few cohorts of
catalog machines at two sites with slot and MW limits, a sweep of a few variants of the
sell premium, Hu's payback threshold and the curtailment threshold. Each is run with
``engine="numpy"`` and ``engine="compiled"`` and compared at relative 1e-9
(tests/engine/test_kernel.py's ``assert_same``: totals, owner totals with the machines
bought, sold and scrapped, balances, held counts), and the trade ledger
(:class:`~hashwinter.farm.trading.paths.TradeRecorder`: fleet, counts, purchase cost,
proceeds, realised gain against book value, book value, every day) at the same tolerance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_kernel import close

from datafiles import WINTER_FIRST, WINTER_LAST, shared_data_file
from hashwinter.engine import (
    Clock,
    Cohorts,
    EngineSpec,
    Owners,
    OwnerStatsRecorder,
    Policies,
    TotalsRecorder,
    market_from_coinmetrics,
    run,
)
from hashwinter.errors import InputError
from hashwinter.farm.policies import ShutdownPricePolicy
from hashwinter.farm.trading import (
    BlockBuy,
    BuyRule,
    ScrapRule,
    SellRule,
    SiteLimits,
    trade_tables,
)
from hashwinter.farm.trading.paths import TradeRecorder
from hashwinter.hardware import default_catalog

MODELS = ("Antminer S7", "Antminer S9", "AvalonMiner 741", "WhatsMiner M3")


def winter_spec(n_owners: int = 1, scrap_per_kw: float = 10.0, steps_per_day: int = 1,
                last: str = WINTER_LAST):
    """Eight cohorts at two sites (the last two empty purchase cohorts), the real winter."""
    btc = pd.read_csv(shared_data_file("btc_daily.csv"))
    market = market_from_coinmetrics(btc, currency="USD", start=WINTER_FIRST, end=last)
    clock = Clock(market.dates, steps_per_day=steps_per_day)
    catalog = default_catalog()
    pick = [0, 1, 2, 3, 1, 0, 1, 2]
    machines = [catalog.get(MODELS[i]) for i in pick]
    n = len(pick)
    count = np.array([40, 25, 30, 20, 35, 10, 0, 0], dtype=float)
    site = np.array([0, 0, 0, 1, 1, 1, 0, 1])
    owner = np.zeros(n, dtype=np.int64) if n_owners == 1 else np.array(
        [0, 0, 0, 1, 1, 1, 0, 1])
    power = np.array([m.power for m in machines])
    pue = np.array([1.05, 1.1, 1.02, 1.08, 1.1, 1.15, 1.05, 1.08])
    cohorts = Cohorts(
        label=tuple(f"c{i}" for i in range(n)), model=tuple(m.model for m in machines),
        site=tuple(f"site{s}" for s in site), hashrate=np.array([m.hashrate for m in machines]),
        power=power, count=count, owner=owner, start_step=np.array([0, 0, 0, 0, 0, 30, 0, 0]),
        capex_step=-1, unit_price=0.0, uptime=0.97, pue=pue, pool_fee=0.02,
        management_fee=0.05, hosting_fee=0.0, restart_cost=np.full(n, 3.0),
    )
    tariff = np.broadcast_to(np.array([0.04, 0.05, 0.03, 0.06, 0.045, 0.05, 0.04, 0.06]),
                             (clock.n_steps, n)).copy()
    names = tuple(f"farm{o}" for o in range(n_owners))
    owners = Owners(names, np.full(n_owners, 20_000.0), np.zeros(n_owners),
                    np.full((clock.n_steps, n_owners), 20.0 / steps_per_day),
                    np.zeros((clock.n_steps, n_owners)))
    held = np.bincount(site, weights=count, minlength=2)
    watts = np.bincount(site, weights=count * power * pue, minlength=2)
    # Room for 12.4 more machines' slots at site 0 (MW for more): a purchase fills it.
    limits = SiteLimits(site=site.astype(np.int64), slots=held + np.array([12.4, 30.6]),
                        watts=watts * 1.5, meter_watts=power * pue)
    spec = EngineSpec(clock, market, cohorts, owners, tariff)
    tables = trade_tables(cohorts, market, tariff, buyer_tariff=0.05, liquidity=0.8,
                          scrap_value_per_kw=scrap_per_kw, sigma_per_day=0.04)
    return spec, limits, tables


def trading_chain(spec, limits, tables, premium, payback, off):
    every = np.ones(spec.cohorts.n, dtype=bool)
    return Policies([
        ShutdownPricePolicy(off, off + 0.05),
        SellRule(tables, every, 0.05, premium),
        BuyRule(tables, limits, 6, 0, payback, fee=0.05, max_per_day=5),
        ScrapRule(tables, every, 0.1),
    ])


def both(spec, policy, book=None):
    out = []
    for engine in ("numpy", "compiled"):
        recs = [TotalsRecorder(), OwnerStatsRecorder((0.0, 0.5, 1.0))]
        if book is not None:
            recs.append(TradeRecorder(*book))
        out.append(run(spec, policy, recorders=recs, engine=engine))
    return out


def assert_same_trades(n, c):
    assert n.path == "numpy" and c.path == "compiled" and c.fallback is None
    t_n, s_n = n.records[:2]
    t_c, s_c = c.records[:2]
    assert set(t_c.owner) == set(t_n.owner)
    assert set(t_c.cohort) == set(t_n.cohort)
    for k in t_n.cohort:
        close(t_c.cohort[k], t_n.cohort[k], f"cohort {k}")
    for k in t_n.owner:
        close(t_c.owner[k], t_n.owner[k], f"owner {k}")
    for k in ("cash", "coins", "equity"):
        close(getattr(s_c, k), getattr(s_n, k), f"stats {k}")
    close(c.cash, n.cash, "cash")
    close(c.coins, n.coins, "coins")
    np.testing.assert_array_equal(c.broke_step, n.broke_step)
    np.testing.assert_array_equal(c.held, n.held)
    assert c.checks.max_count_error < 1e-9 and c.checks.max_cash_error < 1e-6


PREMIUM = np.array([-0.3, 0.2, 1.0, np.inf])
PAYBACK = np.array([60.0, 200.0, 400.0, 900.0])
OFF = np.array([0.0, -0.1, 0.0, -0.2])


def test_sell_buy_scrap_sweep_equals_numpy():
    """A sale, a purchase into limited slots and the sweep's other legs, as numpy does them."""
    spec, limits, tables = winter_spec()
    n, c = both(spec, trading_chain(spec, limits, tables, PREMIUM, PAYBACK, OFF))
    assert_same_trades(n, c)
    owner = c.records[0].owner
    # Variant 0 (premium -0.3) sells where the used price less 5 % is above 0.7 x the value
    # of keeping (the table on day 0: cohorts 1, 3, 4, and 5 when it arrives on day 30:
    # 25 + 20 + 35 + 10); variants 1 and 2 keep.
    pays = tables.market[0, :, 0] * 0.95 / tables.keep[0, :, 0] - 1
    assert np.flatnonzero(pays[:6] > -0.3).tolist() == [1, 3, 4, 5]
    assert owner["sold_machines"][0, 0, 0] == 90.0 and owner["sold_machines"][1:3].sum() == 0
    # Variant 3 buys into site 0's 12.4 free slots: whole machines only, 12.
    assert owner["bought"][3, 0, 0] == 12.0
    held_site0 = c.held[3, 0, limits.site == 0].sum()
    assert held_site0 <= limits.slots[0] and held_site0 == 95 + 12
    # Counts: bought - sold - scrapped = change in fleet (the planned 10 arrive on day 30).
    change = owner["bought"] - owner["sold_machines"] - owner["scrapped"]
    assert_allclose_counts(c.held.sum(axis=-1), spec.cohorts.count.sum() + change[..., 0])


def test_common_totals_only_equal_numpy():
    """A run keeping only the common totals takes the kernel's other trading branch."""
    spec, limits, tables = winter_spec()
    policy = trading_chain(spec, limits, tables, PREMIUM, PAYBACK, OFF)
    fields = ("coins", "power_cost", "running_days", "unplugged_days")
    n, c = (run(spec, policy, recorders=[TotalsRecorder(fields)], engine=e)
            for e in ("numpy", "compiled"))
    assert c.path == "compiled"
    for k in fields:
        close(c.records[0].cohort[k], n.records[0].cohort[k], k)
    for k in n.records[0].owner:
        close(c.records[0].owner[k], n.records[0].owner[k], k)
    close(c.cash, n.cash, "cash")
    np.testing.assert_array_equal(c.held, n.held)


def test_npv_rule_at_a_fixed_price_hourly_equals_numpy():
    """Hourly steps (trades on a day's first hour), the NPV rule and a fixed price."""
    spec, limits, tables = winter_spec(steps_per_day=24, last="2018-11-30")
    roomy = SiteLimits(site=limits.site, slots=limits.slots + 1_000, watts=limits.watts * 10,
                       meter_watts=limits.meter_watts)
    policy = Policies([
        ShutdownPricePolicy(OFF, OFF + 0.05),
        BuyRule(tables, roomy, 7, 0, 0.0, rule="npv", price_per_machine=30.0,
                max_per_day=np.array([1.0, 2.0, 3.0, 4.0]), cash_reserve=2_000.0),
    ])
    n, c = both(spec, policy)
    assert_same_trades(n, c)
    # The A741's value of keeping is above 30 on each of the 61 days and the site and the
    # cash (18,000 above the reserve: 600 machines) have room: each variant buys its daily
    # cap every day.
    assert np.all(tables.keep[0, 7] > 30.0) and spec.clock.n_days == 61
    bought = c.records[0].owner["bought"][:, 0, 0]
    assert bought.tolist() == [61.0, 122.0, 183.0, 244.0]
    close(c.records[0].owner["capex"][:, 0, 0], bought * 30.0, "purchases paid")


def assert_allclose_counts(got, want):
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_trade_ledger_and_block_buy_equal_numpy_with_two_owners():
    """The trade book (realised gain against book value) and a failing farm's fleet.

    Scrap at 100 per kW floors the S7's used price at its scrap value (the table's market
    for the S7 is below it all winter), so the scrap rule takes the S7 cohorts (0, and 5
    from day 30) where the sell rule does not sell them first (variant 3: premium inf).
    """
    spec, limits, tables = winter_spec(n_owners=2, scrap_per_kw=100.0)
    every = np.ones(spec.cohorts.n, dtype=bool)
    policy = Policies([
        ShutdownPricePolicy(OFF, OFF + 0.05),
        SellRule(tables, every, 0.05, PREMIUM),
        BlockBuy(tables, limits, 7, 1, day=40, count=25.0,
                 discount=np.array([0.5, 0.7, 1.0, 0.9])),
        ScrapRule(tables, every, np.array([0.0, 0.5, 2.0, 10.0])),
    ])
    cost = spec.cohorts.count * np.array([900.0, 1800, 1200, 1500, 1700, 800, 0, 0])
    book = (cost, cost * 0.6, np.full(spec.cohorts.n, 730.0))
    n, c = both(spec, policy, book)
    assert_same_trades(n, c)
    fig_n, fig_c = n.records[2].figures, c.records[2].figures
    close(fig_c, fig_n, "trade ledger figures")
    last = fig_c[-1]  # (V, P, figures) on the last day
    s7 = tables.scrap[0]
    assert np.all(tables.market[0, [0, 5]] == s7)
    day30 = fig_c[30, 3, 0]  # variant 3 (never sells) by the end of day 30
    assert day30[2] == 0.0 and day30[3] == 50.0  # it scrapped the 40 + 10 S7s
    # Its realised gain by hand: 40 S7s at scrap against their opening book (0.6 x 40 x 900)
    # on day 0, and 10 on day 30 against 0.6 x 8,000 less 30 days of 8,000 / 730.
    gain = (40 * s7 - 0.6 * 36_000) + (10 * s7 - (0.6 * 8_000 - 30 * 8_000 / 730))
    assert day30[6] == pytest.approx(gain, rel=1e-9)
    assert last[3, 0, 3] > 50  # later in the winter more fall to scrap
    assert np.all(last[:, 0, 1] > 0)  # every variant bought some of the block on day 40
    assert np.all(fig_c[39, :, 0, 1] == 0)


def test_trades_the_kernel_does_not_take_fall_back_with_a_reason():
    spec, _, tables = winter_spec()
    every = np.ones(spec.cohorts.n, dtype=bool)
    cash_rule = Policies([SellRule(tables, every, 0.05, PREMIUM, min_cash=1e5)])
    with pytest.raises(InputError, match="SellRule has no compiled step"):
        run(spec, cash_rule, engine="compiled")
    two = Policies([SellRule(tables, every, 0.05, 0.1), SellRule(tables, every, 0.05, 0.2)])
    with pytest.raises(InputError, match="two sell rules"):
        run(spec, two, engine="compiled")
    spec2, limits2, tables2 = winter_spec(n_owners=2)
    one_site = SiteLimits(site=np.zeros(spec2.cohorts.n, dtype=np.int64),
                          slots=limits2.slots[:1] * 3, watts=limits2.watts[:1] * 3,
                          meter_watts=limits2.meter_watts)
    buy = Policies([BuyRule(tables2, one_site, 6, 0, 100.0)])
    with pytest.raises(InputError, match="site shared with another owner"):
        run(spec2, buy, engine="compiled")
    # What the kernel does not take is never silently different: it says so and runs numpy.
    from hashwinter.engine.kernel.support import compiled_plan
    from hashwinter.engine.treasury import Treasury

    step, reason = compiled_plan(spec2, buy, Treasury(), [], [])
    assert step is None and "shared with another owner" in reason
