"""Market values of catalog machines on dates: valuation x liquidity, floored at scrap."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.assets.params import ValuationParams
from hashwinter.assets.table import value_table
from hashwinter.chain.difficulty import reward_per_hash
from hashwinter.hardware import Machine
from hashwinter.units import SECONDS_PER_DAY, WATTS_PER_KILOWATT

__all__ = ["break_even_gap", "market_values"]


def break_even_gap(inputs: pd.DataFrame, params: ValuationParams) -> npt.NDArray[np.float64]:
    """Return ``ln(D_inf / D_0)`` per date of the break-even projection, >= 0, (N,).

    ``D_inf`` is the difficulty at which the marginal machine (``reference_j_per_th``)
    earns exactly ``entry_cost_per_kwh`` per kWh: its revenue per TH/s and day
    ``1e12 x 86400 x (subsidy + fees) / (D x 2^32) x price x (1 - pool fee)`` over its
    cost ``reference_j_per_th / 1000 x 24 x entry_cost_per_kwh`` is ``D_inf / D_0``.
    """
    per_th = reward_per_hash(inputs["difficulty"].to_numpy(np.float64),
                             inputs["subsidy"].to_numpy(np.float64)
                             + inputs["fees_per_block"].to_numpy(np.float64))
    revenue = 1e12 * SECONDS_PER_DAY * per_th * inputs["price"].to_numpy(np.float64) \
        * (1.0 - params.pool_fee)  # [currency/(TH/s day)]
    cost = params.reference_j_per_th / WATTS_PER_KILOWATT * 24.0 * params.entry_cost_per_kwh
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(revenue / cost), 0.0)


def market_values(
    machines: Sequence[Machine], inputs: pd.DataFrame, params: ValuationParams
) -> npt.NDArray[np.float64]:
    """Return the market price of one machine of each model on each date, (M, N).

    Parameters
    ----------
    machines : sequence of Machine
        The models (``M``).
    inputs : pandas.DataFrame
        ``N`` dates from :func:`hashwinter.assets.inputs.valuation_inputs`.
    params : ValuationParams
        The buyer's assumptions.

    Returns
    -------
    ndarray (M, N)
        ``liquidity x value``, never below the scrap value. [currency]

    """
    hashrate = np.array([m.hashrate for m in machines], dtype=np.float64)
    power = np.array([m.power for m in machines], dtype=np.float64)
    scrap = power / 1000.0 * params.scrap_value_per_kw
    if params.difficulty_model == "break_even":
        growth: npt.ArrayLike = 0.0
        gap: npt.ArrayLike = break_even_gap(inputs, params)
        tau = params.relaxation_days
    else:
        growth = params.growth_scale * inputs["difficulty_growth_per_year"].to_numpy(np.float64)
        gap, tau = 0.0, float("inf")
    values = value_table(
        hashrate, power,
        price=inputs["price"].to_numpy(np.float64),
        difficulty=inputs["difficulty"].to_numpy(np.float64),
        subsidy=inputs["subsidy"].to_numpy(np.float64),
        fees_per_block=inputs["fees_per_block"].to_numpy(np.float64),
        tariff=params.tariff, pool_fee=params.pool_fee, pue=params.pue,
        sigma_per_day=inputs["sigma_per_day"].to_numpy(np.float64),
        difficulty_growth_per_year=growth, difficulty_gap=gap, relaxation_days=tau,
        price_elasticity=params.price_elasticity, price_lag_days=params.price_lag_days,
        discount_rate_per_year=params.discount_rate_per_year, life_days=params.life_days,
        days_to_halving=inputs["days_to_halving"].to_numpy(np.float64),
        step_days=params.step_days,
    )
    return np.maximum(params.liquidity * values, scrap[:, None])
