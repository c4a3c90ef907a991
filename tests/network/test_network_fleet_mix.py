"""The machine mix rebuilt from hashrate history: a hand-sized case and October 2018."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from datafiles import shared_data_file
from hashwinter.errors import InputError
from hashwinter.hardware import Machine, default_catalog
from hashwinter.network.fleet_mix import monthly_network, reconstruct_mix


def _machine(name: str, release: dt.date, th: float, watts: float) -> Machine:
    base = default_catalog().get("Antminer S9")
    return dataclasses.replace(base, model=name, release=release, hashrate=th * 1e12,
                               power=watts, aliases=())


def test_hand_sized_history() -> None:
    # Old: 100 J/TH from Jan; new: 50 J/TH from Mar (both on sale 18 months).
    old = _machine("old", dt.date(2018, 1, 1), 10, 1000)
    new = _machine("new", dt.date(2018, 3, 1), 20, 1000)
    months = pd.to_datetime(["2018-01-01", "2018-02-01", "2018-03-01", "2018-04-01",
                             "2018-05-01"])
    # Revenue per TH/s per day (currency); at 0.02/kWh old burns 100e-12*86400/3.6e6*0.02
    # = 4.8e-14 per H/s per day, new 2.4e-14: May's 3e-14 retires old only.
    monthly = pd.DataFrame({"hashrate": [100e15, 150e15, 250e15, 200e15, 260e15],
                            "revenue_per_hash_day": [1e-12, 1e-12, 1e-12, 1e-12, 3e-14]},
                           index=months)
    mix = reconstruct_mix(monthly, [new, old], until=dt.date(2018, 5, 31))
    h = mix.history
    # Jan: 100 PH/s bought, all old. Feb: +50 old. Mar: +100 split equally (50 old, 50 new).
    # Apr: hashrate falls, nothing bought. May: old (200 PH/s) retired, 260 - 50 = 210 new.
    assert h["added"].tolist() == pytest.approx([100e15, 50e15, 100e15, 0.0, 210e15])
    assert h["retired"].tolist() == pytest.approx([0, 0, 0, 0, 200e15])
    assert h["installed"].tolist() == pytest.approx([100e15, 150e15, 250e15, 250e15, 260e15])
    assert mix.models == ("new",)
    assert mix.hashrate == pytest.approx([260e15])
    assert mix.machines == pytest.approx([260e15 / 20e12])
    # With efficiency weight 1, March's 100 PH/s splits 1/50 : 1/100 = 2 : 1 (new : old).
    weighted = reconstruct_mix(monthly, [new, old], until=dt.date(2018, 3, 31),
                               efficiency_weight=1.0)
    shares = dict(zip(weighted.models, weighted.hashrate, strict=True))
    assert shares["new"] == pytest.approx(100e15 * 2 / 3)
    assert shares["old"] == pytest.approx(150e15 + 100e15 / 3)


def test_bad_parameters_and_growth_with_nothing_on_sale() -> None:
    old = _machine("old", dt.date(2018, 1, 1), 10, 1000)
    months = pd.to_datetime(["2018-01-01", "2018-02-01", "2018-03-01"])
    monthly = pd.DataFrame({"hashrate": [1e15, 2e15, 3e15],
                            "revenue_per_hash_day": [1e-12] * 3}, index=months)
    with pytest.raises(InputError, match="2018-03 but no model was on sale"):
        reconstruct_mix(monthly, [old], until=dt.date(2018, 3, 1), sale_window_months=2)
    with pytest.raises(InputError, match="retire_tariff"):
        reconstruct_mix(monthly, [old], until=dt.date(2018, 3, 1), retire_tariff=-1)
    with pytest.raises(InputError, match="until"):
        reconstruct_mix(monthly, [old], until=dt.date(2017, 3, 1))


def test_october_2018_network_from_real_history() -> None:
    btc = pd.read_csv(shared_data_file("btc_daily.csv"), index_col="date", parse_dates=True)
    daily = pd.DataFrame({"difficulty": btc["difficulty"], "subsidy": btc["mean_subsidy_btc"],
                          "fees_per_block": btc["fees_btc"] / btc["blk_cnt"],
                          "price": btc["price_usd"]}).loc["2014-01-01":"2018-10-31"]
    monthly = monthly_network(daily)
    # The month mean of D * 2^32 / 600 over Oct 2018 (difficulty 7.02e12 .. 7.18e12).
    oct_d = daily.loc["2018-10", "difficulty"].mean()
    assert monthly.loc["2018-10-01", "hashrate"] == pytest.approx(oct_d * 2**32 / 600)
    mix = reconstruct_mix(monthly, default_catalog().machines(algorithm="sha256"),
                          until=dt.date(2018, 10, 31))
    # Hashrate grew in October 2018, so the installed base equals the network's ~52 EH/s.
    assert mix.hashrate.sum() == pytest.approx(monthly.loc["2018-10-01", "hashrate"])
    assert 50e18 < mix.hashrate.sum() < 55e18
    # Every month: installed = previous installed - retired + added.
    h = mix.history
    np.testing.assert_allclose(h["installed"].iloc[1:].to_numpy(),
                               (h["installed"].shift(1) - h["retired"] + h["added"])
                               .iloc[1:].to_numpy(), rtol=1e-12)
    # Nothing released after October 2018 is installed; the S9 family holds a large share.
    catalog = default_catalog()
    assert all(catalog.get(m).release <= dt.date(2018, 10, 31) for m in mix.models)
    s9 = sum(s for m, s in zip(mix.models, mix.share(), strict=True) if "S9" in m)
    assert s9 > 0.15
    # The "~4 million machines": this reconstruction gives 5.3 million.
    assert 3.5e6 < mix.machines.sum() < 6.5e6
