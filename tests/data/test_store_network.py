"""network_state / network_states read real history back (winter fixture, ../shared/data)."""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import build_winter_store, full_rows, real_rows

from hashwinter.data import load_network_state, network_state, network_states
from hashwinter.errors import InputError
from hashwinter.state import NetworkState

BTC = real_rows("btc_daily.csv")
FX = real_rows("usd_cny_daily.csv")


@pytest.fixture(scope="module")
def winter_store(tmp_path_factory):
    """The committed winter fixture: 2018-10-01 .. 2019-03-31."""
    return build_winter_store(tmp_path_factory)


@pytest.fixture(scope="module")
def full_store(tmp_path_factory):
    """The whole of ../shared/data's BTC history (2010-07-18 .. 2026-03-22) and ECB rates."""
    return build_winter_store(tmp_path_factory, full=True)


@functools.cache
def _full_btc() -> dict[str, dict[str, str]]:
    return full_rows("btc_daily.csv")


def test_difficulty_in_force_2018_11_05(winter_store):
    state = network_state("2018-11-05", store=winter_store)
    # SOURCES.md sanity check: 2018-11-05 difficulty 7.18e12; exact stored value from the file.
    assert state.difficulty == float(BTC["2018-11-05"]["difficulty"]) == 7184404942701.8
    assert state.difficulty == pytest.approx(7.18e12, rel=1e-3)
    assert state.subsidy == 12.5
    assert state.price == float(BTC["2018-11-05"]["price_usd"])
    assert state.currency == "USD" and state.fx_per_usd == 1.0 and state.coin == "BTC"


def test_difficulty_in_force_2018_12_04_after_retarget(winter_store):
    state = network_state(dt.date(2018, 12, 4), store=winter_store)
    assert state.difficulty == float(BTC["2018-12-04"]["difficulty"]) == 5646403851534.7
    assert not any("retarget" in n for n in state.notes)


def test_retarget_of_2018_12_03_is_minus_15_percent(winter_store):
    before = float(BTC["2018-12-02"]["difficulty"])
    after = float(BTC["2018-12-04"]["difficulty"])
    frame = network_states(["2018-12-02", "2018-12-03", "2018-12-04"], store=winter_store)
    day = frame.loc["2018-12-03"]
    assert day["retarget"] and day["difficulty_blended"]
    assert day["retarget_change"] == pytest.approx(after / before - 1, rel=1e-12)
    assert day["retarget_change"] == pytest.approx(-0.1513, abs=5e-4)  # "about -15%"
    assert day["difficulty_before"] == before and day["difficulty_after"] == after
    # The retarget day's own value is the mean over its blocks: strictly between.
    assert after < day["difficulty"] < before
    assert not frame.loc["2018-12-02", "retarget"] and not frame.loc["2018-12-04", "retarget"]
    state = network_state("2018-12-03", store=winter_store)
    assert any("retarget on 2018-12-03: difficulty -15.13%" in n for n in state.notes)


def test_fx_forward_filled_over_weekend(winter_store):
    # 2018-11-24/25 are a Saturday and Sunday: the ECB rate of Friday 2018-11-23 applies.
    assert dt.date(2018, 11, 24).weekday() == 5
    assert "2018-11-24" not in FX and "2018-11-25" not in FX
    friday = network_state("2018-11-23", store=winter_store, currency="CNY")
    assert friday.fx_per_usd == 6.94732
    assert not any("forward-filled" in n for n in friday.notes)
    for day in ("2018-11-24", "2018-11-25"):
        state = network_state(day, store=winter_store, currency="cny")
        assert state.fx_per_usd == 6.94732 == float(FX["2018-11-23"]["cny_per_usd"])
        assert state.currency == "CNY"
        assert any("rate of 2018-11-23" in n and "forward-filled" in n for n in state.notes)
        assert state.price == pytest.approx(float(BTC[day]["price_usd"]) * 6.94732, rel=1e-12)
        assert state.price_usd == pytest.approx(float(BTC[day]["price_usd"]), rel=1e-12)
    # The story: on 25 Nov 2018 BTC neared 25,000 CNY; the reference price was ~27,400.
    assert network_state("2018-11-25", store=winter_store, currency="CNY").price == (
        pytest.approx(27_420, abs=1))


