"""Farm backtests: currency conversion, purchases and capex, fixed costs, going broke,
hourly steps for time-of-use tariffs, tiered tariffs, hosting fees, ledger identities."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from farm_fixtures import EXAMPLES, cny_per_usd, history
from numpy.testing import assert_allclose

from hashwinter.engine import ConservationError
from hashwinter.farm import backtest, check_ledger_balances, farm_from_dict, load_farm


def a741_farm(**changes):
    data = {
        "name": "test farm", "currency": "CNY", "pool_fee": 0.02,
        "start": dt.date(2018, 11, 1), "end": dt.date(2018, 12, 31),
        "sites": [{"name": "s", "capacity_slots": 5000, "capacity_mw": 10.0,
                   "tariff": {"kind": "flat", "price": 0.4, "currency": "CNY"}, "pue": 1.05}],
        "fleet": [{"model": "A741", "count": 2000, "site": "s",
                   "purchase_date": dt.date(2018, 1, 1), "unit_price": 5000}],
        "treasury": {"starting_cash": 1_000_000},
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return farm_from_dict(data)


def test_report_currency_converts_at_each_days_rate():
    farm = load_farm(EXAMPLES / "shihezi_hu_haifeng.toml")
    cny = backtest(farm, history())
    usd = backtest(farm, history(), currency="USD")
    assert "revenue_usd" in usd.cohorts and "revenue_cny" not in usd.cohorts
    for day in ("2018-11-05", "2018-11-25", "2018-12-15"):  # 25 Nov and 15 Dec: weekends
        a = cny.cohorts[cny.cohorts["date"] == day]["revenue_cny"].to_numpy()
        b = usd.cohorts[usd.cohorts["date"] == day]["revenue_usd"].to_numpy()
        assert_allclose(b, a / cny_per_usd(day), rtol=1e-12)
    # Coins are coins in any currency.
    assert usd.summary.coins_mined == pytest.approx(cny.summary.coins_mined, rel=1e-12)
    # The market's own USD price comes back: Coin Metrics 2018-11-05 close, 6,403 USD.
    first = usd.treasury.set_index("date").loc["2018-11-05", "price_usd_per_btc"]
    assert first == pytest.approx(6403, abs=1)


def test_ledger_balances_equal_the_sum_of_flows_and_tampering_is_caught():
    result = backtest(a741_farm(treasury={"strategy": "hodl", "hodl_ratio": 0.5}), history())
    t = result.treasury
    check_ledger_balances(t, 1_000_000, 0.0, "CNY", "BTC")
    assert_allclose(t["cash_cny"].iloc[-1], 1_000_000 + t["net_cash_flow_cny"].sum(), atol=0.005)
    bad = t.copy()
    bad.loc[bad.index[10], "net_cash_flow_cny"] += 0.02
    with pytest.raises(ConservationError, match="cash"):
        check_ledger_balances(bad, 1_000_000, 0.0, "CNY", "BTC")


def test_a_farm_that_cannot_pay_goes_broke_and_stops():
    # A741s at 0.40 lose money every day; 50,000 CNY of cash and HODL: coins are
    # sold by force when cash runs out, then the farm is broke and unplugged.
    result = backtest(a741_farm(treasury={"starting_cash": 50_000, "strategy": "hodl"}),
                      history())
    s = result.summary
    assert s.broke_date is not None
    t = result.treasury.set_index("date")
    assert t["forced_coins_sold_btc"].sum() > 0
    broke = t.index[t["broke"]][0]
    assert broke.date() == s.broke_date
    assert t.loc[:broke, "cash_cny"].iloc[:-1].min() >= -0.005  # solvent until that day
    assert t.loc[broke, "cash_cny"] < 0 and t.loc[broke, "coins_btc"] == 0
    c = result.cohorts.set_index("date")
    assert (c.loc[broke + dt.timedelta(days=1):, "running_machines"] == 0).all()
    # Fixed costs keep accruing as debt after the farm stops.
    later = t.loc[broke + dt.timedelta(days=1):]
    assert (later["net_cash_flow_cny"] <= 0).all()


def test_site_capex_inside_the_window_is_paid_and_depreciated():
    farm = a741_farm(sites=[{
        "name": "s", "capacity_slots": 5000, "capacity_mw": 10.0, "tariff": "shihezi_2018",
        "capex": [{"name": "transformer", "date": dt.date(2018, 11, 10), "amount": 365_250,
                   "depreciation_years": 1}],
        "fixed_costs_per_month": 30_000}])
    result = backtest(farm, history())
    t = result.treasury.set_index("date")
    assert t.loc["2018-11-10", "site_capex_cny"] == 365_250
    assert t["site_capex_cny"].sum() == 365_250
    # 365,250 over 365.25 days = 1,000 a day from 10 Nov, plus the machines' depreciation.
    machines = 2000 * 5000 / (3 * 365.25)
    assert_allclose(t.loc["2018-11-09", "depreciation_cny"], machines)
    assert_allclose(t.loc["2018-11-10", "depreciation_cny"], machines + 1000)
    assert t.loc["2018-12-01":"2018-12-31", "fixed_costs_cny"].sum() == pytest.approx(30_000)


def test_hosting_fee_is_paid_for_unplugged_machines_too():
    farm = a741_farm(
        sites=[{"name": "s", "capacity_slots": 5000, "capacity_mw": 10.0, "pue": 1.0,
                "tariff": {"kind": "flat", "price": 0.4, "currency": "CNY"},
                "hosting_fee_per_machine_day": 2.0, "management_fee_per_machine_day": 1.0}],
        policy={"kind": "shutdown_price"})
    result = backtest(farm, history())
    c = result.cohorts
    assert (c["running_machines"] == 0).any()  # unplugged on some days
    assert_allclose(c["hosting_fee_cny"], 2000 * 2.0)
    assert_allclose(c["management_fee_cny"], c["running_machines"] * 1.0)


def test_time_of_use_tariff_steps_in_hours_and_curtails_the_peak():
    # Night 0.10, day 0.25, evening peak 0.90 CNY/kWh (18:00-22:00 site time): an S9
    # pays at night and by day but not at the peak, so it is unplugged 4 hours a day.
    tou = {"kind": "time_of_use", "currency": "CNY", "timezone": "Asia/Shanghai",
           "bands": [{"start": 22, "end": 8, "price": 0.10},
                     {"start": 8, "end": 18, "price": 0.25},
                     {"start": 18, "end": 22, "price": 0.90}]}
    farm = a741_farm(
        sites=[{"name": "s", "capacity_slots": 5000, "capacity_mw": 10.0, "tariff": tou}],
        fleet=[{"model": "S9", "count": 100, "site": "s", "purchase_date": dt.date(2018, 1, 1)}],
        policy={"kind": "shutdown_price"})
    result = backtest(farm, history(), start="2018-12-01", end="2018-12-07")
    assert result.summary.resolution == "hour"
    steps = result.ledger.cohort["running"][:, 0, 0, 0].reshape(7, 24)
    # Asia/Shanghai is UTC+8: the 18:00-22:00 peak is 10:00-14:00 UTC.
    off = np.zeros(24, bool)
    off[10:14] = True
    assert (steps[:, off] == 0).all() and (steps[:, ~off] == 100).all()
    c = result.cohorts
    assert_allclose(c["running_machines"], 100 * 20 / 24)  # daily mean of hourly steps
    assert_allclose(c["unplugged_machines"], 100 * 4 / 24)
    # The same farm always on steps in days (the mean tariff gives the same cost).
    always = a741_farm(
        sites=farm.config.model_dump()["sites"],
        fleet=farm.config.model_dump()["fleet"], policy={"kind": "always_on"})
    daily = backtest(always, history(), start="2018-12-01", end="2018-12-07")
    hourly = backtest(always, history(), start="2018-12-01", end="2018-12-07",
                      resolution="hour")
    assert daily.summary.resolution == "day"
    assert_allclose(daily.cohorts["power_cost_cny"], hourly.cohorts["power_cost_cny"],
                    rtol=1e-12)
    assert_allclose(daily.cohorts["coins_mined_btc"], hourly.cohorts["coins_mined_btc"],
                    rtol=1e-12)


def test_tiered_tariff_is_priced_at_the_full_load_average():
    # 1,000 S9 at PUE 1: 31,752 kWh a day, 952,560 kWh in November. First 500,000 kWh at
    # 0.30, the rest at 0.20: average (150,000 + 90,512) / 952,560 per kWh.
    tiered = {"kind": "tiered", "currency": "CNY",
              "tiers": [{"up_to_kwh": 500_000, "price": 0.30}, {"price": 0.20}]}
    farm = a741_farm(
        sites=[{"name": "s", "capacity_slots": 5000, "capacity_mw": 10.0, "tariff": tiered}],
        fleet=[{"model": "S9", "count": 1000, "site": "s", "purchase_date": dt.date(2018, 1, 1)}])
    result = backtest(farm, history(), start="2018-11-01", end="2018-11-30")
    c = result.cohorts
    average = (500_000 * 0.30 + (952_560 - 500_000) * 0.20) / 952_560
    assert_allclose(c["power_cost_cny"], 31_752 * average, rtol=1e-12)
    assert c["power_cost_cny"].sum() == pytest.approx(500_000 * 0.30 + 452_560 * 0.20)
