"""GPU farm files: rigs of cards on ETH, a second coin from a user file, card price quotes.

The second coin is a user's Coin Metrics-style file for ZEC built from ETH's own late-2018
rows: the same issuance, fees and blocks, a network hashrate of ETH's x 300 / 30.2e6 and a
price x 1.25. A card of 30.2 MH/s on Ethash and 300 Sol/s on Equihash then holds the same
share of either network, so a day on ZEC pays exactly 1.25 days on ETH (hand computation).
"""

from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import pytest
from farm_fixtures import EXAMPLES

from datafiles import shared_data_file
from hashwinter.assets.card_resale import CardResaleModel
from hashwinter.cli.app import main
from hashwinter.data import import_file
from hashwinter.errors import InputError, InputErrors
from hashwinter.farm import backtest_from_store, farm_from_dict, load_farm
from hashwinter.farm.gpu_cycle import GpuCyclePolicy
from hashwinter.farm.gpu_report import gpu_legs
from hashwinter.hardware import default_catalog, load_catalog

FIRST, LAST = dt.date(2018, 11, 1), dt.date(2018, 12, 31)
CATALOG = ("model,maker,kind,algorithm,release,hashrate_mhs,power_w,rates\n"
           "RX 580 dual,AMD,gpu,ethash,2017-04,30.2,135,equihash:300:120\n")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gpufiles")
    path = tmp / "h.duckdb"
    import_file("coinmetrics", shared_data_file("eth_daily.csv"), store=path)
    zec = tmp / "zec_daily.csv"
    with open(shared_data_file("eth_daily.csv"), newline="", encoding="utf-8") as fh, \
            open(zec, "w", newline="", encoding="utf-8") as out:
        rows = [r for r in csv.DictReader(fh) if "2018-10-01" <= r["date"] <= "2018-12-31"]
        writer = csv.writer(out)
        # The store derives an Equihash coin's work difficulty from hashrate and blocks;
        # the file's own difficulty column is read but replaced.
        writer.writerow(["date", "price_usd", "difficulty", "hashrate_ths", "blk_cnt",
                         "issuance_zec", "fees_zec"])
        for r in rows:
            writer.writerow([r["date"], float(r["price_usd"]) * 1.25, r["difficulty"],
                             float(r["hashrate_ths"]) * 300 / 30.2e6, r["blk_cnt"],
                             r["issuance_eth"], r["fees_eth"]])
    import_file("coinmetrics", zec, store=path, asset="ZEC")
    return path


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    path = tmp_path_factory.mktemp("cat") / "cards.csv"
    path.write_text(CATALOG, encoding="utf-8")
    return default_catalog().merged_with(load_catalog(path))


def farm(catalog, *, model="RX 580 dual", coins=("ZEC",), min_gain=0.0, rig=None, **top):
    data = {
        "name": "cards", "currency": "USD", "coin": "ETH", "start": FIRST, "end": LAST,
        "sites": [{"name": "s", "capacity_slots": 2000, "capacity_mw": 1.0,
                   "tariff": {"kind": "flat", "price": 0.05, "currency": "USD"}}],
        "fleet": [{"model": model, "count": 800, "site": "s",
                   "purchase_date": dt.date(2018, 1, 1), "unit_price": 200,
                   "rig": rig if rig is not None else {"cards": 8}}],
        "coins": [{"coin": c} for c in coins],
        "policies": [{"kind": "most_profitable_coin", "min_gain": min_gain}] if coins else [],
        "treasury": {"starting_cash": 100_000},
    }
    data.update(top)
    return farm_from_dict(data, catalog=catalog)


