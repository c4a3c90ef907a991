"""Expected losses from a site's risks, per month: pure, vectorized functions.

Conventions (docs/sites.md):

* Power cuts are a Poisson process of rate ``λ`` [1/year] with independent
  durations of mean ``μ`` [days]. The number of cuts under way at a given
  instant is then Poisson with mean ``λ μ / 365.25`` (a Poisson "boolean"
  model), so the expected share of time cut off is
  ``1 - exp(-λ μ / 365.25)`` — about ``λ μ / 365.25`` when small, and never
  above 1 however many cuts overlap.
* A fine of ``a`` per machine falling with probability ``p`` per year costs
  ``p · a · days / 365.25`` per installed machine in expectation over ``days``.
* Seizure with probability ``p`` per year of a share ``s`` of the machines,
  each worth ``v``, costs ``p_days · s · v`` per installed machine, where
  ``p_days = 1 - (1 - p)^(days / 365.25)`` is the chance it happens within
  ``days`` (a constant hazard).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashwinter.units import JULIAN_YEAR_DAYS

__all__ = [
    "expected_downtime_share",
    "expected_fine_cost",
    "expected_seizure_loss",
    "probability_within",
]


FloatArray = npt.NDArray[np.float64]


def expected_downtime_share(
    rate_per_year: npt.ArrayLike, mean_duration_days: npt.ArrayLike
) -> FloatArray:
    """Return the expected share of time a site is cut off.

    Parameters
    ----------
    rate_per_year : array_like
        Cuts starting per year. [1/year]
    mean_duration_days : array_like
        Mean length of a cut. [days]

    Returns
    -------
    ndarray
        ``1 - exp(-rate · duration / 365.25)``. [fraction of time]

    Examples
    --------
    Two cuts a year of a week each: 14 days in 365.25, less the overlaps.

    >>> round(float(expected_downtime_share(2.0, 7.0)), 5)
    0.0376

    """
    lam = np.asarray(rate_per_year, dtype=np.float64)
    mu = np.asarray(mean_duration_days, dtype=np.float64)
    return np.asarray(-np.expm1(-lam * mu / JULIAN_YEAR_DAYS), dtype=np.float64)


def probability_within(probability_per_year: npt.ArrayLike, days: npt.ArrayLike) -> FloatArray:
    """Return the chance that an event of yearly probability ``p`` happens within ``days``.

    Parameters
    ----------
    probability_per_year : array_like
        Chance within a year. [fraction]
    days : array_like
        Length of the period. [days]

    Returns
    -------
    ndarray
        ``1 - (1 - p)^(days / 365.25)`` (a constant hazard). [fraction]

    """
    p = np.asarray(probability_per_year, dtype=np.float64)
    t = np.asarray(days, dtype=np.float64) / JULIAN_YEAR_DAYS
    with np.errstate(divide="ignore"):
        return np.asarray(np.where(p >= 1.0, np.where(t > 0, 1.0, 0.0),
                                   -np.expm1(t * np.log1p(-np.minimum(p, 1.0 - 1e-300)))),
                          dtype=np.float64)


def expected_fine_cost(
    probability_per_year: npt.ArrayLike, amount_per_machine: npt.ArrayLike, days: npt.ArrayLike
) -> FloatArray:
    """Return the expected fines per installed machine over ``days``.

    Parameters
    ----------
    probability_per_year : array_like
        Chance that a fine falls within a year (read as a yearly rate). [fraction]
    amount_per_machine : array_like
        Fine per machine. [currency/machine]
    days : array_like
        Length of the period. [days]

    Returns
    -------
    ndarray
        ``p · amount · days / 365.25``. [currency/machine]

    Examples
    --------
    >>> float(expected_fine_cost(0.5, 100.0, 365.25))
    50.0

    """
    p = np.asarray(probability_per_year, dtype=np.float64)
    a = np.asarray(amount_per_machine, dtype=np.float64)
    t = np.asarray(days, dtype=np.float64)
    return np.asarray(p * a * t / JULIAN_YEAR_DAYS, dtype=np.float64)


def expected_seizure_loss(
    probability_per_year: npt.ArrayLike,
    share_lost: npt.ArrayLike,
    machine_value: npt.ArrayLike,
    days: npt.ArrayLike,
) -> FloatArray:
    """Return the expected value lost to seizure or theft per installed machine over ``days``.

    Parameters
    ----------
    probability_per_year : array_like
        Chance of an event within a year. [fraction]
    share_lost : array_like
        Share of the machines lost when it happens. [fraction]
    machine_value : array_like
        Value of one machine. [currency/machine]
    days : array_like
        Length of the period. [days]

    Returns
    -------
    ndarray
        ``probability_within(p, days) · share · value``. [currency/machine]

    Examples
    --------
    A 10 % yearly chance of losing everything, machines worth 600, over a year:

    >>> float(expected_seizure_loss(0.1, 1.0, 600.0, 365.25).round(6))
    60.0

    """
    return np.asarray(probability_within(probability_per_year, days)
                      * np.asarray(share_lost, dtype=np.float64)
                      * np.asarray(machine_value, dtype=np.float64), dtype=np.float64)
