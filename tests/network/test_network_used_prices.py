"""The S9's used price in the winter against the one second-hand quote of the period."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from test_network_population import example

from datafiles import shared_data_dir
from hashwinter.network.config import NetworkScenario
from hashwinter.network.dynamics import run_network

#: used_asic_prices.csv: "lowest second-hand sale price" of an Antminer S9, 600 CNY
#: (Shihezi, Xinjiang, late November 2018; report of 2018-12-04), at usd_cny_daily.csv's
#: 6.83548 CNY/USD of 2018-12-04: 87.8 USD.
LOWEST_USD = 600 / 6.83548


@pytest.mark.xfail(strict=True, reason=(
    "not met on main's calibration (migration, sellers closing their sites; merged "
    "2026-12-03): the S9 tier clears 59,000 machines at the 15 USD scrap floor on 22 Nov "
    "and trades once (15 USD, 273 machines) from 26 Nov to 4 Dec, against the lowest "
    "reported sale of 87.8 USD; before that merge it cleared at 102-143 USD (mean 120)"))
def test_s9_used_price_in_late_november_2018() -> None:
    _check_s9_price(example())


def test_s9_used_price_when_dark_hydro_sites_wait() -> None:
    """The same check with ``migration.dark_sites_sell = false`` (a hydro site dark for
    its dry season waits for the water instead of selling after ``sell_after_days``):
    met, 6 days of S9 trades at a mean 123.5 USD (measured 2026-12-03). Not the shipped
    default: with it the 18 December retarget falls to -4.4 % at 1,000 farms (-2.6 % at
    200), outside half of the real -9.6 %, and November's fall is -31.5 % (data -25.3 %);
    docs/network.md, *Dark sites*."""
    data = example()
    _check_s9_price(data.model_copy(update={
        "migration": data.migration.model_copy(update={"dark_sites_sell": False})}))


def _check_s9_price(scenario: NetworkScenario) -> None:
    """The shipped winter (1,000 farms, makers, the used market): the S9 tier's mean
    clearing price over the days it traded from 26 November to 4 December 2018 is at least
    the lowest sale reported (a lowest price bounds the market from below) and at most 3x
    it (assumption for the upper side: the report's point is that S9s sold near scrap,
    "98 % off" the 30,000 CNY peak of December 2017)."""
    scenario = scenario.model_copy(update={"end": dt.date(2018, 12, 4)})
    run = run_network(scenario, shared_data_dir())
    pop = run.population
    s9 = [k for k, m in enumerate(pop.tier_model) if m.startswith("Antminer S9")
          and not m.startswith("Antminer S9j")]
    assert len(s9) == 1
    days = pd.DatetimeIndex(run.dates)
    window = (days >= "2018-11-26") & (days <= "2018-12-04")
    price = run.record.used_price[window, 0, s9[0]]
    traded = run.record.traded[window, 0, s9[0]]
    assert (traded > 0).sum() >= 3  # the market cleared S9s on several of those days
    mean = float(np.nanmean(price[traded > 0]))
    assert LOWEST_USD <= mean <= 3 * LOWEST_USD, mean
