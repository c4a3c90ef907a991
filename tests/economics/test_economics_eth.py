"""Ethereum revenue per hash from the store and the engine market vs eth_daily.csv by hand."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from datafiles import shared_data_file
from hashwinter.chain.coins import algorithm_of, work_difficulty
from hashwinter.data import import_file
from hashwinter.data.network import network_states
from hashwinter.economics import revenue_per_day
from hashwinter.engine.history import market_from_store

DAYS = ("2017-06-01", "2018-11-25", "2019-12-01")  # three dates before 2020-07


@pytest.fixture(scope="module")
def rows() -> dict[str, dict[str, str]]:
    with open(shared_data_file("eth_daily.csv"), newline="", encoding="utf-8") as fh:
        return {row["date"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def eth_store(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("eth") / "history.duckdb"
    import_file("coinmetrics", shared_data_file("eth_daily.csv"), store=path)
    return path


def by_hand(row: dict[str, str]) -> float:
    """USD per MH/s per day: price x (issuance + fees) / hashrate [MH/s]."""
    hashrate_mhs = float(row["hashrate_ths"]) * 1e6
    return float(row["price_usd"]) * (float(row["issuance_eth"]) + float(row["fees_eth"])) \
        / hashrate_mhs


def test_store_revenue_per_mhs_equals_the_hand_computation(eth_store, rows) -> None:
    frame = network_states(np.array(DAYS, dtype="datetime64[D]"), store=eth_store, asset="ETH",
                           currency="USD", fee_window_days=1)
    got = revenue_per_day(1e6, frame["difficulty"].to_numpy(), frame["subsidy"].to_numpy(),
                          frame["price"].to_numpy(), frame["fees_per_block"].to_numpy())
    want = [by_hand(rows[d]) for d in DAYS]
    assert np.asarray(got) == pytest.approx(want, rel=1e-9)
    # 2018-11-25 in figures: 114.328124 x (20018.71875 + 529.533094) / 192,822,890 MH/s.
    assert float(np.asarray(got)[1]) == pytest.approx(0.0121834, rel=1e-5)


def test_engine_market_earns_the_same_per_hash(eth_store, rows) -> None:
    market = market_from_store(eth_store, start=DAYS[0], end=DAYS[-1], asset="ETH")
    i = [int((np.datetime64(d) - market.dates[0]).astype(int)) for d in DAYS]
    # The engine's revenue per H/s per day: reward / (D 2^32) x blocks x price.
    reward = market.subsidy[0, i] + market.fees_per_block[0, i]
    per_mhs = 1e6 * reward * market.blocks_per_day[0, i] * market.price[0, i] \
        / market.network_hashrate[0, i]
    assert per_mhs == pytest.approx([by_hand(rows[d]) for d in DAYS], rel=1e-9)
    # Blocks per day come back as the file's count, the hashrate as the file's.
    assert market.blocks_per_day[0, i] == pytest.approx([float(rows[d]["blk_cnt"]) for d in DAYS])
    assert market.network_hashrate[0, i] == pytest.approx(
        [float(rows[d]["hashrate_ths"]) * 1e12 for d in DAYS])


def test_no_retarget_notes_for_a_coin_whose_difficulty_moves_every_block(eth_store) -> None:
    from hashwinter.data.network import network_state

    state = network_state("2018-11-25", store=eth_store, asset="ETH", currency="USD")
    assert not any("retarget" in n for n in state.notes)
    assert any("Bitcoin's unit" in n for n in state.notes)


def test_work_difficulty_units() -> None:
    assert algorithm_of("btc") == "sha256" and algorithm_of("LTC") is None
    # SHA-256d keeps its difficulty; Ethash without a hashrate: native / 2^32.
    assert float(work_difficulty(6.65e12, 1.0, 144, "BTC")) == 6.65e12
    assert float(work_difficulty(2**32 * 5.0, np.nan, 6000, "ETH")) == 5.0
    assert np.isnan(float(work_difficulty(1e9, np.nan, 100, "LTC")))
