"""Tariffs and money: what a kWh costs at a site, when, and in which currency.

Tariffs are frozen pydantic models with a ``kind`` discriminator (flat,
seasonal, time-of-use, tiered) and a vectorized ``price_per_kwh(times)``;
:func:`tariff_from_dict` builds any of them from a config table. Money is
converted only through explicit rates (:func:`convert`, :class:`FxSeries`).
See docs/tariffs.md.
"""

from __future__ import annotations

from hashwinter.energy.base import TariffBase
from hashwinter.energy.currency import CurrencyCode, Money, convert, fx_rate, normalize_currency
from hashwinter.energy.examples import (
    EXAMPLE_TARIFFS,
    F2POOL_BENCHMARK,
    SHIHEZI_2018,
    SICHUAN_HYDRO_2018,
    example_tariff,
)
from hashwinter.energy.flat import FlatTariff
from hashwinter.energy.fx import FxLookup, FxSeries
from hashwinter.energy.seasonal import Season, SeasonalTariff
from hashwinter.energy.site import SiteEnergy, energy_cost, energy_kwh, interval_costs
from hashwinter.energy.tariffs import (
    TARIFF_KINDS,
    AnyTariff,
    Tariff,
    tariff_from_dict,
    tariff_to_dict,
)
from hashwinter.energy.tiered import (
    Tier,
    TieredTariff,
    block_average_price,
    block_bill,
    block_marginal_price,
)
from hashwinter.energy.time_of_use import TimeOfUseBand, TimeOfUseTariff

__all__ = [
    "EXAMPLE_TARIFFS",
    "F2POOL_BENCHMARK",
    "SHIHEZI_2018",
    "SICHUAN_HYDRO_2018",
    "TARIFF_KINDS",
    "AnyTariff",
    "CurrencyCode",
    "FlatTariff",
    "FxLookup",
    "FxSeries",
    "Money",
    "Season",
    "SeasonalTariff",
    "SiteEnergy",
    "Tariff",
    "TariffBase",
    "Tier",
    "TieredTariff",
    "TimeOfUseBand",
    "TimeOfUseTariff",
    "block_average_price",
    "block_bill",
    "block_marginal_price",
    "convert",
    "energy_cost",
    "energy_kwh",
    "example_tariff",
    "fx_rate",
    "interval_costs",
    "normalize_currency",
    "tariff_from_dict",
    "tariff_to_dict",
]
