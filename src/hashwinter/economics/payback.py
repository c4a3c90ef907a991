"""Payback period and net present value of a machine purchase.

A flat network keeps today's revenue forever, so payback is purchase price over
daily margin. A growing network (difficulty up ``g`` per month, as mining
calculators assume) shrinks revenue by ``(1 + g) ** (-t / 30.436875)`` on day ``t``
(a mean Gregorian month, :data:`hashwinter.units.GREGORIAN_MONTH_DAYS`, the month of
the scenarios' difficulty projection too);
the machine is assumed unplugged on days its margin would be negative (its owner
would not run at a loss), so those days add nothing.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashwinter.economics._arrays import FloatOrArray, as_float_array, scalar_or_array
from hashwinter.units import GREGORIAN_MONTH_DAYS, JULIAN_YEAR_DAYS

__all__ = ["daily_margins", "npv", "payback_days"]



def daily_margins(
    revenue_per_day: npt.ArrayLike,
    cost_per_day: npt.ArrayLike,
    horizon_days: int,
    difficulty_growth_per_month: npt.ArrayLike = 0.0,
) -> npt.NDArray[np.float64]:
    """Return the margin of each day ``t = 0 .. horizon_days-1`` (last axis), floored at 0.

    Parameters
    ----------
    revenue_per_day : float or array_like
        Revenue on day 0. [currency/day]
    cost_per_day : float or array_like
        Power and other running costs, constant. [currency/day]
    horizon_days : int
        Number of days. [day]
    difficulty_growth_per_month : float or array_like, default 0
        Relative difficulty growth per month, e.g. 0.05. [fraction/month]

    Returns
    -------
    ndarray
        Shape ``broadcast(inputs) + (horizon_days,)``. [currency/day]

    """
    if horizon_days < 0:
        raise ValueError(f"horizon_days must be >= 0, got {horizon_days}")
    growth = as_float_array(difficulty_growth_per_month)
    if np.any(growth <= -1.0):
        raise ValueError("difficulty_growth_per_month must be > -1")
    days = np.arange(horizon_days, dtype=np.float64)
    decay = (1.0 + growth[..., None]) ** (-days / GREGORIAN_MONTH_DAYS)
    revenue = as_float_array(revenue_per_day)[..., None] * decay
    margin = revenue - as_float_array(cost_per_day)[..., None]
    return np.asarray(np.maximum(margin, 0.0), dtype=np.float64)


def payback_days(
    purchase_price: npt.ArrayLike,
    revenue_per_day: npt.ArrayLike,
    cost_per_day: npt.ArrayLike,
    difficulty_growth_per_month: npt.ArrayLike = 0.0,
    horizon_days: int = 3650,
) -> FloatOrArray:
    """Return the days until cumulative margin repays the purchase price.

    With no difficulty growth the answer is the closed form
    ``purchase_price / (revenue - cost)``, fractional days included. With growth the
    margins of :func:`daily_margins` are summed day by day and the crossing day is
    interpolated linearly within the day.

    Parameters
    ----------
    purchase_price : float or array_like
        Price paid for the machine (>= 0). [currency]
    revenue_per_day : float or array_like
        Revenue today. [currency/day]
    cost_per_day : float or array_like
        Running cost per day. [currency/day]
    difficulty_growth_per_month : float or array_like, default 0
        Relative difficulty growth per month. [fraction/month]
    horizon_days : int, default 3650
        Give up after this many days (growth case only). [day]

    Returns
    -------
    float or ndarray
        Payback time; ``inf`` if the machine never pays back (within the horizon). [day]

    Examples
    --------
    An S9 bought for 600 CNY earning 14.2 CNY/day against 8.9 CNY/day of power:

    >>> round(payback_days(600, 14.2, 8.9), 1)
    113.2

    """
    price = as_float_array(purchase_price)
    if np.any(price < 0):
        raise ValueError("purchase_price must be >= 0")
    growth = as_float_array(difficulty_growth_per_month)
    revenue = as_float_array(revenue_per_day)
    cost = as_float_array(cost_per_day)
    if not np.any(growth):
        margin = revenue - cost
        with np.errstate(divide="ignore", invalid="ignore"):
            flat = np.where(margin > 0, price / np.where(margin > 0, margin, 1.0), np.inf)
        flat = np.where(price == 0, 0.0, flat)
        return scalar_or_array(
            np.broadcast_to(
                flat, np.broadcast_shapes(price.shape, revenue.shape, cost.shape, growth.shape)
            )
        )
    margins = daily_margins(revenue, cost, horizon_days, growth)
    price_b = np.broadcast_to(price, np.broadcast_shapes(price.shape, margins.shape[:-1]))
    cumulative = np.cumsum(margins, axis=-1)
    reached = cumulative >= price_b[..., None]
    any_reached = reached.any(axis=-1)
    day = np.argmax(reached, axis=-1)
    before = np.where(
        day > 0,
        np.take_along_axis(cumulative, np.maximum(day - 1, 0)[..., None], axis=-1)[..., 0],
        0.0,
    )
    on_day = np.take_along_axis(margins, day[..., None], axis=-1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(on_day > 0, (price_b - before) / np.where(on_day > 0, on_day, 1.0), 0.0)
    result = np.where(any_reached, day + fraction, np.inf)
    return scalar_or_array(np.where(price_b == 0, 0.0, result))


def npv(
    cash_flows: npt.ArrayLike,
    annual_discount_rate: npt.ArrayLike,
    period_days: float = 1.0,
    initial_outlay: npt.ArrayLike = 0.0,
) -> FloatOrArray:
    """Return the net present value of a series of cash flows.

    Flow ``k`` (last axis) arrives at the end of period ``k``, i.e. at
    ``(k + 1) * period_days`` days, and is discounted by
    ``(1 + r) ** (-(k + 1) * period_days / 365.25)``.

    Parameters
    ----------
    cash_flows : array_like
        Flows per period, last axis is time. [currency]
    annual_discount_rate : float or array_like
        Discount rate per year, e.g. 0.10. [fraction/year]
    period_days : float, default 1.0
        Length of one period. [day]
    initial_outlay : float or array_like, default 0
        Paid at time 0 (e.g. the purchase price), subtracted undiscounted. [currency]

    Returns
    -------
    float or ndarray
        Net present value. [currency]

    Examples
    --------
    110 a year from now and 121 two years from now are each worth 100 today at
    10 %/year; paying 100 for the first alone breaks even (to rounding: the float
    result is about -1.4e-14, so compare, never print, a value that should be 0):

    >>> round(npv([110.0, 121.0], 0.10, period_days=365.25), 6)
    200.0
    >>> abs(npv([110.0], 0.10, period_days=365.25, initial_outlay=100.0)) < 1e-9
    True

    """
    flows = np.atleast_1d(as_float_array(cash_flows))
    rate = as_float_array(annual_discount_rate)
    if np.any(rate <= -1.0):
        raise ValueError("annual_discount_rate must be > -1")
    times = (np.arange(flows.shape[-1]) + 1.0) * period_days / JULIAN_YEAR_DAYS
    factors = (1.0 + rate[..., None]) ** (-times)
    present = np.sum(flows * factors, axis=-1)
    return scalar_or_array(present - as_float_array(initial_outlay))
