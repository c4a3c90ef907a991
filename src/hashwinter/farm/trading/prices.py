"""The (cohort, day) price tables a trading rule reads: market price and value of keeping.

A trading rule never revalues machines inside the step loop: before the run,
:func:`trade_tables` computes, for every cohort and every day of the run (and
every price path of a Monte Carlo), two option-adjusted values with
:func:`hashwinter.assets.table.value_table`:

* ``market`` — what the second-hand market pays for one machine of the
  cohort's model: the valuation at the *buyer's* tariff times the liquidity
  factor (:mod:`hashwinter.assets.market`), floored at the scrap value;
* ``keep`` — what the machine is worth to its owner where it stands: the same
  valuation at the cohort's own energy cost (its site's mean tariff over the
  run, PUE, uptime and management fee folded into one cost per kWh), not
  floored (the scrap rule compares it with the scrap value).

Both are as known at the start of each day: the value on day ``d`` uses the
previous day's close, difficulty, subsidy and fees (day 0 its own), like the
engine's observation. Volatility and difficulty growth are the config's
(``sigma_per_day``, ``difficulty_growth_per_year``), so the tables are the same
for history and for simulated paths.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from hashwinter.assets.table import value_table
from hashwinter.engine import Cohorts, DailyMarket
from hashwinter.units import HOURS_PER_DAY, WATTS_PER_KILOWATT

__all__ = ["TradeTables", "scrap_values", "trade_tables"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class TradeTables:
    """Per-machine prices of each cohort on each day, shaped (P|1, C, D).

    Attributes
    ----------
    market : ndarray (P|1, C, D)
        Second-hand market price (buyer's valuation x liquidity, floored at scrap).
        [currency/machine]
    keep : ndarray (P|1, C, D)
        Option value of keeping the machine where it stands (un-floored). [currency/machine]
    scrap : ndarray (C,)
        Scrap value. [currency/machine]

    """

    market: FloatArray
    keep: FloatArray
    scrap: FloatArray

    def on_day(self, day: int) -> tuple[FloatArray, FloatArray]:
        """Return ``(market, keep)`` of a day shaped (1, P|1, C) for (V, P, C) state."""
        return self.market[None, :, :, day], self.keep[None, :, :, day]


def scrap_values(power: npt.ArrayLike, scrap_value_per_kw: float) -> FloatArray:
    """Return the scrap value of machines drawing ``power`` [W]: ``power / 1000 x per_kw``."""
    return np.asarray(power, dtype=np.float64) / WATTS_PER_KILOWATT * scrap_value_per_kw


def _known_at_start(arr: FloatArray) -> FloatArray:
    """Shift a (P|1, D) series so day ``d`` holds day ``d - 1`` (day 0 keeps its own)."""
    out = np.empty_like(arr)
    out[:, 0] = arr[:, 0]
    out[:, 1:] = arr[:, :-1]
    return out


def trade_tables(
    cohorts: Cohorts,
    market: DailyMarket,
    tariff: npt.ArrayLike,
    *,
    buyer_tariff: float,
    buyer_pue: float = 1.0,
    liquidity: float = 1.0,
    scrap_value_per_kw: float = 0.0,
    sigma_per_day: float = 0.0,
    difficulty_growth_per_year: float = 0.0,
    discount_rate_per_year: float = 0.0,
    life_days: float = 730.0,
    step_days: float = 7.0,
) -> TradeTables:
    """Return the market and keep tables of a run's cohorts (see the module docstring).

    Parameters
    ----------
    cohorts : Cohorts
        The run's cohorts (``C``).
    market : DailyMarket
        The run's days (``D``) and paths (``P``).
    tariff : array_like (steps, C)
        Each cohort's energy price per step. [currency/kWh]
    buyer_tariff, buyer_pue : float
        The second-hand buyer's energy price [currency/kWh] and PUE.
    liquidity : float
        Market price over the buyer's value. [fraction]
    scrap_value_per_kw : float
        Scrap value per kW of rated power. [currency/kW]
    sigma_per_day, difficulty_growth_per_year, discount_rate_per_year, life_days, step_days
        Valuation assumptions (:func:`hashwinter.assets.valuation.option_adjusted_value`).

    Returns
    -------
    TradeTables

    """
    n_c, n_d = cohorts.n, market.n_days
    n_p = max(a.shape[0] for a in (market.price, market.difficulty, market.subsidy,
                                   market.fees_per_block))
    series = [np.broadcast_to(_known_at_start(a), (n_p, n_d)).reshape(-1)
              for a in (market.price, market.difficulty, market.subsidy, market.fees_per_block)]
    price, difficulty, subsidy, fees = series
    common = dict(price=price, difficulty=difficulty, subsidy=subsidy, fees_per_block=fees,
                  sigma_per_day=sigma_per_day,
                  difficulty_growth_per_year=difficulty_growth_per_year,
                  discount_rate_per_year=discount_rate_per_year, life_days=life_days,
                  step_days=step_days)
    fee = float(cohorts.pool_fee[0]) if n_c else 0.0
    scrap = scrap_values(cohorts.power, scrap_value_per_kw)
    buyer = value_table(cohorts.hashrate, cohorts.power, tariff=buyer_tariff, pue=buyer_pue,
                        pool_fee=fee, **common)  # type: ignore[arg-type]
    market_price = np.maximum(liquidity * buyer, scrap[:, None])
    # Own cost per kWh of machine energy: tariff x PUE plus the management fee per kWh;
    # uptime scales revenue and cost alike, so it scales the hashrate and power.
    mean_tariff = np.asarray(tariff, dtype=np.float64).mean(axis=0)
    kwh_per_day = cohorts.power / WATTS_PER_KILOWATT * HOURS_PER_DAY
    own = mean_tariff * cohorts.pue + np.divide(
        cohorts.management_fee, kwh_per_day, out=np.zeros(n_c), where=kwh_per_day > 0)
    keep = value_table(cohorts.hashrate * cohorts.uptime, cohorts.power * cohorts.uptime,
                       tariff=own, pue=1.0, pool_fee=fee, **common)  # type: ignore[arg-type]
    shape = (n_c, n_p, n_d)
    return TradeTables(
        market=np.ascontiguousarray(market_price.reshape(shape).transpose(1, 0, 2)),
        keep=np.ascontiguousarray(keep.reshape(shape).transpose(1, 0, 2)),
        scrap=scrap,
    )
