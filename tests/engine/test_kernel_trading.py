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


def winter_spec(n_owners: int = 1):
    """Eight cohorts at two sites (the last two empty purchase cohorts), the real winter."""
    btc = pd.read_csv(shared_data_file("btc_daily.csv"))
    market = market_from_coinmetrics(btc, currency="USD", start=WINTER_FIRST,
                                    end=WINTER_LAST)
    clock = Clock(market.dates)
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
                    np.full((clock.n_steps, n_owners), 20.0), np.zeros((clock.n_steps, n_owners)))
    held = np.bincount(site, weights=count, minlength=2)
    watts = np.bincount(site, weights=count * power * pue, minlength=2)
    # Room for 12.4 more machines' slots at site 0 (MW for more): a purchase fills it.
    limits = SiteLimits(site=site.astype(np.int64), slots=held + np.array([12.4, 30.6]),
                        watts=watts * 1.5, meter_watts=power * pue)
    spec = EngineSpec(clock, market, cohorts, owners, tariff)
    tables = trade_tables(cohorts, market, tariff, buyer_tariff=0.05, liquidity=0.8,
                          scrap_value_per_kw=10.0, sigma_per_day=0.04)
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
