"""The planner's mixed-integer program, built as whole sparse matrices (no per-variable loops).

Variables for cohort ``c``, site ``s``, month ``m`` (docs/sites.md):

* ``x[c,s,m]`` integer machines installed; ``in[c,s,m]`` ≥ 0 machines moved
  into the site at the start of the month (a flow, not origin–destination
  pairs); the flow out, ``out = x[m-1] + arrivals + in - x`` ≥ 0, is the slack
  of the balance row, so it needs no column of its own;
* ``open[s,m]`` binary, only for sites with fixed costs;
* with a risk weight ``β > 0``: ``η`` and ``u[p]`` ≥ 0 of the Rockafellar–Uryasev
  form of the lower-tail CVaR of the plan's margin over the view's paths.

Constraints:

* balance ``x[c,s,m] - x[c,s,m-1] - in[c,s,m] ≤ arrivals[c,s,m]`` (``out ≥ 0``);
* conservation ``Σ_s x[c,s,m] = present[c,m]``, which with the balance rows is
  ``Σ_s in = Σ_s out`` per (cohort, month): a move leaves one site for another;
* slots ``Σ_c x[c,s,m] ≤ slots[s,m] · open[s,m]``; power
  ``Σ_c watts[c,s] · x[c,s,m] ≤ 1e6 · mw[s,m]``;
* moves ``Σ_{c,s} in[c,s,m] ≤ max_moves[m]`` when limited;
* CVaR ``u[p] ≥ η - V[p]`` with ``V[p]`` the plan's margin on path ``p``.

Objective: maximise ``(1-β) E[V] + β (η - Σ_p u[p] / (α P))``, where
``V = Σ value·x - Σ move_in_cost·in - Σ fixed_cost·open``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from hashwinter.planner.problem import PlanProblem

__all__ = ["MipModel", "build_model"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclasses.dataclass(frozen=True)
class MipModel:
    """A MIP in HiGHS's column form: minimise ``cost · v`` s.t. ``row_lower ≤ A v ≤ row_upper``.

    Attributes
    ----------
    cost, lower, upper : ndarray, shape (N,)
    integer : ndarray of bool, shape (N,)
    matrix : scipy.sparse.csc_matrix, shape (R, N)
    row_lower, row_upper : ndarray, shape (R,)
    blocks : dict of str to (int, int)
        Column range of each variable block (``"x"``, ``"in"``, ``"open"``,
        ``"eta"``, ``"u"``).
    row_blocks : dict of str to (int, int)
        Row range of each constraint family.
    offset : float
        Constant of the objective (so that ``-(cost · v + offset)`` is the margin).

    """

    cost: FloatArray
    lower: FloatArray
    upper: FloatArray
    integer: npt.NDArray[np.bool_]
    matrix: sp.csc_matrix
    row_lower: FloatArray
    row_upper: FloatArray
    blocks: dict[str, tuple[int, int]]
    row_blocks: dict[str, tuple[int, int]]
    offset: float = 0.0

    @property
    def n_vars(self) -> int:
        """Number of columns."""
        return int(self.cost.size)

    @property
    def n_rows(self) -> int:
        """Number of constraints."""
        return int(self.row_lower.size)

    @property
    def n_integer(self) -> int:
        """Number of integer (incl. binary) columns."""
        return int(self.integer.sum())


def build_model(problem: PlanProblem, *, risk_weight: float = 0.0, alpha: float = 0.05
                ) -> MipModel:
    """Build the MIP of ``problem`` (see the module docstring).

    Parameters
    ----------
    problem : PlanProblem
        Cohorts, sites, months, values and capacities.
    risk_weight : float
        ``β`` in [0, 1]: weight of the CVaR term (0: expected margin only). [fraction]
    alpha : float
        Tail of the CVaR: the mean of the worst ``α`` share of paths. [fraction]

    Returns
    -------
    MipModel

    """
    c_n, s_n, m_n = problem.shape
    n = c_n * s_n * m_n
    grid = np.arange(n).reshape(c_n, s_n, m_n)
    x0, in0 = 0, n
    has_fixed = np.asarray(problem.fixed_cost > 0)
    open_idx = np.full((s_n, m_n), -1, dtype=np.int64)
    n_open = int(has_fixed.sum())
    open0 = 2 * n
    open_idx[has_fixed] = open0 + np.arange(n_open)
    use_cvar = risk_weight > 0 and problem.scenario_value is not None
    p_n = problem.scenario_value.shape[0] if use_cvar and problem.scenario_value is not None else 0
    eta = open0 + n_open
    u0 = eta + (1 if use_cvar else 0)
    n_cols = u0 + p_n

    counts = np.broadcast_to(problem.counts[:, None, None], (c_n, s_n, m_n)).ravel()
    lower = np.zeros(n_cols)
    upper = np.concatenate([counts, counts, np.ones(n_open),
                            np.full(1 if use_cvar else 0, np.inf), np.full(p_n, np.inf)])
    if use_cvar:
        lower[eta] = -np.inf
    integer = np.zeros(n_cols, dtype=bool)
    integer[:n] = True
    integer[open0:open0 + n_open] = True

    # Objective (HiGHS minimises, so margins enter with a minus sign).
    mean_weight = 1.0 - risk_weight if use_cvar else 1.0
    cost = np.zeros(n_cols)
    cost[:n] = -mean_weight * problem.value.ravel()
    cost[in0:in0 + n] = mean_weight * problem.move_in_cost.ravel()
    cost[open0:open0 + n_open] = mean_weight * problem.fixed_cost[has_fixed]
    if use_cvar:
        cost[eta] = -risk_weight
        cost[u0:u0 + p_n] = risk_weight / (alpha * p_n)

    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    lo: list[FloatArray] = []
    hi: list[FloatArray] = []
    row_blocks: dict[str, tuple[int, int]] = {}
    r = 0

    def add(name: str, n_new: int, rr: list[IntArray], cc: list[IntArray],
            vv: list[FloatArray], low: FloatArray, high: FloatArray) -> None:
        nonlocal r
        for a, b, v in zip(rr, cc, vv, strict=True):
            rows.append(a + r)
            cols.append(b)
            vals.append(v)
        lo.append(low)
        hi.append(high)
        row_blocks[name] = (r, r + n_new)
        r += n_new

    # Balance, one row per (c, s, m): x - x[m-1] - in <= arrivals (the slack is the flow out).
    bal = grid.ravel()
    prev = grid[:, :, 1:].ravel()
    arrive = problem.arrivals().ravel()
    add("balance", n,
        [bal, prev, bal],
        [x0 + bal, x0 + prev - 1, in0 + bal],
        [np.ones(n), -np.ones(prev.size), -np.ones(n)],
        np.full(n, -np.inf), arrive)
    # Conservation, one row per (c, m): sum_s x = machines present.
    flow_row = (np.arange(c_n)[:, None, None] * m_n + np.arange(m_n)[None, None, :]
                + np.zeros((1, s_n, 1), dtype=np.int64)).ravel()
    present = problem.present().ravel()
    add("conservation", c_n * m_n, [flow_row], [x0 + bal], [np.ones(n)], present, present)
    # Slots, one row per (s, m): sum_c x - slots * open <= 0 (or <= slots).
    sm_row = (np.arange(s_n)[None, :, None] * m_n + np.arange(m_n)[None, None, :]
              + np.zeros((c_n, 1, 1), dtype=np.int64)).ravel()
    slots = problem.slots.astype(np.float64)
    opened = np.flatnonzero(has_fixed.ravel())
    add("slots", s_n * m_n,
        [sm_row, opened], [x0 + bal, open_idx.ravel()[opened]],
        [np.ones(n), -slots.ravel()[opened]],
        np.full(s_n * m_n, -np.inf), np.where(has_fixed, 0.0, slots).ravel())
    # Power, one row per (s, m): sum_c watts * x <= 1e6 * mw.
    watts = np.broadcast_to(problem.watts[:, :, None], (c_n, s_n, m_n)).ravel()
    add("mw", s_n * m_n, [sm_row], [x0 + bal], [watts / 1e6],
        np.full(s_n * m_n, -np.inf), problem.mw.astype(np.float64).ravel())
    if problem.max_moves is not None:
        m_row = np.broadcast_to(np.arange(m_n)[None, None, :], (c_n, s_n, m_n)).ravel()
        add("moves", m_n, [m_row], [in0 + bal], [np.ones(n)],
            np.full(m_n, -np.inf), np.asarray(problem.max_moves, dtype=np.float64))
    if use_cvar and problem.scenario_value is not None:
        # u_p - eta + V_p >= 0, V_p = sum v_p x - sum cost in - sum fixed open.
        sv = problem.scenario_value.reshape(p_n, n)
        p_row = np.repeat(np.arange(p_n), n)
        p_x = np.tile(x0 + bal, p_n)
        p_in = np.tile(in0 + bal, p_n)
        p_open = np.repeat(np.arange(p_n), n_open)
        add("cvar", p_n,
            [p_row, p_row, p_open, np.arange(p_n), np.arange(p_n)],
            [p_x, p_in, np.tile(open0 + np.arange(n_open), p_n), u0 + np.arange(p_n),
             np.full(p_n, eta)],
            [sv.ravel(), -np.tile(problem.move_in_cost.ravel(), p_n),
             -np.tile(problem.fixed_cost[has_fixed], p_n), np.ones(p_n), -np.ones(p_n)],
            np.zeros(p_n), np.full(p_n, np.inf))

    matrix = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(r, n_cols))
    blocks = {"x": (x0, x0 + n), "in": (in0, in0 + n), "open": (open0, open0 + n_open)}
    if use_cvar:
        blocks["eta"] = (eta, eta + 1)
        blocks["u"] = (u0, u0 + p_n)
    return MipModel(cost=cost, lower=lower, upper=upper, integer=integer, matrix=matrix,
                    row_lower=np.concatenate(lo), row_upper=np.concatenate(hi),
                    blocks=blocks, row_blocks=row_blocks)
