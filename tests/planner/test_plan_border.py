"""Reference case (c): a border site at 0.15 CNY/kWh with inspection cuts,, by risk level."""

from __future__ import annotations

import itertools
import tomllib

import pytest
from plan_fixtures import EXAMPLES, history_view

from hashwinter.farm import load_farm
from hashwinter.planner import solve_plan
from hashwinter.planner.build import build_problem
from hashwinter.sites import sites_from_dict

RATES = [0.0, 2.0, 6.0, 12.0, 24.0]  # inspection cuts a year, 14 days each


def _border_machine_months(rate: float) -> int:
    data = tomllib.loads((EXAMPLES / "sites" / "border_huocheng.toml").read_text())
    data["sites"][0]["risks"] = {
        "power_cuts": [{"rate_per_year": rate, "mean_duration_days": 14.0}]}
    sites = sites_from_dict(data)
    farm = load_farm(EXAMPLES / "shihezi_hu_haifeng.toml")
    problem = build_problem(farm, history_view(), sites=sites, start="2019-01-01",
                            end="2019-12-31")
    plan = solve_plan(problem, mip_rel_gap=1e-4)
    return int(plan.holdings[:, 1, :].sum())


@pytest.fixture(scope="module")
def usage() -> list[int]:
    return [_border_machine_months(r) for r in RATES]


def test_without_risk_the_border_site_is_full_all_year(usage):
    # 0.13 CNY/kWh cheaper: an S9 saves 0.13 x 1.323 kW x 1.05 x 24 h x 0.98 = 4.2 CNY a day,
    # far above 30 CNY + 4 days of margin for the move: all 20,000 slots, 12 months.
    assert usage[0] == 20_000 * 12


def test_at_high_risk_the_border_site_is_avoided(usage):
    # 24 cuts of 14 days a year: cut off 1 - exp(-24 x 14 / 365.25) = 60 % of the time.
    assert usage[-1] == 0


def test_use_is_monotone_in_the_risk(usage):
    assert all(a >= b for a, b in itertools.pairwise(usage))
    assert len(set(usage)) >= 3  # the levels in between are not all-or-nothing
