"""Market values of catalog machines on dates: valuation x liquidity, floored at scrap."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.assets.params import ValuationParams
from hashwinter.assets.table import value_table
from hashwinter.hardware import Machine

__all__ = ["market_values"]


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
    values = value_table(
        hashrate, power,
        price=inputs["price"].to_numpy(np.float64),
        difficulty=inputs["difficulty"].to_numpy(np.float64),
        subsidy=inputs["subsidy"].to_numpy(np.float64),
        fees_per_block=inputs["fees_per_block"].to_numpy(np.float64),
        tariff=params.tariff, pool_fee=params.pool_fee, pue=params.pue,
        sigma_per_day=inputs["sigma_per_day"].to_numpy(np.float64),
        difficulty_growth_per_year=params.growth_scale
        * inputs["difficulty_growth_per_year"].to_numpy(np.float64),
        discount_rate_per_year=params.discount_rate_per_year, life_days=params.life_days,
        days_to_halving=inputs["days_to_halving"].to_numpy(np.float64),
        step_days=params.step_days,
    )
    return np.maximum(params.liquidity * values, scrap[:, None])
