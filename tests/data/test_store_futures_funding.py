"""Futures prices and perpetual funding: importers, schema v2 tables, one-line bad-input errors."""

from __future__ import annotations

import csv

import duckdb
import numpy as np
import pytest
from store_helpers import write

from datafiles import shared_data_file
from hashwinter.cli.app import main
from hashwinter.data import HistoryStore, import_file
from hashwinter.data.importers import read_futures_prices
from hashwinter.data.schema import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version
from hashwinter.errors import InputError, InputErrors
from hashwinter.finance import FundingHistory

FUNDING = "btc_futures_2018.csv"
HEADER = ("timestamp_utc,symbol,funding_interval_hours,funding_rate,funding_rate_daily,"
          "funding_rate_annualized,xbtusd_trade_time_utc,xbtusd_trade_price_usd\n")
ROWS = [  # the real first rows of November 2018
    "2018-11-01T04:00:00Z,XBTUSD,8,0.0001,0.0003,0.1095,2018-11-01T04:00:04.548881Z,6302.5",
    "2018-11-01T12:00:00Z,XBTUSD,8,0.0001,0.0003,0.1095,2018-11-01T12:00:10.297909Z,6308.0",
    "2018-11-01T20:00:00Z,XBTUSD,8,0.0001,0.0003,0.1095,2018-11-01T20:00:05.414543Z,6319.0",
    "2018-11-02T04:00:00Z,XBTUSD,8,0.0001,0.0003,0.1095,2018-11-02T04:00:05.211781Z,6356.5",
]


def funding_text(rows: list[str]) -> str:
    return HEADER + "\n".join(rows) + "\n"


def one_error(path, source: str = "funding", **kw) -> str:
    with pytest.raises((InputError, InputErrors)) as info:
        import_file(source, path, **kw)
    text = str(info.value)
    assert "\n" not in text, text
    return text


def tables(store) -> dict[str, int]:
    with HistoryStore.open(store) as st:
        return {t: st.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("funding_rates", "futures_price_daily", "import_log")}


def test_real_funding_file_round_trips_through_the_store(tmp_path):
    store = tmp_path / "h.duckdb"
    report = import_file("funding", shared_data_file(FUNDING), store=store)
    assert report.rows == {"funding_rates": 4866}
    with open(shared_data_file(FUNDING), newline="", encoding="utf-8") as fh:
        real = list(csv.DictReader(fh))
    with HistoryStore.open(store) as st:
        frame = st.funding("XBTUSD")
    history = FundingHistory.from_frame(frame)
    assert history.times.size == len(real)
    np.testing.assert_array_equal(history.rates, [float(r["funding_rate"]) for r in real])
    marks = [float(r["xbtusd_trade_price_usd"] or "nan") for r in real]
    np.testing.assert_array_equal(history.marks, marks)
    assert str(history.times[-1]) == real[-1]["timestamp_utc"].rstrip("Z")
    # The November 2018 sum from the store equals the file's.
    assert history.window("2018-11-01", "2018-12-01").rates.sum() == pytest.approx(-0.022242)
    # Re-importing is an upsert.
    import_file("funding", shared_data_file(FUNDING), store=store)
    assert tables(store)["funding_rates"] == 4866


def test_futures_prices_import_and_read_back(tmp_path):
    path = write(tmp_path / "fut.csv", "date,symbol,price\n2018-11-01,XBTZ18,6390.5\n"
                 "2018-11-02,xbtz18,6405\n2018-11-01,XBTH19,6420\n")
    frame = read_futures_prices(path)
    assert frame.attrs["kind"] == "futures" and sorted(set(frame["symbol"])) == ["XBTH19",
                                                                                 "XBTZ18"]
    store = tmp_path / "h.duckdb"
    assert import_file("futures", path, store=store).rows == {"futures_price_daily": 3}
    with HistoryStore.open(store) as st:
        got = st.futures_prices("xbtz18")
    assert got["price"].tolist() == [6390.5, 6405.0]
    assert got["date"].astype(str).tolist() == ["2018-11-01", "2018-11-02"]


@pytest.mark.parametrize(("text", "expected"), [
    ("date,symbol,price\n2018-11-31,XBTZ18,6390\n",
     "fut.csv:2:1: date: not a date YYYY-MM-DD: '2018-11-31'"),
    ("date,symbol,price\n2018-11-01,XBTZ18,-5\n", "fut.csv:2:3: price: must be > 0 (got -5)"),
    ("date,symbol,price\n2018-11-01,XBTZ18,abc\n", "fut.csv:2:3: price: not a number: 'abc'"),
    ("date,symbol,price\n2018-11-01,XBT Z18,6390\n", "fut.csv:2:2: symbol: not a contract"),
    ("date,symbol,price\n2018-11-01,XBTZ18,6390\n2018-11-01,XBTZ18,6391\n",
     "fut.csv:3:1: date: duplicate (symbol, date): XBTZ18, 2018-11-01 (first on line 2)"),
    ("date,price\n2018-11-01,6390\n", "fut.csv:1: missing column(s): symbol"),
])
def test_bad_futures_rows_are_one_line_errors_and_write_nothing(tmp_path, text, expected):
    store = tmp_path / "h.duckdb"
    HistoryStore.open(store, write=True).close()
    message = one_error(write(tmp_path / "fut.csv", text), "futures", store=store)
    assert expected in message
    assert tables(store) == {"funding_rates": 0, "futures_price_daily": 0, "import_log": 0}


