"""The network scenario file: every assumption of the population and the dynamics.

Each field has a documented default and its source, or "assumption" (docs/network.md
lists them all). A bad value is a field-level error with its file and line
(:func:`load_network_scenario`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from hashwinter.errors import InputError, InputErrors
from hashwinter.tomlfile import locate, read_toml
from hashwinter.validation import ConfigModel, input_errors_from_validation

__all__ = [
    "ChainConfig",
    "DynamicsConfig",
    "HabitsConfig",
    "MakerConfig",
    "MarketConfig",
    "MigrationConfig",
    "NetworkScenario",
    "PopulationConfig",
    "PriceConfig",
    "RegionTariff",
    "RegionsConfig",
    "load_network_scenario",
]


class RegionTariff(ConfigModel):
    """A tariff range for a region, in USD per kWh (uniform between the bounds)."""

    low: float = Field(gt=0)
    high: float = Field(gt=0)
    #: Dry-season range (hydro regions fall back on thermal power), when it differs.
    dry_low: float | None = Field(default=None, gt=0)
    dry_high: float | None = Field(default=None, gt=0)
    source: str = "assumption"

    @model_validator(mode="after")
    def _ordered(self) -> RegionTariff:
        if self.high < self.low:
            raise ValueError("high must be >= low")
        return self


class RegionsConfig(ConfigModel):
    """Where the hashrate is and what it pays for power.

    ``shares`` (fractions summing to 1) overrides the mining map; without it the
    CBECI map's month (hashrate_share_by_region.csv) gives the shares, and where the
    map starts after the start date the same calendar month of its first year stands
    in (the season is right: Sichuan's wet-season share).
    """

    shares: dict[str, float] | None = None
    #: Regions below this share of the map are merged into the rest (renormalised). [fraction]
    min_share: float = Field(default=0.0, ge=0, lt=1)
    #: Tariff ranges by region; they override / complete mining_power_prices.csv.
    tariffs: dict[str, RegionTariff] = Field(default_factory=dict)
    #: Months of the dry season, when hydro regions pay their dry-season tariff.
    #: Sichuan's wet season is May-October (SOURCES.md: its share of China is 49.5 % in
    #: September and 14.9 % in April); assumption for the exact months.
    dry_months: list[int] = Field(default_factory=lambda: [11, 12, 1, 2, 3, 4])
    #: CNY per USD for rows quoted in CNY without a USD figure (2018 mean ~6.6; SOURCES).
    cny_per_usd: float = Field(default=6.6, gt=0)

    @field_validator("shares")
    @classmethod
    def _shares_sum(cls, shares: dict[str, float] | None) -> dict[str, float] | None:
        # A field validator, so that the error names regions.shares (and its line).
        if shares is not None:
            if any(v < 0 for v in shares.values()):
                raise ValueError("shares must be >= 0")
            total = sum(shares.values())
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"shares must sum to 1 (they sum to {total:.6g})")
        return shares


class PopulationConfig(ConfigModel):
    """The farms at the start date."""

    #: Farms (owners). Assumption: 10^3 farms represent the 2018 network (issue 15).
    farms: int = Field(default=1000, ge=1, le=100_000)
    #: Efficiency tiers per farm (a cohort = farm x tier). Assumption.
    tiers: int = Field(default=6, ge=1, le=20)
    #: Pareto tail index of farm sizes (machines). Assumption: heavy tail, ~1.2.
    size_alpha: float = Field(default=1.2, gt=0)
    #: Scale (smallest farm) of the Pareto distribution. [machines] Assumption.
    size_scale: float = Field(default=100.0, gt=0)
    #: Tariff multiplier exponent on size: tariff x (size / median)^-elasticity.
    #: Assumption: small farms pay more (seed story section 3).
    small_farm_elasticity: float = Field(default=0.08, ge=0, le=1)
    #: Retire tariff of the fleet-mix reconstruction (fleet_mix.reconstruct_mix). [USD/kWh]
    retire_tariff: float = Field(default=0.02, ge=0)
    #: Months a model is on sale after release (fleet_mix). Assumption.
    sale_window_months: int = Field(default=18, ge=1)
    #: Exponent of 1/efficiency in the split of new hashrate (fleet_mix). Assumption.
    efficiency_weight: float = Field(default=1.0)
    #: Cash at the start, in days of the farm's power bill at the start. Assumption.
    cash_days: float = Field(default=20.0, ge=0)
    #: Fixed costs per installed machine and day (rent, staff). [USD] Assumption.
    fixed_cost_per_machine_day: float = Field(default=0.10, ge=0)
    #: Cost per running machine and day besides power (staff, maintenance, repairs,
    #: hosting markups), the engine's management fee. [USD] The free parameter, fitted
    #: on October 2018 only (docs/network.md, "Calibration"): 0.17.
    overhead_per_machine_day: float = Field(default=0.17, ge=0)
    #: PUE of every site. Assumption (CBECI's best guess is 1.10).
    pue: float = Field(default=1.05, ge=1)
    #: Seed of the assignment of farms to regions and tariff quantiles.
    seed: int = Field(default=2018, ge=0)


class DynamicsConfig(ConfigModel):
    """Unplugging with hysteresis (farm.policies.ShutdownPricePolicy)."""

    #: Off when price / shutdown price - 1 falls below this. Assumption.
    off_below: float = Field(default=-0.05, gt=-1)
    #: On again when it rises above this (>= off_below). Assumption.
    on_above: float = Field(default=0.05, gt=-1)
    #: A cohort that unplugged stays off at least this many days (network.restart).
    #: Assumption; 0 is no delay.
    min_off_days: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _hysteresis(self) -> DynamicsConfig:
        if self.on_above < self.off_below:
            raise ValueError("on_above must be >= off_below (hysteresis)")
        return self


class MarketConfig(ConfigModel):
    """The daily second-hand market (network.clearing)."""

    enabled: bool = True
    #: Sell a tier's machines after it has been off this many days in a row. Assumption.
    sell_after_days: float = Field(default=10.0, gt=0)
    #: A buyer pays at most this many days of a machine's current margin. Assumption.
    payback_days: float = Field(default=120.0, gt=0)
    #: Share of its cash a farm may spend on machines in a day. Assumption.
    cash_share: float = Field(default=0.5, ge=0, le=1)
    #: Free slots as a share of the machines a farm held at the start. Assumption.
    spare_slots: float = Field(default=0.15, ge=0)
    #: Scrap value of one machine (recycling, parts). [USD] Assumption.
    scrap_floor: float = Field(default=15.0, gt=0)
    #: Top of the price grid. [USD/machine] Assumption: above any 2018 used price.
    price_cap: float = Field(default=3000.0, gt=0)
    #: Bins of the price grid.
    bins: int = Field(default=48, ge=2, le=1000)
    #: A cohort that offers its machines (off ``sell_after_days``) has closed that site
    #: and never restarts them itself; they come back only through a buyer
    #: (network.restart.ExitOnSale). Assumption; false: unsold machines restart.
    sellers_exit: bool = False
    #: Days from clearing to settlement: freight and re-installation of used machines,
    #: offline in between (network.trading). Assumption; 0 settles the same day.
    ship_days: int = Field(default=0, ge=0, le=90)
    #: A cohort off this many days in a row scraps, at ``scrap_floor`` a machine, what it
    #: offered and could not sell (recycling: the machines leave the network). At least
    #: ``sell_after_days``. Assumption; None: unsold machines are kept.
    scrap_after_days: float | None = Field(default=None, gt=0)
    #: A farm whose cash is below this many days of its fleet's operating cost (every
    #: machine held running) is short of cash and offers its unplugged machines at once,
    #: without waiting ``sell_after_days``. Assumption; 0: never.
    short_cash_days: float = Field(default=0.0, ge=0)

    @field_validator("scrap_after_days")
    @classmethod
    def _offered_before_scrapped(cls, value: float | None, info: ValidationInfo
                                 ) -> float | None:
        sell_after = info.data.get("sell_after_days")
        if value is not None and sell_after is not None and value < sell_after:
            raise ValueError(f"must be >= market.sell_after_days ({sell_after:g}): a machine "
                             "is offered before it is scrapped")
        return value


class MigrationConfig(ConfigModel):
    """Seasonal migration of hydro farms to sister sites (network.migration).

    Off by default. ``hydro_share``, ``sister_share``, ``to`` and ``spread_days``
    default to the mining map's seasonal swing (network.migration.map_swing: the
    map's first year stands in for the season, as for the shares).
    """

    enabled: bool = False
    #: The hydro region whose farms lose their power in the dry season.
    origin: str = "Sichuan"
    #: Share of the origin's machines on hydro-only sites (no power in the dry season).
    #: None: 1 - (the origin's mean global share over the dry months) / (its share in
    #: the last wet month), from the map.
    hydro_share: float | None = Field(default=None, ge=0, le=1)
    #: Share of those machines whose farm has a sister site. None: the destinations'
    #: gain over the same months / the origin's loss, from the map (at most 1).
    sister_share: float | None = Field(default=None, ge=0, le=1)
    #: Sister sites' regions and weights (normalised). None: the destinations' gains.
    to: dict[str, float] | None = None
    #: Regions the map's gains are read from when ``to`` is not given.
    destinations: list[str] = Field(default_factory=lambda: ["Xinjiang", "Inner Mongolia"])
    #: The farms' dry seasons start (and end) spread over this many days after the
    #: calendar's. None: the spread whose first dry month's mean share matches the
    #: map's (network.migration.Swing.spread_days).
    spread_days: int | None = Field(default=None, ge=1, le=120)
    #: Days the machines are off on each move (unrack, ~2,500 km by truck, re-install).
    #: Assumption.
    transit_days: int = Field(default=7, ge=0, le=60)
    #: Cost of moving one machine, each way (freight, labour). [USD] Assumption.
    cost_per_machine: float = Field(default=10.0, ge=0)
    #: A dark hydro site (no sister site, or the move does not pay) offers its machines
    #: on the market after ``market.sell_after_days`` off (true), or waits for the water
    #: (false: its dry days are not days under water). Assumption.
    dark_sites_sell: bool = True

    @field_validator("to")
    @classmethod
    def _weights(cls, to: dict[str, float] | None) -> dict[str, float] | None:
        if to is not None and (not to or any(v < 0 for v in to.values())
                               or sum(to.values()) <= 0):
            raise ValueError("weights must be >= 0 with a positive sum")
        return to


class MakerConfig(ConfigModel):
    """A machine maker (network.makers): sells new machines, mines what it cannot sell.

    Defaults are Bitmain's (makers.csv, before 2018-11-01); see docs/network.md.
    """

    name: str = "Bitmain"
    #: Catalog model it sells (the hardware catalog's name). Bitmain's S9j: 2018-08.
    model: str = "Antminer S9j"
    #: Machines it can deliver per quarter. None: Bitmain's Q1 2018 units, a sold-out
    #: quarter (revenue 1,860 M USD x hardware share 0.943 / ASP 972 USD, makers.csv;
    #: every unit counted as a SHA-256 machine: an upper bound). [machines/quarter]
    capacity_per_quarter: float | None = Field(default=None, gt=0)
    #: Price of a new machine. Bitmain's average selling price, H1 2018 (makers.csv). [USD]
    list_price: float = Field(default=972.0, gt=0)
    #: Gross margin: unit cost = list_price x (1 - margin). Canaan's 2017 gross margin
    #: 46.2 % (makers.csv; Bitmain's is not in the file: assumption that it is alike).
    gross_margin: float = Field(default=0.462, ge=0, lt=1)
    #: Days from order to delivery. Assumption (2018 batches shipped ~1 month out).
    lead_days: int = Field(default=30, ge=0, le=365)
    #: Days ahead that production is committed (wafers booked). Assumption: a quarter.
    production_lead_days: int = Field(default=90, ge=0, le=730)
    #: Annual return of a new machine at which orders reach capacity. None: fitted on
    #: Bitmain's Q2 2018 units (makers.calibrate_full_return). [1/yr]
    full_return: float | None = Field(default=None, gt=0)
    #: Tariff of the maker's own farms and of the buyers' reference return.
    #: Assumption (Bitmain's farms in Sichuan, Xinjiang, Inner Mongolia). [USD/kWh]
    tariff: float = Field(default=0.04, gt=0)
    #: Region of its own farms (must be a region of the population).
    region: str = "Sichuan"
    #: Cash at the start. Bitmain's crypto holdings at June 2018, 886.9 M USD (makers.csv).
    starting_cash: float = Field(default=886.9e6, ge=0)
    #: Unsold machines held at the start. Assumption. [machines]
    inventory: float = Field(default=0.0, ge=0)
    #: Slots at host farms where the maker places unsold machines its own farms cannot
    #: hold ("mine in a bear market": Bitmain's 50,000 hosted machines in Shihezi, seed
    #: story section 9). 0: no hosting (the default; the shipped file too). [machines]
    hosted_slots: float = Field(default=0.0, ge=0)
    #: Machines the maker's own farms hold; with hosting, the stock beyond them goes to
    #: the hosts first. Bitmain's own farm capacity, June 2018: 200,000 machines in 11
    #: farms (makers.csv). [machines]
    own_slots: float = Field(default=200_000.0, ge=0)
    #: Region of the host farms (must be a region of the population). Assumption:
    #: Xinjiang (Shihezi, mining_power_prices.csv: a 40,000-slot farm at 0.28 CNY/kWh).
    host_region: str = "Xinjiang"
    #: Host farms: the largest farms of ``host_region``, slots split pro rata to their
    #: size. Assumption.
    hosts: int = Field(default=1, ge=1, le=100)
    #: Hosting fee the maker pays the host per placed machine and day, on top of the
    #: power at the host's tariff. Assumption: the host's margin, ~0.03 CNY/kWh on an
    #: S9's ~32 kWh a day (SOURCES.md quotes 0.25 CNY/kWh all-in Sichuan hosting). [USD]
    hosting_fee_per_machine_day: float = Field(default=0.15, ge=0)


class MakersConfig(ConfigModel):
    """The makers of new machines (network.makers); none by default."""

    #: One table per maker (``[[makers.maker]]`` in the file).
    maker: list[MakerConfig] = Field(default_factory=list)
    #: Share of its cash a farm may spend on new machines in a day. Assumption.
    cash_share: float = Field(default=0.25, ge=0, le=1)

    @model_validator(mode="after")
    def _unique(self) -> MakersConfig:
        names = [m.name for m in self.maker]
        if len(set(names)) != len(names):
            raise ValueError("maker names must be unique")
        return self


class PriceConfig(ConfigModel):
    """The coin price: the history path, or a Monte Carlo process from the start's price.

    ``"gbm"``: geometric Brownian motion; ``"bootstrap"``: a circular block bootstrap of
    the history's daily log returns over ``fit_start`` .. ``fit_end`` (before the start:
    no look-ahead).
    """

    kind: Literal["history", "gbm", "bootstrap"] = "history"
    #: GBM drift per year. [1/yr]
    drift: float = 0.0
    #: GBM volatility per sqrt(year). [1/sqrt(yr)] (~0.8: 2018's realised volatility).
    volatility: float = Field(default=0.8, ge=0)
    seed: int = Field(default=1, ge=0)
    #: Bootstrap: the history window whose daily log returns are resampled (both days
    #: included; the end defaults to the day before ``start``). Assumption: 2017-2018.
    fit_start: dt.date = dt.date(2017, 1, 1)
    fit_end: dt.date | None = None
    #: Bootstrap: consecutive days per resampled block (keeps a week or two of volatility
    #: clustering). Assumption. [days]
    block_length: int = Field(default=10, ge=1, le=365)
    #: Impact of miners' net selling on the log price (network.impact): log price change
    #: per coin sold beyond the first day's sales. 0: no feedback. [1/BTC] Assumption.
    impact: float = Field(default=0.0, ge=0)


class HabitsConfig(ConfigModel):
    """The farms' treasury habit (network.habits)."""

    treasury: Literal["sell_daily", "hodl", "sell_to_cover"] = "sell_daily"
    #: Share of mined coins kept under ``hodl``. [fraction]
    hodl_ratio: float = Field(default=1.0, ge=0, le=1)
    #: Shares of the farms whose own habit is ``hodl`` (keeping ``hodl_ratio``) and
    #: ``sell_to_cover``; the other farms (and the makers) follow ``treasury``. Spread
    #: evenly over the farms ranked by size (assumption: habit does not follow size).
    #: [fraction of farms]
    hodlers: float = Field(default=0.0, ge=0, le=1)
    sell_to_cover: float = Field(default=0.0, ge=0, le=1)
    #: Coins at the start, in days of the farm's first-day production. Assumption.
    coin_days: float = Field(default=0.0, ge=0)
    #: Share of the farms that hedge (the largest first: big farms hold futures
    #: accounts; assumption). [fraction of farms]
    hedgers: float = Field(default=0.0, ge=0, le=1)
    #: Share of the next ``hedge_horizon_days``' production a hedger shorts. Assumption.
    hedge_ratio: float = Field(default=0.5, ge=0, le=1)
    #: Days of production hedged at each monthly roll (day 1). Assumption.
    hedge_horizon_days: int = Field(default=30, ge=1, le=365)

    @model_validator(mode="after")
    def _shares(self) -> HabitsConfig:
        if self.hodlers + self.sell_to_cover > 1 + 1e-12:
            raise ValueError(f"hodlers + sell_to_cover must be at most 1 (got "
                             f"{self.hodlers:g} + {self.sell_to_cover:g})")
        return self


