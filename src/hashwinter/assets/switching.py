"""A machine's value when switching it back on costs something: a binomial lattice.

With a restart cost ``R`` the days are no longer independent options (staying off
now decides whether ``R`` is paid later), so the strip of
:func:`~hashwinter.assets.valuation.option_adjusted_value` is an upper bound. This
module values the machine by backward induction on a recombining binomial lattice
of the log price, with two states, running and unplugged:

* the lattice has one layer per valuation step (``step_days``), at the step's start
  ``tau_k``; node ``j`` of layer ``k`` holds ``ln S = ln S_0 + (mu - sigma^2/2) tau_k +
  (2 j - k) sigma sqrt(step_days)``, up and down with probability 1/2;
* running through step ``k`` from node ``(k, j)`` earns ``L_k (a_k S_kj e^(mu L_k / 2) -
  c)`` discounted to the start at the step's midpoint (``a_k`` the coins per day at the
  midpoint, as in the strip);
* unplugging is free; plugging back in costs ``R`` (discounted at ``tau_k``); the
  decision is taken once per step, at its start::

      on_k  = max(flow_k + E[on_k+1],  E[off_k+1])
      off_k = max(E[off_k+1],          flow_k + E[on_k+1] - R)

The value of a running machine is ``on_0``, of a stored one ``off_0``, both floored at
the scrap value. With ``R = 0`` both equal the strip of per-step options under the
lattice's (binomial) distribution: the tests check that against a plain sum, and
against the lognormal strip at a daily step. Every argument broadcasts (a batch of
machines, dates, tariffs); the loop runs over the lattice's layers only.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashwinter.assets.valuation import log_difficulty_growth, valuation_steps
from hashwinter.chain.difficulty import reward_per_hash
from hashwinter.units import JULIAN_YEAR_DAYS, SECONDS_PER_DAY, WATTS_PER_KILOWATT

__all__ = ["switching_value"]

FloatArray = npt.NDArray[np.float64]


def switching_value(
    hashrate: npt.ArrayLike,
    power: npt.ArrayLike,
    *,
    price: npt.ArrayLike,
    difficulty: npt.ArrayLike,
    subsidy: npt.ArrayLike,
    tariff: npt.ArrayLike,
    restart_cost: npt.ArrayLike,
    fees_per_block: npt.ArrayLike = 0.0,
    pool_fee: npt.ArrayLike = 0.0,
    pue: npt.ArrayLike = 1.0,
    other_cost_per_day: npt.ArrayLike = 0.0,
    sigma_per_day: npt.ArrayLike = 0.0,
    drift_per_day: npt.ArrayLike = 0.0,
    difficulty_growth_per_year: npt.ArrayLike = 0.0,
    discount_rate_per_year: npt.ArrayLike = 0.0,
    life_days: float = 730.0,
    days_to_halving: npt.ArrayLike = np.inf,
    scrap_value: npt.ArrayLike = 0.0,
    step_days: float = 7.0,
) -> tuple[FloatArray, FloatArray]:
    """Return the values of a running and of an unplugged machine with a restart cost.

    Arguments as in :func:`~hashwinter.assets.valuation.option_adjusted_value`, plus
    ``restart_cost`` [currency/machine], paid each time the machine is plugged back in.
    The time step ``step_days`` is also the decision interval and the lattice's layer
    spacing [day].

    Returns
    -------
    (ndarray, ndarray)
        Value of one running machine and of one unplugged machine, each of the broadcast
        shape of the arguments, never below the scrap value. [currency]

    Examples
    --------
    Without uncertainty a machine that earns 2 a day over its cost for 10 days is worth
    20 running and 20 - 5 unplugged when switching on costs 5:

    >>> hashes_per_coin = 86400 / (1.0 * 2**32)
    >>> on, off = switching_value(1.0, 1000 / 24, price=10 / hashes_per_coin, difficulty=1.0,
    ...                           subsidy=1.0, tariff=8.0, restart_cost=5.0, life_days=10,
    ...                           step_days=1)
    >>> float(on), float(off)
    (20.0, 15.0)

    """
    mids, lengths = valuation_steps(life_days, step_days)
    starts = mids - 0.5 * lengths
    args = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (
        hashrate, power, price, difficulty, subsidy, tariff, restart_cost, fees_per_block,
        pool_fee, pue, other_cost_per_day, sigma_per_day, drift_per_day,
        difficulty_growth_per_year, discount_rate_per_year, days_to_halving, scrap_value)))
    (h, p, s0, d0, sub, tar, restart, fees, fee, pue_, other, sig, mu, g, r, halving,
     scrap) = (a[..., None] for a in args)  # a trailing node axis
    cost = p / WATTS_PER_KILOWATT * 24.0 * pue_ * tar + other  # [currency/day]
    jump = sig * np.sqrt(step_days)  # one layer's move of ln S
    n_steps = mids.size
    on = np.zeros((*h.shape[:-1], n_steps + 1))
    off = np.zeros_like(on)
    for k in range(n_steps - 1, -1, -1):
        t, tau, length = mids[k], starts[k], lengths[k]
        reward = np.where(t >= halving, 0.5 * sub, sub) + fees
        coins = h * SECONDS_PER_DAY * reward_per_hash(
            d0 * np.exp(log_difficulty_growth(t, g)), reward) * (1.0 - fee)
        nodes = np.arange(k + 1, dtype=np.float64) * 2.0 - k  # 2 j - k
        spot = s0 * np.exp((mu - 0.5 * sig**2) * tau + nodes * jump)
        flow = length * np.exp(-r * t / JULIAN_YEAR_DAYS) * (
            coins * spot * np.exp(mu * 0.5 * length) - cost)
        cont_on = 0.5 * (on[..., 1:k + 2] + on[..., :k + 1])
        cont_off = 0.5 * (off[..., 1:k + 2] + off[..., :k + 1])
        run = flow + cont_on
        on[..., :k + 1] = np.maximum(run, cont_off)
        off[..., :k + 1] = np.maximum(cont_off,
                                      run - restart * np.exp(-r * tau / JULIAN_YEAR_DAYS))
    floor = scrap[..., 0]
    return (np.asarray(np.maximum(on[..., 0], floor), dtype=np.float64),
            np.asarray(np.maximum(off[..., 0], floor), dtype=np.float64))
