"""A farm that follows a plan in Monte Carlo and sweeps: two legs on the same price paths.

examples/scenarios/shihezi_plan.toml runs examples/shihezi_follow_plan.toml (the Shihezi
farm following the 2018-2019 Sichuan plan) on simulated prices. Each path of each leg must
be what a backtest of that leg on that path's market gives (one engine), and the report sets
the legs side by side.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashwinter.cli.app import main
from hashwinter.farm import backtest
from hashwinter.parallel import child_seeds
from hashwinter.scenario import load_scenario
from hashwinter.scenario.farmreport import plan_comparison
from hashwinter.scenario.farmrun import FOLLOW_PLAN, STAY_PUT, _market, farm_jobs, run_farms
from hashwinter.scenario.run import chunk_generator

SCENARIO = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "shihezi_plan.toml"
MOVED = 5_470 + 9_060 + 9_060 + 5_470 + 5_470  # the example plan's moves [machines]


@pytest.fixture(scope="module")
def legs():
    loaded = load_scenario(SCENARIO, overrides={"paths": 3, "chunk_paths": 3})
    with ThreadPoolExecutor(1) as ex:
        farms = run_farms(loaded, ex, progress=False)
    return loaded, farms


def test_each_path_of_each_leg_is_its_backtest(legs):
    loaded, farms = legs
    jobs = farm_jobs(loaded)
    assert [j.plan_leg[1] for j in jobs] == [FOLLOW_PLAN, STAY_PUT]
    market = _market(jobs[0], 3, chunk_generator(child_seeds(loaded.config.seed, 1)[0]))
    for job, fp in zip(jobs, farms, strict=True):
        assert fp.plan_leg == job.plan_leg
        for p in (0, 2):
            one = market.take_paths(np.array([p]))
            result = backtest(job.farm, one, start=job.start, end=one.dates[-1],
                              stay_put=False)
            s = result.summary
            assert fp.cohort_margin_end[p].sum() == pytest.approx(s.operating_margin, rel=1e-9)
            assert fp.power_cost[-1, p] == pytest.approx(s.power_cost, rel=1e-9)
            figures = result.plan_figures()
            assert fp.move_cost[-1, p] == pytest.approx(figures["Moving costs [CNY]"])
            assert fp.road_days[-1, p] == figures["Downtime on the road [machine-days]"]


def test_the_report_compares_the_legs(legs):
    _, farms = legs
    table = plan_comparison(farms).set_index("figure")
    assert table.loc["moving costs", "follow_plan"] == pytest.approx(50.0 * MOVED)
    assert table.loc["moving costs", "stay_put"] == 0.0
    assert table.loc["downtime [machine-days]", "follow_plan"] == 7 * MOVED
    margin = table.loc["operating margin"]
    assert margin["difference"] == pytest.approx(margin["follow_plan"] - margin["stay_put"])
    # Payback is per fleet item: the slot and road cohorts count with their fleet item.
    assert farms[0].cohorts == ("S9 bought new, end of 2017",
                                "S9 bought second-hand, late Nov 2018")


@pytest.mark.slow
def test_sweep_runs_both_legs_at_every_point(tmp_path, capsys):
    out = tmp_path / "sweep"
    code = main(["sweep", str(SCENARIO), "--grid", "price.sigma_per_day=0.02,0.04",
                 "--paths", "8", "--workers", "1", "--out", str(out), "--no-progress"])
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "sweep.csv")
    legs = table["farm"].str.rsplit(" — ", n=1).str[-1]
    assert sorted(legs) == sorted([FOLLOW_PLAN, STAY_PUT] * 2)
    assert "Follow the plan against stay put" in capsys.readouterr().out
    compared = pd.read_csv(out / "plan_comparison.csv")
    assert list(compared["price.sigma_per_day"].unique()) == [0.02, 0.04]
    moving = compared[compared["figure"] == "moving costs"]
    assert (moving["follow_plan"] == 50.0 * MOVED).all()
