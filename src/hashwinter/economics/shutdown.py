"""Shutdown price (关机价) and the break-even tariff and efficiency.

The shutdown price is the coin price at which a machine's revenue, after the
pool's fee, equals its electricity cost plus optional per-machine daily fees
(../shared/DESIGN.md): ``(power_kW * 24 * tariff * pue + daily_fees) / coins_per_day``.
Below it, every hour the machine runs loses money on cash costs.
"""

from __future__ import annotations

import numpy.typing as npt

from hashwinter.economics._arrays import FloatOrArray, as_float_array, scalar_or_array
from hashwinter.economics.costs import energy_per_day, power_cost_per_day
from hashwinter.economics.revenue import coins_per_day, hashprice
from hashwinter.units import HOURS_PER_DAY, WATTS_PER_KILOWATT

__all__ = ["breakeven_efficiency", "breakeven_tariff", "shutdown_price"]


def shutdown_price(
    hashrate: npt.ArrayLike,
    power: npt.ArrayLike,
    tariff: npt.ArrayLike,
    difficulty: npt.ArrayLike,
    subsidy: npt.ArrayLike,
    fees_per_block: npt.ArrayLike = 0.0,
    pool_fee: npt.ArrayLike = 0.0,
    daily_fees: npt.ArrayLike = 0.0,
    pue: npt.ArrayLike = 1.0,
) -> FloatOrArray:
    """Return the coin price below which a machine no longer pays for its power.

    Parameters
    ----------
    hashrate : float or array_like
        Machine hashrate (> 0). [H/s]
    power : float or array_like
        Wall power. [W]
    tariff : float or array_like
        Electricity price. [currency/kWh]
    difficulty : float or array_like
        Difficulty in force. [dimensionless]
    subsidy : float or array_like
        Block subsidy. [coin per block]
    fees_per_block : float or array_like, default 0
        Fees per block. [coin per block]
    pool_fee : float or array_like, default 0
        Pool fee. [fraction]
    daily_fees : float or array_like, default 0
        Other per-machine costs per day: management, hosting. [currency/day]
    pue : float or array_like, default 1.0
        Site overhead factor. [dimensionless]

    Returns
    -------
    float or ndarray
        Shutdown price. [currency/coin]

    Examples
    --------
    ViaBTC's worked example: S19 (95 TH/s, 3,250 W) at $0.077/kWh, difficulty
    17.62e12, subsidy 6.25 BTC plus fees of 1.3 % of it; ViaBTC gives $8,744.27.

    >>> round(shutdown_price(95e12, 3250, 0.077, 17.62e12, 6.25, 6.25 * 0.013))
    8746

    """
    cost = as_float_array(power_cost_per_day(power, tariff, pue)) + as_float_array(daily_fees)
    coins = as_float_array(coins_per_day(hashrate, difficulty, subsidy, fees_per_block, pool_fee))
    return scalar_or_array(cost / coins)


def breakeven_tariff(
    hashrate: npt.ArrayLike,
    power: npt.ArrayLike,
    difficulty: npt.ArrayLike,
    subsidy: npt.ArrayLike,
    price: npt.ArrayLike,
    fees_per_block: npt.ArrayLike = 0.0,
    pool_fee: npt.ArrayLike = 0.0,
    daily_fees: npt.ArrayLike = 0.0,
    pue: npt.ArrayLike = 1.0,
) -> FloatOrArray:
    """Return the electricity price at which a machine's margin is zero.

    Parameters are those of :func:`shutdown_price`, with the coin ``price``
    [currency/coin] given instead of the tariff.

    Returns
    -------
    float or ndarray
        Break-even tariff; negative when fees alone exceed revenue. [currency/kWh]

    """
    coins = as_float_array(coins_per_day(hashrate, difficulty, subsidy, fees_per_block, pool_fee))
    revenue = coins * as_float_array(price)
    kwh = as_float_array(energy_per_day(power, pue))
    return scalar_or_array((revenue - as_float_array(daily_fees)) / kwh)


def breakeven_efficiency(
    tariff: npt.ArrayLike,
    difficulty: npt.ArrayLike,
    subsidy: npt.ArrayLike,
    price: npt.ArrayLike,
    fees_per_block: npt.ArrayLike = 0.0,
    pool_fee: npt.ArrayLike = 0.0,
    pue: npt.ArrayLike = 1.0,
) -> FloatOrArray:
    """Return the least efficient machine that still covers its power cost.

    A machine of efficiency ``e`` [J/TH] draws ``e`` watts per TH/s, so it breaks
    even when ``e * 24 / 1000 * tariff * pue`` equals the hashprice.

    Parameters
    ----------
    tariff : float or array_like
        Electricity price. [currency/kWh]
    difficulty, subsidy, price, fees_per_block, pool_fee, pue
        As in :func:`shutdown_price` and :func:`hashprice`.

    Returns
    -------
    float or ndarray
        Maximum efficiency that breaks even. [J/TH]

    """
    revenue_per_th = as_float_array(hashprice(difficulty, subsidy, price, fees_per_block, pool_fee))
    cost_per_watt_day = (
        HOURS_PER_DAY / WATTS_PER_KILOWATT * as_float_array(tariff) * as_float_array(pue)
    )
    return scalar_or_array(revenue_per_th / cost_per_watt_day)
