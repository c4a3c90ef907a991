"""A farm with both a hedge and a migration plan: each comparison stays independent.

examples/shihezi_follow_plan.toml (the Shihezi farm following its Sichuan plan) with the
constant-basis linear-future hedge of examples/shihezi_hedged.toml. The backtest runs three
legs: follow the plan hedged (the result), follow the plan unhedged (``result.hedge``) and
stay put hedged (``result.stay_put``, no unhedged stay-put leg); a scenario runs the same
three as farms. Each leg must equal the run of the farm file that leg describes.
"""

from __future__ import annotations

import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from farm_fixtures import EXAMPLES, full_history

from hashwinter.farm import backtest, farm_from_dict
from hashwinter.farm.follow_plan import stay_put_farm
from hashwinter.scenario import load_scenario
from hashwinter.scenario.farmreport import farm_summary, hedge_comparison, plan_comparison
from hashwinter.scenario.farmrun import UNHEDGED_SUFFIX, run_farms

HEDGE = {"instrument": "linear_future", "target": "production", "ratio": 0.5,
         "horizon_days": 30, "roll_day": 1, "leverage": 2.0,
         "basis": {"kind": "constant", "annual": 0.0}}
WINDOW = {"start": "2018-11-01", "end": "2019-04-30"}


def _farm(hedge: dict[str, object] | None):
    data = tomllib.loads((EXAMPLES / "shihezi_follow_plan.toml").read_text(encoding="utf-8"))
    for entry in data["policies"]:  # the plan's files, beside the example
        if entry["kind"] == "follow_plan":
            entry["moves"] = str(EXAMPLES / entry["moves"])
            entry["sites"] = str(EXAMPLES / entry["sites"])
    if hedge is not None:
        data["hedge"] = hedge
    return farm_from_dict(data)


@pytest.fixture(scope="module")
def market():
    return full_history("CNY")


@pytest.fixture(scope="module")
def plain(market):
    return backtest(_farm(None), market, **WINDOW)


def test_hedged_planned_backtest_runs_each_comparison_on_its_own(market, plain):
    result = backtest(_farm(HEDGE), market, **WINDOW)
    assert result.hedge is not None and result.stay_put is not None
    assert result.stay_put.hedge is None  # no unhedged stay-put leg
    assert result.plan_comparison() is not None
    # The unhedged leg follows the plan: it is the planned farm without a hedge.
    assert result.hedge.equity_unhedged == pytest.approx(plain.summary.equity_end, rel=1e-12)
    # The stay-put leg keeps the hedge: it is the stay-put farm file, hedged.
    stay = stay_put_farm(_farm(HEDGE))
    assert stay is not None
    alone = backtest(stay, market, **WINDOW)
    assert result.stay_put.summary.equity_end == pytest.approx(alone.summary.equity_end,
                                                              rel=1e-12)
    assert alone.hedge is not None  # the stay-put farm on its own has its own unhedged leg
    # A hedge of half the production moves the result away from the unhedged leg.
    assert result.hedge.equity_hedged != pytest.approx(result.hedge.equity_unhedged, rel=1e-6)


def test_a_zero_hedge_changes_neither_leg(market, plain):
    result = backtest(_farm({**HEDGE, "ratio": 0.0}), market, **WINDOW)
    assert result.hedge is not None and result.stay_put is not None
    assert plain.stay_put is not None
    assert result.summary.equity_end == pytest.approx(plain.summary.equity_end, rel=1e-12)
    assert result.stay_put.summary.equity_end == pytest.approx(
        plain.stay_put.summary.equity_end, rel=1e-12)


def _scenario(tmp_path: Path, hedge: dict[str, object] | None) -> Path:
    farm_text = (EXAMPLES / "shihezi_follow_plan.toml").read_text(encoding="utf-8")
    if hedge is not None:
        farm_text += ('\n[hedge]\ninstrument = "linear_future"\ntarget = "production"\n'
                      "ratio = 0.5\nhorizon_days = 30\nroll_day = 1\nleverage = 2.0\n"
                      'basis = { kind = "constant", annual = 0.0 }\n')
    folder = tmp_path / ("hedged" if hedge else "plain")
    folder.mkdir()
    farm_text = farm_text.replace('"plans/', f'"{EXAMPLES}/plans/').replace(
        '"sites/', f'"{EXAMPLES}/sites/')
    (folder / "farm.toml").write_text(farm_text, encoding="utf-8")
    scenario = (EXAMPLES / "scenarios" / "shihezi_plan.toml").read_text(encoding="utf-8")
    scenario = scenario.replace('file = "../shihezi_follow_plan.toml"', 'file = "farm.toml"')
    (folder / "scenario.toml").write_text(scenario, encoding="utf-8")
    return folder / "scenario.toml"


def test_hedged_planned_scenario_runs_three_farms(tmp_path):
    overrides = {"paths": 3, "chunk_paths": 3, "horizon_days": 120}
    with ThreadPoolExecutor(1) as ex:
        hedged = run_farms(load_scenario(_scenario(tmp_path, HEDGE), overrides=overrides), ex,
                           progress=False)
        plain = run_farms(load_scenario(_scenario(tmp_path, None), overrides=overrides), ex,
                          progress=False)
    names = [fp.farm for fp in hedged]
    follow, stay = (fp.farm for fp in plain)
    assert names == [follow, stay, follow + UNHEDGED_SUFFIX]
    assert plan_comparison(hedged) is not None
    comparison = hedge_comparison(farm_summary(hedged, [0.95]))
    assert list(comparison["farm"]) == [follow]
    # The unhedged twin is the plain scenario's follow leg, path by path (same seeds).
    np.testing.assert_allclose(hedged[2].pnl, plain[0].pnl, rtol=1e-12)
    np.testing.assert_allclose(hedged[2].payback_days, plain[0].payback_days, rtol=1e-12)
    assert not np.allclose(hedged[0].pnl, plain[0].pnl)