def test_a_rig_card_mines_the_coin_that_pays_more_at_its_rate_for_each_algorithm(
        store, catalog) -> None:
    base = backtest_from_store(farm(catalog, coins=()), store)
    both = backtest_from_store(farm(catalog), store)
    # The card holds the same share of both networks; ZEC's price is 1.25 x: every day on ZEC.
    assert both.summary.cohorts["days_on_other_coins"].iloc[0] == 61
    assert both.summary.revenue == pytest.approx(1.25 * base.summary.revenue, rel=1e-9)
    # One power on every coin: the card's Ethash draw plus its eighth of the 60 W platform.
    assert both.farm_run.spec.cohorts.power[0] == 135 + 60 / 8
    assert both.summary.power_cost == pytest.approx(base.summary.power_cost, rel=1e-12)
    assert base.summary.power_cost == pytest.approx(
        800 * 142.5 / 1000 * 24 * 61 * 0.05, rel=1e-12)
    # The switching margin: ZEC's 25 % does not beat a required 30 %.
    stay = backtest_from_store(farm(catalog, min_gain=0.3), store)
    assert stay.summary.revenue == pytest.approx(base.summary.revenue, rel=1e-12)
    # A fleet of cards without an Equihash rate cannot mine ZEC at all: refused.
    with pytest.raises(InputError, match="coins: no fleet model can mine any of these coins"):
        backtest_from_store(farm(catalog, model="RX 580"), store)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"rig": {"cards": 0}}, "fleet[0].rig.cards", "must be >= 1 (got 0)"),
    ({"model": "Antminer E3", "rig": {"cards": 8}}, "fleet[0].rig",
     "Antminer E3 is an ASIC, not a card"),
    ({"model": "Antminer S9"}, "fleet[0].model", "Antminer S9 mines sha256, not ETH's ethash"),
])
def test_bad_rigs_and_cards_are_refused_with_their_field(catalog, changes, field,
                                                         message) -> None:
    with pytest.raises(InputErrors) as exc:
        farm(catalog, coins=(), **{"fleet": [{
            "model": "RX 580", "count": 8, "site": "s", "purchase_date": dt.date(2018, 1, 1),
            **changes}]})
    found = [e for e in exc.value.errors if e.field == field]
    assert found and message in found[0].message, exc.value


