"""Farm scenarios with a hedge: the unhedged twin on the same paths, the ratio sweep."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from test_scenario_farms import FARM, SCENARIO

from hashwinter.cli.app import main
from hashwinter.errors import InputError
from hashwinter.hardware import default_catalog
from hashwinter.scenario import load_scenario
from hashwinter.scenario.farmreport import farm_summary, hedge_comparison
from hashwinter.scenario.farmrun import run_farms

D = 6_653_303_141_406
HEDGE = """
[hedge]
instrument = "{instrument}"
ratio = {ratio}
horizon_days = 30
roll_day = 1
leverage = 1.0
{extra}
"""


def _write(tmp_path, *, ratio=1.0, instrument="linear_future", extra="", paths=40, days=70):
    farm = FARM.format(tariff=0.30, cash=2e5, unit_price=1000.0) + HEDGE.format(
        instrument=instrument, ratio=ratio, extra=extra)
    (tmp_path / "farm.toml").write_text(farm)
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO.format(paths=paths, sigma=0.04, days=days, s0=4000.0, fx=7.0,
                                    fees=0.25))
    return path


def _farms(path):
    loaded = load_scenario(path)
    with ThreadPoolExecutor(1) as ex:
        return loaded, run_farms(loaded, ex, progress=False)


def test_a_hedged_farm_runs_beside_its_unhedged_twin(tmp_path):
    loaded, farms = _farms(_write(tmp_path))
    assert [f.farm for f in farms] == ["test farm", "test farm (unhedged)"]
    hedged, bare = farms
    np.testing.assert_array_equal(hedged.price, bare.price)  # common random numbers
    assert hedged.mined[-1] == pytest.approx(bare.mined[-1], rel=1e-12)  # same fleet
    # A full production hedge narrows the spread of the final P&L across paths.
    assert hedged.pnl[-1].std() < 0.7 * bare.pnl[-1].std()
    summary = farm_summary(farms, loaded.config.report.var_levels)
    comparison = hedge_comparison(summary)
    (row,) = comparison.to_dict(orient="records")
    assert row["cost"] == pytest.approx(bare.pnl[-1].mean() - hedged.pnl[-1].mean())
    assert row["var_95_reduced"] == pytest.approx(summary.loc[1, "var_95"]
                                                  - summary.loc[0, "var_95"])
    assert row["var_95_reduced"] > 0


def test_ratio_zero_is_the_unhedged_farm_path_by_path(tmp_path):
    _, (hedged, bare) = _farms(_write(tmp_path, ratio=0.0))
    np.testing.assert_allclose(hedged.pnl, bare.pnl, rtol=1e-12, atol=1e-6)


def test_ratio_sweep_on_the_variant_axis_equals_point_by_point_runs(tmp_path, capsys):
    swept = tmp_path / "swept"
    swept.mkdir()
    path = _write(swept, paths=24)
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--grid", "farm.hedge.ratio=0.25,1",
                 "--grid", "farm.hedge.instrument=linear_future,forward", "--workers", "1",
                 "--out", str(out), "--no-progress"])
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "sweep.csv")
    hedged = table[table["farm"] == "test farm"].reset_index(drop=True)
    assert len(hedged) == 4
    for i, row in hedged.iterrows():
        point = tmp_path / f"p{i}"
        point.mkdir()
        single = _write(point, ratio=row["farm.hedge.ratio"],
                        instrument=row["farm.hedge.instrument"], paths=24)
        loaded, farms = _farms(single)
        expected = farm_summary(farms, loaded.config.report.var_levels).iloc[0]
        for col in ("pnl_mean", "pnl_q5", "var_95", "cvar_99", "cash_q50"):
            assert row[col] == pytest.approx(expected[col], rel=1e-9, abs=1e-6), (i, col)


def test_real_funding_is_refused_in_a_monte_carlo(tmp_path):
    path = _write(tmp_path, instrument="perpetual",
                  extra='funding = { source = "data", symbol = "XBTUSD" }')
    with pytest.raises(InputError, match="no funding rates for 'XBTUSD'"):
        _farms(path)


def test_constant_positive_funding_is_received_by_the_short(tmp_path):
    """+0.01 % per 8 h (longs pay shorts) against 0: the hedged farm ends richer on every
    path, by about 3 × 0.0001 × the coins shorted × the price, a day."""
    runs = []
    for rate in (0.0, 0.0001):
        folder = tmp_path / f"r{rate}"
        folder.mkdir()
        runs.append(_farms(_write(folder, instrument="perpetual", days=40, extra=(
            f'inverse_perpetual = false\nfunding = {{ source = "constant", rate = {rate} }}')))[1])
    zero, positive = runs[0][0], runs[1][0]
    gain = positive.pnl[-1] - zero.pnl[-1]
    assert np.all(gain > 0)
    # By hand (driftless GBM: the price stays about s0): 30 days of production shorted,
    # 3 fundings a day of 0.01 % of its value, on each of the 39 days after day 0.
    s9 = default_catalog().get("Antminer S9")
    coins_a_day = 100 * s9.hashrate * 86_400 / (D * 2**32) * (12.5 + 0.25) * (1 - 0.02)
    by_hand = 3 * 0.0001 * 30 * coins_a_day * 4000.0 * 7.0 * 39
    assert float(np.median(gain)) == pytest.approx(by_hand, rel=0.15)


def test_a_sweep_over_policy_kind_and_hedge_ratio_equals_point_by_point_runs(tmp_path, capsys):
    """farm.policy.kind x farm.hedge.ratio on a hedged farm: one engine run per kind
    (FarmVariants.groups), each carrying the grid's position book; every point equals the
    farm file written with its values, and the unhedged twin ignores the ratio."""
    swept = tmp_path / "swept"
    swept.mkdir()
    path = _write(swept, paths=24)
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--grid", "farm.policy.kind=always_on,shutdown_price",
                 "--grid", "farm.hedge.ratio=0.25,1", "--workers", "1", "--out", str(out),
                 "--no-progress"])
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "sweep.csv")
    hedged = table[table["farm"] == "test farm"].reset_index(drop=True)
    bare = table[table["farm"] == "test farm (unhedged)"].reset_index(drop=True)
    assert len(hedged) == 4 and len(bare) == 4
    for i, row in hedged.iterrows():
        point = tmp_path / f"p{i}"
        point.mkdir()
        single = _write(point, ratio=row["farm.hedge.ratio"], paths=24)
        kind = row["farm.policy.kind"]
        farm_file = point / "farm.toml"
        farm_file.write_text(farm_file.read_text().replace(
            'kind = "always_on"', f'kind = "{kind}"'))
        loaded, farms = _farms(single)
        summary = farm_summary(farms, loaded.config.report.var_levels)
        for col in ("pnl_mean", "pnl_q5", "var_95", "cash_q50"):
            assert row[col] == pytest.approx(summary.iloc[0][col], rel=1e-9, abs=1e-6), (i, col)
            assert bare.loc[i, col] == pytest.approx(summary.iloc[1][col], rel=1e-9,
                                                     abs=1e-6), (i, col)


def test_a_momentum_basis_runs_in_a_monte_carlo_path_by_path(tmp_path):
    """With beta = 0 the momentum basis is the constant basis ``annual`` on every path (the
    same numbers); with beta = 0.5 each path's futures follow its own trailing return."""
    runs = {}
    for name, basis in (("const", '{ kind = "constant", annual = 0.05 }'),
                        ("flat", '{ kind = "momentum", annual = 0.05, beta = 0.0 }'),
                        ("mom", '{ kind = "momentum", annual = 0.05, beta = 0.5 }')):
        folder = tmp_path / name
        folder.mkdir()
        runs[name] = _farms(_write(folder, paths=12, days=45, extra=f"basis = {basis}"))[1][0]
    np.testing.assert_allclose(runs["flat"].pnl, runs["const"].pnl, rtol=1e-12, atol=1e-6)
    assert not np.allclose(runs["mom"].pnl[-1], runs["const"].pnl[-1], rtol=1e-9)


