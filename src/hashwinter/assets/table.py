"""Machine values for many models on many dates at once: the (model, date) table.

:func:`value_table` computes :func:`hashwinter.assets.valuation.option_adjusted_value`
for every (model, date) pair, factorised so that the work per cell is a handful of
multiplications and two normal CDFs: everything that depends only on the date
and the time step (forward price, difficulty growth, subsidy, discounting,
volatility) is computed once per (date, step), everything that depends only on the
model (hashrate over power cost) once per model. Dates are processed in chunks so
the (models, dates, steps) temporaries stay within ``max_cells`` elements.

The engine's trading policies read values from such a precomputed table instead
of revaluing machines every step.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

from hashwinter.assets.valuation import (
    expected_call_margin,
    log_difficulty_growth,
    price_response,
    valuation_steps,
)
from hashwinter.chain.difficulty import reward_per_hash
from hashwinter.units import (
    JULIAN_YEAR_DAYS,
    SECONDS_PER_DAY,
    WATTS_PER_KILOWATT,
)

__all__ = ["value_table"]

FloatArray = npt.NDArray[np.float64]


def _per_date(value: npt.ArrayLike, n: int) -> FloatArray:
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))
    return np.ascontiguousarray(arr)


def value_table(
    hashrate: npt.ArrayLike,
    power: npt.ArrayLike,
    *,
    price: npt.ArrayLike,
    difficulty: npt.ArrayLike,
    subsidy: npt.ArrayLike,
    tariff: npt.ArrayLike,
    fees_per_block: npt.ArrayLike = 0.0,
    pool_fee: float = 0.0,
    pue: float = 1.0,
    sigma_per_day: npt.ArrayLike = 0.0,
    drift_per_day: npt.ArrayLike = 0.0,
    difficulty_growth_per_year: npt.ArrayLike = 0.0,
    difficulty_gap: npt.ArrayLike = 0.0,
    relaxation_days: float = np.inf,
    price_elasticity: float = 0.0,
    price_lag_days: float = np.inf,
    discount_rate_per_year: float = 0.0,
    life_days: float = 730.0,
    days_to_halving: npt.ArrayLike = np.inf,
    scrap_value: npt.ArrayLike = 0.0,
    step_days: float = 7.0,
    max_cells: int = 1_000_000,
) -> FloatArray:
    """Return the option-adjusted value of ``M`` models on ``N`` dates, shaped (M, N).

    Parameters
    ----------
    hashrate, power : array_like (M,)
        Per model. [H/s], [W]
    price, difficulty, subsidy, fees_per_block : array_like (N,) or scalar
        Per date: coin price [currency/coin], difficulty [dimensionless], block subsidy and
        fees [coin/block].
    tariff : array_like (M,) or scalar
        Energy price per model (a farm's tariff). [currency/kWh]
    pool_fee, pue, discount_rate_per_year, life_days, step_days : float
        As in :func:`~hashwinter.assets.valuation.option_adjusted_value`.
    sigma_per_day, drift_per_day, difficulty_growth_per_year, days_to_halving : array_like (N,)
        Per date (e.g. fitted on the days before each date).
    difficulty_gap : array_like (N,) or scalar, default 0
        Per date: log difficulty still to come (the break-even projection,
        :func:`~hashwinter.assets.valuation.log_difficulty_growth`). [dimensionless]
    relaxation_days : float, default inf
        Time constant of closing the gap. [day]
    price_elasticity, price_lag_days : float, default 0, inf
        Response of difficulty to the future price and its lag
        (:func:`~hashwinter.assets.valuation.price_response`). [dimensionless], [day]
    scrap_value : array_like (M,) or scalar
        Per model. [currency]
    max_cells : int, default 1,000,000
        Largest (models x dates x steps) block computed at once (memory bound:
        about 10 float64 temporaries of that size).

    Returns
    -------
    ndarray (M, N)
        Value of one machine of each model on each date. [currency]

    """
    h = np.atleast_1d(np.asarray(hashrate, dtype=np.float64))
    m = h.size
    p = np.broadcast_to(np.asarray(power, dtype=np.float64), (m,))
    tar = np.broadcast_to(np.asarray(tariff, dtype=np.float64), (m,))
    scrap = np.broadcast_to(np.asarray(scrap_value, dtype=np.float64), (m,))
    n = np.broadcast_shapes(*(np.shape(x) for x in (price, difficulty, subsidy)))
    n_dates = int(np.prod(n)) if n else 1
    s0 = _per_date(price, n_dates)
    d0 = _per_date(difficulty, n_dates)
    sub = _per_date(subsidy, n_dates)
    fees = _per_date(fees_per_block, n_dates)
    sig = _per_date(sigma_per_day, n_dates)
    mu = _per_date(drift_per_day, n_dates)
    g = _per_date(difficulty_growth_per_year, n_dates)
    gap = _per_date(difficulty_gap, n_dates)
    halving = _per_date(days_to_halving, n_dates)
    t, lengths = valuation_steps(life_days, step_days)  # (K,) midpoints and lengths
    n_steps = t.size
    weight = np.exp(-discount_rate_per_year * t / JULIAN_YEAR_DAYS) * lengths  # discounted (K,)

    # Per model: coins per day per unit of the date factor, and the day's cost.
    # reward_per_hash(D, R) = R / D x reward_per_hash(1, 1): the per-model factor takes the
    # 2^32 (an exact power of two) and each (date, step) R / D, so ln(revenue / cost) splits.
    per_hash = h * SECONDS_PER_DAY * reward_per_hash(1.0, 1.0) * (1.0 - pool_fee)  # (M,)
    cost = p / WATTS_PER_KILOWATT * 24.0 * pue * tar  # (M,) [currency/day]
    out = np.empty((m, n_dates))
    chunk = max(1, max_cells // max(1, m * n_steps))
    for lo in range(0, n_dates, chunk):
        hi = min(n_dates, lo + chunk)
        sl = slice(lo, hi)
        # Per (date, step): revenue of one H/s-unit (coins x forward price) and the total
        # volatility. (N_chunk, K)
        reward = np.where(t[None, :] >= halving[sl, None], 0.5 * sub[sl, None],
                          sub[sl, None]) + fees[sl, None]
        grown = d0[sl, None] * np.exp(log_difficulty_growth(t, g[sl, None], gap[sl, None],
                                                            relaxation_days))
        log_forward, vol = price_response(t, sig[sl, None], mu[sl, None], price_elasticity,
                                          price_lag_days)
        unit_revenue = reward / grown * s0[sl, None] * np.exp(log_forward)
        revenue = per_hash[:, None, None] * unit_revenue[None]  # (M, N_chunk, K)
        c = cost[:, None, None]
        if np.all(vol > 0) and np.all(cost > 0) and np.all(unit_revenue > 0) \
                and np.all(per_hash > 0):
            # ln(revenue / c) factorises: per model + per (date, step).
            inv_vol = 1.0 / vol
            d1 = (np.log(per_hash / cost)[:, None, None] + np.log(unit_revenue)[None]) \
                * inv_vol[None] + 0.5 * vol[None]
            daily = revenue * ndtr(d1)
            daily -= c * ndtr(d1 - vol[None])
        else:
            daily = expected_call_margin(revenue, 1.0, c, vol[None])
        out[:, sl] = daily @ weight
    return np.maximum(out, scrap[:, None])
