"""``hashwinter sweep`` with decision keys on the engine's variant axis = point-by-point runs."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from test_scenario_farms import FARM, SCENARIO

from hashwinter.cli.app import main
from hashwinter.errors import InputError, InputErrors
from hashwinter.scenario import load_scenario
from hashwinter.scenario.farmreport import farm_summary
from hashwinter.scenario.farmrun import run_farms
from hashwinter.scenario.variants import farm_variants


def _write(tmp_path, *, off_below=0.0, tariff=0.40, sigma=0.04, kind="shutdown_price"):
    farm = FARM.format(tariff=tariff, cash=2e4, unit_price=1000.0).replace(
        'kind = "always_on"', f'kind = "{kind}"\noff_below = {off_below}')
    (tmp_path / "farm.toml").write_text(farm)
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO.format(paths=24, sigma=sigma, days=30, s0=4000.0, fx=7.0,
                                    fees=0.25))
    return path


def test_variant_axis_sweep_equals_point_by_point_runs(tmp_path, capsys):
    """2 thresholds x 2 tariff scales on the variant axis, x 2 volatilities re-run: 8 rows,
    each equal (rtol 1e-9) to a run of a farm file written with that point's values."""
    swept = tmp_path / "swept"
    swept.mkdir()
    path = _write(swept)
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--grid", "price.sigma_per_day=0.02,0.04",
                 "--grid", "farm.policy.off_below=-0.2,0.0", "--grid",
                 "farm.tariff_scale=0.8,1.2", "--workers", "1", "--out", str(out),
                 "--no-progress"])
    assert code == 0
    assert "8 grid points (2 runs)" in capsys.readouterr().out
    table = pd.read_csv(out / "sweep.csv")
    assert len(table) == 8
    numeric = [c for c in table.columns if c not in ("farm",) and not c.startswith(
        ("price.", "farm.")) and pd.api.types.is_numeric_dtype(table[c])]
    for i, (sigma, off, scale) in enumerate(itertools.product((0.02, 0.04), (-0.2, 0.0),
                                                              (0.8, 1.2))):
        row = table.iloc[i]
        assert (row["price.sigma_per_day"], row["farm.policy.off_below"],
                row["farm.tariff_scale"]) == (sigma, off, scale)
        point_dir = tmp_path / f"p{i}"
        point_dir.mkdir()
        single = _write(point_dir, off_below=off, tariff=0.40 * scale, sigma=sigma)
        loaded = load_scenario(single)
        with ThreadPoolExecutor(1) as ex:
            farms = run_farms(loaded, ex, progress=False)
        expected = farm_summary(farms, loaded.config.report.var_levels).iloc[0]
        for col in numeric:
            np.testing.assert_allclose(row[col], expected[col], rtol=1e-9, atol=1e-6,
                                       err_msg=f"{col} at point {i}")
    # The grid is not trivial: at the dearer tariff the threshold changes the outcome (at
    # the cheaper one the farm never reaches it), and the tariff always does.
    pnl = table["pnl_mean"].to_numpy()
    assert pnl[1] != pnl[3] and pnl[5] != pnl[7]
    assert pnl[0] != pnl[1] and pnl[4] != pnl[5]


def test_a_sweep_over_the_policy_kind_equals_point_by_point_runs(tmp_path, capsys):
    """farm.policy.kind = always_on, shutdown_price x 2 thresholds x 2 volatilities: the
    kinds run one engine run each (per volatility), vectorized over the thresholds; every
    row equals (rtol 1e-9) a run of a farm file written with that point's values."""
    swept = tmp_path / "swept"
    swept.mkdir()
    path = _write(swept, tariff=0.55)
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--grid", "price.sigma_per_day=0.02,0.04",
                 "--grid", "farm.policy.kind=always_on,shutdown_price", "--grid",
                 "farm.policy.off_below=-0.2,0.0", "--workers", "1", "--out", str(out),
                 "--no-progress"])
    assert code == 0, capsys.readouterr()
    table = pd.read_csv(out / "sweep.csv")
    assert len(table) == 8
    numeric = [c for c in table.columns if c not in ("farm",) and not c.startswith(
        ("price.", "farm.")) and pd.api.types.is_numeric_dtype(table[c])]
    for i, (sigma, kind, off) in enumerate(itertools.product(
            (0.02, 0.04), ("always_on", "shutdown_price"), (-0.2, 0.0))):
        row = table.iloc[i]
        assert (row["price.sigma_per_day"], row["farm.policy.kind"],
                row["farm.policy.off_below"]) == (sigma, kind, off)
        point_dir = tmp_path / f"p{i}"
        point_dir.mkdir()
        single = _write(point_dir, off_below=off, tariff=0.55, sigma=sigma, kind=kind)
        loaded = load_scenario(single)
        with ThreadPoolExecutor(1) as ex:
            farms = run_farms(loaded, ex, progress=False)
        expected = farm_summary(farms, loaded.config.report.var_levels).iloc[0]
        for col in numeric:
            np.testing.assert_allclose(row[col], expected[col], rtol=1e-9, atol=1e-6,
                                       err_msg=f"{col} at point {i}")
    # The kind matters: always on, the threshold changes nothing; unplugging, it does and
    # differs from running everything.
    pnl = table["pnl_mean"].to_numpy()
    assert pnl[0] == pnl[1] and pnl[4] == pnl[5]
    assert pnl[2] != pnl[3] and pnl[0] != pnl[3]


def test_variant_keys_are_checked_before_anything_runs(tmp_path):
    from hashwinter.scenario.farmrun import farm_jobs

    (job,) = farm_jobs(load_scenario(_write(tmp_path)))
    with pytest.raises(InputError) as info:
        farm_variants(job.farm, [("farm.policy.restart_cost_per_machine", [1.0])])
    assert "not a variant parameter" in info.value.message
    with pytest.raises(InputErrors) as many:
        farm_variants(job.farm, [("farm.treasury.hodl_ratio", [0.5, 1.5])])
    assert many.value.errors[0].field == "farm.treasury.hodl_ratio"
    with pytest.raises(InputError):
        farm_variants(job.farm, [("farm.tariff_scale", [-1.0])])
