"""The trading ledger of every path (Monte Carlo, sweeps) against the backtest's day-by-day book."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from farm_fixtures import EXAMPLES, history

from hashwinter.cli.app import main
from hashwinter.engine import run
from hashwinter.farm import backtest, build_farm_run, farm_from_dict
from hashwinter.farm.trading.book import opening_book, trade_book
from hashwinter.farm.trading.paths import TRADE_FIGURES, TradeRecorder


def _farm(name: str, **changes):
    doc = tomllib.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    doc.update(changes)
    return farm_from_dict(doc)


@pytest.mark.parametrize(("name", "changes"), [
    ("hu_haifeng_buys.toml", {"end": "2018-12-10"}),  # buys
    ("lao_luo_sold.toml", {"end": "2018-12-20"}),     # sells, with a realised loss
])
def test_recorder_equals_the_backtest_book_day_by_day(name, changes):
    farm = _farm(name, **changes)
    market = history()
    fr = build_farm_run(farm, market)
    rec = run(fr.spec, fr.policy, fr.treasury,
              recorders=[TradeRecorder(*opening_book(fr))]).records[0]
    got = rec.figures[:, 0, 0]  # (days, figures) of the only variant and path
    book = trade_book(backtest(farm, market))
    ccy = farm.config.currency.lower()
    want = {
        "fleet": book["fleet_machines"], "bought": book["bought"].cumsum(),
        "sold": book["sold"].cumsum(), "scrapped": book["scrapped"].cumsum(),
        "purchase_cost": book[f"purchase_cost_{ccy}"].cumsum(),
        "proceeds": (book[f"sale_proceeds_{ccy}"] + book[f"scrap_proceeds_{ccy}"]).cumsum(),
        "realised_gain": book[f"realised_gain_{ccy}"].cumsum(),
        "book_value": book[f"book_value_{ccy}"],
    }
    for k, figure in enumerate(TRADE_FIGURES):
        np.testing.assert_allclose(got[:, k], want[figure].to_numpy(), rtol=1e-9, atol=1e-6,
                                   err_msg=figure)
    assert got[-1, TRADE_FIGURES.index("bought")] + got[-1, TRADE_FIGURES.index("sold")] > 0
    if "sold" in name:  # 2,000 A741s bought at 20,000 CNY a year before, sold for a few hundred
        assert got[-1, TRADE_FIGURES.index("realised_gain")] < -1e7


def test_simulate_shows_trading_against_without_on_the_same_paths(tmp_path, capsys):
    # examples/scenarios/winter_trading.toml: Hu's 30,000 S9s at a 40,000-slot site buying
    # at a fixed 600 CNY, 90 days from 25 Nov 2018; 8 paths.
    import pandas as pd

    from hashwinter.assets import option_adjusted_value

    out = tmp_path / "mc"
    code = main(["simulate", str(EXAMPLES / "scenarios" / "winter_trading.toml"),
                 "--paths", "8", "--workers", "1", "--no-progress",
                 "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Trading rules against the same farm without them" in captured.out
    name = "Hu Haifeng — buys S9s"
    summary = pd.read_csv(out / "summary.csv").set_index("farm")
    assert list(summary.index) == [name, f"{name} (without trading)"]
    trading = pd.read_csv(out / "trading.csv").set_index("figure")
    pnl = trading.loc["P&L mean"]
    assert pnl["with_trading"] == pytest.approx(summary.loc[name, "pnl_mean"])
    assert pnl["without"] == pytest.approx(summary.loc[f"{name} (without trading)", "pnl_mean"])
    held = trading.loc["machines held at the end (median)"]
    assert held["without"] == 30000  # the farm file's fleet, fixed
    bought = trading.loc["machines bought (mean)", "with_trading"]
    assert 0 < bought <= 10000  # never more than the 10,000 free slots
    assert trading.loc["purchase cost (mean)", "with_trading"] == pytest.approx(600 * bought)
    assert trading.loc["machines sold (mean)", "with_trading"] == 0  # premium 50 %: never
    fleet = pd.read_csv(out / "trading_fleet.csv")
    assert fleet["fleet_q5"].min() >= 30000 and fleet["fleet_q95"].max() <= 40000
    assert (out / "summary.json").is_file()
    # Day 0 is the same state on every path: the used price is the buy rule's valuation
    # (defaults: buyer 0.30 CNY/kWh, sigma 0.035, no growth, 10 %, two years) of that state.
    used = pd.read_csv(out / "trading_used_prices.csv")
    day0 = used.iloc[0]
    want = float(option_adjusted_value(
        13.5e12, 1323.0, price=3946.85 * 6.94, difficulty=6653303141406, subsidy=12.5,
        fees_per_block=0.26, tariff=0.30, pool_fee=0.02, sigma_per_day=0.035,
        discount_rate_per_year=0.10, life_days=730.0)[()])
    assert day0["used_price_q5"] == pytest.approx(want, rel=1e-9)
    assert day0["used_price_q95"] == pytest.approx(want, rel=1e-9)
    # The shutdown price at 0.28 CNY/kWh: 1.323 kW x 24 h x 0.28 over the coins a day.
    coins = 13.5e12 * 86400 / (6653303141406 * 2**32) * (12.5 + 0.26) * 0.98
    assert day0["shutdown_price_q50"] == pytest.approx(1.323 * 24 * 0.28 / coins, rel=1e-6)
    assert "<h2>Trading rules against the same farm without them</h2>" in (
        out / "report.html").read_text(encoding="utf-8")


def test_a_sweep_shows_both_legs_at_every_point(tmp_path, capsys):
    import pandas as pd

    out = tmp_path / "sweep"
    code = main(["sweep", str(EXAMPLES / "scenarios" / "winter_trading.toml"), "--grid",
                 "price.sigma_per_day=0.02,0.06", "--paths", "4", "--workers", "1",
                 "--no-progress", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "sweep.csv")
    name = "Hu Haifeng — buys S9s"
    assert sorted(table["farm"]) == sorted([name, f"{name} (without trading)"] * 2)
    with_ = table[table["farm"] == name]
    assert with_["bought_mean"].between(0, 10000).all()
    assert with_["fleet_end_q50"].between(30000, 40000).all()
    assert table[table["farm"] != name]["bought_mean"].isna().all()  # the twin never trades


def test_sell_and_scrap_rules_equal_a_plain_loop():
    # The rules' per-day decision against the issue's formulas cell by cell: sell all held
    # where market x (1 - fee) > (1 + premium) x keep; scrap all held where keep <=
    # (1 + margin) x scrap and market <= scrap (scrap > 0). Edge cells: keep = 0 (sells at
    # any finite premium), NaN keep (never), an infinite premium (never), a cohort not
    # covered by the rule.
    from hashwinter.engine import Actions
    from hashwinter.engine.policy import Observation
    from hashwinter.farm.trading import ScrapRule, SellRule
    from hashwinter.farm.trading.prices import TradeTables

    rng = np.random.default_rng(5)
    v, p, c, d = 6, 3, 8, 2
    market = rng.uniform(50, 150, (p, c, d))
    keep = rng.uniform(40, 160, (p, c, d))
    keep[0, 0, :], keep[1, 1, :] = 0.0, np.nan
    scrap = rng.uniform(60, 120, c)
    scrap[2] = 0.0
    market[:, 3, :] = scrap[3]  # the market pays scrap for cohort 3
    keep[:, 3, 0] = scrap[3] * np.array([0.9, 1.05, 1.3])
    tables = TradeTables(market=market, keep=keep, scrap=scrap)
    cover = np.ones(c, dtype=bool)
    cover[5] = False
    premium = np.array([-0.3, 0.0, 0.1, 0.5, 2.0, np.inf])
    margin = np.array([0.0, 0.1, 0.2, 0.5, -0.2, 0.0])
    held = rng.integers(0, 20, (v, p, c)).astype(float)
    obs = Observation(step=0, day=0, step_seconds=86400.0, price=np.ones((1, p, 1)),
                      coins_per_machine=np.ones((1, p, c)),
                      revenue_per_machine=np.ones((1, p, c)),
                      cost_per_machine=np.ones((1, 1, c)), installed=held)
    fee = 0.05
    sold = SellRule(tables, cover, fee, premium).decide(obs, Actions(on=True), None)[0].sell
    scrapped = ScrapRule(tables, cover, margin).decide(obs, Actions(on=True), None)[0].scrap
    for i in range(v):
        for j in range(p):
            for k in range(c):
                net, kp, m, s = market[j, k, 0] * (1 - fee), keep[j, k, 0], market[j, k, 0], \
                    scrap[k]
                with np.errstate(invalid="ignore"):
                    dear = bool(net > (1 + premium[i]) * kp) and cover[k]
                worthless = bool(kp <= (1 + margin[i]) * s) and m <= s * (1 + 1e-12) \
                    and cover[k] and s > 0
                assert sold[i, j, k] == (held[i, j, k] if dear else 0.0), (i, j, k)
                assert scrapped[i, j, k] == (held[i, j, k] if worthless else 0.0), (i, j, k)
    assert sold[:, 0, 0][:-1].tolist() == held[:-1, 0, 0].tolist()  # keep = 0: sold...
    assert not sold[-1].any() and not sold[:, 1, 1].any()  # ...but not at inf or NaN
    assert scrapped.any()
