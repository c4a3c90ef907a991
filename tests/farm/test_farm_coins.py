"""A farm file with more than one coin (``[[coins]]``) and the ``most_profitable_coin`` policy.

The second coin is Bitcoin's real winter-2018 history with its price scaled (a stand-in for
an SHA-256 fork: same difficulty, blocks, subsidy and fees), so every expected number is a
hand computation from the one-coin backtest of the same farm on the same days.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from farm_fixtures import history
from numpy.testing import assert_allclose

from hashwinter.cli.app import main
from hashwinter.data.importing import import_file
from hashwinter.engine import DailyMarket
from hashwinter.errors import InputError, InputErrors
from hashwinter.farm import backtest, backtest_from_store, farm_from_dict

FIRST, LAST = dt.date(2018, 11, 1), dt.date(2018, 12, 31)


def s9_farm(*, coins=("BCH",), policies=None, **changes):
    data = {
        "name": "two coins", "currency": "CNY", "pool_fee": 0.02,
        "start": FIRST, "end": LAST,
        "sites": [{"name": "s", "capacity_slots": 2000, "capacity_mw": 3.0,
                   "tariff": {"kind": "flat", "price": 0.28, "currency": "CNY"}, "pue": 1.05}],
        "fleet": [{"model": "Antminer S9", "count": 1000, "site": "s",
                   "purchase_date": dt.date(2018, 1, 1), "unit_price": 2500}],
        "policy": {"kind": "always_on"},
        "coins": [{"coin": c} for c in coins],
        "policies": policies if policies is not None else (
            [{"kind": "most_profitable_coin"}] if coins else []),
        "treasury": {"starting_cash": 1_000_000},
    }
    data.update(changes)
    return farm_from_dict(data)


def fork(factor: np.ndarray | float, coin: str = "BCH") -> DailyMarket:
    """Bitcoin's winter history with the price multiplied by ``factor`` (per day)."""
    btc = history()
    return dataclasses.replace(btc, price=btc.price * factor, coin=coin)


def one_coin_daily() -> pd.DataFrame:
    """Coins mined per day and the day's price, the farm mining Bitcoin only."""
    res = backtest(s9_farm(coins=()), history())
    return res.cohorts.groupby("date")[["coins_mined_btc", "price_cny_per_btc"]].sum()


def test_a_dearer_fork_is_mined_every_day_for_its_price():
    base = backtest(s9_farm(coins=()), history())
    res = backtest(s9_farm(), history(), other_coins={"BCH": fork(1.25)})
    # Same difficulty, blocks and fees: the same coins per day, each worth 1.25 BTC.
    assert res.cohorts["coins_mined_btc"].sum() == 0.0
    assert_allclose(res.summary.revenue, 1.25 * base.summary.revenue, rtol=1e-12)
    assert_allclose(res.summary.other_coin_revenue, res.summary.revenue, rtol=1e-12)
    assert_allclose(res.summary.power_cost, base.summary.power_cost, rtol=1e-12)
    # The coins are sold as they are mined: cash gains the extra quarter of the revenue.
    gain = res.summary.cash_end - base.summary.cash_end
    assert_allclose(gain, 0.25 * base.summary.revenue, rtol=1e-9)
    assert res.summary.cohorts["days_on_other_coins"].iloc[0] == 61


def test_the_choice_follows_yesterdays_prices():
    days = pd.date_range(FIRST, LAST, freq="D")
    btc = history()
    index = pd.DatetimeIndex(btc.dates)
    factor = np.where(index.month == 11, 1.25, 0.8)  # the fork pays more in November only
    res = backtest(s9_farm(), history(), other_coins={"BCH": fork(factor)})
    base = one_coin_daily()
    # Plain loop: on day d the cohort mines the coin that paid more on day d - 1 (day 0: itself).
    f = pd.Series(factor, index=index).reindex(days).to_numpy()
    expected = 0.0
    for d in range(len(days)):
        seen = f[max(d - 1, 0)]
        coins, price = base.iloc[d]
        expected += coins * price * (f[d] if seen > 1.0 else 1.0)
    assert_allclose(res.summary.revenue, expected, rtol=1e-12)
    # Nov 1 .. Dec 1 on the fork (Dec 1 judged on Nov 30's prices), the rest on Bitcoin.
    assert res.summary.cohorts["days_on_other_coins"].iloc[0] == 31


