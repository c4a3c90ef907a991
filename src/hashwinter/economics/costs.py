"""What a machine costs to run: energy, power cost and daily margin."""

from __future__ import annotations

import numpy.typing as npt

from hashwinter.economics._arrays import FloatOrArray, as_float_array, scalar_or_array
from hashwinter.units import HOURS_PER_DAY, WATTS_PER_KILOWATT

__all__ = ["energy_per_day", "margin_per_day", "power_cost_per_day"]


def energy_per_day(power: npt.ArrayLike, pue: npt.ArrayLike = 1.0) -> FloatOrArray:
    """Return the energy a machine draws in a day, site overhead included.

    Parameters
    ----------
    power : float or array_like
        Wall power of the machine. [W]
    pue : float or array_like, default 1.0
        Power usage effectiveness of the site: total site energy over machine
        energy (cooling, transformers). [dimensionless, >= 1]

    Returns
    -------
    float or ndarray
        Energy per day. [kWh/day]

    """
    kw = as_float_array(power) / WATTS_PER_KILOWATT
    return scalar_or_array(kw * HOURS_PER_DAY * as_float_array(pue))


def power_cost_per_day(
    power: npt.ArrayLike, tariff: npt.ArrayLike, pue: npt.ArrayLike = 1.0
) -> FloatOrArray:
    """Return the cost of a day's electricity.

    Parameters
    ----------
    power : float or array_like
        Wall power. [W]
    tariff : float or array_like
        Electricity price. [currency/kWh]
    pue : float or array_like, default 1.0
        Site overhead factor. [dimensionless]

    Returns
    -------
    float or ndarray
        Electricity cost. [currency/day]

    Examples
    --------
    An S9 (1,323 W) at Shihezi's 0.28 CNY/kWh:

    >>> round(power_cost_per_day(1323, 0.28), 4)
    8.8906

    """
    return scalar_or_array(as_float_array(energy_per_day(power, pue)) * as_float_array(tariff))


def margin_per_day(
    revenue: npt.ArrayLike, power_cost: npt.ArrayLike, daily_fees: npt.ArrayLike = 0.0
) -> FloatOrArray:
    """Return revenue less power cost less per-machine daily fees. [currency/day]."""
    return scalar_or_array(
        as_float_array(revenue) - as_float_array(power_cost) - as_float_array(daily_fees)
    )
