"""A solved plan as tidy tables: holdings, moves and the month-by-month margin.

The moves table (``cohort, from_site, to_site, month, count``) is the form a
backtest or Monte Carlo can apply later: on the first day of ``month``,
``count`` machines of ``cohort`` leave ``from_site`` for ``to_site``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.planner.problem import PlanProblem

__all__ = ["Plan", "match_moves"]

FloatArray = npt.NDArray[np.float64]


def match_moves(moves_in: FloatArray, moves_out: FloatArray) -> list[tuple[int, int, int, int,
                                                                           int]]:
    """Pair the flows out of sites with the flows into sites, per (cohort, month).

    Costs sit on the arrivals only, so any pairing of one cohort's departures
    with its arrivals in the same month is as good as another; this one walks
    both lists in site order (a north-west corner rule).

    Parameters
    ----------
    moves_in : ndarray of int, shape (C, S, M)
        Machines moved into each site at the start of each month.
    moves_out : ndarray of int, shape (C, S, M)
        Machines moved out.

    Returns
    -------
    list of (cohort, from_site, to_site, month, count)

    """
    ins = np.rint(moves_in).astype(np.int64)
    outs = np.rint(moves_out).astype(np.int64)
    result: list[tuple[int, int, int, int, int]] = []
    groups = np.argwhere(ins.sum(axis=1) > 0)  # (cohort, month) pairs with a move
    for c, m in groups:  # one short walk per group with moves, not per variable
        src = [(int(s), int(k)) for s, k in enumerate(outs[c, :, m]) if k > 0]
        dst = [(int(s), int(k)) for s, k in enumerate(ins[c, :, m]) if k > 0]
        i = j = 0
        while i < len(src) and j < len(dst):
            k = min(src[i][1], dst[j][1])
            if src[i][0] != dst[j][0]:
                result.append((int(c), src[i][0], dst[j][0], int(m), k))
            src[i] = (src[i][0], src[i][1] - k)
            dst[j] = (dst[j][0], dst[j][1] - k)
            i += src[i][1] == 0
            j += dst[j][1] == 0
    return result


@dataclasses.dataclass(frozen=True)
class Plan:
    """The planner's answer.

    Attributes
    ----------
    problem : PlanProblem
    holdings : ndarray of int, shape (C, S, M)
        Machines of each cohort at each site in each month.
    moves_in, moves_out : ndarray of int, shape (C, S, M)
    expected_margin : float
        Objective: expected margin net of moves, risks and fixed costs. [currency]
    stay_put_margin : float
        The same for the plan that never moves (when feasible, else NaN). [currency]
    status : str
        HiGHS's model status (``"Optimal"``).
    mip_gap : float
        Relative gap between the plan and HiGHS's bound. [fraction]
    build_seconds, solve_seconds : float
    n_vars, n_rows, n_integer : int

    """

    problem: PlanProblem
    holdings: npt.NDArray[np.int64]
    moves_in: npt.NDArray[np.int64]
    moves_out: npt.NDArray[np.int64]
    expected_margin: float
    stay_put_margin: float
    status: str
    mip_gap: float
    build_seconds: float
    solve_seconds: float
    n_vars: int
    n_rows: int
    n_integer: int

    def _month_labels(self) -> list[str]:
        return [str(m) for m in self.problem.months]

    def holdings_table(self) -> pd.DataFrame:
        """Return one row per (month, cohort, site) with machines > 0."""
        c, s, m = np.nonzero(self.holdings)
        months = np.asarray(self._month_labels())
        return pd.DataFrame({
            "month": months[m], "cohort": np.asarray(self.problem.cohorts)[c],
            "site": np.asarray(self.problem.sites)[s],
            "machines": self.holdings[c, s, m]}).sort_values(["month", "cohort", "site"],
                                                              ignore_index=True)

    def moves_table(self) -> pd.DataFrame:
        """Return the moves: ``cohort, from_site, to_site, month, count`` (first day of month)."""
        rows = match_moves(self.moves_in.astype(np.float64), self.moves_out.astype(np.float64))
        months = self._month_labels()
        return pd.DataFrame(
            [(self.problem.cohorts[c], self.problem.sites[a], self.problem.sites[b],
              f"{months[m]}-01", k) for c, a, b, m, k in rows],
            columns=["cohort", "from_site", "to_site", "month", "count"])

    def site_table(self) -> pd.DataFrame:
        """Return machines per site per month (months as rows, sites as columns)."""
        frame = pd.DataFrame(self.holdings.sum(axis=0).T, columns=list(self.problem.sites))
        frame.insert(0, "month", self._month_labels())
        return frame

    def monthly_margin(self) -> pd.DataFrame:
        """Return per month: the plan's expected margin, its moving costs, and staying put's."""
        p = self.problem
        open_ = self.holdings.sum(axis=0) > 0
        stay = p.stay_put()
        stay_open = stay.sum(axis=0) > 0
        return pd.DataFrame({
            "month": self._month_labels(),
            "machines_moved": self.moves_in.sum(axis=(0, 1)),
            "moving_cost": (p.move_in_cost * self.moves_in).sum(axis=(0, 1)),
            "expected_margin": (p.value * self.holdings).sum(axis=(0, 1))
            - (p.move_in_cost * self.moves_in).sum(axis=(0, 1))
            - (p.fixed_cost * open_).sum(axis=0),
            "stay_put_margin": (p.value * stay).sum(axis=(0, 1))
            - (p.fixed_cost * stay_open).sum(axis=0),
        })
