"""The planner: which site each cohort's machines stand at, month by month.

* :mod:`~hashwinter.planner.view`: the price/network view (history, flat, paths);
* :mod:`~hashwinter.planner.values`: expected margins and risk losses per
  machine, per (cohort, site, month);
* :mod:`~hashwinter.planner.problem`: :class:`PlanProblem`, the arrays;
* :mod:`~hashwinter.planner.build`: a problem from a farm file and a sites file;
* :mod:`~hashwinter.planner.model`: the mixed-integer program as sparse matrices;
* :mod:`~hashwinter.planner.solve`: HiGHS, and why a problem has no plan;
* :mod:`~hashwinter.planner.result`: :class:`Plan` and its tables.

See docs/sites.md.
"""

from __future__ import annotations

from hashwinter.planner.model import MipModel, build_model
from hashwinter.planner.problem import PlanProblem
from hashwinter.planner.result import Plan, match_moves
from hashwinter.planner.solve import check_feasible, solve_plan
from hashwinter.planner.view import MarketView, flat_view, view_from_market

__all__ = [
    "MarketView",
    "MipModel",
    "Plan",
    "PlanProblem",
    "build_model",
    "check_feasible",
    "flat_view",
    "match_moves",
    "solve_plan",
    "view_from_market",
]
