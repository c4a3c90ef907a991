"""Trading rules on real history: Hu's rule, Lao Luo's three legs, count conservation, bad input.

Reference cases of issue 11 (each tolerance is stated where it is asserted).
"""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from farm_fixtures import EXAMPLES, btc_rows, cny_per_usd, full_history, history

from hashwinter.assets import option_adjusted_value
from hashwinter.cli.app import main
from hashwinter.engine import run
from hashwinter.errors import InputError
from hashwinter.farm import backtest, build_farm_run, farm_from_dict
from hashwinter.farm.trading.book import trade_book, trading_comparison

HU = EXAMPLES / "hu_haifeng_buys.toml"
LAO_LUO = EXAMPLES / "lao_luo_a741.toml"
S9_HASHRATE, S9_WATTS = 13.5e12, 1323.0


def _doc(path):
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _hu_payback(day: str) -> float:
    """Hand computation from btc_daily.csv: 600 CNY over the day's margin of one S9 [day].

    S9 13.5 TH/s, 1,323 W, PUE 1.0, pool fee 2 %, 0.28 CNY/kWh; the day's close (USD x ECB
    CNY/USD), the difficulty in force, subsidy + the day's mean fees per block; no growth.
    """
    row = btc_rows().loc[day]
    reward = row["mean_subsidy_btc"] + row["fees_btc"] / row["blk_cnt"]
    coins = S9_HASHRATE * 86400 / (row["difficulty"] * 2**32) * reward * 0.98
    revenue = coins * row["price_usd"] * cny_per_usd(day)
    power = S9_WATTS / 1000 * 24 * 0.28
    return 600.0 / (revenue - power)


def test_hu_payback_by_hand_is_118_and_98_days():
    # The figures: about 118 days at the 25 Nov 2018 close, about 98 at the 28th's.
    assert _hu_payback("2018-11-25") == pytest.approx(118, rel=0.03)
    assert _hu_payback("2018-11-28") == pytest.approx(98, rel=0.03)


def test_hu_rule_buys_after_the_28th_close_not_the_25th():
    doc = _doc(HU)
    doc["end"] = "2018-12-01"
    doc["fleet"][0]["purchase_date"] = "2017-12-15"
    doc["policies"] = [doc["policies"][0]]
    result = backtest(farm_from_dict(doc), history())
    cohorts = result.cohorts
    bought = cohorts.groupby("date")["machines_bought"].sum()
    # The rule decides at a day's start from the previous close (day 0: its own close):
    # no purchase from the 25th's to the 27th's close; the first on the 29th (28th's close).
    first = bought[bought > 0].index[0]
    assert str(first.date()) == "2018-11-29"
    assert bought.loc[:"2018-11-28"].sum() == 0
    # The engine's payback on the 28th (its ledger's coins per machine and cost) is the
    # hand computation's within 3 %.
    daily = result.ledger.daily_cohort()
    day, k = 3, 1  # 28 Nov; the purchase cohort (after the fleet's)
    margin = float(daily["coins_per_machine"][day, 0, 0, k] * daily["price"][day, 0, 0, k]
                   - daily["cost_per_machine"][day, 0, 0, k])
    assert 600 / margin == pytest.approx(_hu_payback("2018-11-28"), rel=0.03)
    run = result.run
    assert run.checks.max_count_error < 1e-6


def test_counts_are_conserved_bought_minus_sold_minus_scrapped():
    result = backtest(farm_from_dict(_doc(HU)), history())
    c = result.cohorts
    for _, g in c.groupby("cohort"):
        g = g.sort_values("date")
        change = g["installed_machines"].iloc[-1] - g["installed_machines"].iloc[0]
        first_day_trades = (g["machines_bought"] - g["machines_sold"]
                            - g["machines_scrapped"]).iloc[0]
        flows = (g["machines_bought"] - g["machines_sold"] - g["machines_scrapped"]).sum()
        assert change == pytest.approx(flows - first_day_trades, abs=1e-6)
    book = trade_book(result)
    trades = (book["bought"] - book["sold"] - book["scrapped"]).to_numpy()
    assert np.allclose(np.diff(book["fleet_machines"].to_numpy()), trades[1:], atol=1e-6)
    assert book["bought"].sum() > 0
    # Whole machines only, within the 40,000 slots.
    assert np.allclose(book["bought"], np.round(book["bought"]))
    assert book["fleet_machines"].max() <= 40000


def _lao_luo(policies, end="2019-12-31"):
    doc = _doc(LAO_LUO)
    doc.update(start="2018-11-25", end=end)
    doc["policy"] = {"kind": "always_on"}
    doc["policies"] = policies
    doc["treasury"]["starting_cash"] = 20_000_000  # never broke: "run throughout" runs
    return farm_from_dict(doc)


@pytest.fixture(scope="module")
def legs():
    market = full_history()
    val = {"buyer_tariff": 0.30, "liquidity": 0.8, "scrap_value_per_kw": 60.0}
    farms = {
        "run": _lao_luo([]),
        "stored": _lao_luo([{"kind": "store_until_recovery", "date": "2018-11-25",
                             "resume_above": 0.10}]),
        "sold": _lao_luo([{"kind": "sell_on_date", "fleet": [0], "date": "2018-11-25",
                           "fee": 0.05, "valuation": val}]),
    }
    return {name: backtest(f, market) for name, f in farms.items()}


