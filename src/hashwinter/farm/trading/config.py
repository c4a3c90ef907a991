"""The ``[[policies]]`` entries of the trading rules, validated field by field.

Kinds (registered with :func:`hashwinter.farm.register_policy`):
``sell_above_value``, ``buy_payback`` (Hu's rule), ``buy_fleet`` (a failing
farm's fleet), ``scrap_below_value``, ``sell_on_date`` and
``store_until_recovery``. Thresholds marked *sweepable* take a list: one value
per variant, run in one pass (the variant axis). Every rule prices machines
from the same tables (:mod:`hashwinter.farm.trading.prices`), whose
assumptions are the entry's ``[policies.valuation]`` table.

Cross-field checks run when the farm is built (each names its field,
``policies[1].count``): a fleet index that does not exist, selling more
machines than a fleet item holds, buying into a site that is full or does not
exist, a date outside the run.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import Field

from hashwinter.errors import InputError
from hashwinter.farm.registry import CohortSlots, PolicyContext, register_policy
from hashwinter.farm.trading.prices import TradeTables, trade_tables
from hashwinter.farm.trading.rules import (
    BlockBuy,
    BuyRule,
    ScrapRule,
    SellOnDate,
    SellRule,
    SiteLimits,
    StoreRule,
)
from hashwinter.hardware import Machine, default_catalog
from hashwinter.validation import ConfigModel

if TYPE_CHECKING:
    from hashwinter.farm.config import LoadedFarm

__all__ = [
    "BuyFleetConfig",
    "BuyPaybackConfig",
    "ScrapBelowValueConfig",
    "SellAboveValueConfig",
    "SellOnDateConfig",
    "StoreUntilRecoveryConfig",
    "TradingValuation",
]

Price = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]
Days = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Premium = Annotated[float, Field(ge=-1)]
Discount = Annotated[float, Field(gt=0, le=2, allow_inf_nan=False)]


class TradingValuation(ConfigModel):
    """What the trading rules assume when they price machines (one table per rule).

    Attributes
    ----------
    buyer_tariff : float
        Energy price of the second-hand buyer (the market's marginal miner). [farm currency/kWh]
    buyer_pue : float
        The buyer's PUE. [dimensionless]
    liquidity : float
        Market price over the buyer's value (a bid/ask discount). [fraction]
    scrap_value_per_kw : float
        Scrap value per kW of rated power; the market price never falls below it.
        [farm currency/kW]
    sigma_per_day : float
        Volatility of the log price assumed by the valuation. [1/sqrt(day)]
    difficulty_growth_per_year : float
        Continuously compounded growth of difficulty assumed. [1/year]
    discount_rate_per_year : float
        Continuously compounded discount rate. [1/year]
    life_days : float
        Remaining life of a machine. [day]
    step_days : float
        The valuation's time step. [day]

    """

    buyer_tariff: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 0.30
    buyer_pue: Annotated[float, Field(ge=1, le=3, allow_inf_nan=False)] = 1.0
    liquidity: Annotated[float, Field(gt=0, le=2, allow_inf_nan=False)] = 1.0
    scrap_value_per_kw: Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)] = 0.0
    sigma_per_day: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.035
    difficulty_growth_per_year: Annotated[float, Field(ge=-5, le=5, allow_inf_nan=False)] = 0.0
    discount_rate_per_year: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 0.10
    life_days: Annotated[float, Field(gt=0, le=36_525, allow_inf_nan=False)] = 730.0
    step_days: Annotated[float, Field(gt=0, le=31, allow_inf_nan=False)] = 7.0

    def tables(self, context: PolicyContext) -> TradeTables:
        """Return the run's market and keep tables under these assumptions."""
        if context.market is None or context.tariff is None:
            raise InputError("trading rules need the run's market (build the farm with "
                             "build_farm_run)", field="policies")
        return trade_tables(
            context.cohorts, context.market, context.tariff, buyer_tariff=self.buyer_tariff,
            buyer_pue=self.buyer_pue, liquidity=self.liquidity,
            scrap_value_per_kw=self.scrap_value_per_kw, sigma_per_day=self.sigma_per_day,
            difficulty_growth_per_year=self.difficulty_growth_per_year,
            discount_rate_per_year=self.discount_rate_per_year, life_days=self.life_days,
            step_days=self.step_days)


def _fleet_mask(fleet: list[int] | None, context: PolicyContext) -> npt.NDArray[np.bool_]:
    """Cohorts of the fleet items named (None: every cohort that holds or receives machines)."""
    n = context.cohorts.n
    items = context.fleet_item or tuple(range(n))
    role = context.role or ("fleet",) * n
    if fleet is None:
        return np.array([r != "transit" for r in role], dtype=bool)
    chosen = set(fleet)
    return np.array([i in chosen and r != "transit" for i, r in zip(items, role, strict=True)],
                    dtype=bool)


def _check_fleet(fleet: list[int] | None, farm: LoadedFarm, field: str) -> None:
    n = len(farm.config.fleet)
    for k, i in enumerate(fleet or []):
        if not 0 <= i < n:
            raise InputError(f"no fleet item {i} (the farm has fleet[0] .. fleet[{n - 1}])",
                             field=f"{field}.fleet[{k}]")


def _check_date(date: dt.date, dates: npt.NDArray[np.datetime64], field: str) -> None:
    day = np.datetime64(date, "D")
    if not dates[0] <= day <= dates[-1]:
        raise InputError(f"{date} is outside the run ({dates[0]} to {dates[-1]})",
                         field=f"{field}.date")


def _machine(model: str, field: str) -> Machine:
    try:
        return default_catalog().get(model)
    except InputError as exc:
        raise InputError(exc.message, field=f"{field}.model") from None


def _free_at_site(farm: LoadedFarm, site: str, machine: Machine, field: str) -> float:
    """Return machines of ``machine`` that fit at ``site`` beside the fleet; errors if none."""
    config = farm.config
    sites = {s.name: s for s in config.sites}
    if site not in sites:
        known = ", ".join(repr(n) for n in sites)
        raise InputError(f"no site named {site!r} (sites: {known})", field=f"{field}.site")
    s = sites[site]
    held = [(item, m) for item, m in zip(config.fleet, farm.machines, strict=True)
            if item.site == site]
    free_slots = s.capacity_slots - sum(item.count for item, _ in held)
    free_w = s.capacity_mw * 1e6 - s.pue * sum(item.count * m.power for item, m in held)
    room = min(free_slots, np.floor(free_w / (machine.power * s.pue) + 1e-9))
    if room < 1:
        raise InputError(f"site {site!r} is full ({free_slots:,} free slots, "
                         f"{max(free_w, 0) / 1e6:.3g} MW free): nothing can be bought into it",
                         field=f"{field}.site")
    return float(room)


def _site_limits(context: PolicyContext) -> SiteLimits:
    farm = context.farm
    cohorts = context.cohorts
    if farm is None:
        raise InputError("trading rules need the farm's sites", field="policies")
    names = {s.name: j for j, s in enumerate(farm.config.sites)}
    role = context.role or ("fleet",) * cohorts.n
    site = np.array([names.get(name, -1) if r != "transit" else -1
                     for name, r in zip(cohorts.site, role, strict=True)], dtype=np.int64)
    return SiteLimits(
        site=site,
        slots=np.array([s.capacity_slots for s in farm.config.sites], dtype=np.float64),
        watts=np.array([s.capacity_mw * 1e6 for s in farm.config.sites], dtype=np.float64),
        meter_watts=cohorts.power * cohorts.pue)


def _purchase_cohort(context: PolicyContext, model: str, site: str, field: str) -> int:
    machine = _machine(model, field)
    role = context.role or ()
    for c, r in enumerate(role):
        if r == "purchase" and context.cohorts.model[c] == machine.model \
                and context.cohorts.site[c] == site:
            return c
    raise InputError(f"no purchase cohort of {machine.model} at {site!r} (build the farm with "
                     "build_farm_run)", field=f"{field}.model")


def _day_index(context: PolicyContext, date: dt.date) -> int:
    return int((np.datetime64(date, "D") - context.clock.dates[0]).astype(np.int64))


class _Trading(ConfigModel):
    valuation: TradingValuation = TradingValuation()

    def cohort_slots(self, farm: LoadedFarm, dates: npt.NDArray[np.datetime64],
                     field: str) -> CohortSlots:
        """Check the entry against the farm (no cohorts needed)."""
        return CohortSlots()


@register_policy
class SellAboveValueConfig(_Trading):
    """Sell when the market pays more than keeping is worth, or when cash is short.

    Attributes
    ----------
    fleet : list of int or None
        Fleet items the rule may sell (default: all, purchases included).
    fee : float
        Share of the sale price lost to the dealer and transport. [fraction]
    premium : float or list of float
        Sell when ``market x (1 - fee) > (1 + premium) x value of keeping``
        (sweepable). [fraction]
    min_cash : float or list of float
        Sell a share of the fleet that brings cash back to this level (0: never;
        sweepable). [farm currency]

    """

    kind: Literal["sell_above_value"]
    fleet: list[int] | None = None
    fee: Fraction = 0.05
    premium: Premium | list[Premium] = 0.0
    min_cash: Price | list[Price] = 0.0

    def cohort_slots(self, farm: LoadedFarm, dates: npt.NDArray[np.datetime64],
                     field: str) -> CohortSlots:
        """Check the fleet indices."""
        _check_fleet(self.fleet, farm, field)
        return CohortSlots()

    def build(self, context: PolicyContext) -> SellRule:
        """Return the engine rule."""
        return SellRule(self.valuation.tables(context), _fleet_mask(self.fleet, context),
                        self.fee, self.premium, self.min_cash)


@register_policy
class BuyPaybackConfig(_Trading):
    """Hu's rule: buy ``model`` into ``site`` while it pays back within ``payback_days``.

    Attributes
    ----------
    model : str
        Catalog model bought.
    site : str
        Site of the farm file the machines go into (slots and MW limit the purchase).
    payback_days : float or list of float
        Buy when the payback at today's state is below this (sweepable). [day]
    rule : {"payback", "npv"}
        ``npv``: buy when the value of keeping exceeds the price instead.
    fee : float
        Share added to the market price. [fraction]
    price_per_machine : float or None
        A fixed price instead of the market's. [farm currency]
    max_per_day : int or None
        Machines bought at most per day (None: no limit). [machines]
    cash_reserve : float or list of float
        Cash never spent on machines (sweepable). [farm currency]

    """

    kind: Literal["buy_payback"]
    model: str = Field(min_length=1)
    site: str = Field(min_length=1)
    payback_days: Days | list[Days] = 110.0
    rule: Literal["payback", "npv"] = "payback"
    fee: Fraction = 0.0
    price_per_machine: Price | None = None
    max_per_day: Annotated[int, Field(ge=1)] | None = None
    cash_reserve: Price | list[Price] = 0.0

    def cohort_slots(self, farm: LoadedFarm, dates: npt.NDArray[np.datetime64],
                     field: str) -> CohortSlots:
        """Ask for the empty cohort the purchases fill (the site must have room)."""
        machine = _machine(self.model, field)
        _free_at_site(farm, self.site, machine, field)
        return CohortSlots(purchases=((machine, self.site),))

    def build(self, context: PolicyContext) -> BuyRule:
        """Return the engine rule."""
        target = _purchase_cohort(context, self.model, self.site, "policies")
        return BuyRule(self.valuation.tables(context), _site_limits(context), target, 0,
                       self.payback_days, rule=self.rule, fee=self.fee,
                       max_per_day=np.inf if self.max_per_day is None else self.max_per_day,
                       cash_reserve=self.cash_reserve, price_per_machine=self.price_per_machine)


@register_policy
class BuyFleetConfig(_Trading):
    """Buy a failing farm's fleet: ``count`` machines of ``model`` on ``date`` at a discount.

    Attributes
    ----------
    model, site : str
        What is bought and where it goes.
    date : datetime.date
        Day of the block purchase (inside the run).
    count : int
        Machines offered (the purchase is limited by slots, MW and cash). [machines]
    discount : float or list of float
        Price paid over the market price (sweepable). [fraction]
    cash_reserve : float or list of float
        Cash never spent (sweepable). [farm currency]

    """

    kind: Literal["buy_fleet"]
    model: str = Field(min_length=1)
    site: str = Field(min_length=1)
    date: dt.date
    count: Annotated[int, Field(ge=1)]
    discount: Discount | list[Discount] = 0.5
    cash_reserve: Price | list[Price] = 0.0

    def cohort_slots(self, farm: LoadedFarm, dates: npt.NDArray[np.datetime64],
                     field: str) -> CohortSlots:
        """Check the date and the site's room; ask for the cohort the purchase fills."""
        machine = _machine(self.model, field)
        room = _free_at_site(farm, self.site, machine, field)
        if self.count > room:
            raise InputError(f"buys {self.count:,} machines into {self.site!r}, which has room "
                             f"for {room:,.0f} (slots and MW)", field=f"{field}.count")
        _check_date(self.date, dates, field)
        return CohortSlots(purchases=((machine, self.site),))

    def build(self, context: PolicyContext) -> BlockBuy:
        """Return the engine rule."""
        target = _purchase_cohort(context, self.model, self.site, "policies")
        return BlockBuy(self.valuation.tables(context), _site_limits(context), target, 0,
                        _day_index(context, self.date), self.count, self.discount,
                        self.cash_reserve)


@register_policy
class ScrapBelowValueConfig(_Trading):
    """Scrap machines worth no more than their scrap value (``valuation.scrap_value_per_kw``).

    Attributes
    ----------
    fleet : list of int or None
        Fleet items the rule may scrap (default: all).
    margin : float or list of float
        Scrap when keeping is worth less than ``(1 + margin) x scrap`` (sweepable). [fraction]

    """

    kind: Literal["scrap_below_value"]
    fleet: list[int] | None = None
    margin: Premium | list[Premium] = 0.0

    def cohort_slots(self, farm: LoadedFarm, dates: npt.NDArray[np.datetime64],
                     field: str) -> CohortSlots:
        """Check the fleet indices and that scrap is worth something."""
        _check_fleet(self.fleet, farm, field)
        if self.valuation.scrap_value_per_kw <= 0:
            raise InputError("must be > 0 for a scrap rule (what a machine fetches as scrap)",
                             field=f"{field}.valuation.scrap_value_per_kw")
        return CohortSlots()

    def build(self, context: PolicyContext) -> ScrapRule:
        """Return the engine rule."""
        return ScrapRule(self.valuation.tables(context), _fleet_mask(self.fleet, context),
                         self.margin)


@register_policy
class SellOnDateConfig(_Trading):
    """Sell fleet items on a date at the market price less the fee (Lao Luo's "sold" leg).

    Attributes
    ----------
    fleet : list of int
        Fleet items sold.
    date : datetime.date
        Day of the sale.
    count : int or None
        Machines sold of each item (default: all it holds). [machines]
    fee : float
        Share of the market price lost. [fraction]

    """

    kind: Literal["sell_on_date"]
    fleet: list[int] = Field(min_length=1)
    date: dt.date
    count: Annotated[int, Field(ge=1)] | None = None
    fee: Fraction = 0.05

    def cohort_slots(self, farm: LoadedFarm, dates: npt.NDArray[np.datetime64],
                     field: str) -> CohortSlots:
        """Check the items, the date, and that no more is sold than is held."""
        _check_fleet(self.fleet, farm, field)
        _check_date(self.date, dates, field)
        if self.count is not None:
            for i in self.fleet:
                held = farm.config.fleet[i].count
                if self.count > held:
                    raise InputError(f"sells {self.count:,} machines of fleet[{i}], which "
                                     f"holds {held:,}", field=f"{field}.count")
        return CohortSlots()

    def build(self, context: PolicyContext) -> SellOnDate:
        """Return the engine rule."""
        mask = _fleet_mask(self.fleet, context)
        held = context.cohorts.count
        count = np.where(mask, held if self.count is None else
                         np.minimum(held, float(self.count)), 0.0)
        return SellOnDate(self.valuation.tables(context), count,
                          _day_index(context, self.date), self.fee)


@register_policy
class StoreUntilRecoveryConfig(_Trading):
    """Unplug fleet items from a date until the margin recovers (Lao Luo's "stored" leg).

    Attributes
    ----------
    fleet : list of int or None
        Fleet items stored (default: all).
    date : datetime.date
        First day in storage.
    resume_above : float
        Run again, for good, once ``price / shutdown price - 1`` exceeds this. [fraction]

    """

    kind: Literal["store_until_recovery"]
    fleet: list[int] | None = None
    date: dt.date
    resume_above: Annotated[float, Field(ge=-1, le=100, allow_inf_nan=False)] = 0.10

    def cohort_slots(self, farm: LoadedFarm, dates: npt.NDArray[np.datetime64],
                     field: str) -> CohortSlots:
        """Check the items and the date."""
        _check_fleet(self.fleet, farm, field)
        _check_date(self.date, dates, field)
        return CohortSlots()

    def build(self, context: PolicyContext) -> Any:
        """Return the engine rule."""
        return StoreRule(_fleet_mask(self.fleet, context), _day_index(context, self.date),
                         self.resume_above)