def test_min_gain_keeps_the_main_coin_below_its_margin():
    base = backtest(s9_farm(coins=()), history())
    stay = backtest(s9_farm(policies=[{"kind": "most_profitable_coin", "min_gain": 0.3}]),
                    history(), other_coins={"BCH": fork(1.25)})
    go = backtest(s9_farm(policies=[{"kind": "most_profitable_coin", "min_gain": 0.2}]),
                  history(), other_coins={"BCH": fork(1.25)})
    assert_allclose(stay.summary.revenue, base.summary.revenue, rtol=1e-12)
    assert stay.summary.other_coin_revenue == 0.0
    assert_allclose(go.summary.revenue, 1.25 * base.summary.revenue, rtol=1e-12)


def test_without_the_policy_every_cohort_mines_the_main_coin():
    base = backtest(s9_farm(coins=()), history())
    res = backtest(s9_farm(policies=[]), history(), other_coins={"BCH": fork(2.0)})
    assert_allclose(res.summary.revenue, base.summary.revenue, rtol=1e-12)


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"coins": ("BTC",)}, "coins[0].coin", "already mined"),
    ({"coins": ("BCH", "bch")}, "coins[1].coin", "already mined"),
    ({"coins": ("DOGE",)}, "coins[0].coin", "unknown coin 'DOGE'"),
    ({"coin": "XYZ", "coins": ()}, "coin", "unknown coin"),
    ({"coins": (), "policies": [{"kind": "most_profitable_coin"}]}, "policies[0].kind",
     "list the others in [[coins]]"),
    ({"coins": ("BCH",), "policies": [{"kind": "most_profitable_coin", "min_gain": -0.1}]},
     "policies[0].min_gain", ""),
    ({"coins": (), "coin": "ETH"}, "fleet[0].model", "mines sha256, not ETH's ethash"),
])
def test_bad_coins_name_the_field(changes, field, words):
    coins = changes.pop("coins")
    with pytest.raises(InputErrors) as info:
        s9_farm(coins=coins, **changes)
    fields = {e.field: e.message for e in info.value.errors}
    assert field in fields, fields
    assert words in fields[field]


def test_a_coin_missing_from_the_run_is_named():
    with pytest.raises(Exception, match="no BCH history") as info:
        backtest(s9_farm(), history())
    assert getattr(info.value, "field", None) == "coins[0].coin"


@pytest.fixture(scope="module")
def two_coin_store(tmp_path_factory):
    """The winter's Bitcoin history, and the same file as "BCH" at 1.25 times the price."""
    from datafiles import winter_data_file

    folder = tmp_path_factory.mktemp("coins")
    btc = pd.read_csv(winter_data_file("btc_daily.csv"))
    bch = btc.rename(columns={"issuance_btc": "issuance_bch", "fees_btc": "fees_bch",
                              "mean_subsidy_btc": "mean_subsidy_bch"})
    bch["price_usd"] = bch["price_usd"] * 1.25
    bch.to_csv(folder / "bch_daily.csv", index=False)
    path = folder / "history.duckdb"
    import_file("coinmetrics", winter_data_file("btc_daily.csv"), store=path)
    import_file("coinmetrics", folder / "bch_daily.csv", store=path)
    import_file("ecb", winter_data_file("usd_cny_daily.csv"), store=path)
    return path


