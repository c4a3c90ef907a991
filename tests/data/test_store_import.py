"""Imports are idempotent (upsert), atomic (all or nothing) and merge sources."""

from __future__ import annotations

import pandas as pd
import pytest
from store_helpers import FIXTURES, real_rows, write

from datafiles import shared_data_file
from hashwinter.data import (
    HistoryStore,
    import_file,
    import_frames,
    machine_price_frame,
    network_state,
)
from hashwinter.data.schema import TABLES
from hashwinter.errors import InputError, InputErrors

BTC = real_rows("btc_daily.csv")


def snapshot(path) -> dict[str, pd.DataFrame]:
    with HistoryStore.open(path) as st:
        return {t: st.query(f"SELECT * FROM {t} ORDER BY ALL") for t in TABLES}


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(a[table], b[table])


def test_reimport_is_an_upsert(tmp_path):
    store = tmp_path / "h.duckdb"
    first = import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=store)
    assert first.rows == {"chain_daily": 5727, "coin_price_daily": 5727}
    before = snapshot(store)
    again = import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=store)
    assert again.rows == first.rows
    after = snapshot(store)
    for table in ("chain_daily", "coin_price_daily", "fx_daily", "machine_prices"):
        pd.testing.assert_frame_equal(before[table], after[table])
    assert len(after["chain_daily"]) == 5727  # no duplicates
    assert len(after["import_log"]) == 2
    assert after["import_log"]["source"].tolist() == ["coinmetrics", "coinmetrics"]


def _corrupt_copy(tmp_path, bad_line: int):
    lines = shared_data_file("btc_daily.csv").read_text().splitlines()
    cells = lines[bad_line - 1].split(",")
    cells[3] = "lots"  # hashrate_ths, the 4th column
    lines[bad_line - 1] = ",".join(cells)
    return write(tmp_path / "btc_daily.csv", "\n".join(lines) + "\n")


def test_a_bad_row_imports_nothing(tmp_path):
    store = tmp_path / "h.duckdb"
    import_file("ecb", shared_data_file("usd_cny_daily.csv"), store=store)
    before = snapshot(store)
    path = _corrupt_copy(tmp_path, 3034)  # 2018-11-05
    with pytest.raises(InputErrors) as info:
        import_file("coinmetrics", path, store=store)
    assert [str(e) for e in info.value.errors] == [
        f"{path}:3034:4: hashrate_ths: not a number: 'lots'"]
    assert_same(before, snapshot(store))


def test_skip_bad_imports_the_rest_and_reports(tmp_path):
    store = tmp_path / "h.duckdb"
    path = _corrupt_copy(tmp_path, 3034)
    report = import_file("coinmetrics", path, store=store, skip_bad=True)
    assert report.rows["chain_daily"] == 5726 and report.skipped_rows == 1
    assert report.skipped == (f"{path}:3034:4: hashrate_ths: not a number: 'lots'",)
    assert "skipped 1 bad rows" in report.summary()
    with HistoryStore.open(store) as st:
        assert st.query("SELECT count(*) AS n FROM chain_daily WHERE date = '2018-11-05'")[
            "n"].iloc[0] == 0
        assert st.imports()["skipped"].tolist() == [1]


def test_an_exception_while_writing_rolls_back(tmp_path):
    store = tmp_path / "h.duckdb"
    import_file("machine-prices", shared_data_file("used_asic_prices.csv"), store=store)
    before = snapshot(store)

    def explode(stage, done, total):
        if stage == "write" and done > 0:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=store,
                    progress=explode)
    assert_same(before, snapshot(store))


def test_sources_merge_without_erasing_each_other(tmp_path):
    store = tmp_path / "h.duckdb"
    import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=store)
    # mempool hashrate only fills hashrate_hs; difficulty, blocks and fees stay.
    import_file("mempool", FIXTURES / "mempool_hashrate.json", store=store)
    import_file("blockchain-com", FIXTURES / "blockchain_com_market_price.json", store=store)
    with HistoryStore.open(store) as st:
        chain = st.chain().set_index("date")
        prices = st.prices().set_index("date")
        retargets = st.retargets()
    day = chain.loc["2018-11-25"]
    assert day["difficulty"] == float(BTC["2018-11-25"]["difficulty"])
    assert day["blocks"] == 127 and day["source"] == "mempool:mempool_hashrate.json"
    # The last import of a price wins (blockchain.com's value, rounded to cents here).
    assert prices.loc["2018-11-25", "price"] == round(float(BTC["2018-11-25"]["price_usd"]), 2)
    assert prices.loc["2018-11-19", "price"] == float(BTC["2018-11-19"]["price_usd"])
    assert retargets["height"].tolist() == [552384, 554400]


def test_stored_retargets_refine_network_state(tmp_path):
    store = tmp_path / "h.duckdb"
    import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=store)
    import_file("mempool", FIXTURES / "mempool_difficulty_adjustments.json", store=store)
    state = network_state("2018-12-03", store=store)
    # mempool's own ratio (0.848662, rounded to 1e-6) replaces the one from daily means.
    assert any("retarget on 2018-12-03: difficulty -15.13%" in n for n in state.notes)
    from hashwinter.data import network_states

    frame = network_states(["2018-11-01", "2018-11-16", "2018-12-03"], store=store)
    assert frame["retarget_change"].tolist() == pytest.approx([0.000216, -0.073924, -0.151338])


def test_machine_prices_and_a_typed_in_quote(tmp_path):
    store = tmp_path / "h.duckdb"
    report = import_file("machine-prices", shared_data_file("used_asic_prices.csv"), store=store)
    assert report.rows == {"machine_prices": 12}
    import_file("machine-prices", shared_data_file("used_asic_prices.csv"), store=store)
    # The story: "S9, 2018-11-21, 1,200 CNY" (four days before 25 Nov 2018), second-hand.
    quote = machine_price_frame("Antminer S9", "2018-11-21", 1200, "cny", "used",
                                source="Tencent Periscope, Nov 2018")
    import_frames([quote], store=store)
    with HistoryStore.open(store) as st:
        s9 = st.machine_prices("S9")
    assert len(s9) == 9  # 7 Antminer S9 rows + the "S9-class" 2019 row + the new quote
    row = s9[s9["price"] == 1200].iloc[0]
    assert (row["currency"], row["condition"], row["date_precision"]) == ("CNY", "used", "day")
    dec = s9[(s9["price"] == 600)].iloc[0]
    assert str(dec["date"])[:10] == "2018-12-01" and dec["date_precision"] == "month"


def test_machine_price_arguments_are_checked():
    with pytest.raises(InputError, match="condition: must be new, used or scrap"):
        machine_price_frame("S9", "2018-11-21", 1200, "CNY", "broken")
    with pytest.raises(InputError, match="date: not a date"):
        machine_price_frame("S9", "21.11.2018", 1200, "CNY", "used")
    with pytest.raises(InputError, match="currency"):
        machine_price_frame("S9", "2018-11-21", 1200, "yuan", "used")


def test_unknown_source_and_options(tmp_path):
    path = shared_data_file("usd_cny_daily.csv")
    with pytest.raises(InputError, match="unknown source 'ecbx'"):
        import_file("ecbx", path, store=tmp_path / "h.duckdb")
    with pytest.raises(InputError, match="option\\(s\\) asset do not apply to ecb"):
        import_file("ecb", path, store=tmp_path / "h.duckdb", asset="BTC")
    with pytest.raises(InputError, match="series: required for source csv"):
        import_file("csv", path, store=tmp_path / "h.duckdb")
    assert not (tmp_path / "h.duckdb").exists()
