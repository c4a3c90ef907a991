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
from typing import Literal

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
        _c_n, _s_n, _ = problem.shape
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


#: Above this many integer columns, ``method="auto"`` rounds the LP relaxation first.
ROUND_FIRST_ABOVE = 10_000


def solve_plan(
    problem: PlanProblem,
    *,
    mip_rel_gap: float = 0.01,
    time_limit: float | None = 300.0,
    risk_weight: float = 0.0,
    alpha: float = 0.05,
    threads: int | None = None,
    method: Literal["auto", "mip", "round"] = "auto",
) -> Plan:
    """Find the holdings and moves that maximise the expected margin.

    Parameters
    ----------
    problem : PlanProblem
        Cohorts, sites, months, values and capacities.
    mip_rel_gap : float
        Stop when the plan is within this share of HiGHS's bound. [fraction]
    time_limit : float or None
        Seconds HiGHS may run (the best plan found is returned, with its gap). [s]
    risk_weight, alpha : float
        Weight ``β`` of the lower-tail CVaR at level ``α`` over the view's paths
        (needs ``problem.scenario_value``). [fraction]
    threads : int, optional
        HiGHS threads.
    method : {"auto", "mip", "round"}
        ``"mip"``: HiGHS's branch and bound. ``"round"``: solve the LP
        relaxation (HiGHS), round its holdings down and place the leftover
        machines where the LP had their fractions, within slots and MW; if the
        rounded plan is within ``mip_rel_gap`` of the LP bound it is returned,
        else it starts the branch and bound. ``"auto"``: ``"round"`` for
        models with more than :data:`ROUND_FIRST_ABOVE` integer columns and no
        risk weight, else ``"mip"``.

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
    use_round = method == "round" or (method == "auto" and risk_weight == 0
                                      and model.n_integer > ROUND_FIRST_ABOVE)
    if use_round and risk_weight == 0:
        rounded = _round_relaxation(problem, model, h)
        if rounded is not None:
            holdings, bound = rounded
            value = problem.plan_value(holdings.astype(np.float64),
                                       _moves(problem, holdings)[0].astype(np.float64))
            gap = (bound - value) / max(abs(value), 1e-9)
            if gap <= mip_rel_gap:
                return _plan(problem, model, holdings, "Optimal (rounded LP relaxation)",
                             max(gap, 0.0), t1 - t0, time.perf_counter() - t1)
            h = _highs(model, mip_rel_gap=mip_rel_gap, time_limit=time_limit, threads=threads)
            start = highspy.HighsSolution()
            start.col_value = _columns(problem, model, holdings).tolist()
            h.setSolution(start)
        else:
            h = _highs(model, mip_rel_gap=mip_rel_gap, time_limit=time_limit, threads=threads)
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
    a, b = model.blocks["x"]
    holdings = np.rint(values[a:b]).astype(np.int64).reshape(problem.shape)
    gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else 0.0
    return _plan(problem, model, holdings, label, gap, t1 - t0, t2 - t1)


def _moves(problem: PlanProblem, holdings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the flows in and out that the integer holdings imply (the cheapest ones)."""
    arrivals = np.rint(problem.arrivals()).astype(np.int64)
    before = np.concatenate([np.zeros_like(holdings[:, :, :1]), holdings[:, :, :-1]], axis=2)
    net = holdings - before - arrivals
    return np.maximum(net, 0), np.maximum(-net, 0)


def _columns(problem: PlanProblem, model: MipModel, holdings: np.ndarray) -> np.ndarray:
    """Return a full column vector (x, in, open) for the holdings, as a MIP start."""
    col = np.zeros(model.n_vars)
    a, b = model.blocks["x"]
    col[a:b] = holdings.ravel()
    a, b = model.blocks["in"]
    col[a:b] = _moves(problem, holdings)[0].ravel()
    a, b = model.blocks["open"]
    col[a:b] = (holdings.sum(axis=0) > 0)[problem.fixed_cost > 0]
    return col