def test_lao_luo_run_throughout_mines_its_share_of_issuance(legs):
    # Hand: each day 2,000 A741s' share of the network hashrate (D x 2^32 x blocks / 86400,
    # btc_daily.csv) times the day's issuance (subsidy + fees), less the 2 % pool fee; 1 %.
    c = legs["run"].cohorts
    rows = full_rows().loc["2018-11-25":"2019-12-31"]
    network = rows["difficulty"] * 2**32 * rows["blk_cnt"] / 86400
    a741 = 2000 * 7.3e12
    hand = (a741 / network * (rows["issuance_btc"] + rows["fees_btc"]) * 0.98).sum()
    assert c["coins_mined_btc"].sum() == pytest.approx(hand, rel=0.01)


def full_rows():
    import pandas as pd

    from datafiles import shared_data_file
    return pd.read_csv(shared_data_file("btc_daily.csv")).set_index("date")


def test_lao_luo_stored_pays_no_power_while_stored(legs):
    c = legs["stored"].cohorts
    off = c[c["running_machines"] == 0]
    assert len(off) > 0 and off["power_cost_cny"].sum() == 0.0
    assert off["date"].min().strftime("%Y-%m-%d") == "2018-11-25"


def test_lao_luo_sold_receives_2000_times_the_market_price_less_fee(legs):
    c = legs["sold"].cohorts
    sale = c[c["date"] == "2018-11-25"]
    assert float(sale["machines_sold"].sum()) == 2000
    # The market price by the reference function (not the table): A741 7.3 TH/s, 1,150 W at
    # the buyer's 0.30 CNY/kWh, the 25th's close and state, 2 % pool fee, sigma 0.035,
    # r = 10 %, 730 days, weekly step; x 0.8 liquidity, floored at 60 CNY/kW of scrap.
    row, fx = btc_rows().loc["2018-11-25"], cny_per_usd("2018-11-25")
    value = float(option_adjusted_value(
        7.3e12, 1150.0, price=row["price_usd"] * fx, difficulty=row["difficulty"],
        subsidy=row["mean_subsidy_btc"], fees_per_block=row["fees_btc"] / row["blk_cnt"],
        tariff=0.30, pool_fee=0.02, sigma_per_day=0.035, discount_rate_per_year=0.10,
        life_days=730, step_days=7))
    price = max(0.8 * value, 1.15 * 60.0)
    assert float(sale["machine_sales_cny"].sum()) == pytest.approx(2000 * price * 0.95, rel=1e-3)
    assert float(c[c["date"] > "2018-11-25"]["power_cost_cny"].sum()) == 0.0


def test_lao_luo_legs_side_by_side(legs):
    table = trading_comparison(legs)
    assert list(table.columns) == ["figure", "run", "stored", "sold"]
    held = table.set_index("figure").loc["machines held at the end"]
    assert held["sold"] == 0 and held["run"] == 2000 and held["stored"] == 2000


@pytest.mark.parametrize(("policy", "field", "message"), [
    ({"kind": "sell_on_date", "fleet": [0], "date": "2018-11-25", "count": 3000},
     "policies[0].count", "sells 3,000 machines of fleet[0], which holds 2,000"),
    ({"kind": "buy_fleet", "model": "Antminer S9", "site": "small farm", "date": "2018-11-26",
      "count": 1000}, "policies[0].site", "is full"),
    ({"kind": "buy_payback", "model": "Antminer S9", "site": "small farm",
      "price_per_machine": -600}, "policies[0].price_per_machine", ">= 0"),
    ({"kind": "sell_above_value", "valuation": {"life_days": -1}},
     "policies[0].valuation.life_days", "> 0"),
])
def test_bad_trading_input_names_the_field(policy, field, message):
    doc = _doc(LAO_LUO)
    doc["sites"][0]["capacity_slots"] = 2000
    doc["policies"] = [policy]
    with pytest.raises((InputError, Exception)) as info:
        farm = farm_from_dict(doc)
        build_farm_run(farm, history())
    text = str(info.value)
    assert field in text and message in text


@pytest.fixture(scope="module")
def winter_store(tmp_path_factory):
    from datafiles import winter_data_file
    from hashwinter.data.importing import import_file
    store = tmp_path_factory.mktemp("store") / "h.duckdb"
    import_file("coinmetrics", winter_data_file("btc_daily.csv"), store=store)
    import_file("ecb", winter_data_file("usd_cny_daily.csv"), store=store)
    return store