def test_cli_bad_rig_is_one_line_with_file_and_line_exit_2(tmp_path, capsys) -> None:
    path = tmp_path / "f.toml"
    path.write_text('name = "x"\ncurrency = "USD"\ncoin = "ETH"\n[[sites]]\nname = "s"\n'
                    'capacity_slots = 10\ncapacity_mw = 1\n'
                    'tariff = { kind = "flat", price = 0.05, currency = "USD" }\n'
                    '[[fleet]]\nmodel = "RX 580"\ncount = 8\nsite = "s"\n'
                    'purchase_date = 2018-01-01\nrig = { cards = 0 }\n', encoding="utf-8")
    out = tmp_path / "out"
    code = main(["backtest", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:14: fleet[0].rig.cards: must be >= 1 (got 0)" in err
    assert not out.exists()


QUOTES = ("date,model,price,currency,condition\n"
          "2018-02-01,RX 580,540,USD,new\n"
          "2018-07-01,Radeon RX 580 8GB,330,USD,new\n"
          "2018-07-01,RX 580,300,EUR,new\n"
          "2018-08-01,RX 580,120,USD,used\n")


def cycle_farm(tmp_path, quotes: str, **entry):
    (tmp_path / "quotes.csv").write_text(quotes, encoding="utf-8")
    data = {
        "name": "cycle", "currency": "USD", "coin": "ETH", "start": dt.date(2018, 1, 1),
        "end": dt.date(2018, 12, 31),
        "sites": [{"name": "s", "capacity_slots": 100, "capacity_mw": 1.0,
                   "tariff": {"kind": "flat", "price": 0.10, "currency": "USD"}}],
        "fleet": [{"model": "RX 580", "count": 80, "site": "s",
                   "purchase_date": dt.date(2017, 12, 1), "unit_price": 300,
                   "rig": {"cards": 8}}],
        "treasury": {"starting_cash": 100_000},
        "policies": [{"kind": "gpu_cycle", "new_card_quotes": "quotes.csv",
                      "miner_price": "payback", **entry}],
    }
    return farm_from_dict(data, source=str(tmp_path / "farm.toml"))


def test_new_card_quotes_give_the_gamer_model_its_new_price_of_each_day(tmp_path,
                                                                         store) -> None:
    loaded = cycle_farm(tmp_path, QUOTES)
    res = backtest_from_store(loaded, store)
    policy = res.farm_run.policy.parts[1]
    assert isinstance(policy, GpuCyclePolicy)
    dates = [str(d) for d in res.farm_run.spec.clock.dates]
    table = policy.new_price_table[0]
    # Before the first quote the first holds; aliases resolve; EUR and used rows are not read.
    assert table[dates.index("2018-01-01")] == 540
    assert table[dates.index("2018-06-30")] == 540
    assert table[dates.index("2018-07-01")] == 330
    assert table[dates.index("2018-12-31")] == 330


@pytest.mark.parametrize(("quotes", "message"), [
    ("date,model,price,currency,condition\n2018-02-01,RX 580,abc,USD,new\n",
     "quotes.csv:2:3: price: not a number"),
    ("date,model,price,currency,condition\n2018-02-01,RX 580,300,EUR,new\n",
     "no new-card quote of Radeon RX 580 in USD"),
])
def test_a_bad_quotes_file_names_the_row(tmp_path, store, quotes, message) -> None:
    with pytest.raises((InputErrors, InputError)) as exc:
        backtest_from_store(cycle_farm(tmp_path, quotes), store)
    assert message in str(exc.value)


def test_the_rental_floor_is_a_cards_exit_price_when_renting_pays_more(store,
                                                                      tmp_path) -> None:
    # Renting at 2 USD a card-hour, let half the hours, over 30 days, net of 142.5 W at
    # 0.10 USD/kWh: (2 - 0.1425 x 0.10) x 0.5 x 24 x 30 = 714.87 a card, above any gamer
    # price of 2018 (new 540 x 0.75 < 405): every sale to gamers is at the floor.
    loaded = cycle_farm(tmp_path, QUOTES, resale={"rent_per_card_hour": 2.0,
                                                   "rent_horizon_days": 30})
    res = backtest_from_store(loaded, store)
    floor = (2 - 0.1425 * 0.10) * 0.5 * 24 * 30
    assert floor == pytest.approx(714.87, abs=0.01)
    daily = res.ledger.daily_cohort()
    sold = daily["sold"][:, 0, 0, 0]
    proceeds = daily["sale_proceeds"][:, 0, 0, 0]
    exits = np.flatnonzero(sold == 80)
    assert exits.size > 0
    assert proceeds[exits] == pytest.approx(80 * floor, rel=1e-12)
    model = CardResaleModel(rent_per_card_hour=2.0, rent_horizon_days=30)
    assert float(model.card_value(330.0, 365, 0.5, card_power_w=142.5, tariff=0.10)) == \
        pytest.approx(floor, rel=1e-12)


def test_cli_backtest_prints_the_three_pnls_in_one_report(store, tmp_path, capsys) -> None:
    import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=store)
    text = (EXAMPLES / "jin_xin_gpu.toml").read_text(encoding="utf-8")
    text = text.replace("start = 2018-01-01", "start = 2018-12-01")
    path = tmp_path / "december.toml"
    path.write_text(text, encoding="utf-8")
    code = main(["backtest", str(path), "--store", str(store), "--no-html"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    for title in ("GPU cycle against holding the rigs and against an ASIC farm",
                  "loss floor (capital - cards x gamer low)", "P&L with one resale parameter",
                  "The cycle's thresholds as variants"):
        assert title in captured.out
    assert "7,023" in captured.out  # ASICs of the same capital


def test_threshold_lists_are_swept_and_the_legs_run_the_first(store, tmp_path, capsys) -> None:
    import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=store)
    text = (EXAMPLES / "jin_xin_gpu.toml").read_text(encoding="utf-8")
    text = text.replace("start = 2018-01-01", "start = 2018-12-01").replace(
        "required_surplus = 0.05 ", "required_surplus = [0.05, 0.0, 0.2] ")
    path = tmp_path / "lists.toml"
    path.write_text(text, encoding="utf-8")
    legs = gpu_legs(load_farm(path), lambda f: backtest_from_store(f, store), sensitivity=())
    assert legs.entry.required_surplus == 0.05
    assert list(legs.sweep["required_surplus"]) == [0.05, 0.0, 0.2]
    assert legs.sweep["cycle_pnl"][0] == pytest.approx(legs.pnl["cycle"]["pnl"], rel=1e-9)
    code = main(["backtest", str(path), "--store", str(store), "--no-html"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "The cycle's thresholds as variants" in captured.out


def test_a_sites_power_limit_counts_the_rigs_platforms(catalog) -> None:
    # 800 cards x (135 W + 60 W / 8) = 114 kW: a 0.11 MW site is too small, 0.115 MW holds it.
    with pytest.raises(InputErrors, match=r"sites\[0\].capacity_mw: the fleet draws 0.11 MW"):
        farm(catalog, coins=(), sites=[{"name": "s", "capacity_slots": 2000,
                                        "capacity_mw": 0.11, "tariff": "sichuan_hydro_2018"}])
    farm(catalog, coins=(), sites=[{"name": "s", "capacity_slots": 2000, "capacity_mw": 0.115,
                                    "tariff": "sichuan_hydro_2018"}])
