"""Farm scenarios on the engine: hand-computed P&L, ruin, payback, Monte Carlo mean, CLI."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashwinter.cli.app import main
from hashwinter.errors import InputError
from hashwinter.hardware import default_catalog
from hashwinter.scenario import load_scenario
from hashwinter.scenario.farmreport import farm_paybacks, farm_summary
from hashwinter.scenario.farmrun import run_farms

FARM = """\
name = "test farm"
currency = "CNY"
pool_fee = 0.02

[[sites]]
name = "hall"
capacity_slots = 200
capacity_mw = 1.0
tariff = {{ kind = "flat", price = {tariff}, currency = "CNY" }}

[[fleet]]
model = "Antminer S9"
count = 100
site = "hall"
purchase_date = 2018-01-01
unit_price = {unit_price}

[treasury]
strategy = "sell_daily"
starting_cash = {cash}

[policy]
kind = "always_on"
"""

SCENARIO = """\
name = "farm test"
paths = {paths}
seed = 3
chunk_paths = 50
start = 2018-11-25
horizon_days = {days}

[price]
process = "gbm"
s0 = {s0}
mu_per_day = 0.0
sigma_per_day = {sigma}

[market]
currency = "USD"
fx_per_usd = {{ CNY = {fx} }}

[network]
mode = "exogenous"
projection = "growth"
difficulty = 6653303141406
monthly_growth = 0.0
fees_per_block = {fees}
start_height = 551443

