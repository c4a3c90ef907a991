"""Solve a plan with HiGHS, and say which constraint binds when no plan exists.

Before the solver runs, :func:`check_feasible` tests the necessary conditions
month by month (total slots, total power at the lowest meter power, the move
limit against what capacity cuts force out) and raises an
:class:`~hashwinter.errors.InputError` naming the constraint and the month,
e.g. ``sites: total slots 40,000 < fleet 50,000 in 2019-01``. The program is
bounded by construction (every variable has finite bounds except the CVaR
``η``, bounded by the path margins), so "unbounded" cannot arise.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time

import highspy
import numpy as np

from hashwinter.errors import InputError
from hashwinter.planner.model import MipModel, build_model
from hashwinter.planner.problem import PlanProblem
from hashwinter.planner.result import Plan

__all__ = ["check_feasible", "solve_plan"]


def check_feasible(problem: PlanProblem) -> None:
    """Raise InputError naming the first month where the sites cannot hold the fleet.

    Checks necessary conditions only: total slots, total MW against the fleet's
    smallest possible draw, and the move limit against the machines that a
    cut in a site's capacity forces out of it.
    """
    present = problem.present()  # (C, M)
    fleet = present.sum(axis=0)
    total_slots = problem.slots.sum(axis=0)
    for m in np.flatnonzero(total_slots < fleet - 1e-9)[:1]:
        raise InputError(f"total slots {total_slots[m]:,.0f} < fleet {fleet[m]:,.0f} in "
                         f"{problem.months[m]}", field="sites")
    least_w = (present * problem.watts.min(axis=1)[:, None]).sum(axis=0) / 1e6
    total_mw = problem.mw.sum(axis=0)
    for m in np.flatnonzero(total_mw < least_w * (1 - 1e-12))[:1]:
        raise InputError(f"total power {total_mw[m]:,.2f} MW < {least_w[m]:,.2f} MW the fleet "
                         f"draws at the lowest PUE in {problem.months[m]}", field="sites")
    if problem.max_moves is not None:
        # Machines that must leave the home site on arrival (more than it holds).
        c_n, s_n, _ = problem.shape
        arrive = problem.arrivals().sum(axis=0)  # (S, M)
        forced = np.maximum(arrive - problem.slots, 0).sum(axis=0)
        for m in np.flatnonzero(forced > problem.max_moves + 1e-9)[:1]:
            raise InputError(f"{forced[m]:,.0f} arriving machines do not fit their sites in "
                             f"{problem.months[m]} but only {problem.max_moves[m]:,.0f} can move",
                             field="move.max_machines_per_month")


_banner_shown = False


def _new_highs() -> highspy.Highs:
    """Return a Highs instance; the banner HiGHS prints on its first one goes to /dev/null.

    The banner is written by the C++ library to file descriptor 1 once per
    process, before any option can silence it, and would corrupt the CLI's output.
    """
    global _banner_shown
    if _banner_shown:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _banner_shown = True
    return h


def _highs(model: MipModel, *, mip_rel_gap: float, time_limit: float | None,
           threads: int | None) -> highspy.Highs:
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    lp = highspy.HighsLp()
    lp.num_col_ = model.n_vars
    lp.num_row_ = model.n_rows
    inf = highspy.kHighsInf
    lp.col_cost_ = model.cost
    lp.col_lower_ = np.where(np.isfinite(model.lower), model.lower, -inf)
    lp.col_upper_ = np.where(np.isfinite(model.upper), model.upper, inf)
    lp.row_lower_ = np.where(np.isfinite(model.row_lower), model.row_lower, -inf)
    lp.row_upper_ = np.where(np.isfinite(model.row_upper), model.row_upper, inf)
    a = model.matrix
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = model.n_vars
    lp.a_matrix_.num_row_ = model.n_rows
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                       for i in model.integer.tolist()]
    h.passModel(lp)
    return h


def solve_plan(
    problem: PlanProblem,
    *,
    mip_rel_gap: float = 0.01,
    time_limit: float | None = 300.0,
    risk_weight: float = 0.0,
    alpha: float = 0.05,
    threads: int | None = None,
) -> Plan:
    """Find the holdings and moves that maximise the expected margin.

    Parameters
    ----------
    problem : PlanProblem
    mip_rel_gap : float
        Stop when the plan is within this share of HiGHS's bound. [fraction]
    time_limit : float or None
        Seconds HiGHS may run (the best plan found is returned, with its gap). [s]
    risk_weight, alpha : float
        Weight ``β`` of the lower-tail CVaR at level ``α`` over the view's paths
        (needs ``problem.scenario_value``). [fraction]
    threads : int, optional
        HiGHS threads.

    Returns
    -------
    Plan

    Raises
    ------
    InputError
        When no plan satisfies the constraints (naming the binding one), or
        HiGHS finds no plan within the time limit.

    """
    check_feasible(problem)
    t0 = time.perf_counter()
    model = build_model(problem, risk_weight=risk_weight, alpha=alpha)
    h = _highs(model, mip_rel_gap=mip_rel_gap, time_limit=time_limit, threads=threads)
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    status = h.getModelStatus()
    label = h.modelStatusToString(status)
    if status in (highspy.HighsModelStatus.kInfeasible,
                  highspy.HighsModelStatus.kUnboundedOrInfeasible):
        raise InputError(_why_infeasible(problem), field="sites")
    info = h.getInfo()
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        raise InputError(f"HiGHS found no plan ({label}) within {time_limit} s; raise the "
                         "time limit or the gap", field="--time-limit")
    values = np.asarray(h.getSolution().col_value)
    shape = problem.shape

    def block(name: str) -> np.ndarray:
        a, b = model.blocks[name]
        return np.rint(values[a:b]).astype(np.int64).reshape(shape)

    holdings, moves_in, moves_out = block("x"), block("in"), block("out")
    # The integer x fixes in - out; drop any in and out at one site that cancel.
    both = np.minimum(moves_in, moves_out)
    moves_in, moves_out = moves_in - both, moves_out - both
    stay = problem.stay_put()
    fits = bool(np.all(stay.sum(axis=0) <= problem.slots + 1e-9)
                and np.all((problem.watts[:, :, None] * stay).sum(axis=0)
                           <= problem.mw * 1e6 * (1 + 1e-12)))
    stay_value = problem.plan_value(stay, np.zeros_like(stay)) if fits else float("nan")
    return Plan(problem=problem, holdings=holdings, moves_in=moves_in, moves_out=moves_out,
                expected_margin=problem.plan_value(holdings.astype(np.float64),
                                                   moves_in.astype(np.float64)),
                stay_put_margin=stay_value, status=label,
                mip_gap=float(info.mip_gap) if np.isfinite(info.mip_gap) else 0.0,
                build_seconds=t1 - t0, solve_seconds=t2 - t1, n_vars=model.n_vars,
                n_rows=model.n_rows, n_integer=model.n_integer)


def _why_infeasible(problem: PlanProblem) -> str:
    """Explain an infeasible program: the move limit, or slots and MW together in a month."""
    if problem.max_moves is not None:
        relaxed = dataclasses.replace(problem, max_moves=None)
        h = _highs(build_model(relaxed), mip_rel_gap=1.0, time_limit=30.0, threads=None)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
            return ("no plan fits within the move limit (move.max_machines_per_month): "
                    "capacity cuts force more machines out in a month than can move")
    for m in range(len(problem.months)):
        keep = np.arange(len(problem.months)) == m
        one = _one_month(problem, keep)
        h = _highs(build_model(one), mip_rel_gap=1.0, time_limit=30.0, threads=None)
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
            return (f"slots and MW together cannot hold the fleet in {problem.months[m]} "
                    "(each machine needs a slot and its power at one site)")
    return "no plan satisfies slots, MW and moves together"


def _one_month(problem: PlanProblem, keep: np.ndarray) -> PlanProblem:
    """Return the single month ``keep`` with the whole fleet present and free to move."""
    m = int(np.flatnonzero(keep)[0])
    present = problem.arrival <= m
    return dataclasses.replace(
        problem, months=problem.months[keep], days=problem.days[keep],
        counts=np.where(present, problem.counts, 0), arrival=np.zeros_like(problem.arrival),
        value=problem.value[:, :, keep], move_in_cost=np.zeros_like(problem.value[:, :, keep]),
        slots=problem.slots[:, keep], mw=problem.mw[:, keep],
        fixed_cost=np.zeros_like(problem.fixed_cost[:, keep]), max_moves=None,
        scenario_value=None)
