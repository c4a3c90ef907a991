"""data check: gaps and suspicious values, on real data and on planted errors."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from store_helpers import build_winter_store

from datafiles import shared_data_file
from hashwinter.data import check_store, import_file, import_frames, store_status
from hashwinter.data.frames import CHAIN, FX, PRICE, RETARGETS, tag


def test_real_btc_history_and_ecb_rates_are_clean(tmp_path_factory):
    # Every BTC retarget in 2010-2026 is within x4, no negative fees, no one-day price
    # spike beyond x1.5 and no jump beyond x2; ECB gaps never exceed Easter's four days.
    assert check_store(build_winter_store(tmp_path_factory, full=True)) == []


def test_the_winter_fixture_is_clean(tmp_path_factory):
    # The same checks on the committed winter (2018-10-01 .. 2019-03-31): it holds the
    # -15 % retarget of 2018-12-03 and Christmas (ECB closed 25-26 Dec), both within bounds.
    assert check_store(build_winter_store(tmp_path_factory)) == []


def test_eth_subset_has_its_documented_gaps(tmp_path):
    store = tmp_path / "h.duckdb"
    import_file("coinmetrics", shared_data_file("eth_daily.csv"), store=store)
    found = [str(f) for f in check_store(store)]
    # SOURCES.md: no issuance or total fees after 2020-07-27 (file ends 2022-09-14).
    assert found == [
        "gap: chain_daily ETH 2020-07-28..2022-09-14: no issuance for 779 days",
        "gap: chain_daily ETH 2020-07-28..2022-09-14: no fees for 779 days",
    ]
    status = {(s.table, s.series): s for s in store_status(store)}
    assert status["chain_daily", "ETH"].gaps == 2 and status["chain_daily", "ETH"].rows == 2595


def _chain(days, **cols):
    frame = pd.DataFrame({"asset": "BTC", "date": pd.to_datetime(days), **cols})
    return tag(frame, CHAIN, "test", "planted")


def test_planted_problems_are_found(tmp_path):
    store = tmp_path / "h.duckdb"
    days = pd.date_range("2019-01-01", "2019-01-10").strftime("%Y-%m-%d").tolist()
    del days[4]  # 2019-01-05 missing
    difficulty = [5e12, 5e12, 5e12, 5e12, 26e12, 26e12, 26e12, 26e12, 26e12]  # x5.2 on 01-06
    fees = [30.0, 31.0, -2.0, 29.0, 28.0, 27.0, 26.0, 25.0, 24.0]
    chain = _chain(days, difficulty=difficulty, blocks=[144] * 9, issuance=[1800.0] * 9,
                   fees=fees)
    price = tag(pd.DataFrame({"asset": "BTC", "quote": "USD", "date": pd.to_datetime(days),
                              "price": [3800, 3850, 7900, 3900, 3950, 4000, 4010, 9000, 9100]}),
                PRICE, "test", "planted")
    fx_days = pd.to_datetime(["2019-01-02", "2019-01-03", "2019-01-10"])  # 6 days missing
    fx = tag(pd.DataFrame({"currency": "CNY", "date": fx_days, "per_usd": [6.8, 6.8, 6.8]}),
             FX, "test", "planted")
    ret = tag(pd.DataFrame({"asset": "BTC", "height": [556416, 558432],
                            "time": pd.to_datetime(["2018-12-18 22:00", "2019-01-01 12:00"]),
                            "difficulty": [5.1e12, 25.0e12], "change": [0.904, 4.9]}),
              RETARGETS, "test", "planted")
    import_frames([chain, price, fx, ret], store=store)
    found = {str(f) for f in check_store(store)}
    assert found == {
        "gap: chain_daily BTC 2019-01-05: no row for 1 day",
        "suspicious: chain_daily BTC 2019-01-03: negative fees",
        "suspicious: chain_daily BTC 2019-01-06: difficulty changed x5.2 (5e+12 -> 2.6e+13): "
        "beyond the x4 retarget limit",
        "suspicious: retargets BTC 2019-01-01: difficulty x4.902 from height 556416 to "
        "558432: beyond the x4 retarget limit",
        "gap: coin_price_daily BTC/USD 2019-01-05: no price for 1 day",
        "suspicious: coin_price_daily BTC/USD 2019-01-03: one-day price spike: 3850 -> 7900 "
        "-> 3900 (beyond x1.5 from both neighbours)",
        "suspicious: coin_price_daily BTC/USD 2019-01-09: price moved x2.24 in one day "
        "(4010 -> 9000; beyond x2)",
        "gap: fx_daily CNY 2019-01-04..2019-01-09: no rate for 6 days (more than a holiday "
        "weekend)",
    }
    first = check_store(store)[0]
    assert first.start <= first.end and isinstance(first.start, dt.date)


def test_disjoint_retarget_imports_are_not_compared(tmp_path):
    # Two stored retargets 517,000 blocks apart are no consecutive windows: the x4 rule
    # binds only heights 2016 apart, so a 2010 and a 2018 adjustment side by side are fine.
    store = tmp_path / "h.duckdb"
    ret = tag(pd.DataFrame({"asset": "BTC", "height": [32256, 550368, 552384],
                            "time": pd.to_datetime(["2009-12-30", "2018-11-16", "2018-12-03"]),
                            "difficulty": [1.18, 7184404942701.8, 6653303141406.0],
                            "change": [1.18, 1.000216, 0.926076]}),
              RETARGETS, "test", "disjoint")
    chain = _chain(["2018-12-03"], difficulty=[6653303141406.0], blocks=[114],
                   issuance=[1425.0], fees=[31.9])
    import_frames([chain, ret], store=store)
    assert [str(f) for f in check_store(store) if f.table == "retargets"] == []
