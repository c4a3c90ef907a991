"""Makers: units from makers.csv, the calibration, and a network run with makers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from test_network_population import example

from datafiles import shared_data_dir
from hashwinter.errors import InputError
from hashwinter.network.config import MakerConfig, MakersConfig
from hashwinter.network.dynamics import NetworkRun, run_network
from hashwinter.network.makers import (
    annual_return,
    calibrate_full_return,
    order_ratio,
    quarterly_units,
)

CANAAN = MakerConfig(name="Canaan", model="AvalonMiner 851", capacity_per_quarter=73_625,
                     list_price=658.0, starting_cash=100e6)


def test_units_per_quarter_from_makers_csv() -> None:
    units = quarterly_units(shared_data_dir())
    # makers.csv: revenue [M USD] x hardware share (H1 2018) / average selling price (H1 2018).
    assert units[pd.Timestamp("2018-01-01")] == pytest.approx(1860e6 * 0.943 / 972)
    assert units[pd.Timestamp("2018-04-01")] == pytest.approx(1000e6 * 0.943 / 972)


def test_annual_return_and_order_ratio() -> None:
    # 3 USD/day revenue, 1 USD/day cost, 730.5 USD: 2 x 365.25 / 730.5 = 1 per year.
    assert float(annual_return(3.0, 1.0, 730.5)) == pytest.approx(1.0)
    np.testing.assert_allclose(order_ratio([-1.0, 0.5, 1.0, 3.0], 2.0), [0, 0.25, 0.5, 1])


def test_calibration_solves_the_quarters_mean() -> None:
    days = pd.date_range("2018-01-01", "2018-06-30")
    # Constant return 1/yr, no lead: half of capacity means r_full = 2.
    const = pd.Series(1.0, index=days)
    q2 = pd.Timestamp("2018-04-01"), pd.Timestamp("2018-06-30")
    assert calibrate_full_return(const, *q2, 0.5, 0) == pytest.approx(2.0, rel=1e-9)
    # A ramp, with a 30-day lead: the mean of clip(ret[d - 30] / r, 0, 1) over Q2 is the
    # target (checked by a plain loop over the days).
    ramp = pd.Series(np.linspace(-0.5, 3.0, days.size), index=days)
    r = calibrate_full_return(ramp, *q2, 0.4, 30)
    mean = 0.0
    q_days = [d for d in days if q2[0] <= d <= q2[1]]
    for d in q_days:
        mean += min(max(ramp[d - pd.Timedelta(days=30)] / r, 0.0), 1.0) / len(q_days)
    assert mean == pytest.approx(0.4, rel=1e-9)
    with pytest.raises(InputError, match="full_return"):
        calibrate_full_return(const, *q2, 1.2, 0)


@pytest.fixture(scope="module")
def with_makers() -> NetworkRun:
    """60 farms, October - December 2018, Bitmain (calibrated defaults) and Canaan."""
    scenario = example(farms=60).model_copy(update={
        "end": dt.date(2018, 12, 31),
        "makers": MakersConfig(maker=[MakerConfig(), CANAAN])})
    return run_network(scenario, shared_data_dir())


def test_makers_counts_and_cash(with_makers: NetworkRun) -> None:
    run, rec = with_makers, with_makers.record
    pop = run.population
    assert pop.n_makers == 2 and rec.produced.shape == (run.dates.size, 1, 2)
    held = np.broadcast_to(run.result.held, (1, 1, pop.cohort_tier.size))[0, 0]
    # Every tier: the machines at the end = at the start + the makers' production
    # - the machines scrapped.
    made_per_tier = np.zeros(pop.tier_hashrate.size)
    made_per_tier[-2:] = rec.produced[:, 0].sum(axis=0)
    start = np.bincount(pop.cohort_tier, weights=pop.cohort_count)
    np.testing.assert_allclose(np.bincount(pop.cohort_tier, weights=held),
                               start + made_per_tier - rec.scrapped[:, 0].sum(axis=0),
                               rtol=1e-9)
    # A maker's inventory = production - deliveries so far; deliveries are in the farms.
    np.testing.assert_allclose(rec.inventory[:, 0],
                               np.cumsum(rec.produced[:, 0] - rec.delivered[:, 0], axis=0),
                               rtol=1e-9, atol=1e-6)
    farm_new = held[pop.cohort_owner < pop.n_farms - 2]
    farm_tier = pop.cohort_tier[pop.cohort_owner < pop.n_farms - 2]
    # (less what the farms scrapped of them: the makers' inventories never offer)
    np.testing.assert_allclose(np.bincount(farm_tier, weights=farm_new)[-2:],
                               rec.delivered[:, 0].sum(axis=0)
                               - rec.scrapped[:, 0].sum(axis=0)[-2:], rtol=1e-9)
    # Revenue is deliveries at the list price.
    np.testing.assert_allclose(rec.maker_revenue[:, 0],
                               rec.delivered[:, 0] * np.array([972.0, 658.0]), rtol=1e-12)
    # The network's coins are all mined (makers included).
    np.testing.assert_allclose(rec.mined, rec.issuance, rtol=1e-9)


def test_makers_sell_in_the_bull_and_stock_in_the_bear(with_makers: NetworkRun) -> None:
    rec = with_makers.record
    days = pd.DatetimeIndex(with_makers.dates)
    bitmain = pd.DataFrame({"delivered": rec.delivered[:, 0, 0],
                            "inventory": rec.inventory[:, 0, 0]}, index=days)
    # Production is committed 90 days ahead, orders are due 30 days after: when the
    # return of a new machine falls (November's crash), deliveries fall first and the
    # machines already made pile up as inventory.
    monthly = bitmain["delivered"].resample("MS").sum()
    assert monthly.iloc[2] < 0.9 * monthly.iloc[0]
    assert bitmain["inventory"].iloc[-1] > 5 * bitmain["inventory"].iloc[30]
    # Deliveries never exceed a day's capacity (Q1 2018 units / 91.3 days) plus backlog.
    cap = 1860e6 * 0.943 / 972 / (365.25 / 4)
    assert bitmain["delivered"].max() <= cap * 1.5


def test_unknown_maker_model_and_region() -> None:
    for field, bad in (("model", {"model": "Antminer Z99"}), ("region", {"region": "Mars"})):
        scenario = example(farms=20).model_copy(update={
            "end": dt.date(2018, 10, 10),
            "makers": MakersConfig(maker=[MakerConfig(**bad)])})
        with pytest.raises(InputError, match=f"makers.maker\\[0\\].{field}"):
            run_network(scenario, shared_data_dir())
