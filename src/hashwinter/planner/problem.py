"""A planning problem as arrays: cohorts, sites, months, values and capacities.

:class:`PlanProblem` is what the MIP is built from (:mod:`hashwinter.planner.model`)
and what tests build by hand. Every money array is in the farm's currency.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

__all__ = ["PlanProblem"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclasses.dataclass(frozen=True)
class PlanProblem:
    """Inputs of the planner for ``C`` cohorts, ``S`` sites and ``M`` months.

    Attributes
    ----------
    months : ndarray of datetime64[M], shape (M,)
    days : ndarray, shape (M,)
        Days of each month inside the horizon. [days]
    cohorts : tuple of str, length C
        Cohort labels.
    sites : tuple of str, length S
        Site names.
    counts : ndarray of int, shape (C,)
        Machines of each cohort. [machines]
    home : ndarray of int, shape (C,)
        Site index each cohort stands at when it arrives.
    arrival : ndarray of int, shape (C,)
        Month index it arrives in (0 for machines already there).
    value : ndarray, shape (C, S, M)
        Expected margin of one installed machine over the month, net of
        expected risk losses and hosting fees (parked on losing days). [currency/machine]
    move_in_cost : ndarray, shape (C, S, M)
        Cost of moving one machine into the site at the start of the month:
        transport and reinstall plus the margin lost while it travels. [currency/machine]
    slots : ndarray, shape (S, M)
        Machines each site holds. [machines]
    watts : ndarray, shape (C, S)
        Meter power of one installed machine (power × PUE). [W]
    mw : ndarray, shape (S, M)
        Power each site can draw. [MW]
    fixed_cost : ndarray, shape (S, M)
        Paid in a month the site holds machines; > 0 makes the site's opening a
        binary decision. [currency]
    max_moves : ndarray or None, shape (M,)
        Machines the farm can move into sites per month (None: no limit). [machines]
    scenario_value : ndarray or None, shape (P, C, S, M)
        ``value`` per path of the view (for the risk-averse objective).
    currency : str
    notes : tuple of str
        Conventions and caveats to print with the plan.

    """

    months: npt.NDArray[np.datetime64]
    days: FloatArray
    cohorts: tuple[str, ...]
    sites: tuple[str, ...]
    counts: IntArray
    home: IntArray
    arrival: IntArray
    value: FloatArray
    move_in_cost: FloatArray
    slots: FloatArray
    watts: FloatArray
    mw: FloatArray
    fixed_cost: FloatArray
    max_moves: FloatArray | None = None
    scenario_value: FloatArray | None = None
    currency: str = "CNY"
    notes: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(C, S, M)``."""
        return len(self.cohorts), len(self.sites), len(self.months)

    def arrivals(self) -> FloatArray:
        """Return the machines arriving at each (cohort, site, month), shape (C, S, M)."""
        c, s, m = self.shape
        out = np.zeros((c, s, m))
        out[np.arange(c), self.home, self.arrival] = self.counts
        return out

    def present(self) -> FloatArray:
        """Return the machines each cohort has in each month, shape (C, M)."""
        m = len(self.months)
        return np.where(np.arange(m)[None, :] >= self.arrival[:, None],
                        self.counts[:, None], 0).astype(np.float64)

    def stay_put(self) -> FloatArray:
        """Return the holdings of the plan that never moves, shape (C, S, M)."""
        return np.cumsum(self.arrivals(), axis=2)

    def plan_value(self, holdings: FloatArray, moves_in: FloatArray) -> float:
        """Return the expected margin of a plan: values less moves less fixed costs. [currency]."""
        open_ = holdings.sum(axis=0) > 0
        return float((self.value * holdings).sum() - (self.move_in_cost * moves_in).sum()
                     - (self.fixed_cost * open_).sum())
