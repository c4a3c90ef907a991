"""The risk-averse objective (CVaR over paths) and the LP-rounding method, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from hashwinter.planner import PlanProblem, build_model, solve_plan


def _two_sites(scenario: np.ndarray | None = None, **over: object) -> PlanProblem:
    """One cohort of 10 machines at a safe site (0) that may move to a risky one (1), 1 month."""
    value = scenario.mean(axis=0) if scenario is not None else np.array([[[10.0], [12.0]]])
    fields: dict[str, object] = dict(
        months=np.array(["2019-06"], dtype="datetime64[M]"), days=np.array([30.0]),
        cohorts=("s9",), sites=("safe", "risky"), counts=np.array([10]), home=np.array([0]),
        arrival=np.array([0]), value=value, move_in_cost=np.zeros((1, 2, 1)),
        slots=np.array([[10.0], [10.0]]), watts=np.array([[1400.0, 1400.0]]),
        mw=np.array([[1.0], [1.0]]), fixed_cost=np.zeros((2, 1)), scenario_value=scenario)
    fields.update(over)
    return PlanProblem(**fields)  # type: ignore[arg-type]


# Two equally likely paths: the risky site earns 44 or -20 a machine (mean 12 > 10),
# the safe one 10 on both.
PATHS = np.array([[[[10.0], [44.0]]], [[[10.0], [-20.0]]]])


def test_risk_neutral_takes_the_higher_mean():
    plan = solve_plan(_two_sites(PATHS), mip_rel_gap=0.0)
    assert plan.holdings[0, 1, 0] == 10
    assert plan.expected_margin == pytest.approx(120.0)


def test_cvar_of_the_worst_path_keeps_the_machines_safe():
    # beta = 1, alpha = 0.5: maximise the mean of the worst half of the paths (the worst one):
    # k machines at the risky site give 10 (10 - k) - 20 k on the bad path: best at k = 0.
    plan = solve_plan(_two_sites(PATHS), mip_rel_gap=0.0, risk_weight=1.0, alpha=0.5)
    assert plan.holdings[0, 0, 0] == 10
    assert plan.expected_margin == pytest.approx(100.0)


def test_cvar_rows_are_one_per_path():
    model = build_model(_two_sites(PATHS), risk_weight=0.5, alpha=0.5)
    assert model.row_blocks["cvar"][1] - model.row_blocks["cvar"][0] == 2
    assert model.blocks["u"][1] - model.blocks["u"][0] == 2


def test_rounding_gives_a_feasible_plan_within_the_gap():
    # Three cohorts, two sites; the good site's power holds 7 machines at 1.4 kW: the LP
    # splits a cohort, rounding must respect the 9.8 kW.
    rng = np.random.default_rng(4)
    c, s, m = 3, 2, 4
    value = np.stack([np.full((c, m), 10.0), 20.0 + rng.uniform(0, 1, (c, m))], axis=1)
    p = PlanProblem(
        months=np.arange(np.datetime64("2019-01"), np.datetime64("2019-05")),
        days=np.array([31.0, 28, 31, 30]), cohorts=("a", "b", "c"), sites=("home", "hydro"),
        counts=np.array([3, 4, 5]), home=np.zeros(c, dtype=np.int64),
        arrival=np.zeros(c, dtype=np.int64), value=value, move_in_cost=np.full((c, s, m), 1.0),
        slots=np.full((s, m), 20.0), watts=np.full((c, s), 1400.0),
        mw=np.array([[1.0] * m, [0.0098] * m]), fixed_cost=np.zeros((s, m)))
    rounded = solve_plan(p, mip_rel_gap=0.05, method="round")
    exact = solve_plan(p, mip_rel_gap=0.0, method="mip")
    for plan in (rounded, exact):
        assert np.all(plan.holdings[:, 1, :].sum(axis=0) <= 7)
        assert np.all(plan.holdings.sum(axis=1) == p.present())
    assert rounded.expected_margin >= exact.expected_margin * (1 - 0.05) - 1e-9
    assert rounded.expected_margin <= exact.expected_margin + 1e-9