def test_a_missing_funding_interval_is_refused(tmp_path):
    store = tmp_path / "h.duckdb"
    HistoryStore.open(store, write=True).close()
    path = write(tmp_path / "f.csv", funding_text([ROWS[0], ROWS[1], ROWS[3]]))
    message = one_error(path, store=store)
    assert message.endswith("f.csv:4:1: timestamp_utc: gap: 16 h after the previous funding "
                            "time 2018-11-01T12:00:00 (line 3), but the interval is 8 h")
    # --skip-bad does not skip a gap, nor drop a row in the middle (that would make one).
    assert "gap: 16 h" in one_error(path, store=store, skip_bad=True)
    middle = ROWS[1].replace(",0.0001,0.0003,", ",x,0.0003,")
    text = one_error(write(tmp_path / "m.csv", funding_text([ROWS[0], middle, *ROWS[2:]])),
                     store=store, skip_bad=True)
    assert "dropping the bad rows would leave a gap" in text and "m.csv:4:1" in text
    assert tables(store) == {"funding_rates": 0, "futures_price_daily": 0, "import_log": 0}
    # A bad last row can be skipped: the series stays complete.
    last = ROWS[3].replace(",0.0001,0.0003,", ",x,0.0003,")
    report = import_file("funding", write(tmp_path / "l.csv", funding_text([*ROWS[:3], last])),
                         store=store, skip_bad=True)
    assert report.rows == {"funding_rates": 3} and report.skipped_rows == 1


@pytest.mark.parametrize(("row", "expected"), [
    (ROWS[1].replace(",0.0001,0.0003,", ",abc,0.0003,"),
     "f.csv:3:4: funding_rate: not a number: 'abc'"),
    (ROWS[1].replace(",0.0001,0.0003,", ",0.5,1.5,"),
     "f.csv:3:4: funding_rate: must be within +-0.1 per interval (got 0.5)"),
    (ROWS[1].replace(",0.0001,0.0003,", ",0.0001,0.0004,"),
     "f.csv:3:5: funding_rate_daily: does not equal funding_rate x 24"),
    (ROWS[1].replace(",8,", ",0,"), "f.csv:3:3: funding_interval_hours: must be > 0 (got 0)"),
    (ROWS[1].replace("2018-11-01T12:00:00Z", "2018-11-01 noon"),
     "f.csv:3:1: timestamp_utc: not a UTC time"),
    (ROWS[1].replace(",6308.0", ",-1"), "f.csv:3:8: xbtusd_trade_price_usd: must be > 0"),
    (ROWS[0], "f.csv:3:1: timestamp_utc: duplicate funding time 2018-11-01T04:00:00"),
])
def test_bad_funding_cells_are_one_line_errors(tmp_path, row, expected):
    store = tmp_path / "h.duckdb"
    HistoryStore.open(store, write=True).close()
    assert expected in one_error(write(tmp_path / "f.csv", funding_text([ROWS[0], row,
                                                                         *ROWS[2:]])),
                                 store=store)
    assert tables(store)["funding_rates"] == 0


def test_cli_import_of_a_bad_funding_file_exits_2_with_one_line(tmp_path, capsys):
    store = tmp_path / "h.duckdb"
    path = write(tmp_path / "f.csv", funding_text([ROWS[0], ROWS[2]]))
    code = main(["data", "import", "funding", str(path), "--store", str(store)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "f.csv:3:1: timestamp_utc: gap" in err
    code = main(["data", "import", "funding", str(shared_data_file(FUNDING)), "--store",
                 str(store)])
    assert code == 0 and "funding_rates 4,866" in capsys.readouterr().out


def test_schema_v2_upgrades_a_v1_store_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    try:
        assert migrate(con, MIGRATIONS[:1]) == 1
        con.execute("INSERT INTO fx_daily VALUES ('CNY', DATE '2018-11-23', 6.94732, 't')")
    finally:
        con.close()
    with HistoryStore.open(path, write=True) as st:  # opening for writing migrates
        assert schema_version(st.con) == SCHEMA_VERSION == 2
        assert st.con.execute("SELECT per_usd FROM fx_daily").fetchall() == [(6.94732,)]
        assert st.con.execute("SELECT count(*) FROM funding_rates").fetchone() == (0,)
        assert st.con.execute("SELECT count(*) FROM futures_price_daily").fetchone() == (0,)
