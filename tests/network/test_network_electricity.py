"""CBECI-style electricity bounds: a hand-sized case and the network of 25 Nov 2018."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datafiles import winter_data_file
from hashwinter.errors import InputError
from hashwinter.hardware import default_catalog
from hashwinter.network.electricity import electricity_bounds, profitability_threshold

D = np.datetime64


def test_hand_sized_case_with_an_unprofitable_day_carried_forward() -> None:
    # Three machines (J/TH): 50 released 2018-01, 100 released 2017-01, 300 released 2015-01.
    eff = np.array([50e-12, 100e-12, 300e-12])
    rel = np.array([D("2018-01-01"), D("2017-01-01"), D("2015-01-01")])
    days = np.array([D("2017-06-01"), D("2018-06-01"), D("2018-06-02"), D("2018-06-03")])
    # Thresholds at 0.05 USD/kWh: revenue / 0.0012 -> 400, 120, 10 (nothing pays), 60 J/TH.
    rev = np.array([400, 120, 10, 60]) * 0.0012e-12
    h = np.full(4, 1e19)  # 10 EH/s
    out = electricity_bounds(h, rev, days, eff, rel)
    np.testing.assert_allclose(out.threshold * 1e12, [400, 120, 10, 60])
    assert out.n_profitable.tolist() == [2, 2, 0, 1]
    hours = 365.25 * 24
    # 10 EH/s at 1 J/TH draws 10 MW -> 87.66 GWh/year = 0.08766 TWh/year.
    twh_per_j_th = 1e19 * 1e-12 * hours / 1e12
    expect_min = np.array([100, 50, 50, 50]) * twh_per_j_th * 1.01
    expect_max = np.array([300, 100, 100, 50]) * twh_per_j_th * 1.20
    expect_mean = np.array([200, 75, 75, 50]) * twh_per_j_th * 1.10
    np.testing.assert_allclose(out.lower, expect_min, rtol=1e-12)
    np.testing.assert_allclose(out.upper, expect_max, rtol=1e-12)
    np.testing.assert_allclose(out.best, expect_mean, rtol=1e-12)


def test_before_any_profitable_day_the_existing_machines_average_stands() -> None:
    eff = np.array([100e-12, 300e-12])
    rel = np.array([D("2015-01-01"), D("2015-01-01")])
    out = electricity_bounds([1e18], [1e-20], [D("2016-01-01")], eff, rel)
    twh = 1e18 * 200e-12 * 365.25 * 24 / 1e12
    np.testing.assert_allclose([out.lower[0], out.best[0], out.upper[0]],
                               [twh * 1.01, twh * 1.10, twh * 1.20], rtol=1e-12)


def test_network_of_25_november_2018_from_the_catalog() -> None:
    btc = pd.read_csv(winter_data_file("btc_daily.csv"), index_col="date")
    row = btc.loc["2018-11-25"]
    rev = 86_400 / (row["difficulty"] * 2**32) * (12.5 + row["fees_btc"] / row["blk_cnt"]) \
        * row["price_usd"]
    assert rev * 1e12 == pytest.approx(0.1523, abs=1e-4)  # USD per TH/s per day
    machines = [m for m in default_catalog().machines(algorithm="sha256")
                if m.release is not None]
    eff = np.array([m.power / m.hashrate for m in machines])
    rel = np.array([D(m.release) for m in machines])
    h = row["hashrate_ths"] * 1e12
    out = electricity_bounds([h], [rev], [D("2018-11-25")], eff, rel)
    # By hand: the models released before the day whose J/TH is under the threshold.
    threshold = rev / (0.05 * 86_400 / 3.6e6)
    ok = [e for e, r in zip(eff, rel, strict=True) if r < D("2018-11-25") and e < threshold]
    assert out.n_profitable[0] == len(ok) > 0
    hours = 365.25 * 24
    assert out.lower[0] == pytest.approx(min(ok) * h * hours / 1e12 * 1.01, rel=1e-12)
    assert out.upper[0] == pytest.approx(max(ok) * h * hours / 1e12 * 1.20, rel=1e-12)
    assert out.best[0] == pytest.approx(sum(ok) / len(ok) * h * hours / 1e12 * 1.10, rel=1e-12)
    # The S9 class (98 J/TH) pays at 5 US cents, the A741 (158 J/TH) does not.
    assert 98e-12 < threshold < 157e-12
    assert out.lower[0] < out.best[0] < out.upper[0]
    # 42 EH/s on S9s alone (98 J/TH, PUE 1.10) would draw ~40 TWh a year: the bounds
    # bracket that.
    s9_twh = 98e-12 * h * hours / 1e12 * 1.10
    assert out.lower[0] < s9_twh < out.upper[0]


def test_bad_shapes_and_no_machine_released_are_refused() -> None:
    with pytest.raises(InputError, match="one length"):
        electricity_bounds([1.0, 2.0], [1.0], [D("2018-01-01")], [1e-10], [D("2015-01-01")])
    with pytest.raises(InputError, match="no machine released before 2010-01-01"):
        electricity_bounds([1.0], [1.0], [D("2010-01-01")], [1e-10], [D("2015-01-01")])
    assert float(profitability_threshold(0.0012e-12, 0.05)) == pytest.approx(1e-12)


def test_the_simulated_fleet_power_counts_every_running_machine(monkeypatch) -> None:
    """The record's power is Σ running x wall power per cohort (a plain loop over the
    cohorts each day, the makers' new models included), and electricity.csv's simulated
    TWh a year is its path mean x PUE x 8,766 h / 1e12."""
    import datetime as dt

    from test_network_population import example

    from datafiles import shared_data_dir
    from hashwinter.network.dynamics import run_network
    from hashwinter.network.recorder import NetworkRecorder
    from hashwinter.network.report import network_tables

    seen: list[np.ndarray] = []
    record = NetworkRecorder.record

    def spy(self, data):  # type: ignore[no-untyped-def]
        seen.append(np.asarray(data.running)[0].copy())
        record(self, data)

    monkeypatch.setattr(NetworkRecorder, "record", spy)
    scenario = example(farms=30).model_copy(update={"end": dt.date(2018, 12, 15)})
    run = run_network(scenario, shared_data_dir())
    pop = run.population
    # The shipped makers' models are tiers of their own, counted like the others.
    assert {"Antminer S9j", "AvalonMiner 851"} <= set(pop.tier_model)
    watts = pop.tier_power[pop.cohort_tier]
    for t, running in enumerate(seen):
        expected = [sum(running[p, c] * watts[c] for c in range(watts.size))
                    for p in range(running.shape[0])]
        np.testing.assert_allclose(run.record.power[t], expected, rtol=1e-12)
    table = network_tables(run)["electricity"]
    pue = scenario.population.pue
    np.testing.assert_allclose(table["simulated_twh_per_yr"].iloc[40],
                               run.record.power[40].mean() * pue * 8766 / 1e12, rtol=1e-12)
    # 30 farms scaled to the whole network of October 2018: between the day's CBECI-style
    # lower and upper bounds (52.7 TWh/yr against 55.7 best-guess when written).
    first = table.iloc[0]
    assert first["lower_twh_per_yr"] < first["simulated_twh_per_yr"] < first["upper_twh_per_yr"]