def test_backtest_from_the_store_reads_each_coin(two_coin_store, tmp_path):
    base = backtest_from_store(s9_farm(coins=()), two_coin_store)
    res = backtest_from_store(s9_farm(), two_coin_store)
    assert_allclose(res.summary.revenue, 1.25 * base.summary.revenue, rtol=1e-9)
    # The fork's history ends before the window does: the error names the coin's entry.
    from datafiles import winter_data_file

    bch = pd.read_csv(two_coin_store.parent / "bch_daily.csv")
    bch[bch["date"] <= "2018-11-30"].to_csv(tmp_path / "bch_nov.csv", index=False)
    short = tmp_path / "short.duckdb"
    import_file("coinmetrics", winter_data_file("btc_daily.csv"), store=short)
    import_file("coinmetrics", tmp_path / "bch_nov.csv", store=short)
    import_file("ecb", winter_data_file("usd_cny_daily.csv"), store=short)
    with pytest.raises(InputError) as info:
        backtest_from_store(s9_farm(), short)
    assert info.value.field == "coins[0].coin"
    assert "BCH: 2018-12-31 is outside the stored history (2018-10-01 .. 2018-11-30)" in str(
        info.value)


def test_cli_backtest_of_two_coins(two_coin_store, tmp_path, capsys):
    farm = tmp_path / "farm.toml"
    farm.write_text(
        'name = "two coins"\ncurrency = "CNY"\npool_fee = 0.02\n'
        "start = 2018-11-01\nend = 2018-12-31\n"
        '[[sites]]\nname = "s"\ncapacity_slots = 2000\ncapacity_mw = 3.0\npue = 1.05\n'
        'tariff = { kind = "flat", price = 0.28, currency = "CNY" }\n'
        '[[fleet]]\nmodel = "Antminer S9"\ncount = 1000\nsite = "s"\n'
        "purchase_date = 2018-01-01\nunit_price = 2500\n"
        '[[coins]]\ncoin = "bch"\n'
        '[[policies]]\nkind = "most_profitable_coin"\n', encoding="utf-8")
    code = main(["backtest", str(farm), "--store", str(two_coin_store)])
    out = capsys.readouterr().out
    assert code == 0
    assert "of which other coins" in out
    bad = tmp_path / "bad.toml"
    bad.write_text(farm.read_text(encoding="utf-8").replace('coin = "bch"', 'coin = "ETC"'),
                   encoding="utf-8")
    code = main(["backtest", str(bad), "--store", str(two_coin_store)])
    err = capsys.readouterr().err
    assert code == 2
    assert "coins[0].coin" in err and "ETC" in err


def test_a_switch_pays_its_cost_once_and_a_dear_switch_is_not_made():
    """The fork pays 1.25x every day: with a switching cost of 1 CNY a machine the farm
    switches on the first day and pays 1,000 machines x 1 CNY once (cash 1,000 below the
    free switch, revenue the same); a cost above the day's gain (a quarter of an S9's
    ~12 CNY a day) keeps it on Bitcoin."""
    free = backtest(s9_farm(), history(), other_coins={"BCH": fork(1.25)})
    paid = backtest(s9_farm(policies=[{"kind": "most_profitable_coin",
                                       "switch_cost_per_machine": 1.0}]),
                    history(), other_coins={"BCH": fork(1.25)})
    assert_allclose(paid.summary.revenue, free.summary.revenue, rtol=1e-12)
    assert_allclose(free.summary.cash_end - paid.summary.cash_end, 1000.0, rtol=1e-9)
    # Booked with the restarts (a switch restarts the rigs on another coin), nowhere else.
    assert_allclose(paid.summary.restart_costs - free.summary.restart_costs, 1000.0, rtol=1e-9)
    assert paid.summary.hosting_fees == free.summary.hosting_fees
    dear = backtest(s9_farm(policies=[{"kind": "most_profitable_coin",
                                       "switch_cost_per_machine": 100.0}]),
                    history(), other_coins={"BCH": fork(1.25)})
    base = backtest(s9_farm(coins=()), history())
    assert dear.summary.other_coin_revenue == 0.0
    assert_allclose(dear.summary.cash_end, base.summary.cash_end, rtol=1e-12)