@pytest.mark.parametrize(("policy", "field"), [
    ('kind = "sell_on_date"\nfleet = [0]\ndate = 2018-11-25\ncount = 3000', "policies[0].count"),
    ('kind = "buy_fleet"\nmodel = "Antminer S9"\nsite = "small farm"\ndate = 2018-11-26\n'
     'count = 1000', "policies[0].site"),
    ('kind = "buy_payback"\nmodel = "Antminer S9"\nsite = "small farm"\n'
     'price_per_machine = -600', "policies[0].price_per_machine"),
    ('kind = "sell_above_value"\nvaluation = { life_days = -1 }',
     "policies[0].valuation.life_days"),
])
def test_bad_trading_input_exits_2_on_the_cli(tmp_path, capsys, winter_store, policy, field):
    # Each bad input of the issue through `hashwinter backtest`: one line naming the field
    # and the file, exit 2, nothing written (the site is full: 2,000 slots, 2,000 held).
    text = LAO_LUO.read_text(encoding="utf-8").replace("capacity_slots = 2500",
                                                       "capacity_slots = 2000")
    farm = tmp_path / "bad.toml"
    farm.write_text(text + f"\n[[policies]]\n{policy}\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["backtest", str(farm), "--store", str(winter_store), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert field in err and "bad.toml:" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_a_list_of_thresholds_is_one_run_over_the_variant_axis():
    # Sweepable: payback_days = [90, 110, 130] is three variants in one engine run, each
    # equal to its own single-value run; a longer payback threshold never buys less.
    doc = _doc(HU)
    doc["end"] = "2018-12-10"
    doc["policies"] = [dict(doc["policies"][0], payback_days=[90, 110, 130])]
    fr = build_farm_run(farm_from_dict(doc), history())
    swept = run(fr.spec, fr.policy, fr.treasury)
    totals = swept.held[:, 0, 1]  # machines in the purchase cohort at the end, per variant
    assert np.all(np.diff(totals) >= 0) and totals[-1] > totals[0]
    assert swept.checks.max_count_error < 1e-6
    doc["policies"] = [dict(doc["policies"][0], payback_days=110)]
    single = backtest(farm_from_dict(doc), history()).cohorts
    assert totals[1] == pytest.approx(single["machines_bought"].sum())

def test_backtest_cli_shows_and_writes_the_trading_ledger(tmp_path, capsys):
    from datafiles import winter_data_file
    from hashwinter.data.importing import import_file
    store = tmp_path / "h.duckdb"
    import_file("coinmetrics", winter_data_file("btc_daily.csv"), store=store)
    import_file("ecb", winter_data_file("usd_cny_daily.csv"), store=store)
    out = tmp_path / "out"
    code = main(["backtest", str(HU), "--store", str(store), "--to", "2018-12-10",
                 "--out", str(out), "--format", "csv"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Trading: fleet" in captured.out
    assert "against the same farm without them" in captured.out
    import pandas as pd
    trades = pd.read_csv(out / "trades.csv")
    used = pd.read_csv(out / "used_prices.csv")
    assert trades["bought"].sum() == 10000  # the 10,000 free slots filled at 600 CNY
    assert trades["purchase_cost_cny"].sum() == pytest.approx(10000 * 600)
    assert {"market_price", "shutdown_price"} <= set(used.columns)
    assert "<h2>Trading</h2>" in (out / "report.html").read_text(encoding="utf-8")


def test_lao_luo_three_legs_in_one_report_on_the_cli(tmp_path, capsys):
    # One command, one table: "sold" (its own file), its "without trading" leg (= run
    # throughout) and "stored" (--against), on the same window; legs.csv holds the table.
    from datafiles import winter_data_file
    from hashwinter.data.importing import import_file
    store = tmp_path / "h.duckdb"
    import_file("coinmetrics", winter_data_file("btc_daily.csv"), store=store)
    import_file("ecb", winter_data_file("usd_cny_daily.csv"), store=store)
    out = tmp_path / "out"
    code = main(["backtest", str(EXAMPLES / "lao_luo_sold.toml"), "--store", str(store),
                 "--against", str(EXAMPLES / "lao_luo_stored.toml"), "--to", "2018-12-10",
                 "--out", str(out), "--format", "csv", "--no-html"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Side by side, 2018-11-25 to 2018-12-10" in captured.out
    import pandas as pd
    table = pd.read_csv(out / "legs.csv").set_index("figure")
    sold, run_, stored = ("Lao Luo — 2,000 A741 (sold)",
                          "Lao Luo — 2,000 A741 (sold), without trading",
                          "Lao Luo — 2,000 A741 (stored)")
    assert list(table.columns) == [sold, run_, stored]
    held = table.loc["machines held at the end"]
    assert (held[sold], held[run_], held[stored]) == (0, 2000, 2000)
    power = table.loc["power cost [CNY]"]
    assert power[run_] > 0 and power[stored] == 0 and power[sold] == 0
    assert table.loc["coins mined [BTC]", stored] == 0  # still under water by 10 Dec


def test_a_bad_against_farm_exits_2_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(LAO_LUO.read_text(encoding="utf-8").replace("count = 2000", "count = -5"),
                   encoding="utf-8")
    out = tmp_path / "out"
    code = main(["backtest", str(LAO_LUO), "--against", str(bad), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "fleet[0].count" in err and "bad.toml" in err
    assert not out.exists()