def test_eur_price_uses_the_inverse_usd_rate(winter_store):
    state = network_state("2018-11-23", store=winter_store, currency="EUR")
    assert state.fx_per_usd == pytest.approx(1 / 1.1352, rel=1e-12)
    assert state.price == pytest.approx(float(BTC["2018-11-23"]["price_usd"]) / 1.1352, rel=1e-12)


def _window_fee(day: str, window: int, rows: dict[str, dict[str, str]] = BTC) -> float:
    """Hand computation: total fees / total blocks of the `window` days ending on `day`."""
    end = dt.date.fromisoformat(day)
    days = [(end - dt.timedelta(days=k)).isoformat() for k in range(window)]
    fees = sum(float(rows[d]["fees_btc"]) for d in days)
    blocks = sum(int(rows[d]["blk_cnt"]) for d in days)
    return fees / blocks


@pytest.mark.parametrize("window", [1, 7, 30])
def test_fees_per_block_is_ratio_of_window_sums(winter_store, window):
    state = network_state("2018-11-25", store=winter_store, fee_window_days=window)
    assert state.fees_per_block == pytest.approx(_window_fee("2018-11-25", window), rel=1e-12)
    if window == 1:
        # WINTER_2018's "~0.26 BTC/block" is 32.84 / 127 of that very day.
        assert state.fees_per_block == pytest.approx(32.84 / 127, rel=1e-3)


def test_halving_day_subsidy_is_the_blend(full_store):
    # SOURCES.md: 2024-04-19 had 147 blocks at 6.25 BTC and 4 at 3.125 BTC.
    state = network_state("2024-04-19", store=full_store)
    assert state.subsidy == pytest.approx((147 * 6.25 + 4 * 3.125) / 151, rel=1e-12)
    assert any("halving" in n for n in state.notes)
    assert network_state("2024-04-20", store=full_store).subsidy == 3.125


def test_vectorized_equals_a_loop_of_single_days(winter_store):
    days = pd.date_range("2018-11-01", "2018-12-31")
    frame = network_states(days, store=winter_store, currency="CNY")
    for day in days[::5]:
        one = network_state(day.date(), store=winter_store, currency="CNY")
        row = frame.loc[day]
        assert (one.difficulty, one.subsidy, one.fx_per_usd) == (
            row["difficulty"], row["subsidy"], row["fx_per_usd"])
        assert one.fees_per_block == row["fees_per_block"]
        assert one.price == row["price"]


def test_vectorized_fees_match_a_plain_loop_over_the_file(full_store):
    btc = _full_btc()
    days = [d for d in btc if "2016-01-07" <= d <= "2016-12-31"]
    assert len(days) == 360
    frame = network_states(days, store=full_store, fee_window_days=7)
    expected = [_window_fee(d, 7, btc) for d in days]
    np.testing.assert_allclose(frame["fees_per_block"].to_numpy(), expected, rtol=1e-12)
    np.testing.assert_array_equal(frame["difficulty"].to_numpy(),
                                  [float(btc[d]["difficulty"]) for d in days])


def test_vectorized_fees_match_a_plain_loop_over_the_winter(winter_store):
    # The same on the committed fixture: every day whose 7-day window lies inside it.
    days = [d for d in BTC if d >= "2018-10-07"]
    assert len(days) == 176
    frame = network_states(days, store=winter_store, fee_window_days=7)
    expected = [_window_fee(d, 7) for d in days]
    np.testing.assert_allclose(frame["fees_per_block"].to_numpy(), expected, rtol=1e-12)


