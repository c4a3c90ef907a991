"""What a used machine is worth: expected future margins with the option to unplug.

A machine that is under water is switched off, not run at a loss, so its owner
holds, for every future day ``t`` of its remaining life, a call-like payoff
``max(a_t * S_t - c, 0)``: ``a_t`` the coins it mines that day, ``S_t`` the coin
price, ``c`` its avoidable power cost for the day. With no restart cost the days
are independent options, and under a lognormal price
``S_t = S_0 exp((mu - sigma^2 / 2) t + sigma W_t)`` each has Black's closed form::

    E[max(a S_t - c, 0)] = a F_t N(d1) - c N(d2),      F_t = S_0 exp(mu t)
    d1 = (ln(a F_t / c) + sigma^2 t / 2) / (sigma sqrt(t)),   d2 = d1 - sigma sqrt(t)

The value is the discounted sum over the remaining life, floored at the scrap
value::

    V = max(scrap, sum_t exp(-r t / 365.25) E[max(a_t S_t - c, 0)])

Coins per day fall as difficulty grows, ``D_t = D_0 exp(g t / 365.25 + G (1 -
exp(-t / tau)))`` (``g`` a continuously compounded rate per year, from a projection
or fitted; ``G`` a gap the difficulty closes with relaxation time ``tau``, see
:func:`log_difficulty_growth`), and halve with the subsidy at the next halving.
With ``price_elasticity > 0`` the difficulty also follows the future price after a
lag (:func:`price_response`): the day's option is then on ``S_t / D_t``, still lognormal.
The valuation's time step is ``step_days`` (default 7): each step's days are
valued at the step's midpoint, so a weekly step sums 52 options per year instead
of 365 (the difference from a daily strip is reported by the tests, well under 1 %
for a two-year life).

With a restart cost the days are no longer independent (the decision to stay
off depends on the path), and this closed form is an upper bound; the value with
a restart cost is a binomial lattice, :func:`hashwinter.assets.switching.switching_value`.

Every function broadcasts over numpy arrays: models x dates x ... in one call.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

from hashwinter.chain.difficulty import reward_per_hash
from hashwinter.units import (
    JULIAN_YEAR_DAYS,
    SECONDS_PER_DAY,
    WATTS_PER_KILOWATT,
)

__all__ = ["expected_call_margin", "log_difficulty_growth", "option_adjusted_value",
           "price_response", "valuation_steps"]

FloatArray = npt.NDArray[np.float64]

def expected_call_margin(
    coins_per_day: npt.ArrayLike,
    forward_price: npt.ArrayLike,
    cost_per_day: npt.ArrayLike,
    total_sigma: npt.ArrayLike,
) -> FloatArray:
    """Return ``E[max(a S - c, 0)]`` for a lognormal price ``S`` (Black's formula).

    Parameters
    ----------
    coins_per_day : array_like
        Coins the running machine mines in the day, ``a``. [coin/day]
    forward_price : array_like
        Expected price on the day, ``F = E[S]``. [currency/coin]
    cost_per_day : array_like
        Avoidable cost of running the day, ``c`` (>= 0). [currency/day]
    total_sigma : array_like
        Standard deviation of ``ln S`` on the day, ``sigma sqrt(t)`` (>= 0). [dimensionless]

    Returns
    -------
    ndarray
        Expected margin of the day when the machine runs only if it pays. [currency/day]

    Examples
    --------
    At the money with one unit of total volatility, the value is
    ``F (N(0.5) - N(-0.5)) = 0.3829 F``:

    >>> round(float(expected_call_margin(1.0, 100.0, 100.0, 1.0)), 4)
    38.2925

    With no uncertainty it is the plain margin, floored at zero:

    >>> expected_call_margin([1.0, 1.0], 100.0, [60.0, 140.0], 0.0).tolist()
    [40.0, 0.0]

    """
    a = np.asarray(coins_per_day, dtype=np.float64)
    f = np.asarray(forward_price, dtype=np.float64)
    c = np.asarray(cost_per_day, dtype=np.float64)
    s = np.asarray(total_sigma, dtype=np.float64)
    revenue = a * f
    intrinsic = np.maximum(revenue - c, 0.0)
    # Where there is volatility and a cost, Black's formula; elsewhere the intrinsic value
    # (sigma = 0, or c = 0 where the option is always exercised, or a = 0).
    live = (s > 0) & (c > 0) & (revenue > 0)
    if not np.any(live):
        return np.asarray(intrinsic, dtype=np.float64)
    s_safe = np.where(live, s, 1.0)
    with np.errstate(divide="ignore"):
        log_moneyness = np.log(np.where(live, revenue, 1.0) / np.where(live, c, 1.0))
    d1 = log_moneyness / s_safe + 0.5 * s_safe
    d2 = d1 - s_safe
    black = revenue * ndtr(d1) - c * ndtr(d2)
    return np.asarray(np.where(live, black, intrinsic), dtype=np.float64)


def log_difficulty_growth(
    t: npt.ArrayLike,
    growth_per_year: npt.ArrayLike = 0.0,
    gap: npt.ArrayLike = 0.0,
    relaxation_days: npt.ArrayLike = np.inf,
) -> FloatArray:
    """Return ``ln(D_t / D_0)``: steady growth plus a gap closed exponentially.

    ``g t / 365.25 + G (1 - exp(-t / tau))``: the trailing projection is the first
    term (``G = 0``); the break-even projection (:mod:`hashwinter.assets.params`,
    ``difficulty_model = "break_even"``) is the second, the network's difficulty
    relaxing towards the level where its marginal machine breaks even.

    Parameters
    ----------
    t : array_like
        Days from the valuation date. [day]
    growth_per_year : array_like, default 0
        Continuously compounded growth, ``g``. [1/year]
    gap : array_like, default 0
        ``G = ln(D_inf / D_0)``, the log difficulty still to come. [dimensionless]
    relaxation_days : array_like, default inf
        ``tau``, the time constant of closing the gap (inf: never). [day]

    >>> round(float(log_difficulty_growth(365.25, 0.5)), 3)
    0.5
    >>> round(float(log_difficulty_growth(60.0, 0.0, 1.0, 60.0)), 4)  # 1 - 1/e of the gap
    0.6321

    """
    t_ = np.asarray(t, dtype=np.float64)
    tau = np.asarray(relaxation_days, dtype=np.float64)
    closed = -np.expm1(-t_ / tau)  # 1 - exp(-t / tau), 0 when tau is inf
    return np.asarray(np.asarray(growth_per_year) * t_ / JULIAN_YEAR_DAYS
                      + np.asarray(gap) * closed, dtype=np.float64)


def price_response(
    t: npt.ArrayLike,
    sigma_per_day: npt.ArrayLike,
    drift_per_day: npt.ArrayLike = 0.0,
    elasticity: npt.ArrayLike = 0.0,
    lag_days: npt.ArrayLike = np.inf,
) -> tuple[FloatArray, FloatArray]:
    """Return the log forward of ``S_t / D_t`` over its deterministic part, and its total sigma.

    Difficulty follows the price with elasticity ``beta`` and lag ``L``:
    ``ln D_t = ln Dbar_t + beta (ln S_{t-L} - ln S_0)`` for ``t > L`` (no response
    before: the price moves already seen are in today's difficulty and gap). With
    ``u = max(t - L, 0)`` and ``ln S`` a Brownian motion with drift, ``ln(S_t / D_t)`` is
    normal, so each day is still Black's option, on the revenue with::

        ln F_t = ln(S_0 / Dbar_t) + mu (t - beta u) - sigma^2 beta (1 - beta) u / 2
        total variance = sigma^2 (min(t, L) + (1 - beta)^2 u)

    A network that adds hashrate when the price rises takes part of every rally from
    the machine: at ``beta = 1`` the revenue's variance stops growing after the lag.
    ``beta = 0`` (or ``L`` infinite) is the plain lognormal price.

    Parameters
    ----------
    t : array_like
        Days from the valuation date. [day]
    sigma_per_day : array_like
        Volatility of the log price. [1/sqrt(day)]
    drift_per_day : array_like, default 0
        ``mu``, ``E[S_t] = S_0 exp(mu t)``. [1/day]
    elasticity : array_like, default 0
        ``beta``, d ln D / d ln S after the lag. [dimensionless]
    lag_days : array_like, default inf
        ``L``. [day]

    Returns
    -------
    (ndarray, ndarray)
        ``ln F_t - ln(S_0 / Dbar_t)`` [dimensionless] and the total sigma [dimensionless].

    >>> f, s = price_response(100.0, 0.03, 0.0, 1.0, 40.0)   # no variance after the lag
    >>> round(float(f), 6), round(float(s), 4), round(0.03 * 40 ** 0.5, 4)
    (0.0, 0.1897, 0.1897)
    >>> f, s = price_response(100.0, 0.03, 0.0, 0.5, 40.0)
    >>> round(float(f), 6), round(float(s) ** 2, 6)   # -0.0009 x 0.25 x 60 / 2; 0.0009 x 55
    (-0.00675, 0.0495)

    """
    t_ = np.asarray(t, dtype=np.float64)
    sig = np.asarray(sigma_per_day, dtype=np.float64)
    mu = np.asarray(drift_per_day, dtype=np.float64)
    beta = np.asarray(elasticity, dtype=np.float64)
    lag = np.asarray(lag_days, dtype=np.float64)
    # u = 0 without a response, so beta = 0 gives mu t and sigma sqrt(t) to the last bit
    u = np.where(beta == 0.0, 0.0, np.maximum(t_ - lag, 0.0))
    log_forward = mu * (t_ - beta * u) - 0.5 * sig**2 * beta * (1.0 - beta) * u
    total_sigma = sig * np.sqrt((t_ - u) + (1.0 - beta) ** 2 * u)  # t - u = min(t, L)
    return (np.asarray(log_forward, dtype=np.float64), np.asarray(total_sigma, dtype=np.float64))


def valuation_steps(life_days: float, step_days: float) -> tuple[FloatArray, FloatArray]:
    """Return the midpoints and lengths of the valuation's steps over the life [day].

    Each step is ``step_days`` long but the last, which ends at ``life_days``.

    >>> [a.tolist() for a in valuation_steps(10.0, 4.0)]
    [[2.0, 6.0, 9.0], [4.0, 4.0, 2.0]]
    """
    if not (np.isfinite(life_days) and life_days > 0):
        raise ValueError("life_days must be finite and > 0")
    if not (np.isfinite(step_days) and step_days > 0):
        raise ValueError("step_days must be finite and > 0")
    n_steps = int(np.ceil(life_days / step_days - 1e-9))
    starts = np.arange(n_steps, dtype=np.float64) * step_days
    lengths = np.minimum(step_days, life_days - starts)
    return starts + 0.5 * lengths, lengths


def option_adjusted_value(
    hashrate: npt.ArrayLike,
    power: npt.ArrayLike,
    *,
    price: npt.ArrayLike,
    difficulty: npt.ArrayLike,
    subsidy: npt.ArrayLike,
    tariff: npt.ArrayLike,
    fees_per_block: npt.ArrayLike = 0.0,
    pool_fee: npt.ArrayLike = 0.0,
    pue: npt.ArrayLike = 1.0,
    other_cost_per_day: npt.ArrayLike = 0.0,
    sigma_per_day: npt.ArrayLike = 0.0,
    drift_per_day: npt.ArrayLike = 0.0,
    difficulty_growth_per_year: npt.ArrayLike = 0.0,
    difficulty_gap: npt.ArrayLike = 0.0,
    relaxation_days: float = np.inf,
    price_elasticity: float = 0.0,
    price_lag_days: float = np.inf,
    discount_rate_per_year: npt.ArrayLike = 0.0,
    life_days: float = 730.0,
    days_to_halving: npt.ArrayLike = np.inf,
    scrap_value: npt.ArrayLike = 0.0,
    step_days: float = 7.0,
) -> FloatArray:
    """Return the value of a machine: discounted expected margins with the option to unplug.

    All array arguments broadcast together (e.g. models ``(M, 1)`` against dates
    ``(1, N)``); the result has their broadcast shape.

    Parameters
    ----------
    hashrate : array_like
        Machine hashrate. [H/s]
    power : array_like
        Electrical draw at the machine. [W]
    price : array_like
        Coin price on the valuation date. [currency/coin]
    difficulty : array_like
        Difficulty in force on the valuation date. [dimensionless]
    subsidy : array_like
        Block subsidy now (halved after ``days_to_halving``). [coin/block]
    tariff : array_like
        Energy price. [currency/kWh]
    fees_per_block : array_like, default 0
        Transaction fees per block (kept across a halving). [coin/block]
    pool_fee : array_like, default 0
        Share of the reward the pool keeps. [fraction]
    pue : array_like, default 1
        Meter energy over machine energy. [dimensionless]
    other_cost_per_day : array_like, default 0
        Avoidable costs per running day besides energy (management fee). [currency/day]
    sigma_per_day : array_like, default 0
        Volatility of the log price. [1/sqrt(day)]
    drift_per_day : array_like, default 0
        Expected growth of the price, ``E[S_t] = S_0 exp(mu t)``. [1/day]
    difficulty_growth_per_year : array_like, default 0
        Continuously compounded growth of difficulty. [1/year]
    difficulty_gap : array_like, default 0
        Log difficulty still to come, closed with ``relaxation_days``
        (:func:`log_difficulty_growth`). [dimensionless]
    relaxation_days : float, default inf
        Time constant of closing the gap. [day]
    price_elasticity : float, default 0
        Response of difficulty to the future price, ``beta`` (:func:`price_response`).
        [dimensionless]
    price_lag_days : float, default inf
        Lag of that response, ``L``. [day]
    discount_rate_per_year : array_like, default 0
        Continuously compounded discount rate. [1/year]
    life_days : float, default 730
        Remaining life of the machine. [day]
    days_to_halving : array_like, default inf
        Days until the subsidy halves. [day]
    scrap_value : array_like, default 0
        What the machine fetches as scrap; the value never falls below it. [currency]
    step_days : float, default 7
        The valuation's time step; each step's days are valued at its midpoint. [day]

    Returns
    -------
    ndarray
        Value of one machine. [currency]

    Examples
    --------
    Without uncertainty, growth or discounting, a machine earning 10 a day for 100 days
    against a cost of 4 is worth 600:

    >>> hashes_per_coin = 86400 / (1.0 * 2**32)   # one machine, difficulty 1, reward 1
    >>> float(option_adjusted_value(1.0, 1000 / 24, price=10 / hashes_per_coin,
    ...       difficulty=1.0, subsidy=1.0, tariff=4.0, life_days=100, step_days=1))
    600.0

    """
    mids, lengths = valuation_steps(life_days, step_days)  # days from the valuation date

    args = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (
        hashrate, power, price, difficulty, subsidy, tariff, fees_per_block, pool_fee, pue,
        other_cost_per_day, sigma_per_day, drift_per_day, difficulty_growth_per_year,
        difficulty_gap, discount_rate_per_year, days_to_halving, scrap_value)))
    (h, p, s0, d0, sub, tar, fees, fee, pue_, other, sig, mu, g, gap, r, halving, scrap) = (
        a[..., None] for a in args)
    t = mids  # broadcasts as the trailing (K,) axis

    reward = np.where(t >= halving, 0.5 * sub, sub) + fees
    per_hash = reward_per_hash(
        d0 * np.exp(log_difficulty_growth(t, g, gap, relaxation_days)), reward)
    coins = h * SECONDS_PER_DAY * per_hash * (1.0 - fee)
    cost = p / WATTS_PER_KILOWATT * 24.0 * pue_ * tar + other
    log_forward, total_sigma = price_response(t, sig, mu, price_elasticity, price_lag_days)
    forward = s0 * np.exp(log_forward)
    daily = expected_call_margin(coins, forward, cost, total_sigma)
    discount = np.exp(-r * t / JULIAN_YEAR_DAYS)
    value = np.sum(daily * discount * lengths, axis=-1)
    return np.asarray(np.maximum(value, scrap[..., 0]), dtype=np.float64)