class ChainConfig(ConfigModel):
    """The network's blocks and retarget rule (``[network]`` in the file; network.chain).

    The defaults are the expected-value clock with Bitcoin's rule, the model the
    winter-2018 checks are calibrated on.
    """

    #: ``"expected"``: blocks at the expected rate ``H / (D 2^32)``; ``"poisson"``: each
    #: interval exponential (a Poisson number of blocks a day), per path.
    blocks: Literal["expected", "poisson"] = "expected"
    #: Retarget rule: ``"bitcoin"`` (every 2016 blocks, x4 clamp) or ``"cw-N"``, Bitcoin
    #: Cash's November 2017 rolling-window rule over N blocks (``"cw-144"``: BCH's; every
    #: block). A per-block rule runs on the block-resolution network (its expected
    #: intervals unless ``blocks = "poisson"``).
    rule: str = "bitcoin"
    #: Seed of the Poisson intervals; path ``p`` draws from the seed's child ``p``, so a
    #: path's blocks do not depend on the chunking.
    seed: int = Field(default=0, ge=0)

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, rule: str) -> str:
        match = re.fullmatch(r"bitcoin|cw-(\d+)", rule)
        if match is None or (match[1] is not None and int(match[1]) < 2):
            raise ValueError(f"unknown rule {rule!r}; use 'bitcoin' or 'cw-N' (N >= 2), "
                             "e.g. 'cw-144'")
        return rule