def _round_relaxation(problem: PlanProblem, model: MipModel, h: highspy.Highs
                      ) -> tuple[np.ndarray, float] | None:
    """Solve the LP relaxation; return rounded integer holdings and the LP bound, or None.

    Holdings are rounded down (slots and MW stay satisfied: their coefficients
    are positive); each cohort's leftover machines of a month (fewer than the
    sites) go first to the sites where the LP put their fractions, then to the
    best-valued sites with room. None when the LP fails or no room is left, or
    the rounded plan breaks the move limit.
    """
    h.changeColsIntegrality(model.n_vars, np.arange(model.n_vars, dtype=np.int32),
                            np.full(model.n_vars, highspy.HighsVarType.kContinuous))
    # Interior point without crossover: rounding needs no vertex, and crossover on this
    # degenerate LP (many cohorts with near-equal values) costs more than the IPM itself.
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "off")
    # A relative accuracy of 1e-7 on the bound is ample for gaps of 1e-4 and more.
    h.setOptionValue("ipm_optimality_tolerance", 1e-7)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    bound = -float(h.getInfo().objective_function_value)
    a, b = model.blocks["x"]
    lp = np.asarray(h.getSolution().col_value)[a:b].reshape(problem.shape)
    x = np.floor(lp + 1e-6).astype(np.int64)
    left = np.rint(problem.present()).astype(np.int64) - x.sum(axis=1)  # (C, M)
    slots_left = problem.slots - x.sum(axis=0)
    watts_left = problem.mw * 1e6 - np.einsum("cs,csm->sm", problem.watts, x)
    arrivals = problem.arrivals()
    for m in range(x.shape[2]):  # months in order: last month's holdings are final
        for c in np.flatnonzero(left[:, m]):  # a few machines per (cohort, month)
            need = int(left[c, m])
            # Where a machine stood last month and is missing now, keeping it there costs no
            # move; then where the LP had the fractions; then the best value.
            before = x[c, :, m - 1] + arrivals[c, :, m] if m else arrivals[c, :, m]
            stays = before > x[c, :, m]
            order = np.lexsort((-problem.value[c, :, m], -(lp[c, :, m] - x[c, :, m]), ~stays))
            for s in order:
                fit = int(min(need, slots_left[s, m],
                              np.floor(watts_left[s, m] / problem.watts[c, s] + 1e-9)))
                if stays[s]:
                    fit = min(fit, int(before[s] - x[c, s, m]))
                if fit > 0:
                    x[c, s, m] += fit
                    slots_left[s, m] -= fit
                    watts_left[s, m] -= fit * problem.watts[c, s]
                    need -= fit
                if need == 0:
                    break
            if need:
                for s in order:  # second pass: anywhere with room
                    fit = int(min(need, slots_left[s, m],
                                  np.floor(watts_left[s, m] / problem.watts[c, s] + 1e-9)))
                    if fit > 0:
                        x[c, s, m] += fit
                        slots_left[s, m] -= fit
                        watts_left[s, m] -= fit * problem.watts[c, s]
                        need -= fit
                if need:
                    return None
    if problem.max_moves is not None and np.any(
            _moves(problem, x)[0].sum(axis=(0, 1)) > problem.max_moves + 1e-9):
        return None
    return x, bound


def _plan(problem: PlanProblem, model: MipModel, holdings: np.ndarray, label: str, gap: float,
          build_s: float, solve_s: float) -> Plan:
    moves_in, moves_out = _moves(problem, holdings)
    stay = problem.stay_put()
    fits = bool(np.all(stay.sum(axis=0) <= problem.slots + 1e-9)
                and np.all((problem.watts[:, :, None] * stay).sum(axis=0)
                           <= problem.mw * 1e6 * (1 + 1e-12)))
    stay_value = problem.plan_value(stay, np.zeros_like(stay)) if fits else float("nan")
    return Plan(problem=problem, holdings=holdings, moves_in=moves_in, moves_out=moves_out,
                expected_margin=problem.plan_value(holdings.astype(np.float64),
                                                   moves_in.astype(np.float64)),
                stay_put_margin=stay_value, status=label, mip_gap=gap,
                build_seconds=build_s, solve_seconds=solve_s, n_vars=model.n_vars,
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
