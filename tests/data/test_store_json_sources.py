"""blockchain.com chart JSON and mempool.space mining JSON (recorded responses)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from store_helpers import FIXTURES, real_rows, write

from hashwinter.data import read_blockchain_com, read_mempool
from hashwinter.errors import InputError, InputErrors

BTC = real_rows("btc_daily.csv")


def test_blockchain_com_market_price():
    frame = read_blockchain_com(FIXTURES / "blockchain_com_market_price.json")
    assert frame.attrs["kind"] == "price" and frame.attrs["chart"] == "market-price"
    assert frame[["asset", "quote"]].drop_duplicates().values.tolist() == [["BTC", "USD"]]
    day = frame.set_index("date").loc["2018-11-25", "price"]
    assert day == round(float(BTC["2018-11-25"]["price_usd"]), 2)
    assert len(frame) == 17


def test_blockchain_com_hash_rate_unit_to_h_per_s():
    frame = read_blockchain_com(FIXTURES / "blockchain_com_hash_rate.json").set_index("date")
    # unit "Hash Rate TH/s" -> x 1e12 to H/s
    expected = round(float(BTC["2018-12-04"]["hashrate_ths"]), 3) * 1e12
    assert frame.loc["2018-12-04", "hashrate_hs"] == pytest.approx(expected, rel=1e-15)


def test_blockchain_com_samples_averaged_per_day_and_units(tmp_path):
    doc = {"status": "ok", "name": "Hash Rate", "unit": "GH/s", "values": [
        {"x": 1543881600, "y": 10.0}, {"x": 1543881600 + 43200, "y": 20.0},
        {"x": 1543968000, "y": 30.0}]}
    frame = read_blockchain_com(write(tmp_path / "h.json", json.dumps(doc)))
    assert frame["hashrate_hs"].tolist() == [15e9, 30e9]  # 2018-12-04 mean, then 12-05


def test_blockchain_com_bad_values_have_positions(tmp_path):
    text = ('{"status": "ok", "name": "Market Price (USD)", "unit": "USD",\n'
            ' "values": [{"x": 1543881600, "y": 3892.95},\n'
            '            {"x": "yesterday", "y": 1},\n'
            '            {"x": 1543968000, "y": -5}]}\n')
    path = write(tmp_path / "market-price.json", text)
    with pytest.raises(InputErrors) as info:
        read_blockchain_com(path)
    assert [str(e) for e in info.value.errors] == [
        f"{path}:3:13: values[1].x: not a Unix time in seconds: 'yesterday'",
        f"{path}:4:13: values[2].y: implausible: must be > 0 currency/coin (got -5)",
    ]
    assert read_blockchain_com(path, skip_bad=True)["price"].tolist() == [3892.95]
    with pytest.raises(InputError, match=r":2:1: not valid JSON"):
        read_blockchain_com(write(tmp_path / "broken.json", '{"values": [\n,]}'))
    with pytest.raises(InputError, match="cannot tell which chart"):
        read_blockchain_com(write(tmp_path / "x.json", '{"name": "Mempool Size", "values": []}'))


def test_mempool_difficulty_adjustments():
    frame = read_mempool(FIXTURES / "mempool_difficulty_adjustments.json")
    assert frame.attrs["kind"] == "retargets"
    assert frame["height"].tolist() == [550368, 552384, 554400, 556416]  # sorted ascending
    assert all(h % 2016 == 0 for h in frame["height"])
    row = frame.set_index("height").loc[554400]
    assert row["difficulty"] == float(BTC["2018-12-04"]["difficulty"])
    # mempool's adjustment: new / previous difficulty, rounded to 1e-6.
    ratio = float(BTC["2018-12-04"]["difficulty"]) / float(BTC["2018-12-02"]["difficulty"])
    assert row["change"] == round(ratio, 6) == 0.848662
    assert str(row["time"])[:10] == "2018-12-03"


def test_mempool_hashrate_response_gives_hashrate_and_retargets():
    chain = read_mempool(FIXTURES / "mempool_hashrate.json")
    assert chain.attrs["kind"] == "chain" and len(chain) == 17
    np.testing.assert_allclose(
        chain["hashrate_hs"], [float(BTC[f"{d:%Y-%m-%d}"]["hashrate_ths"]) * 1e12
                               for d in chain["date"]], rtol=1e-15)
    retargets = read_mempool(FIXTURES / "mempool_hashrate.json", part="difficulty")
    assert retargets["height"].tolist() == [552384, 554400]


def test_mempool_bad_entries(tmp_path):
    path = write(tmp_path / "adj.json", '[[1543838400,554400,5646403851534.7,0.848662],'
                                         '[1542408000,-1,0,0.9]]')
    with pytest.raises(InputErrors) as info:
        read_mempool(path)
    assert [str(e) for e in info.value.errors] == [
        f"{path}:1:47: [1].height: implausible: must be >= 0 blocks (got -1)",
        f"{path}:1:47: [1].difficulty: implausible: must be > 0 (got 0)",
    ]
    assert read_mempool(path, skip_bad=True)["height"].tolist() == [554400]
    with pytest.raises(InputError, match=r"not a mempool\.space mining response"):
        read_mempool(write(tmp_path / "x.json", '{"foo": 1}'))
