"""Energy and its cost at a site: PUE, per-interval costs, monthly block billing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashwinter.energy import (
    SHIHEZI_2018,
    SICHUAN_HYDRO_2018,
    SiteEnergy,
    Tier,
    TieredTariff,
    energy_cost,
    energy_kwh,
    interval_costs,
)
from hashwinter.errors import InputError

S9_POWER_W = 1_323  # Antminer S9 (13.5 TH/s) at the wall, Bitmain's spec


def test_energy_cost_by_hand() -> None:
    # 1.323 kW * 24 h * 0.28 CNY/kWh = 8.89056 CNY a day in Shihezi.
    assert energy_cost(S9_POWER_W, 24, 0.28) == pytest.approx(8.89056)
    # with a 10 % overhead: 8.89056 * 1.1 = 9.779616
    assert energy_cost(S9_POWER_W, 24, 0.28, pue=1.1) == pytest.approx(9.779616)
    assert energy_kwh(S9_POWER_W, 24, 1.1) == pytest.approx(34.9272)


def test_energy_cost_broadcasts() -> None:
    got = energy_cost(np.array([[1_000.0], [2_000.0]]), 24, np.array([0.08, 0.28]))
    np.testing.assert_allclose(got, [[1.92, 6.72], [3.84, 13.44]])


@pytest.mark.parametrize("pue", [0.99, float("nan"), np.array([1.0, 0.5])])
def test_pue_below_one_is_refused(pue: object) -> None:
    with pytest.raises(InputError) as info:
        energy_cost(1_000, 1, 0.3, pue=pue)
    assert info.value.field == "pue"


def test_site_prices_and_costs_follow_the_season() -> None:
    site = SiteEnergy(tariff=SICHUAN_HYDRO_2018, pue=1.05)
    np.testing.assert_allclose(
        site.price_per_machine_kwh(["2018-10-31", "2018-11-01"]), [0.08 * 1.05, 0.28 * 1.05]
    )
    # One S9 for the days 2018-10-31 and 2018-11-01: 1.323 * 24 * 1.05 kWh at 0.08, then 0.28.
    days = pd.date_range("2018-10-31", periods=2, freq="D")
    kwh = 1.323 * 24 * 1.05
    np.testing.assert_allclose(site.cost(S9_POWER_W, days, 24), [kwh * 0.08, kwh * 0.28])


def test_flat_interval_costs() -> None:
    times = np.array(["2018-11-25T00", "2018-11-25T01"], dtype="datetime64[h]")
    np.testing.assert_allclose(interval_costs([10.0, 20.0], times, SHIHEZI_2018), [2.8, 5.6])
    with pytest.raises(InputError) as info:
        interval_costs([10.0], times, SHIHEZI_2018)
    assert info.value.field == "meter_kwh"


def test_tiered_intervals_add_up_to_the_monthly_bills() -> None:
    # First 100,000 kWh a month at 0.50, the rest at 0.30; a 200 kW load, hourly.
    tariff = TieredTariff(
        currency="CNY", tiers=[Tier(up_to_kwh=100_000, price=0.50), Tier(price=0.30)]
    )
    times = pd.date_range("2018-11-01", "2018-12-02 23:00", freq="h")
    costs = SiteEnergy(tariff=tariff).cost(200_000, times, 1.0)
    by_month = pd.Series(costs, index=times).groupby(times.month).sum()
    # November: 720 h * 200 kWh = 144,000 kWh -> 100,000 * 0.5 + 44,000 * 0.3 = 63,200
    assert by_month[11] == pytest.approx(63_200)
    # 1-2 December: 48 h * 200 kWh = 9,600 kWh, all in the first block -> 4,800
    assert by_month[12] == pytest.approx(4_800)
    # Every November hour pays November's average price, 63,200 / 144,000.
    assert costs[0] == pytest.approx(200 * 63_200 / 144_000)


def test_tiered_site_price_needs_consumption() -> None:
    tariff = TieredTariff(currency="CNY", tiers=[Tier(up_to_kwh=10, price=0.5), Tier(price=0.3)])
    site = SiteEnergy(tariff=tariff, pue=1.2)
    assert site.price_per_machine_kwh("2018-11-25", monthly_kwh=20) == pytest.approx(0.36)
    assert site.price_per_machine_kwh("2018-11-25", monthly_kwh=20, basis="average") == (
        pytest.approx(0.4 * 1.2)
    )
    with pytest.raises(InputError):
        site.price_per_machine_kwh("2018-11-25")
