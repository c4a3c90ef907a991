"""Coin Metrics importer: compact files, the raw community layout, bad rows."""

from __future__ import annotations

import numpy as np
import pytest
from store_helpers import real_rows, write

from datafiles import shared_data_file
from hashwinter.data import read_coinmetrics
from hashwinter.errors import InputErrors

BTC = real_rows("btc_daily.csv")


def test_compact_btc_file():
    frame = read_coinmetrics(shared_data_file("btc_daily.csv"))
    assert frame.attrs["kind"] == "chain" and frame.attrs["source"] == "coinmetrics"
    assert len(frame) == 5727  # SOURCES.md: 5727 rows, 2010-07-18 .. 2026-03-22
    assert frame["date"].iloc[0].isoformat()[:10] == "2010-07-18"
    assert (frame["asset"] == "BTC").all()
    day = frame.set_index("date").loc["2018-12-04"]
    assert day["difficulty"] == 5646403851534.7
    assert day["hashrate_hs"] == pytest.approx(38734427.590e12, rel=1e-15)  # TH/s -> H/s
    assert day["blocks"] == 138 and day["issuance"] == 1725.0
    assert day["fees"] == 30.53976983 and day["price_usd"] == 3892.951647
    assert frame.attrs["units"]["hashrate_hs"] == "H/s"


def test_compact_eth_file_keeps_missing_values():
    frame = read_coinmetrics(shared_data_file("eth_daily.csv")).set_index("date")
    assert (frame["asset"] == "ETH").all() and len(frame) == 2595
    # SOURCES.md sanity check: 2018-11-05 price 208 USD, hashrate 210 TH/s, difficulty 2.99e15.
    day = frame.loc["2018-11-05"]
    assert day["price_usd"] == pytest.approx(208, abs=1)
    assert day["hashrate_hs"] == pytest.approx(210e12, rel=0.01)
    assert day["difficulty"] == pytest.approx(2.99e15, rel=0.01)
    # After 2020-07-27 the subset has no issuance nor total fees: NaN, not zero.
    assert np.isnan(frame.loc["2022-09-14", "issuance"])
    assert np.isnan(frame.loc["2022-09-14", "fees"])
    assert frame.loc["2020-07-27", "issuance"] > 0


def _raw_csv(days: list[str], with_diffmean: bool) -> str:
    """The raw community layout (extra columns too), built from the compact file's values."""
    head = ["time", "AdrActCnt", "BlkCnt", "FeeTotNtv", "HashRate", "IssTotNtv", "PriceUSD"]
    if with_diffmean:
        head.append("DiffMean")
    lines = [",".join(head)]
    for d in days:
        r = BTC[d]
        cells = [f"{d}T00:00:00.000000000Z", "1000", r["blk_cnt"], r["fees_btc"],
                 r["hashrate_ths"], r["issuance_btc"], r["price_usd"]]
        if with_diffmean:
            cells.append(r["difficulty"])
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def test_raw_layout_derives_difficulty_from_hashrate(tmp_path):
    days = [d for d in BTC if "2018-11-01" <= d <= "2018-12-31"]
    frame = read_coinmetrics(write(tmp_path / "btc.csv", _raw_csv(days, False)))
    assert (frame["asset"] == "BTC").all()  # from the file name
    # SOURCES.md: difficulty = HashRate·1e12·86400 / (BlkCnt·2^32), the compact file's column
    # (rounded there to 0.1, and HashRate to 1e-3 TH/s).
    expected = [float(BTC[d]["difficulty"]) for d in days]
    np.testing.assert_allclose(frame["difficulty"], expected, rtol=1e-9)
    hand = 38734427.590e12 * 86400 / (138 * 2**32)  # 2018-12-04 by hand
    assert frame.set_index("date").loc["2018-12-04", "difficulty"] == pytest.approx(hand, rel=1e-15)


def test_raw_layout_with_diffmean_takes_it_as_is(tmp_path):
    days = ["2018-12-03", "2018-12-04"]
    frame = read_coinmetrics(write(tmp_path / "export.csv", _raw_csv(days, True)), asset="btc")
    assert frame["difficulty"].tolist() == [6149853496470.3, 5646403851534.7]
    assert frame["price_usd"].tolist() == [3843.976666, 3892.951647]


def test_raw_eth_without_diffmean_has_no_difficulty(tmp_path):
    text = "time,BlkCnt,HashRate,PriceUSD\n2018-11-05,6000,210.0,208.0\n"
    frame = read_coinmetrics(write(tmp_path / "eth.csv", text))
    # Ethash difficulty is not HashRate·86400/(BlkCnt·2^32): no derivation for non-SHA-256d.
    assert frame["asset"].tolist() == ["ETH"] and np.isnan(frame["difficulty"].iloc[0])


def test_every_bad_row_is_reported_with_line_and_column(tmp_path):
    lines = (shared_data_file("btc_daily.csv").read_text().splitlines())[:12]
    lines[3] = lines[3].replace("181.5", "abc", 1)         # line 4, difficulty (column 3)
    lines[5] = "2010-07-22,0.05,181.5"                     # line 6: too few fields
    lines[7] = lines[7].replace("2010-07-24", "2010-13-01")  # line 8: bad date (column 1)
    lines[9] = lines[9].replace("2010-07-26", "2010-07-25")  # line 10: duplicate of line 9
    cells = lines[10].split(",")
    cells[1] = "-1"                                        # line 11: negative price (column 2)
    lines[10] = ",".join(cells)
    path = write(tmp_path / "btc_daily.csv", "\n".join(lines) + "\n")
    with pytest.raises(InputErrors) as info:
        read_coinmetrics(path)
    text = [str(e) for e in info.value.errors]
    assert text == [
        f"{path}:4:3: difficulty: not a number: 'abc'",
        f"{path}:6: expected 10 fields, found 3",
        f"{path}:8:1: date: not a date YYYY-MM-DD: '2010-13-01'",
        f"{path}:10:1: date: duplicate date 2010-07-25 (first on line 9)",
        f"{path}:11:2: price_usd: must be > 0 (got -1)",
    ]
    frame = read_coinmetrics(path, skip_bad=True)
    assert len(frame) == 11 - 5
    assert frame.attrs["skipped"] == text


def test_report_is_capped(tmp_path):
    lines = (shared_data_file("btc_daily.csv").read_text().splitlines())[:101]
    bad = [lines[0]] + [ln.replace(",", ",x", 1) for ln in lines[1:]]  # 100 bad prices
    with pytest.raises(InputErrors) as info:
        read_coinmetrics(write(tmp_path / "btc.csv", "\n".join(bad)))
    errors = info.value.errors
    assert len(errors) == 26
    assert str(errors[-1]).endswith("... and 75 more problems on 75 more rows not listed")


def test_unrecognised_file(tmp_path):
    from hashwinter.errors import InputError

    with pytest.raises(InputError, match="no 'time' or 'date' column"):
        read_coinmetrics(write(tmp_path / "btc.csv", "a,b\n1,2\n"))
    with pytest.raises(InputError, match="cannot tell which asset"):
        read_coinmetrics(write(tmp_path / "data.csv", "time,PriceUSD\n2018-01-01,1\n"))
    with pytest.raises(InputError, match="no such file"):
        read_coinmetrics(tmp_path / "absent.csv")
