"""Price impact of miners' net selling: the price answers to the coins the farms sell.

The price path is the base path (history or GBM) moved in log by the miners' selling
beyond its first day's level (the base price already holds the flow of the day the
run starts from; seed section 6, "everyone shorts, the price keeps falling"):

    ln p_t = ln b_t - lambda * sum_{s < t} (q_s - q_0)

``q_s`` the coins sold on day ``s`` (the treasury's planned sales, coins sold to pay
power under sell-to-cover, and forced sales when cash runs out) [BTC], ``lambda`` the
impact coefficient [1/BTC: log price per coin]. The price stays positive by
construction; a run whose price underflows to 0 or overflows stops with an error.

The flows depend on the price and the price on the past flows: the path is the fixed
point of ``p -> impact(b, flows(run(p)))``. The map is causal (day ``t`` depends on days
before it), so Jacobi iteration from ``b`` makes at least one more day exact per pass
and converges in at most ``D`` passes; it stops when no price moves by more than
``tolerance`` (relative).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError

__all__ = ["impact_path", "solve_impact"]

FloatArray = npt.NDArray[np.float64]
R = TypeVar("R")


def impact_path(base: FloatArray, sold: FloatArray, coefficient: float) -> FloatArray:
    """Return the price paths moved by the net selling (module docstring).

    Parameters
    ----------
    base : ndarray (P, D)
        Base price paths. [currency/coin]
    sold : ndarray (D, P)
        Coins sold each day. [coin]
    coefficient : float
        ``lambda``. [1/coin]

    Raises
    ------
    InputError
        The price underflows to 0 or is not finite (field ``price.impact``).

    """
    excess = sold.T - sold.T[:, :1]  # (P, D): beyond the first day's flow
    # Day t sees the flows of the days before it.
    shift = np.concatenate([np.zeros((excess.shape[0], 1)),
                            np.cumsum(excess[:, :-1], axis=1)], axis=1)
    with np.errstate(over="ignore", under="ignore"):
        price = base * np.exp(-coefficient * shift)
    if not np.all(np.isfinite(price)) or np.any(price <= 0):
        raise InputError(f"the run diverged: with impact {coefficient:g} per coin the price "
                         "falls to 0 or grows without bound; lower price.impact",
                         field="price.impact")
    return np.asarray(price)


def solve_impact(run_once: Callable[[FloatArray], tuple[R, FloatArray]], base: FloatArray,
                 coefficient: float, *, tolerance: float = 1e-10,
                 max_passes: int | None = None) -> tuple[R, FloatArray]:
    """Return the run on the impact's fixed-point price path, and that path.

    Parameters
    ----------
    run_once : callable
        ``run_once(price) -> (result, sold)``: a run on ``price`` (P, D) and its coins
        sold per day (D, P).
    base : ndarray (P, D)
        Base price paths. [currency/coin]
    coefficient : float
        Impact coefficient. [1/coin]
    tolerance : float, default 1e-10
        Largest relative price change between passes at convergence.
    max_passes : int, optional
        Default: the number of days + 1 (the causal bound).

    Raises
    ------
    InputError
        No convergence within ``max_passes``, or a diverging price (``price.impact``).

    """
    passes = base.shape[1] + 1 if max_passes is None else max_passes
    price = base
    for _ in range(passes):
        result, sold = run_once(price)
        new = impact_path(base, sold, coefficient)
        if np.max(np.abs(new / price - 1.0)) <= tolerance:
            return result, price
        price = new
    raise InputError(f"the price impact did not settle in {passes} passes (impact "
                     f"{coefficient:g} per coin); lower price.impact", field="price.impact")
