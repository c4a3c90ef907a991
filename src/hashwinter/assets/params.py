"""The assumptions behind a machine's market value, as one validated config."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ValuationParams"]


class ValuationParams(BaseModel):
    """What a buyer assumes when valuing a used machine.

    Attributes
    ----------
    tariff : float
        The buyer's energy price. [currency/kWh]
    pue : float
        Meter energy over machine energy. [dimensionless]
    pool_fee : float
        Share of the reward the pool keeps. [fraction]
    discount_rate_per_year : float
        Continuously compounded discount rate. [1/year]
    life_days : float
        Remaining life of a used machine. [day]
    difficulty_model : {"trailing", "break_even"}
        The buyer's projection of difficulty. ``trailing``: it grows at
        ``growth_scale`` times the trailing year's rate. ``break_even``: it relaxes,
        with time constant ``relaxation_days``, towards the level at which the
        network's marginal new machine (``reference_j_per_th``) just earns an all-in
        cost (power and capital) of ``entry_cost_per_kwh``; never below today's (machines
        already plugged in stay while they cover their power, so the network does not
        shrink in expectation). See docs/assets.md, "Calibration".
    growth_scale : float
        Multiplier on the trailing difficulty growth (``trailing``; fitted by
        :func:`hashwinter.assets.calibrate.fit_growth_scale`). [dimensionless]
    entry_cost_per_kwh : float
        All-in cost per kWh of the marginal new machine (``break_even``; fitted by
        :func:`hashwinter.assets.calibrate.fit_break_even`). [currency/kWh]
    reference_j_per_th : float
        Efficiency of the network's marginal machine (``break_even``; the S9's 98 J/TH
        in 2017-2018). [J/TH]
    relaxation_days : float
        Time constant of the difficulty closing its gap (``break_even``). [day]
    price_elasticity : float
        Response of difficulty to the future coin price, ``d ln D / d ln S`` after
        ``price_lag_days`` (0: none; fitted on daily history by
        :func:`hashwinter.assets.response.fit_price_response`). [dimensionless]
    price_lag_days : float
        Lag of that response. [day]
    liquidity : float
        Market price over value: the bid/ask discount of a thin market (1 = none;
        a parameter now, set by supply and demand in the network model). [fraction]
    scrap_value_per_kw : float
        What a machine fetches as scrap, per kW of rated power (copper, aluminium,
        fans, PSU). [currency/kW]
    step_days : float
        The valuation's time step. [day]

    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    tariff: float = Field(ge=0.0, le=100.0, allow_inf_nan=False)
    pue: float = Field(default=1.0, ge=1.0, le=3.0, allow_inf_nan=False)
    pool_fee: float = Field(default=0.02, ge=0.0, le=1.0, allow_inf_nan=False)
    discount_rate_per_year: float = Field(default=0.10, ge=0.0, le=10.0, allow_inf_nan=False)
    life_days: float = Field(default=730.0, gt=0.0, le=36_525.0, allow_inf_nan=False)
    difficulty_model: Literal["trailing", "break_even"] = "trailing"
    growth_scale: float = Field(default=1.0, ge=0.0, le=5.0, allow_inf_nan=False)
    entry_cost_per_kwh: float = Field(default=1.0, gt=0.0, le=100.0, allow_inf_nan=False)
    reference_j_per_th: float = Field(default=98.0, gt=0.0, le=10_000.0, allow_inf_nan=False)
    relaxation_days: float = Field(default=60.0, gt=0.0, le=36_525.0, allow_inf_nan=False)
    price_elasticity: float = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)
    price_lag_days: float = Field(default=60.0, ge=0.0, le=3_650.0, allow_inf_nan=False)
    liquidity: float = Field(default=1.0, gt=0.0, le=2.0, allow_inf_nan=False)
    scrap_value_per_kw: float = Field(default=0.0, ge=0.0, le=1e7, allow_inf_nan=False)
    step_days: float = Field(default=7.0, gt=0.0, le=31.0, allow_inf_nan=False)