def test_ar1_funding_in_a_monte_carlo_is_seeded_per_path(tmp_path):
    """An AR(1) with sigma = 0 and phi = 0 is the constant rate, path by path; with the
    XBTUSD fit each path pays its own funding, the same on a rerun, other with a seed."""
    def farms(name, funding):
        folder = tmp_path / name
        folder.mkdir()
        return _farms(_write(folder, instrument="perpetual", days=40, paths=12, extra=(
            f"inverse_perpetual = false\nfunding = {{ {funding} }}")))[1][0]

    constant = farms("c", 'source = "constant", rate = 0.0001')
    flat = farms("f", 'source = "ar1", mean = 0.0001, phi = 0.0, sigma = 0.0')
    np.testing.assert_allclose(flat.pnl, constant.pnl, rtol=1e-12)
    fit = farms("a", 'source = "ar1"')
    again = farms("b", 'source = "ar1"')
    other = farms("s", 'source = "ar1", seed = 1')
    np.testing.assert_array_equal(fit.pnl, again.pnl)
    np.testing.assert_array_equal(fit.price, other.price)  # funding draws leave prices alone
    assert not np.allclose(fit.pnl[-1], other.pnl[-1])
    # Against the flat rate, each path's P&L moves by its own funding: not one shift.
    shift = fit.pnl[-1] - flat.pnl[-1]
    assert np.ptp(shift) > 0.1 * np.abs(shift).mean()


