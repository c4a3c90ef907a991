"""The network's electricity use, bounded the public way (the Cambridge index's method).

The Cambridge Bitcoin Electricity Consumption Index (CBECI, Cambridge Centre for
Alternative Finance; method after Marc Bevand, 2017) brackets the network's
power draw with the machines that *could* be running:

- a machine is **profitable** on a day when its revenue per hash beats its
  electricity cost at a flat price ``P_el`` (CBECI: 0.05 USD/kWh), i.e. when its
  efficiency ``e`` [J/H] is below the threshold
  ``e* = revenue per (H/s) per day / (P_el * 86400 / 3.6e6)``, and it has been released;
- **lower bound**: all hashrate on the most efficient profitable machine, PUE 1.01;
- **upper bound**: all hashrate on the least efficient profitable machine, PUE 1.20;
- **best guess**: all hashrate on the plain average efficiency of the profitable
  machines, PUE 1.10;
- on a day when no machine is profitable the last profitable day's figures stand
  (the miners who stay online are assumed not to change their equipment).

These are the constants of CBECI's public code base (github.com/dektox/
mining_energy_consumption, ``api/chart_API.py``: PUE 1.01 / 1.20 / 1.10, price
0.05 USD/kWh, ``365.25 * 24`` hours a year). The simulated fleet's own
consumption (running machines x power x PUE) is what the network model adds to
these bounds.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError
from hashwinter.fill import last_valid_index
from hashwinter.units import HOURS_PER_DAY, JULIAN_YEAR_DAYS, SECONDS_PER_DAY

__all__ = [
    "CBECI_PUE_BEST",
    "CBECI_PUE_LOWER",
    "CBECI_PUE_UPPER",
    "CBECI_TARIFF_USD",
    "ElectricityBounds",
    "electricity_bounds",
    "profitability_threshold",
]

FloatArray = npt.NDArray[np.float64]

#: CBECI's flat electricity price for "profitable". [USD/kWh]
CBECI_TARIFF_USD = 0.05
#: CBECI's PUE for the lower bound, the best guess and the upper bound. [dimensionless]
CBECI_PUE_LOWER, CBECI_PUE_BEST, CBECI_PUE_UPPER = 1.01, 1.10, 1.20
#: Hours in a (Julian) year, CBECI's annualisation. [h/year]
HOURS_PER_YEAR = JULIAN_YEAR_DAYS * HOURS_PER_DAY
_J_PER_KWH = 3.6e6


def profitability_threshold(
    revenue_per_hash_day: npt.ArrayLike, tariff: npt.ArrayLike = CBECI_TARIFF_USD
) -> FloatArray:
    """Return the least efficient machine that still pays for its power [J/H].

    Parameters
    ----------
    revenue_per_hash_day : array_like
        What one H/s earns in a day. [USD per (H/s) per day]
    tariff : array_like, default 0.05
        Electricity price. [USD/kWh]

    Returns
    -------
    ndarray
        Efficiency threshold ``e*``: machines with ``e < e*`` are profitable. [J/H]

    Examples
    --------
    On 25 Nov 2018 one TH/s earned 0.1523 USD a day (86400 / (6.6533e12 * 2^32) x
    12.759 BTC x 3,946.85 USD); at 0.05 USD/kWh the threshold is
    0.1523 / (0.05 * 86400 / 3.6e6) = 126.9 J/TH, so the S9 (98 J/TH) paid and the
    A741 (158 J/TH) did not:

    >>> round(float(profitability_threshold(0.1523e-12)) * 1e12, 1)
    126.9

    """
    rev = np.asarray(revenue_per_hash_day, dtype=np.float64)
    price = np.asarray(tariff, dtype=np.float64)
    return np.asarray(rev / (price * SECONDS_PER_DAY / _J_PER_KWH), dtype=np.float64)


@dataclasses.dataclass(frozen=True)
class ElectricityBounds:
    """CBECI-style bounds per day, each in TWh per year.

    Attributes
    ----------
    lower, best, upper : ndarray (N,)
        Annualised consumption. [TWh/year]
    threshold : ndarray (N,)
        Profitability threshold. [J/H]
    n_profitable : ndarray of int (N,)
        Machines profitable on each day (0: the previous profitable day's figures stand).

    """

    lower: FloatArray
    best: FloatArray
    upper: FloatArray
    threshold: FloatArray
    n_profitable: npt.NDArray[np.int64]


def electricity_bounds(
    hashrate: npt.ArrayLike,
    revenue_per_hash_day: npt.ArrayLike,
    days: npt.ArrayLike,
    efficiency: npt.ArrayLike,
    release: npt.ArrayLike,
    *,
    tariff: float = CBECI_TARIFF_USD,
    pue: tuple[float, float, float] = (CBECI_PUE_LOWER, CBECI_PUE_BEST, CBECI_PUE_UPPER),
) -> ElectricityBounds:
    """Return the lower, best-guess and upper electricity use of a network per day.

    Parameters
    ----------
    hashrate : array_like (N,)
        Network hashrate on each day. [H/s]
    revenue_per_hash_day : array_like (N,)
        What one H/s earns that day (subsidy + fees, at the day's price). [USD/(H/s)/day]
    days : array_like of datetime64[D] (N,)
        The days.
    efficiency : array_like (M,)
        Efficiency of each machine model. [J/H]
    release : array_like of datetime64[D] (M,)
        Release day of each model (a model counts from the day after).
    tariff : float, default 0.05
        Electricity price for "profitable". [USD/kWh]
    pue : (float, float, float), default (1.01, 1.10, 1.20)
        PUE of the lower bound, the best guess and the upper bound.

    Returns
    -------
    ElectricityBounds

    Raises
    ------
    InputError
        Shapes that do not match, or no machine released by the first day.

    """
    h = np.asarray(hashrate, dtype=np.float64)
    rev = np.asarray(revenue_per_hash_day, dtype=np.float64)
    day = np.asarray(days, dtype="datetime64[D]")
    eff = np.asarray(efficiency, dtype=np.float64)
    rel = np.asarray(release, dtype="datetime64[D]")
    if not (h.shape == rev.shape == day.shape and h.ndim == 1):
        raise InputError("hashrate, revenue and days must be 1-d of one length", field="days")
    if eff.shape != rel.shape or eff.ndim != 1 or eff.size == 0:
        raise InputError("efficiency and release must be 1-d of one length", field="machines")
    threshold = profitability_threshold(rev, tariff)
    released = rel[:, None] < day[None, :]  # (M, N)
    if not released[:, 0].any():
        raise InputError(f"no machine released before {day[0]}", field="machines")
    profitable = released & (eff[:, None] < threshold[None, :])
    n_prof = profitable.sum(axis=0)
    e_col = eff[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        e_min = np.where(profitable, e_col, np.inf).min(axis=0)
        e_max = np.where(profitable, e_col, -np.inf).max(axis=0)
        e_mean = np.where(profitable, e_col, 0.0).sum(axis=0) / n_prof
        # Before the first profitable day: the average of the machines that exist.
        e_exist = np.where(released, e_col, 0.0).sum(axis=0) / released.sum(axis=0)
    stats = np.vstack([e_min, e_mean, e_max])  # (3, N) [J/H]
    none = n_prof == 0
    # Forward-fill the efficiencies of the last profitable day over unprofitable days.
    last = last_valid_index(~none)
    filled = np.where(last >= 0, stats[:, np.maximum(last, 0)], e_exist[None, :])
    kwh_per_year = filled * h[None, :] * HOURS_PER_YEAR / 1000.0  # J/H x H/s = W; W x h -> kWh
    twh = kwh_per_year / 1e9 * np.asarray(pue, dtype=np.float64)[:, None]
    return ElectricityBounds(lower=twh[0], best=twh[1], upper=twh[2], threshold=threshold,
                             n_profitable=n_prof.astype(np.int64))
