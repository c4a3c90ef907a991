"""Bad input to ``data import`` and ``data check``: one located line, exit 2, store unchanged.

Regression tests of hashwinter issue 8 (each of these once ended in a
traceback or stored a non-finite value) and of the bad inputs found while
fuzzing the importers (tests/fuzz/test_fuzz_importers.py).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from store_helpers import FIXTURES, write

from datafiles import shared_data_file
from hashwinter.cli.app import main
from hashwinter.data import (
    HistoryStore,
    check_store,
    import_file,
    import_frames,
    machine_price_frame,
    read_blockchain_com,
    read_coinmetrics,
    read_csv,
    read_ecb,
    read_machine_prices,
    read_mempool,
)
from hashwinter.data.frames import tag
from hashwinter.errors import InputError, InputErrors


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store holding the real ECB USD/CNY rates (so a failed import has something to keep)."""
    monkeypatch.delenv("HASHWINTER_STORE", raising=False)
    path = tmp_path / "h.duckdb"
    import_file("ecb", shared_data_file("usd_cny_daily.csv"), store=path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(capsys: pytest.CaptureFixture[str], store: Path, *argv: str) -> str:
    """Run ``hashwinter data import ARGV``; assert exit 2, one stderr line, store unchanged."""
    before = digest(store)
    code = main(["data", "import", *argv, "--store", str(store)])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    assert err.startswith("hashwinter: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert digest(store) == before
    return err.strip()


def btc_with(tmp_path: Path, line: int, column: int, text: str, name: str = "btc.csv") -> Path:
    """The real btc_daily.csv with one cell (1-based line and column) replaced."""
    lines = shared_data_file("btc_daily.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[line - 1].split(",")
    cells[column - 1] = text
    lines[line - 1] = ",".join(cells)
    return write(tmp_path / name, "\n".join(lines) + "\n")


# -- the failures of issue 8 ---------------------------------------------------------------

def test_stray_quote_in_a_cell(capsys, store, tmp_path):
    # Line 3034 is 2018-11-05; a '"' opening its price reads the rest of the file (~200k
    # characters) as one field, beyond the csv module's 131,072-character field limit.
    path = btc_with(tmp_path, 3034, 2, '"6380.78')
    err = refused(capsys, store, "coinmetrics", str(path))
    assert err == (f"hashwinter: error: {path}:3034:2: a quoted field starting on this line "
                   "never ends (stray '\"'?): field larger than field limit (131072)")


def test_stray_quotes_in_a_short_file(tmp_path):
    # A quote that opens a field and is never closed, then one closed too early.
    text = "date,value\n2018-11-01,6300\n2018-11-02,\"6350\n2018-11-03,6400\n"
    with pytest.raises(InputError) as info:
        read_csv(write(tmp_path / "p.csv", text), series="price")
    assert str(info.value) == (f"{tmp_path / 'p.csv'}:3:2: a quoted field starting on this line "
                               "never ends (stray '\"'?): unexpected end of data")
    text = "date,value\n2018-11-01,6300\n2018-11-02,\"63\"50\n"
    with pytest.raises(InputError) as info:
        read_csv(write(tmp_path / "q.csv", text), series="price")
    assert str(info.value) == (f"{tmp_path / 'q.csv'}:3: bad quoting in the record starting on "
                               "this line (a stray '\"'?): ',' expected after '\"'")
    # A quote inside an unquoted cell is just a character (and here not a number).
    with pytest.raises(InputErrors, match=r"r\.csv:3:2: value: not a number: '63\"50'"):
        read_csv(write(tmp_path / "r.csv", "date,value\n2018-11-01,1\n2018-11-02,63\"50\n"),
                 series="price")


def test_block_count_beyond_int32(capsys, store, tmp_path):
    path = btc_with(tmp_path, 3034, 5, str(2**31))  # blk_cnt
    err = refused(capsys, store, "coinmetrics", str(path))
    # hashwinter.ranges "blocks_per_day": at most 1e5 (Ethereum makes ~6,500 a day).
    assert err == (f"hashwinter: error: {path}:3034:5: blk_cnt: implausible: must be <= 100000 "
                   "blocks (got 2.14748e+09)")


@pytest.mark.parametrize("cell", ["NA", "nan", "null", ""])
def test_machine_price_not_given(capsys, store, tmp_path, cell):
    lines = shared_data_file("used_asic_prices.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    assert cells[4] == "15000"  # the price column of the first quote
    cells[4] = cell
    lines[1] = ",".join(cells)
    path = write(tmp_path / "prices.csv", "\n".join(lines) + "\n")
    err = refused(capsys, store, "machine-prices", str(path))
    assert err == f"hashwinter: error: {path}:2:5: price: no price (got {cell!r})"


def test_huge_hashrate_is_refused_not_stored_as_inf(capsys, store, tmp_path):
    path = btc_with(tmp_path, 3034, 4, "1e308")  # hashrate_ths
    err = refused(capsys, store, "coinmetrics", str(path))
    assert err == (f"hashwinter: error: {path}:3034:4: hashrate_ths: implausible: must be >= 0 "
                   "and <= 1e+10 TH/s (0 to 1e+22 H/s; got 1e+308 TH/s)")


def test_skip_bad_drops_implausible_rows_and_lists_them(capsys, store, tmp_path):
    path = btc_with(tmp_path, 3034, 4, "1e308")
    code = main(["data", "import", "coinmetrics", str(path), "--skip-bad", "--store", str(store)])
    out, err = capsys.readouterr()
    assert code == 0
    assert f"skipped: {path}:3034:4: hashrate_ths: implausible" in err
    assert "chain_daily 5,726" in out and "skipped 1 bad rows" in out
    with HistoryStore.open(store) as st:
        chain = st.chain("BTC").set_index("date")
    assert pd.Timestamp("2018-11-05") not in chain.index
    assert pd.Timestamp("2018-11-04") in chain.index


# -- data check flags what is already stored ------------------------------------------------

def test_check_flags_non_finite_and_implausible_stored_values(capsys, tmp_path):
    path = tmp_path / "h.duckdb"
    import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=path)
    with HistoryStore.open(path, write=True) as st:
        # As an older hashwinter stored a hashrate of 1e308 TH/s, and a unit slip or two.
        st.con.execute("UPDATE chain_daily SET hashrate_hs = 'inf'::DOUBLE "
                       "WHERE date BETWEEN DATE '2018-11-05' AND DATE '2018-11-06'")
        st.con.execute("UPDATE chain_daily SET issuance = 'nan'::DOUBLE "
                       "WHERE date = DATE '2018-11-20'")
        st.con.execute("UPDATE coin_price_daily SET price = 5e8 WHERE date = DATE '2019-02-01'")
    found = [str(f) for f in check_store(path) if "implausible" in f.message]
    assert found == [
        "suspicious: chain_daily BTC 2018-11-05..2018-11-06: hashrate_hs implausible: must be "
        "a finite number (got inf) (2 days like this)",
        "suspicious: chain_daily BTC 2018-11-20: issuance implausible: must be a finite number "
        "(got nan)",
        "suspicious: coin_price_daily BTC/USD 2019-02-01: price implausible: must be <= 1e+08 "
        "currency/coin (got 5e+08)",
    ]
    code = main(["data", "check", "--store", str(path)])
    out, _ = capsys.readouterr()
    assert code == 1
    # The three above plus the one-day spike the 5e8 price makes (x1e5 from its neighbours);
    # the NaN issuance also reads as a gap ("no issuance for 1 day").
    assert out.splitlines()[-1] == "1 gaps, 4 suspicious values"


# -- more bad inputs (found by hand and by the fuzzers) --------------------------------------

def test_non_utf8_byte_names_line_and_column(capsys, store, tmp_path):
    path = tmp_path / "prices.csv"
    path.write_bytes(b"date,value\n2018-11-01,6300\n2018-11-02,63\xfc0\n")
    err = refused(capsys, store, "csv", str(path), "--series", "price")
    assert err == f"hashwinter: error: {path}:3:14: not UTF-8 text (byte 40: b'\\xfc')"


def test_bom_and_crlf_are_read(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"\xef\xbb\xbfdate,value\r\n2018-11-01,6300\r\n")
    assert read_csv(path, series="price")["price"].tolist() == [6300.0]


def test_empty_and_truncated_files(tmp_path):
    with pytest.raises(InputError, match=r"e\.csv:1: empty file: no header line"):
        read_ecb(write(tmp_path / "e.csv", ""))
    truncated = write(tmp_path / "t.json", '{"values": [{"x": 1542672000, "y": 43')
    with pytest.raises(InputError, match=r"t\.json:1:38: not valid JSON"):
        read_blockchain_com(truncated, chart="hash-rate")


def test_duplicated_header_column(tmp_path):
    path = write(tmp_path / "btc.csv", "date,price_usd,price_usd\n2018-11-01,6300,6301\n")
    with pytest.raises(InputError) as info:
        read_coinmetrics(path)
    assert str(info.value) == f"{path}:1:3: price_usd: column given twice in the header"


@pytest.mark.parametrize(("day", "why"), [
    ("1969-12-31", "implausible date '1969-12-31': must be 1970-01-01 to 2100-12-31"),
    ("2101-01-01", "implausible date '2101-01-01': must be 1970-01-01 to 2100-12-31"),
    ("2019-02-30", "not a date YYYY-MM-DD: '2019-02-30'"),
])
def test_dates_out_of_range(tmp_path, day, why):
    path = write(tmp_path / "p.csv", f"date,value\n2018-11-01,6300\n{day},6350\n")
    with pytest.raises(InputErrors) as info:
        read_csv(path, series="price")
    assert str(info.value) == f"{path}:3:1: date: {why}"


def test_negative_and_wrong_type_values(tmp_path):
    path = write(tmp_path / "fx.csv", "date,cny_per_usd\n2018-11-01,-6.9\n2018-11-02,six\n")
    with pytest.raises(InputErrors) as info:
        read_csv(path, series="fx", currency="CNY")
    assert [str(e) for e in info.value.errors] == [
        f"{path}:2:2: cny_per_usd: must be > 0 (got -6.9)",
        f"{path}:3:2: cny_per_usd: not a number: 'six'",
    ]


def test_ecb_cross_rate_must_be_plausible(tmp_path):
    # A USD rate of 1e-12 per EUR passes on its own (> 0) but makes 1e12 EUR per USD.
    path = write(tmp_path / "fx.csv", "Date,USD,CNY\n2018-11-01,1e-12,7.9\n")
    with pytest.raises(InputErrors) as info:
        read_ecb(path)
    assert [e.field for e in info.value.errors] == ["EUR per USD (1 / USD)",
                                                    "CNY per USD (CNY / USD)"]
    assert "implausible cross rate: must be <= 1e+09 currency/USD" in str(info.value)


def _chart(values: list[dict[str, object]]) -> str:
    return json.dumps({"status": "ok", "name": "Total Hash Rate (TH/s)",
                       "unit": "Hash Rate TH/s", "values": values})


def test_json_timestamps_far_out_of_range_are_errors(tmp_path):
    # 1e300 once overflowed int64 (OverflowError traceback).
    path = write(tmp_path / "h.json", _chart([{"x": 1e300, "y": 4e7}, {"x": -5, "y": 4e7}]))
    with pytest.raises(InputErrors) as info:
        read_blockchain_com(path)
    assert [str(e).split(": ", 1)[1] for e in info.value.errors] == [
        "values[0].x: implausible Unix time 1e+300 s: must be 1970-01-01 to 2100-12-31",
        "values[1].x: implausible Unix time -5 s: must be 1970-01-01 to 2100-12-31",
    ]


def test_json_huge_integer_and_deep_nesting(tmp_path):
    huge = write(tmp_path / "a.json", '[[1545170175,556416,1' + "0" * 5000 + ',0.9]]')
    with pytest.raises(InputError, match="not valid JSON: Exceeds the limit"):
        read_mempool(huge)
    deep = write(tmp_path / "b.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="not valid JSON: nested too deeply"):
        read_mempool(deep)


def test_json_wrong_types_and_missing_keys(tmp_path):
    text = json.dumps({"hashrates": [{"timestamp": "1542672000", "avgHashrate": 4e19},
                                     {"avgHashrate": True}, 7]})
    path = write(tmp_path / "m.json", text)
    with pytest.raises(InputErrors) as info:
        read_mempool(path)
    assert [(e.field, e.message) for e in info.value.errors] == [
        ("hashrates[0].timestamp", "not a Unix time in seconds: '1542672000'"),
        ("hashrates[1].timestamp", "not a Unix time in seconds: None"),
        ("hashrates[1].avgHashrate", "not a number: True"),
        ("hashrates[2].timestamp", "not a Unix time in seconds: None"),
        ("hashrates[2].avgHashrate", "not a number: None"),
    ]
    bad_difficulty = write(tmp_path / "d.json", '{"hashrates": [], "difficulty": {"a": 1}}')
    with pytest.raises(InputError, match="difficulty: 'difficulty' must be a list"):
        read_mempool(bad_difficulty)


def test_json_implausible_value(tmp_path):
    path = write(tmp_path / "h.json", _chart([{"x": 1542672000, "y": 1e11}]))
    with pytest.raises(InputErrors) as info:
        read_blockchain_com(path)
    assert str(info.value).endswith(
        "values[0].y: implausible: must be >= 0 and <= 1e+10 TH/s (0 to 1e+22 H/s; "
        "got 1e+11 TH/s)")


def test_real_fixtures_still_import(tmp_path):
    for name in ("blockchain_com_hash_rate.json", "blockchain_com_market_price.json"):
        assert len(read_blockchain_com(FIXTURES / name)) == 17
    assert len(read_mempool(FIXTURES / "mempool_difficulty_adjustments.json")) == 4
    assert len(read_machine_prices(shared_data_file("used_asic_prices.csv"))) == 12


# -- frames written by code pass the same checks ----------------------------------------------

def test_import_frames_refuses_non_finite_and_missing_values(tmp_path):
    path = tmp_path / "new.duckdb"
    frame = machine_price_frame("Antminer S9", "2018-11-21", 1200, "CNY", "used")
    frame.loc[0, "price"] = np.nan  # NOT NULL in the store: once a DuckDB traceback
    with pytest.raises(InputErrors, match=r"price: row 0: no value \(got nan\)"):
        import_frames([frame], store=path)
    assert not path.exists()  # a refused import does not even create the store
    chain = tag(pd.DataFrame({"asset": ["BTC"], "date": [np.datetime64("2018-11-05", "s")],
                              "hashrate_hs": [np.inf], "blocks": [2.0**31]}),
                "chain", "code", "test")
    with pytest.raises(InputErrors) as info:
        import_frames([chain], store=path)
    assert [e.field for e in info.value.errors] == ["hashrate_hs", "blocks"]
    assert not path.exists()


def test_an_interrupted_write_rolls_back_and_reraises(store):
    # Once the rollback failed on the aborted transaction and hid the real error.
    before = digest(store)
    frame = read_coinmetrics(shared_data_file("btc_daily.csv"))

    def progress(done: int, total: int) -> None:
        if done > 0:
            raise KeyboardInterrupt

    with HistoryStore.open(store, write=True) as st, pytest.raises(KeyboardInterrupt):
        st.write([frame], source="coinmetrics", origin="btc_daily.csv", progress=progress)
    assert digest(store) == before


def test_add_machine_price_checks_the_range(capsys, store):
    code = main(["data", "add-machine-price", "Antminer S9", "2018-11-21", "1e308",
                 "--currency", "CNY", "--store", str(store)])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.strip() == ("hashwinter: error: price: must be <= 1e+07 currency/machine "
                           "(got 1e+308)")