def test_simulate_prints_and_writes_the_hedge_beside_the_unhedged_farm(tmp_path, capsys):
    """The terminal tables, hedge.csv and the report's paired fan charts."""
    path = _write(tmp_path, paths=24, days=45)
    out = tmp_path / "out"
    code = main(["simulate", str(path), "--workers", "1", "--out", str(out), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Hedge: cost (mean P&L given up) against benefit" in captured.out
    assert "test farm (unhedged)" in captured.out
    hedge = pd.read_csv(out / "hedge.csv")
    summary = pd.read_csv(out / "summary.csv").set_index("farm")
    assert hedge.loc[0, "cost"] == pytest.approx(summary.loc["test farm (unhedged)", "pnl_mean"]
                                                 - summary.loc["test farm", "pnl_mean"],
                                                 rel=1e-8)
    assert hedge.loc[0, "cvar_95_reduced"] == pytest.approx(
        summary.loc["test farm (unhedged)", "cvar_95"] - summary.loc["test farm", "cvar_95"],
        rel=1e-8)
    fan = pd.read_parquet(out / "fan.parquet")
    assert set(fan["farm"]) == {"test farm", "test farm (unhedged)"}
    html = (out / "report.html").read_text(encoding="utf-8")
    for label in ("P&amp;L since the start", "cash"):
        assert f"test farm: {label.replace('&amp;', '&')}, hedged against unhedged" in html


def test_a_sweep_of_horizon_roll_day_and_projected_retargets_equals_point_by_point(
        tmp_path, capsys):
    """Difficulty stepping +2.3 % every 14 days (5 %/month): from the second roll on, a
    projected retarget shrinks the short; every point equals its farm file."""
    def scenario(folder, horizon=30, roll=1, retargets=0):
        path = _write(folder, instrument="perpetual", paths=12, days=70, extra=(
            f"projected_retargets = {retargets}\ninverse_perpetual = false\n"
            'funding = { source = "ar1" }'))
        farm = folder / "farm.toml"
        farm.write_text(farm.read_text().replace("horizon_days = 30", f"horizon_days = {horizon}")
                        .replace("roll_day = 1", f"roll_day = {roll}"))
        path.write_text(path.read_text().replace("monthly_growth = 0.0",
                                                 "monthly_growth = 0.05\nstep_days = 14"))
        return path

    swept = tmp_path / "swept"
    swept.mkdir()
    out = tmp_path / "out"
    code = main(["sweep", str(scenario(swept)), "--grid", "farm.hedge.horizon_days=15,45",
                 "--grid", "farm.hedge.roll_day=1,15", "--grid",
                 "farm.hedge.projected_retargets=0,2", "--workers", "1", "--out", str(out),
                 "--no-progress"])
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "sweep.csv")
    hedged = table[table["farm"] == "test farm"].reset_index(drop=True)
    assert len(hedged) == 8
    for i, row in hedged.iterrows():
        point = tmp_path / f"p{i}"
        point.mkdir()
        loaded, farms = _farms(scenario(point, int(row["farm.hedge.horizon_days"]),
                                        int(row["farm.hedge.roll_day"]),
                                        int(row["farm.hedge.projected_retargets"])))
        expected = farm_summary(farms, loaded.config.report.var_levels).iloc[0]
        for col in ("pnl_mean", "pnl_q5", "cvar_95", "cash_q50"):
            assert row[col] == pytest.approx(expected[col], rel=1e-9, abs=1e-6), (i, col)
    by = hedged.set_index(["farm.hedge.horizon_days", "farm.hedge.roll_day",
                           "farm.hedge.projected_retargets"])["pnl_q5"]
    assert by[(45, 1, 2)] != pytest.approx(by[(45, 1, 0)], rel=1e-9)
