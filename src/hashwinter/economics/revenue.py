"""What a machine earns: coins per day, revenue per day and hashprice.

Expected coins per day for hashrate ``H`` [H/s] at difficulty ``D``
(../shared/DESIGN.md): ``H * 86400 / (D * 2**32) * (subsidy + fees_per_block)``,
less the pool's fee. Every function broadcasts over numpy arrays.
"""

from __future__ import annotations

import numpy.typing as npt

from hashwinter.chain.difficulty import reward_per_hash
from hashwinter.economics._arrays import FloatOrArray, as_float_array, scalar_or_array
from hashwinter.units import SECONDS_PER_DAY, TERA

__all__ = ["coins_per_day", "hashprice", "revenue_per_day"]


def coins_per_day(
    hashrate: npt.ArrayLike,
    difficulty: npt.ArrayLike,
    subsidy: npt.ArrayLike,
    fees_per_block: npt.ArrayLike = 0.0,
    pool_fee: npt.ArrayLike = 0.0,
) -> FloatOrArray:
    """Return the expected coins a machine mines per day, after the pool's fee.

    Parameters
    ----------
    hashrate : float or array_like
        Machine (or fleet) hashrate. [H/s]
    difficulty : float or array_like
        Network difficulty in force. [dimensionless]
    subsidy : float or array_like
        Block subsidy. [coin per block]
    fees_per_block : float or array_like, default 0
        Average transaction fees per block. [coin per block]
    pool_fee : float or array_like, default 0
        Share of the reward the pool keeps, e.g. 0.02 for 2 %. [fraction]

    Returns
    -------
    float or ndarray
        Expected coins per day. [coin/day]

    Examples
    --------
    An Antminer S9 (13.5 TH/s) on 25 Nov 2018 (difficulty 6.653e12, 12.5 + 0.26 BTC):

    >>> round(coins_per_day(13.5e12, 6_653_303_141_406, 12.5, 0.26), 6)
    0.000521

    """
    reward = as_float_array(subsidy) + as_float_array(fees_per_block)
    per_hash = reward_per_hash(difficulty, reward)  # coin per (H/s) per s
    return scalar_or_array(as_float_array(hashrate) * SECONDS_PER_DAY * per_hash
                           * (1.0 - as_float_array(pool_fee)))


def revenue_per_day(
    hashrate: npt.ArrayLike,
    difficulty: npt.ArrayLike,
    subsidy: npt.ArrayLike,
    price: npt.ArrayLike,
    fees_per_block: npt.ArrayLike = 0.0,
    pool_fee: npt.ArrayLike = 0.0,
) -> FloatOrArray:
    """Return the expected revenue per day at coin price ``price``.

    Parameters
    ----------
    hashrate : float or array_like
        Hashrate. [H/s]
    difficulty : float or array_like
        Difficulty in force. [dimensionless]
    subsidy : float or array_like
        Block subsidy. [coin per block]
    price : float or array_like
        Coin price. [currency/coin]
    fees_per_block : float or array_like, default 0
        Fees per block. [coin per block]
    pool_fee : float or array_like, default 0
        Pool fee. [fraction]

    Returns
    -------
    float or ndarray
        Revenue. [currency/day]

    """
    coins = coins_per_day(hashrate, difficulty, subsidy, fees_per_block, pool_fee)
    return scalar_or_array(as_float_array(coins) * as_float_array(price))


def hashprice(
    difficulty: npt.ArrayLike,
    subsidy: npt.ArrayLike,
    price: npt.ArrayLike,
    fees_per_block: npt.ArrayLike = 0.0,
    pool_fee: npt.ArrayLike = 0.0,
) -> FloatOrArray:
    """Return the revenue of one TH/s for one day (the "hashprice").

    Returns
    -------
    float or ndarray
        Revenue per unit of hashrate. [currency per (TH/s) per day]

    """
    return revenue_per_day(TERA, difficulty, subsidy, price, fees_per_block, pool_fee)
