"""The network's farms from data: shares, tariffs, sizes, scale; bad scenario files."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from datafiles import shared_data_dir
from hashwinter.errors import InputError, InputErrors
from hashwinter.network.config import NetworkScenario, load_network_scenario
from hashwinter.network.population import build_population, tier_split

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "network" / "winter_2018.toml"


def example(**population: object) -> NetworkScenario:
    """Return the shipped winter scenario with some population fields changed."""
    data = tomllib.loads(EXAMPLE.read_text())
    data["population"].update(population)
    return NetworkScenario.model_validate(data)


def test_tier_split_by_hashrate() -> None:
    # Four models, equal hashrate; two tiers: the two most efficient, then the others.
    tiers = tier_split(np.array([100e-12, 50e-12, 200e-12, 80e-12]), np.ones(4), 2)
    assert tiers.tolist() == [1, 0, 1, 0]


def test_population_of_october_2018() -> None:
    folder = shared_data_dir()
    pop = build_population(example(farms=200), folder)
    # The map starts 2019-09: October 2018 takes the map of 2019-10 (same calendar month).
    assert pop.map_month == "2019-10"
    assert pop.region_share.sum() == pytest.approx(1.0)
    assert "Sichuan" in pop.regions and "Xinjiang" in pop.regions
    # Scaled to D 2^32 / 600 on 2018-10-01 (difficulty 7,152,633,351,906: btc_daily.csv).
    assert pop.hashrate == pytest.approx(7152633351906 * 2**32 / 600, rel=1e-9)
    # Cohorts = farms x tiers; the farms' machines are their cohorts' sum.
    n_tiers = pop.tier_hashrate.size
    assert pop.cohort_owner.size == 200 * n_tiers
    np.testing.assert_allclose(np.bincount(pop.cohort_owner, weights=pop.cohort_count),
                               pop.farm_machines)
    # Heavy tail: the largest 10 % of farms hold more than half of the machines.
    top = np.sort(pop.farm_machines)[::-1][:20].sum() / pop.farm_machines.sum()
    assert top > 0.5
    # Sichuan's quotes outside the dry season: $0.01 (as printed with the 0.065-0.08 CNY
    # hydro rows) .. 0.30 CNY / 6.6 (the 2020 "peak rainy season" row); dry: $0.04.
    sichuan = pop.farm_region == pop.regions.index("Sichuan")
    premium = (pop.farm_machines / np.median(pop.farm_machines)) ** -0.08
    base = pop.farm_tariff[sichuan] / premium[sichuan]
    assert base.min() >= 0.01 - 1e-12 and base.max() <= 0.30 / 6.6 + 1e-12
    np.testing.assert_allclose(pop.farm_dry_tariff[sichuan] / premium[sichuan], 0.04)
    # Small farms pay more: within a region, tariff falls with size on average.
    small = pop.farm_machines < np.median(pop.farm_machines)
    assert pop.farm_tariff[small & sichuan].mean() > pop.farm_tariff[~small & sichuan].mean()
    # Tier machines are averaged vintages between the catalog's extremes (J/TH).
    eff = pop.tier_power / pop.tier_hashrate * 1e12
    assert np.all(np.diff(eff) > 0) and 60 < eff[0] and eff[-1] < 300


def test_bad_scenarios_name_the_field(tmp_path: Path) -> None:
    folder = shared_data_dir()
    text = EXAMPLE.read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("size_scale = 100.0", "size_scale = -3.0"))
    with pytest.raises(InputErrors, match=r"population\.size_scale") as info:
        load_network_scenario(bad)
    assert info.value.errors[0].line is not None
    bad.write_text(text.replace("[regions]", "[regions]\nshares = { Sichuan = 0.6, "
                                "Xinjiang = 0.3 }"))
    with pytest.raises(InputErrors, match="sum to 1"):
        load_network_scenario(bad)
    # A region of the map with no quote and no tariff in the file.
    data = tomllib.loads(text)
    del data["regions"]["tariffs"]["Yunnan"]
    with pytest.raises(InputError, match=r"regions\.tariffs\.Yunnan"):
        build_population(NetworkScenario.model_validate(data), folder)
    bad.write_text(text.replace("on_above = 0.05", "on_above = -0.5"))
    with pytest.raises(InputErrors, match="hysteresis"):
        load_network_scenario(bad)
