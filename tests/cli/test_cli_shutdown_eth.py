"""`hashwinter shutdown --coin ETH`: machines of the coin's algorithm, refused by algorithm."""

from __future__ import annotations

import csv
import json

import pytest

from datafiles import shared_data_file
from hashwinter.cli.app import main
from hashwinter.data import import_file


@pytest.fixture(scope="module")
def eth_store(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("eth_cli") / "history.duckdb"
    import_file("coinmetrics", shared_data_file("eth_daily.csv"), store=path)
    return path


def run(capsys, *args):
    code = main(["shutdown", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_eth_lists_ethash_machines_with_shutdown_prices(capsys, eth_store) -> None:
    code, out, err = run(capsys, "--coin", "eth", "--date", "2018-11-25", "--store",
                         str(eth_store), "-t", "0.05", "--pool-fee", "0", "--format", "json")
    assert code == 0, err
    table = {r["model"]: r for r in json.loads(out)}
    # Every Ethash machine released by 25 Nov 2018 (GPUs and the Antminer E3), no SHA-256.
    assert "Antminer E3" in table and "Radeon RX 580" in table and "Antminer S9" not in table
    assert "GeForce RTX 3080" not in table  # released 2020-09
    with open(shared_data_file("eth_daily.csv"), newline="", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["date"] == "2018-11-25")
    # The 7-day fee window of the table; shutdown price = power cost / coins per day.
    rx = table["Radeon RX 580"]
    assert rx["power_cost_per_day"] == pytest.approx(0.135 * 24 * 0.05)
    assert rx["shutdown_price"] == pytest.approx(rx["power_cost_per_day"] / rx["coins_per_day"])
    # Coins per day within 1 % of the day's own issuance + fees over hashrate (the window).
    own = 30.2e6 * (float(row["issuance_eth"]) + float(row["fees_eth"])) \
        / (float(row["hashrate_ths"]) * 1e12)
    assert rx["coins_per_day"] == pytest.approx(own, rel=0.01)
    assert rx["price"] == pytest.approx(float(row["price_usd"]))


def test_terminal_table_reads_in_mhs(capsys, eth_store) -> None:
    code, out, _ = run(capsys, "--coin", "ETH", "--date", "2018-11-25", "--store",
                       str(eth_store), "-m", "E3", "-m", "RX 580")
    assert code == 0
    assert "MH/s" in out and "J/MH" in out and "180.00" in out and "30.20" in out


@pytest.mark.parametrize(("args", "needle"), [
    (("-m", "S9"), "--model: Antminer S9 mines sha256, not ETH's ethash"),
    (("-m", "RX 580", "-m", "Antminer S19 Pro"), "Antminer S19 Pro mines sha256"),
])
def test_sha256_asic_on_eth_is_refused_by_algorithm(capsys, eth_store, args, needle) -> None:
    code, out, err = run(capsys, "--coin", "ETH", "--date", "2018-11-25", "--store",
                         str(eth_store), *args)
    assert code == 2 and out == "" and needle in err and len(err.strip().splitlines()) == 1


def test_coin_without_date_or_bad_ticker(capsys) -> None:
    code, _, err = run(capsys, "--coin", "ETH")
    assert code == 2 and "--coin: the built-in state is BTC's: give --date" in err
    code, _, err = run(capsys, "--coin", "E-T-H", "--date", "2018-11-25")
    assert code == 2 and "--coin: not a ticker" in err


def test_the_e3_mines_ethash_not_bitcoin(capsys) -> None:
    code, _, err = run(capsys, "-m", "Antminer E3")
    assert code == 2 and "Antminer E3 mines ethash, not BTC's sha256" in err


def test_a_card_is_priced_at_its_rate_on_the_coin(capsys, eth_store, tmp_path) -> None:
    # A user card whose primary algorithm is Equihash but which mines Ethash too is
    # priced at its Ethash rate on ETH; a card without Ethash is refused by algorithm.
    text = ("model,maker,kind,algorithm,release,hashrate_mhs,power_w,rates\n"
            "Z card,AMD,gpu,equihash,2017-04,0.0003,120,ethash:30:140\n"
            "Y card,AMD,gpu,equihash,2017-04,0.0003,120,\n")
    path = tmp_path / "z.csv"
    path.write_text(text, encoding="utf-8")
    base = ("--catalog", str(path), "--coin", "ETH", "--date", "2018-11-25",
            "--store", str(eth_store))
    code, out, err = run(capsys, *base, "-m", "Z card", "--format", "json")
    assert code == 0, err
    row = json.loads(out)[0]
    assert row["hashrate_ths"] == pytest.approx(30e-6) and row["power_w"] == 140
    code, _, err = run(capsys, *base, "-m", "Z card", "-m", "Y card")
    assert code == 2 and "Y card mines equihash, not ETH's ethash" in err
