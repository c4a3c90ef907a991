"""Daily market inputs: real values from the shared history, FX forward fill, windows, clock."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from datafiles import shared_data_file, winter_data_file
from hashwinter.data.importing import import_file
from hashwinter.engine import Clock, DailyMarket, market_from_coinmetrics
from hashwinter.engine.history import market_from_store
from hashwinter.errors import InputError, InputErrors


@pytest.fixture(scope="module")
def frames():
    """The winter fixture (2018-10-01 .. 2019-03-31): verbatim rows of ../shared/data."""
    return (pd.read_csv(winter_data_file("btc_daily.csv")),
            pd.read_csv(winter_data_file("usd_cny_daily.csv")))


@pytest.fixture(scope="module")
def full_frames():
    return (pd.read_csv(shared_data_file("btc_daily.csv")),
            pd.read_csv(shared_data_file("usd_cny_daily.csv")))


def test_real_values_of_november_2018(frames):
    btc, fx = frames
    m = market_from_coinmetrics(btc, fx, currency="USD", start="2018-11-01", end="2018-12-31")
    day = int(np.flatnonzero(m.dates == np.datetime64("2018-11-05"))[0])
    # ../shared/data/SOURCES.md sanity checks: 2018-11-05 price 6,403 USD, difficulty 7.18e12;
    # 2018-12-04 difficulty 5.65e12 after the -15 % retarget.
    assert m.price[0, day] == pytest.approx(6403, abs=1)
    assert m.difficulty[0, day] == pytest.approx(7.18e12, rel=1e-3)
    dec4 = int(np.flatnonzero(m.dates == np.datetime64("2018-12-04"))[0])
    assert m.difficulty[0, dec4] == pytest.approx(5.65e12, rel=1e-3)
    # The network hashrate the engine derives is Coin Metrics' own (D * 2^32 * blocks / 86400).
    rows = btc.set_index("date").loc["2018-11-01":"2018-12-31"]
    assert_allclose(m.network_hashrate[0], rows["hashrate_ths"] * 1e12, rtol=1e-9)


def test_cny_prices_use_the_ecb_rate_forward_filled_over_weekends(frames):
    btc, fx = frames
    m = market_from_coinmetrics(btc, fx, currency="CNY", start="2018-11-01", end="2018-11-30")
    usd = market_from_coinmetrics(btc, currency="USD", start="2018-11-01", end="2018-11-30")
    rates = fx.set_index("date")["cny_per_usd"]
    sat = int(np.flatnonzero(m.dates == np.datetime64("2018-11-03"))[0])  # a Saturday
    assert m.fx_per_usd["CNY"][sat] == rates["2018-11-02"]
    assert_allclose(m.price[0, sat], usd.price[0, sat] * rates["2018-11-02"])
    assert any("forward-filled" in n for n in m.notes)
    assert_allclose(m.in_currency("USD").price, usd.price, rtol=1e-12)
    assert_allclose(m.fx_to_run("USD"), m.fx_per_usd["CNY"])


def test_no_rate_before_the_fx_history(full_frames):
    btc, fx = full_frames
    with pytest.raises(InputError, match="no CNY rate on or before 2013-06-01"):
        market_from_coinmetrics(btc, fx, currency="CNY", start="2013-06-01", end="2014-06-01")


def test_window_and_validation():
    days = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-11"))
    m = DailyMarket.constant(days, price=1.0, difficulty=1e12, subsidy=6.25)
    assert m.window("2020-01-03", "2020-01-04").n_days == 2
    with pytest.raises(InputError, match="outside the market history") as info:
        m.window("2019-12-31", "2020-01-04")
    assert info.value.field == "start"
    with pytest.raises(InputError, match="price"):
        DailyMarket(days, price=np.r_[np.ones(9), -1.0], difficulty=1e12, subsidy=6.25,
                    fees_per_block=0, blocks_per_day=144)
    with pytest.raises(InputError, match="consecutive"):
        DailyMarket(days[::2], price=1.0, difficulty=1e12, subsidy=6.25, fees_per_block=0,
                    blocks_per_day=144)
    paths = m.with_price_paths(np.ones((5, 10)))
    assert paths.n_paths == 5 and paths.take_paths(slice(1, 3)).n_paths == 2


def test_clock_steps_and_days():
    clock = Clock.from_range("2018-11-01", "2018-11-02", "hour")
    assert clock.n_steps == 48 and clock.step_seconds == 3600
    assert clock.day_of_step[25] == 1
    assert clock.times[25] == np.datetime64("2018-11-02T01:00:00")
    assert clock.first_step_on_or_after("2018-11-02") == 24
    assert clock.first_step_on_or_after("2017-01-01") == 0
    with pytest.raises(InputError, match="before start"):
        Clock.from_range("2018-11-02", "2018-11-01")


def test_store_adapter_equals_the_csv_adapter(frames, tmp_path):
    btc, fx = frames
    subset = tmp_path / "btc.csv"
    btc[(btc["date"] >= "2018-10-01") & (btc["date"] <= "2019-01-31")].to_csv(subset,
                                                                               index=False)
    store = tmp_path / "h.duckdb"
    import_file("coinmetrics", subset, store=store)
    import_file("ecb", winter_data_file("usd_cny_daily.csv"), store=store)
    a = market_from_store(store, start="2018-11-01", end="2018-12-31", currency="CNY",
                          extra_currencies=["EUR"])
    b = market_from_coinmetrics(btc, fx, currency="CNY", start="2018-11-01", end="2018-12-31")
    for name in ("price", "difficulty", "subsidy", "fees_per_block", "blocks_per_day"):
        assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-9, err_msg=name)
    assert_allclose(a.fx_per_usd["EUR"], b.fx_per_usd["EUR"], rtol=1e-12)
    with pytest.raises(InputErrors) as info:
        market_from_store(store, start="2018-01-01", end="2019-06-01", start_field="--from",
                          end_field="--to")
    assert [e.field for e in info.value.errors] == ["--from", "--to"]