[[farms]]
file = "farm.toml"
"""

D = 6_653_303_141_406


def _daily_margin(tariff: float, s0: float = 4000.0, fx: float = 7.0, fees: float = 0.25) -> float:
    """Hand computation (DESIGN.md): coins/day = H 86400 / (D 2^32) (subsidy + fees)."""
    s9 = default_catalog().get("Antminer S9")
    coins = 100 * s9.hashrate * 86_400 / (D * 2**32) * (12.5 + fees) * (1 - 0.02)
    power = 100 * s9.power / 1000 * 24 * tariff  # kWh a day x CNY/kWh, PUE 1
    return coins * s0 * fx - power


def _scenario(
    tmp_path: Path, *, paths=20, sigma=0.0, tariff=0.40, cash=1e6, unit_price=1000.0, days=30,
    s0=4000.0, fx=7.0, fees=0.25,
) -> Path:  # fmt: skip
    (tmp_path / "farm.toml").write_text(
        FARM.format(tariff=tariff, cash=cash, unit_price=unit_price)
    )
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO.format(paths=paths, sigma=sigma, days=days, s0=s0, fx=fx, fees=fees))
    return path


def _run(path: Path):
    with ThreadPoolExecutor(1) as ex:
        return run_farms(load_scenario(path), ex, progress=False)


def test_constant_price_pnl_by_hand(tmp_path):
    (fp,) = _run(_scenario(tmp_path))
    margin = _daily_margin(0.40)
    assert margin > 0
    # Every path is the same (sigma = 0): P&L after 30 days = 30 daily margins.
    np.testing.assert_allclose(fp.pnl[-1], 30 * margin, rtol=1e-9)
    np.testing.assert_allclose(fp.price, 4000.0 * 7.0, rtol=1e-12)
    summary = farm_summary([fp], [0.95])
    assert summary.loc[0, "var_95"] == pytest.approx(-30 * margin, rel=1e-9)
    assert summary.loc[0, "ruin_end"] == 0.0
    # 100 S9 at 1,000 CNY earn ~160 CNY a day at 0.40 CNY/kWh: not paid back in 30 days.
    assert farm_paybacks([fp]).loc[0, "share_paid_back"] == 0.0


def test_second_hand_s9_pays_back_in_about_three_months(tmp_path):
    # The story (seed, section 3): "an S9 bought second-hand for a few hundred yuan pays
    # back in three months at today's coin price" at 0.28 CNY/kWh. On 25 Nov 2018:
    # 3,950 USD x 6.94 CNY/USD, difficulty 6.65e12, fees 0.26 BTC/block (WINTER_2018).
    path = _scenario(tmp_path, tariff=0.28, unit_price=500.0, days=150, s0=3950.0, fx=6.94,
                     fees=0.26)  # fmt: skip
    (fp,) = _run(path)
    margin = _daily_margin(0.28, s0=3950.0, fx=6.94, fees=0.26)
    pay = farm_paybacks([fp]).loc[0]
    # A constant daily margin pays the 100 x 500 CNY back in cost / margin days (the
    # payback is interpolated within the day, counted from the start).
    assert pay["q50"] == pytest.approx(50_000 / margin, rel=1e-6)
    assert 80 <= pay["q50"] <= 110  # about three months
    assert pay["share_paid_back"] == 1.0


def test_ruin_day_by_hand(tmp_path):
    # At 2 CNY/kWh the farm loses money every day; 50,000 CNY of cash lasts cash/loss days.
    loss = -_daily_margin(2.0)
    assert loss > 0
    (fp,) = _run(_scenario(tmp_path, tariff=2.0, cash=50_000))
    day = math.floor(50_000 / loss)  # cash after day d (0-based) is C - (d + 1) loss
    assert day < 30
    ruined = np.logical_or.accumulate(fp.broke, axis=0).mean(axis=1)
    assert ruined[day - 1] == 0.0 and ruined[day] == 1.0


def test_monte_carlo_mean_pnl_matches_expectation(tmp_path):
    # Always on, selling daily: revenue is linear in price, and E[S_t] = S0 (mu = 0), so the
    # mean P&L equals the constant-price P&L within Monte Carlo error.
    (fp,) = _run(_scenario(tmp_path, paths=2000, sigma=0.04))
    pnl = fp.pnl[-1]
    se = pnl.std(ddof=1) / math.sqrt(pnl.size)
    assert abs(pnl.mean() - 30 * _daily_margin(0.40)) < 4 * se
    assert pnl.std() > 0


def test_missing_farm_file_names_the_field(tmp_path):
    path = _scenario(tmp_path)
    (tmp_path / "farm.toml").unlink()
    with pytest.raises(InputError) as err:
        _run(path)
    assert err.value.field == "farms[0].file"


@pytest.mark.slow
def test_cli_farm_scenario_writes_outputs(tmp_path, capsys):
    path = _scenario(tmp_path, paths=60, sigma=0.04)
    out = tmp_path / "out"
    code = main(["simulate", str(path), "--workers", "2", "--out", str(out), "--no-progress"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "test farm" in printed and "VaR 95%" in printed
    assert sorted(p.name for p in out.iterdir()) == [
        "fan.parquet", "paths.parquet", "paybacks.csv", "report.html", "summary.csv",
        "summary.json",
    ]  # fmt: skip
    paths = pd.read_parquet(out / "paths.parquet")
    assert len(paths) == 60
    # Same seed in one process: the per-path P&L is identical whatever ran the chunks.
    (fp,) = _run(path)
    np.testing.assert_array_equal(paths["pnl"].to_numpy(), fp.pnl[-1])
    fan = pd.read_parquet(out / "fan.parquet")
    assert len(fan) == 30 and (fan["equity_q5"] <= fan["equity_q95"]).all()


def test_sweep_points_share_seeds(tmp_path):
    from hashwinter.scenario.farmrun import run_farm_scenarios

    path = _scenario(tmp_path, paths=30, sigma=0.04)
    points = [load_scenario(path, overrides={"price.sigma_per_day": s}) for s in (0.0, 0.04)]
    with ThreadPoolExecutor(2) as ex:
        batches = run_farm_scenarios(points, ex, progress=False)
    flat, volatile = batches[0][0], batches[1][0]
    np.testing.assert_allclose(flat.pnl[-1], 30 * _daily_margin(0.40), rtol=1e-9)
    # The volatile point is the plain scenario: same seeds, same numbers.
    (alone,) = _run(path)
    np.testing.assert_array_equal(volatile.pnl, alone.pnl)


@pytest.mark.slow
def test_cli_farm_sweep(tmp_path, capsys):
    path = _scenario(tmp_path, paths=20, sigma=0.04)
    out = tmp_path / "sweep"
    # Weekly steps: with the default monthly steps nothing would change within 30 days.
    code = main(["sweep", str(path), "--grid", "network.step_days=7", "--grid",
                 "network.monthly_growth=0,0.1", "--workers", "1", "--out", str(out),
                 "--no-progress"])  # fmt: skip
    assert code == 0
    table = pd.read_csv(out / "sweep.csv")
    assert list(table["network.monthly_growth"]) == [0.0, 0.1]
    # Difficulty growing 10 % a month can only lower the P&L of the same price paths.
    assert table.loc[1, "pnl_mean"] < table.loc[0, "pnl_mean"]
    assert "winter" not in capsys.readouterr().err


def test_a_farm_file_with_a_host_and_a_client(tmp_path):
    """Two owners in one farm file: the recorder sums them and keeps each one's cash.

    The client's 40 of the 100 machines pay the host 2 CNY per machine-day: after 30
    days the host holds 2,400 CNY more than its share of the margin, the client 2,400 less.
    """
    path = _scenario(tmp_path)
    farm = (tmp_path / "farm.toml").read_text()
    farm = farm.replace("count = 100", "count = 60")
    farm = farm.replace('tariff = {', 'host = "test farm"\nhosting_fee_per_machine_day = 2.0\n'
                        'tariff = {')
    farm += ('\n[[fleet]]\nmodel = "Antminer S9"\ncount = 40\nsite = "hall"\n'
             'purchase_date = 2018-01-01\nowner = "client"\n\n[[owners]]\nname = "client"\n'
             'starting_cash = 1000\n')
    (tmp_path / "farm.toml").write_text(farm)
    (fp,) = _run(path)
    assert fp.owners == ("test farm", "client")
    np.testing.assert_allclose(fp.owner_cash.sum(axis=-1), fp.cash, rtol=1e-12)
    margin = _daily_margin(0.40)  # 100 machines a day, both owners together
    np.testing.assert_allclose(fp.pnl[-1], 30 * margin, rtol=1e-9)
    np.testing.assert_allclose(fp.owner_cash[-1, :, 0], 1e6 + 30 * 0.6 * margin + 2400, rtol=1e-9)
    np.testing.assert_allclose(fp.owner_cash[-1, :, 1], 1000 + 30 * 0.4 * margin - 2400,
                               rtol=1e-9)


def test_running_payback_and_summary_equal_the_daily_ledger(tmp_path):
    # Bounded memory (issue 10): the recorder keeps each fleet item's payback as the run
    # goes instead of a (days, paths, cohorts) margin ledger. Against the old path
    # (payback_times over the ledger, kept with daily_margin=True) on three fleet items
    # bought at different prices: the same bits, and the same summary and payback tables.
    from hashwinter.risk import payback_times

    path = _scenario(tmp_path, paths=40, sigma=0.04, tariff=0.28, unit_price=500.0,
                     days=120, s0=3950.0, fx=6.94)  # fmt: skip
    farm = (tmp_path / "farm.toml").read_text()
    item = farm[farm.index("[[fleet]]"):farm.index("[treasury]")]
    more = item.replace("unit_price = 500.0", "unit_price = 300.0").replace(
        "count = 100", "count = 50") + item.replace("unit_price = 500.0", "unit_price = 900.0")
    farm = farm.replace("capacity_slots = 200", "capacity_slots = 300")
    (tmp_path / "farm.toml").write_text(farm.replace("[treasury]", more + "[treasury]"))
    loaded = load_scenario(path)
    with ThreadPoolExecutor(1) as ex:
        (fast,) = run_farms(loaded, ex, progress=False)
        (full,) = run_farms(loaded, ex, progress=False, daily_margin=True)
    assert fast.cohort_margin is None and full.cohort_margin is not None
    assert full.cohort_margin.shape == (120, 40, 3)
    days = np.arange(1, 121, dtype=np.float64)
    old = np.stack([payback_times(full.cohort_margin[:, :, c] - full.cohort_cost[c], days)
                    for c in range(3)], axis=1)  # fmt: skip
    # Some paths pay back, some do not: the comparison covers both.
    assert 0.0 < np.isfinite(old).mean() < 1.0
    np.testing.assert_array_equal(fast.payback_days, old)
    np.testing.assert_array_equal(fast.cohort_margin_end, full.cohort_margin[-1])
    pd.testing.assert_frame_equal(farm_summary([fast], [0.95]), farm_summary([full], [0.95]))
    pd.testing.assert_frame_equal(farm_paybacks([fast]), farm_paybacks([full]))


def test_a_farm_of_two_coins_is_refused_by_monte_carlo(tmp_path, capsys):
    path = _scenario(tmp_path)
    farm = tmp_path / "farm.toml"
    farm.write_text(farm.read_text() + '\n[[coins]]\ncoin = "BCH"\n')
    code = main(["simulate", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "farms[0].file" in err and "simulates one coin" in err
    assert not (tmp_path / "out").exists()
