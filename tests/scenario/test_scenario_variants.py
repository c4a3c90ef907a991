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


def test_a_policies_entry_field_on_the_variant_axis_equals_edited_farm_files(tmp_path, capsys):
    """farm.policies.0.payback_days (Hu's buy rule, examples/scenarios/winter_trading.toml)
    on the variant axis: each row equals a run of the farm file written with that value
    (rtol 1e-9); the "(without trading)" twin has no such entry and is the same in every
    row; a longer payback threshold buys at least as many machines."""
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples"
    farm_text = (examples / "hu_haifeng_buys.toml").read_text()
    scenario_text = (examples / "scenarios" / "winter_trading.toml").read_text()
    assert "payback_days = 110" in farm_text

    def write(folder, days):
        folder.mkdir()
        (folder / "hu_haifeng_buys.toml").write_text(
            farm_text.replace("payback_days = 110", f"payback_days = {days}"))
        path = folder / "scenario.toml"
        path.write_text(scenario_text.replace("../hu_haifeng_buys.toml", "hu_haifeng_buys.toml")
                        .replace("paths = 200", "paths = 12"))
        return path

    out = tmp_path / "out"
    code = main(["sweep", str(write(tmp_path / "swept", 110)), "--grid",
                 "farm.policies.0.payback_days=90,130", "--workers", "1", "--out", str(out),
                 "--no-progress"])
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "sweep.csv")
    assert len(table) == 4  # 2 points x (farm, its without-trading twin)
    numeric = [c for c in table.columns if not c.startswith(("farm", "currency"))
               and pd.api.types.is_numeric_dtype(table[c])]
    for days in (90, 130):
        loaded = load_scenario(write(tmp_path / f"p{days}", days))
        with ThreadPoolExecutor(1) as ex:
            farms = run_farms(loaded, ex, progress=False)
        expected = farm_summary(farms, loaded.config.report.var_levels)
        rows = table[table["farm.policies.0.payback_days"] == days]
        for (_, row), (_, want) in zip(rows.iterrows(), expected.iterrows(), strict=True):
            assert row["farm"] == want["farm"]
            for col in numeric:
                if pd.isna(want[col]):
                    assert pd.isna(row[col]), col
                    continue
                np.testing.assert_allclose(row[col], want[col], rtol=1e-9, atol=1e-6,
                                           err_msg=f"{col} at {days} days")
    trading = table[~table["farm"].str.endswith("(without trading)")]
    twins = table[table["farm"].str.endswith("(without trading)")]
    assert trading["bought_mean"].iloc[1] > trading["bought_mean"].iloc[0]
    assert twins["pnl_mean"].nunique() == 1


def test_a_policies_entry_key_names_what_can_be_swept(tmp_path):
    """An index past the entries, an entry's kind or an unknown field: one error naming
    the key; a bad value is refused by the entry's own field."""
    from pathlib import Path

    from hashwinter.farm import load_farm

    farm = load_farm(Path(__file__).resolve().parents[2] / "examples" / "hu_haifeng_buys.toml")
    for key in ("farm.policies.9.payback_days", "farm.policies.0.kind",
                "farm.policies.0.no_such_field"):
        with pytest.raises(InputError) as err:
            farm_variants(farm, [(key, [1])])
        assert err.value.field == key
    with pytest.raises((InputError, InputErrors)) as err:
        farm_variants(farm, [("farm.policies.0.payback_days", [-5])])
    assert "farm.policies.0.payback_days" in str(err.value)


def test_a_policies_entry_key_that_fits_no_farm_of_the_scenario_is_refused(tmp_path, capsys):
    """Jin Xin's scenario has the cycle farm and its held twin; a field of no entry of
    either (payback_days is a buy rule's) is one line naming the key, exit 2, nothing
    written; the cycle's own field runs (the held farm, without the entry, unchanged)."""
    from pathlib import Path

    scenario = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "jin_xin_gpu.toml"
    out = tmp_path / "out"
    code = main(["sweep", str(scenario), "--grid", "farm.policies.0.payback_days=1,2",
                 "--paths", "4", "--workers", "1", "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "farm.policies.0.payback_days" in err and len(err.splitlines()) == 1
    assert not out.exists()