class NetworkScenario(ConfigModel):
    """A network scenario file."""

    name: str = "network"
    start: dt.date = dt.date(2018, 10, 1)
    end: dt.date = dt.date(2019, 3, 31)
    #: Folder of the public data (btc_daily.csv, ...), relative to the file.
    data_dir: str = "../../../shared/data"
    population: PopulationConfig = Field(default_factory=PopulationConfig)
    regions: RegionsConfig = Field(default_factory=RegionsConfig)
    dynamics: DynamicsConfig = Field(default_factory=DynamicsConfig)
    market: MarketConfig = Field(default_factory=MarketConfig)
    price: PriceConfig = Field(default_factory=PriceConfig)
    makers: MakersConfig = Field(default_factory=MakersConfig)
    habits: HabitsConfig = Field(default_factory=HabitsConfig)
    migration: MigrationConfig = Field(default_factory=MigrationConfig)
    network: ChainConfig = Field(default_factory=ChainConfig)

    @model_validator(mode="after")
    def _dates(self) -> NetworkScenario:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        mig = self.migration
        if (mig.enabled and self.market.enabled
                and mig.transit_days >= self.market.sell_after_days):
            # The market offers a cohort off that long: machines on a truck are not for sale.
            raise ValueError("migration.transit_days must be below market.sell_after_days")
        if self.market.price_cap <= self.market.scrap_floor:
            raise ValueError("market.price_cap must be above market.scrap_floor")
        fit_end = self.price.fit_end
        if fit_end is not None and fit_end >= self.start:
            raise ValueError("price.fit_end must be before start (no look-ahead)")
        if (fit_end or self.start - dt.timedelta(days=1)) <= self.price.fit_start:
            raise ValueError("price.fit_start must be before price.fit_end")
        return self


def load_network_scenario(path: str | Path) -> tuple[NetworkScenario, Path]:
    """Read and validate a network scenario; return it and its data folder.

    Raises
    ------
    InputErrors
        Field errors with the file and line of each field.

    """
    data, text = read_toml(path, what="network scenario")
    try:
        scenario = NetworkScenario.model_validate(data)
    except ValidationError as exc:
        errors = input_errors_from_validation(exc, source=str(path), data=data)
        raise InputErrors(locate(errors.errors, text, str(path))) from None
    folder = (Path(path).resolve().parent / scenario.data_dir).resolve()
    if not folder.is_dir():
        raise InputError(f"no such folder: {folder}", field="data_dir", source=str(path))
    return scenario, folder
