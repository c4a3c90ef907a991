"""The shutdown-price table: every machine against every tariff, on one network state.

F2Pool publishes a shutdown price per model for one tariff; this table gives, for
each machine and each tariff, what the machine mines and earns per day, what its
power costs, its margin, its shutdown price and how far the current coin price is
above or below it. :func:`shutdown_cube` is the same computation for many network
states at once (models x tariffs x dates), for sweeps and history.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from hashwinter.economics._arrays import as_float_array
from hashwinter.economics.costs import energy_per_day
from hashwinter.economics.revenue import coins_per_day
from hashwinter.state import NetworkState
from hashwinter.units import TERA

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TABLE_COLUMNS", "shutdown_columns", "shutdown_cube", "shutdown_table"]

#: Columns of :func:`shutdown_table`, in order, with their units in docs/glossary.md.
TABLE_COLUMNS: tuple[str, ...] = (
    "model",
    "hashrate_ths",
    "power_w",
    "efficiency_j_th",
    "coins_per_day",
    "revenue_per_day",
    "power_cost_per_day",
    "electricity_share",
    "margin_per_day",
    "shutdown_price",
    "price",
    "price_to_shutdown",
    "above_shutdown",
    "tariff",
    "currency",
)


def shutdown_columns(
    models: Sequence[str],
    hashrate: npt.ArrayLike,
    power: npt.ArrayLike,
    tariffs: Sequence[float],
    state: NetworkState,
    pool_fee: float = 0.0,
    daily_fees: npt.ArrayLike = 0.0,
    pue: float = 1.0,
) -> dict[str, npt.NDArray[Any]]:
    """Return the columns of :func:`shutdown_table` as numpy arrays (no pandas, no currency).

    The web's hot path serializes these directly; :func:`shutdown_table` frames them.

    Parameters
    ----------
    models : sequence of str
        Machine names, one per entry of ``hashrate`` and ``power``.
    hashrate : array_like, shape (M,)
        Hashrate of each machine. [H/s]
    power : array_like, shape (M,)
        Wall power of each machine. [W]
    tariffs : sequence of float, length T
        Electricity prices, in ``state.currency``. [currency/kWh]
    state : NetworkState
        Difficulty, subsidy, fees per block and coin price (in ``state.currency``).
    pool_fee : float, default 0
        Pool fee. [fraction]
    daily_fees : float or array_like, shape (M,)
        Per-machine fees (management, hosting). [currency/day]
    pue : float, default 1.0
        Site overhead factor. [dimensionless]

    Returns
    -------
    dict of str to ndarray, each shape (M * T,)
        The columns of :data:`TABLE_COLUMNS` but ``currency``, ordered by machine then
        tariff (``model`` as an object array, ``above_shutdown`` as bool).

    """
    hashrate_m = as_float_array(hashrate)[:, None]
    power_m = as_float_array(power)[:, None]
    fees_m = np.broadcast_to(as_float_array(daily_fees), hashrate_m.shape[:1])[:, None]
    tariff_t = as_float_array(list(tariffs))[None, :]
    coins = as_float_array(
        coins_per_day(hashrate_m, state.difficulty, state.subsidy, state.fees_per_block, pool_fee)
    )
    revenue = coins * state.price
    power_cost = as_float_array(energy_per_day(power_m, pue)) * tariff_t
    cost = power_cost + fees_m
    shutdown = cost / coins
    shape = (hashrate_m.shape[0], tariff_t.shape[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(revenue > 0, power_cost / revenue, np.inf)
        to_shutdown = np.where(shutdown > 0, state.price / shutdown - 1.0, np.inf)

    def per_cell(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
        return np.broadcast_to(as_float_array(values), shape).ravel()

    return {
        "model": np.repeat(np.asarray(models, dtype=object), shape[1]),
        "hashrate_ths": per_cell(hashrate_m / TERA),
        "power_w": per_cell(power_m),
        "efficiency_j_th": per_cell(power_m / (hashrate_m / TERA)),
        "coins_per_day": per_cell(coins),
        "revenue_per_day": per_cell(revenue),
        "power_cost_per_day": per_cell(power_cost),
        "electricity_share": per_cell(share),
        "margin_per_day": per_cell(revenue - cost),
        "shutdown_price": per_cell(shutdown),
        "price": per_cell(state.price),
        "price_to_shutdown": per_cell(to_shutdown),
        "above_shutdown": per_cell(state.price >= shutdown).astype(bool),
        "tariff": per_cell(tariff_t),
    }


def shutdown_table(
    models: Sequence[str],
    hashrate: npt.ArrayLike,
    power: npt.ArrayLike,
    tariffs: Sequence[float],
    state: NetworkState,
    pool_fee: float = 0.0,
    daily_fees: npt.ArrayLike = 0.0,
    pue: float = 1.0,
) -> pd.DataFrame:
    """Return one row per (machine, tariff) evaluated on ``state``.

    Parameters
    ----------
    models, hashrate, power, tariffs, state, pool_fee, daily_fees, pue
        As :func:`shutdown_columns`, which computes the columns this frames.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`, M x T rows ordered by machine then tariff.
        ``electricity_share`` is power cost over revenue [fraction];
        ``price_to_shutdown`` is ``price / shutdown_price - 1`` [fraction], positive
        when the machine is above water.

    """
    columns = shutdown_columns(models, hashrate, power, tariffs, state, pool_fee=pool_fee,
                               daily_fees=daily_fees, pue=pue)
    # pandas is imported here, not at module level: `import hashwinter` (the pure
    # functions) should not pay for it.
    import pandas as pd

    frame = pd.DataFrame({**columns, "currency": state.currency})
    frame.attrs["units"] = {
        "hashrate_ths": "TH/s",
        "power_w": "W",
        "efficiency_j_th": "J/TH",
        "coins_per_day": f"{state.coin}/day",
        "revenue_per_day": f"{state.currency}/day",
        "power_cost_per_day": f"{state.currency}/day",
        "margin_per_day": f"{state.currency}/day",
        "shutdown_price": f"{state.currency}/{state.coin}",
        "price": f"{state.currency}/{state.coin}",
        "tariff": f"{state.currency}/kWh",
        "electricity_share": "fraction",
        "price_to_shutdown": "fraction",
    }
    return frame[list(TABLE_COLUMNS)]


def shutdown_cube(
    hashrate: npt.ArrayLike,
    power: npt.ArrayLike,
    tariffs: npt.ArrayLike,
    difficulty: npt.ArrayLike,
    reward_per_block: npt.ArrayLike,
    pool_fee: float = 0.0,
    pue: float = 1.0,
    dtype: npt.DTypeLike = np.float64,
    workers: int | None = None,
) -> npt.NDArray[np.floating]:
    """Return shutdown prices for every machine x tariff x network state.

    The shutdown price factorises as ``(kWh/day * tariff) / coins_per_day``: a cost per
    (machine, tariff) times one over the coins per (machine, state). The cube is filled
    as that outer product, split over machines across threads (numpy releases the GIL).

    Parameters
    ----------
    hashrate, power : array_like, shape (M,)
        Machine hashrate [H/s] and wall power [W].
    tariffs : array_like, shape (T,)
        Electricity prices. [currency/kWh]
    difficulty, reward_per_block : array_like, shape (N,)
        Difficulty [dimensionless] and subsidy plus fees [coin per block] of each state.
    pool_fee : float, default 0
        Pool fee. [fraction]
    pue : float, default 1.0
        Site overhead factor. [dimensionless]
    dtype : numpy dtype, default float64
        Dtype of the result (float32 halves memory for large sweeps).
    workers : int, optional
        Threads to use; default: the number of CPUs.

    Returns
    -------
    ndarray, shape (M, T, N)
        Shutdown price. [currency/coin]

    """
    cost = (
        as_float_array(energy_per_day(as_float_array(power), pue))[:, None]
        * as_float_array(tariffs)[None, :]
    )
    coins = as_float_array(
        coins_per_day(
            as_float_array(hashrate)[:, None],
            as_float_array(difficulty)[None, :],
            as_float_array(reward_per_block)[None, :],
            0.0,
            pool_fee,
        )
    )
    cost_c = cost.astype(dtype)
    inverse_coins = (1.0 / coins).astype(dtype)
    out = np.empty((cost.shape[0], cost.shape[1], coins.shape[1]), dtype=dtype)
    n_workers = max(1, min(workers or os.cpu_count() or 1, cost.shape[0]))

    def fill(rows: slice) -> None:
        np.multiply(cost_c[rows, :, None], inverse_coins[rows, None, :], out=out[rows])

    bounds = np.linspace(0, cost.shape[0], n_workers + 1).astype(int)
    slices = [slice(a, b) for a, b in itertools.pairwise(bounds)]
    if n_workers == 1:
        fill(slices[0])
    else:
        with concurrent.futures.ThreadPoolExecutor(n_workers) as pool:
            list(pool.map(fill, slices))
    return out