def test_all_stored_days_in_one_call(full_store):
    btc = _full_btc()
    days = sorted(btc)
    frame = network_states(days, store=full_store)
    assert len(frame) == len(btc) == 5727
    assert frame.index[0] == pd.Timestamp("2010-07-18")
    assert frame["price"].iloc[-1] == float(btc["2026-03-22"]["price_usd"])
    # Every Bitcoin retarget stays within the protocol's x4 clamp.
    change = frame.loc[frame["retarget"], "retarget_change"]
    assert ((change > -0.75) & (change < 3.0)).all()
    assert frame["retarget"].sum() > 300


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 181), min_size=1, max_size=20))
def test_any_subset_matches_the_whole_winter(winter_store, offsets):
    full = _FULL_2018.setdefault("frame", None)
    if full is None:
        full = network_states(pd.date_range("2018-10-01", "2019-03-31"), store=winter_store,
                              currency="CNY")
        _FULL_2018["frame"] = full
    days = [pd.Timestamp("2018-10-01") + pd.Timedelta(days=o) for o in offsets]
    part = network_states(days, store=winter_store, currency="CNY")
    pd.testing.assert_frame_equal(part, full.loc[days], check_freq=False, check_names=False)


_FULL_2018: dict[str, pd.DataFrame | None] = {}


def test_outside_stored_range_is_a_clear_error(full_store):
    with pytest.raises(InputError, match=r"2010-07-17 is outside the stored BTC history; "
                                         r"stored: 2010-07-18\.\.2026-03-22"):
        network_state("2010-07-17", store=full_store)
    with pytest.raises(InputError, match="2026-03-23 is outside"):
        network_states(["2018-01-01", "2026-03-23"], store=full_store)


def test_fx_beyond_stored_range_is_an_error(full_store):
    # ECB rates end 2025-12-31; 2026-01-20 is 20 days later, beyond the 7-day fill.
    with pytest.raises(InputError, match=r"no CNY FX rate for 2026-01-20 or the 7 days before"):
        network_state("2026-01-20", store=full_store, currency="CNY")
    with pytest.raises(InputError, match="no CNY FX rate for 2013-12-31"):
        network_state("2013-12-31", store=full_store, currency="CNY")


def test_currency_without_fx_is_an_error(winter_store):
    with pytest.raises(InputError,
                       match=r"no FX rates for JPY in the store \(have: USD, CNY, EUR\)"):
        network_state("2018-11-25", store=winter_store, currency="JPY")


def test_weekend_without_fill_allowance_is_an_error(winter_store):
    with pytest.raises(InputError, match="no CNY FX rate for 2018-11-24 or the 0 days before"):
        network_state("2018-11-24", store=winter_store, currency="CNY", max_fill_days=0)


def test_bad_arguments(winter_store, tmp_path):
    with pytest.raises(InputError, match="not a date"):
        network_state("25/11/2018", store=winter_store)
    with pytest.raises(InputError, match="fee_window_days"):
        network_state("2018-11-25", store=winter_store, fee_window_days=0)
    with pytest.raises(InputError, match="no ETH chain history"):
        network_state("2018-11-25", store=winter_store, asset="ETH")
    with pytest.raises(InputError, match="no history store here"):
        network_state("2018-11-25", store=tmp_path / "missing.duckdb")


def test_load_network_state_contract(winter_store, monkeypatch):
    state = load_network_state(dt.date(2018, 11, 25), "CNY", store_path=winter_store)
    assert isinstance(state, NetworkState)
    assert state.date == dt.date(2018, 11, 25)
    assert state.difficulty == 6653303141406.0  # WINTER_2018's difficulty, from the file
    assert state.fees_per_block == pytest.approx(_window_fee("2018-11-25", 7), rel=1e-12)
    # Through the environment variable, and with a narrower fee window.
    monkeypatch.setenv("HASHWINTER_STORE", str(winter_store))
    one = load_network_state(dt.date(2018, 11, 25), "USD", fee_window_days=1)
    assert one.fees_per_block == pytest.approx(_window_fee("2018-11-25", 1), rel=1e-12)
    assert one.replace(price=1.0).price == 1.0  # explicit flags override stored values
