"""Reference case (a): a hand-sized plan (2 sites, 2 cohorts, 3 months) against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hashwinter.errors import InputError
from hashwinter.planner import PlanProblem, solve_plan


def _problem(**over: object) -> PlanProblem:
    # Site 1 is dearer to reach but worth more in month 1 and 2 for cohort 0 only;
    # its slots shrink in month 2, so someone must leave again.
    value = np.array([
        [[10.0, 10.0, 10.0], [8.0, 25.0, 22.0]],   # cohort 0 at site 0, site 1
        [[12.0, 12.0, 12.0], [11.0, 16.0, 13.0]],  # cohort 1
    ])
    move = np.array([
        [[4.0, 4.0, 4.0], [6.0, 7.0, 6.0]],
        [[3.0, 3.0, 3.0], [5.0, 5.0, 5.0]],
    ])
    fields: dict[str, object] = dict(
        months=np.array(["2019-01", "2019-02", "2019-03"], dtype="datetime64[M]"),
        days=np.array([31.0, 28.0, 31.0]), cohorts=("a", "b"), sites=("home", "hydro"),
        counts=np.array([3, 2]), home=np.array([0, 0]), arrival=np.array([0, 1]),
        value=value, move_in_cost=move,
        slots=np.array([[5.0, 5.0, 5.0], [4.0, 3.0, 1.0]]),
        watts=np.array([[1000.0, 1000.0], [1500.0, 1500.0]]),
        mw=np.array([[1.0, 1.0, 1.0], [1.0, 0.004, 0.004]]),
        fixed_cost=np.zeros((2, 3)))
    fields.update(over)
    return PlanProblem(**fields)  # type: ignore[arg-type]


def _brute_force(p: PlanProblem) -> float:
    """Enumerate every holding of site 1 per (cohort, month); site 0 holds the rest."""
    c_n, s_n, m_n = p.shape
    present = p.present().astype(int)
    ranges = [range(present[c, m] + 1) for c in range(c_n) for m in range(m_n)]
    best = -np.inf
    for choice in itertools.product(*ranges):
        x = np.zeros((c_n, s_n, m_n))
        x[:, 1, :] = np.array(choice).reshape(c_n, m_n)
        x[:, 0, :] = present - x[:, 1, :]
        if np.any(x.sum(axis=0) > p.slots) or np.any(
                np.einsum("cs,csm->sm", p.watts, x) > p.mw * 1e6):
            continue
        # Machines moved in = increases over the previous month, arrivals aside.
        total = 0.0
        prev = np.zeros((c_n, s_n))
        for m in range(m_n):
            arrive = np.zeros((c_n, s_n))
            for c in range(c_n):
                if p.arrival[c] == m:
                    arrive[c, p.home[c]] = p.counts[c]
            moved_in = np.maximum(x[:, :, m] - prev - arrive, 0)
            if p.max_moves is not None and moved_in.sum() > p.max_moves[m]:
                total = -np.inf
            total += (p.value[:, :, m] * x[:, :, m]).sum() - (p.move_in_cost[:, :, m]
                                                               * moved_in).sum()
            prev = x[:, :, m]
        best = max(best, total)
    return float(best)


def test_solver_equals_brute_force():
    p = _problem()
    plan = solve_plan(p, mip_rel_gap=0.0)
    assert plan.expected_margin == pytest.approx(_brute_force(p), abs=1e-9)
    # The plan obeys its constraints.
    assert np.all(plan.holdings.sum(axis=0) <= p.slots)
    assert np.all(plan.holdings.sum(axis=1) == p.present())


def test_solver_equals_brute_force_with_a_move_limit():
    p = _problem(max_moves=np.array([1.0, 1.0, 1.0]))
    plan = solve_plan(p, mip_rel_gap=0.0)
    assert plan.moves_in.sum(axis=(0, 1)).max() <= 1
    assert plan.expected_margin == pytest.approx(_brute_force(p), abs=1e-9)
    # The limit binds: the unlimited optimum is strictly better.
    assert plan.expected_margin < _brute_force(_problem()) - 1


def test_moves_table_balances_the_holdings():
    plan = solve_plan(_problem(), mip_rel_gap=0.0)
    moves = plan.moves_table()
    x = plan.holdings.copy()
    # Replaying the moves from the arrivals rebuilds the holdings month by month.
    replay = np.zeros_like(x)
    arrivals = plan.problem.arrivals()
    for m in range(3):
        replay[:, :, m] = (replay[:, :, m - 1] if m else 0) + arrivals[:, :, m]
        for row in moves[moves["month"] == f"{plan.problem.months[m]}-01"].itertuples():
            c = plan.problem.cohorts.index(row.cohort)
            replay[c, plan.problem.sites.index(row.from_site), m] -= row.count
            replay[c, plan.problem.sites.index(row.to_site), m] += row.count
    np.testing.assert_array_equal(replay, x)


def test_too_few_slots_names_the_month():
    p = _problem(slots=np.array([[2.0, 2.0, 2.0], [1.0, 1.0, 1.0]]))
    with pytest.raises(InputError, match=r"sites: total slots 3 < fleet 5 in 2019-02"):
        solve_plan(p)


def test_move_limit_too_small_is_named():
    # Month 2: site 1 keeps 1 slot; home holds 5 only if nobody arrives... make home tiny
    # in month 2 so three machines must move out, with a limit of one move a month.
    p = _problem(slots=np.array([[5.0, 2.0, 2.0], [4.0, 4.0, 4.0]]),
                 max_moves=np.array([1.0, 1.0, 1.0]))
    with pytest.raises(InputError, match="move"):
        solve_plan(p)
