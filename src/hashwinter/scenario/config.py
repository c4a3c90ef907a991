"""Scenario files: what to simulate, validated field by field (pydantic).

A scenario is a TOML file with a name, a number of paths, a seed, a price
process (``[price]``), a network (``[network]``) and, for farm studies, farms
(``[[farms]]``). Units are in the field names (``sigma_per_day``,
``h_max_ehs``, ``horizon_days``); see docs/scenarios.md for every field.

Network modes:

- ``blockclock`` — a block-time study on the engine's block network
  (:func:`hashwinter.engine.simulate_blocks`): a hash supply function, one or
  more retarget rules, a number of blocks. The price must be a GBM (it is
  stepped over each block's interval).
- ``exogenous`` — difficulty projected without feedback: constant monthly
  growth, or bootstrap of historical retargets (for farm studies).
- ``endogenous`` — the rest of the world's hashrate follows a hash supply
  function of the expected revenue per hash on each price path, and difficulty
  retargets by Bitcoin's rule on each path (for farm studies).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hashwinter.errors import InputError
from hashwinter.ranges import InRange, get_range
from hashwinter.units import SECONDS_PER_DAY, TARGET_BLOCK_INTERVAL_S, TRADING_DAYS_PER_YEAR

__all__ = [
    "RULE_NAME",
    "BlockClockNetwork",
    "BootstrapPrice",
    "EndogenousLinearSupplySpec",
    "EndogenousNetwork",
    "EndogenousSigmoidSupplySpec",
    "ExogenousNetwork",
    "FarmRef",
    "GBMPrice",
    "HistoryWindow",
    "LinearSupplySpec",
    "MarketSpec",
    "MertonPrice",
    "RegimesPrice",
    "ReportSpec",
    "Scenario",
    "SigmoidSupplySpec",
    "cross_field_problems",
]

#: Retarget rule names a scenario may list: Bitcoin's, or a rolling window of N blocks.
RULE_NAME = re.compile(r"^(bitcoin|cw-(\d+))$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Every number is checked against the one registry of plausible ranges
# (hashwinter.ranges, docs/glossary.md, "Plausible ranges").
Probability = Annotated[float, InRange("fraction")]
Price0 = Annotated[float, InRange("coin_price")]
DriftPerDay = Annotated[float, InRange("drift_per_day")]
VolPerDay = Annotated[float, InRange("volatility_per_sqrt_day")]
EHs = Annotated[float, InRange("hashrate_ehs")]
Days = Annotated[float, InRange("horizon_days")]
Fees = Annotated[float, InRange("coins_per_block")]
Height = Annotated[int, Field(ge=0), InRange("block_count")]
Difficulty = Annotated[float, Field(ge=1), InRange("difficulty")]


class HistoryWindow(_Model):
    """A window of stored history to calibrate from.

    ``source = "store"`` reads the DuckDB history store (``path`` optional: the
    default store); ``source = "csv"`` reads a CSV file with a ``date`` column
    (``path`` relative to the scenario file). ``currency`` is the currency of the
    prices read: the store converts its USD closes into it by its FX rates; for a
    CSV it says what the column holds. Under ``[price]`` it defaults to
    ``market.currency`` and must equal it (the fitted price is simulated in that
    currency); elsewhere (difficulty windows) it defaults to USD and is unused.
    """

    source: Literal["store", "csv"] = "store"
    path: str | None = None
    column: str = "price"
    start: dt.date
    end: dt.date
    currency: Annotated[str, Field(min_length=3, max_length=3)] | None = None
    date_column: str = "date"

    @model_validator(mode="after")
    def _check(self) -> HistoryWindow:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        if self.source == "csv" and not self.path:
            raise ValueError("path is required when source = 'csv'")
        return self


def _one_of(model: BaseModel, per_day: str, annual: str, *, required: bool) -> None:
    a, b = getattr(model, per_day), getattr(model, annual)
    if a is not None and b is not None:
        raise ValueError(f"give {per_day} or {annual}, not both")
    if required and a is None and b is None:
        raise ValueError(f"{per_day} (or {annual}) is required unless fit is given")


class GBMPrice(_Model):
    """Geometric Brownian motion; drift per day or annual, volatility per sqrt(day) or annual."""

    process: Literal["gbm"]
    s0: Price0 | None = None
    mu_per_day: DriftPerDay | None = None
    mu_annual: Annotated[float, InRange("drift_per_year")] | None = None
    sigma_per_day: VolPerDay | None = None
    sigma_annual: Annotated[float, InRange("volatility_per_sqrt_year")] | None = None
    fit: HistoryWindow | None = None

    @model_validator(mode="after")
    def _check(self) -> GBMPrice:
        fitted = self.fit is not None
        _one_of(self, "mu_per_day", "mu_annual", required=not fitted)
        _one_of(self, "sigma_per_day", "sigma_annual", required=not fitted)
        if not fitted and self.s0 is None:
            raise ValueError("s0 is required unless fit is given")
        return self


class MertonPrice(_Model):
    """Merton jump diffusion (rates per day, jump sizes in log price)."""

    process: Literal["merton"]
    s0: Price0 | None = None
    mu_per_day: DriftPerDay | None = None
    sigma_per_day: VolPerDay | None = None
    jump_rate_per_day: Annotated[float, InRange("jump_rate_per_day")] | None = None
    jump_mean: Annotated[float, InRange("jump_log_size")] | None = None
    jump_std: Annotated[float, Field(ge=0), InRange("jump_log_size")] | None = None
    fit: HistoryWindow | None = None

    @model_validator(mode="after")
    def _check(self) -> MertonPrice:
        if self.fit is None:
            names = (
                "s0",
                "mu_per_day",
                "sigma_per_day",
                "jump_rate_per_day",
                "jump_mean",
                "jump_std",
            )
            missing = [n for n in names if getattr(self, n) is None]
            if missing:
                raise ValueError(f"{', '.join(missing)} required unless fit is given")
        return self


class BootstrapPrice(_Model):
    """Circular block bootstrap of the log returns of a history window."""

    process: Literal["bootstrap"]
    fit: HistoryWindow
    block_days: Annotated[int, Field(ge=1), InRange("horizon_days")] = 10
    s0: Price0 | None = None


class RegimesPrice(_Model):
    """Two-regime (bull/bear) Markov-switching GBM."""

    process: Literal["regimes"]
    s0: Price0 | None = None
    mu_bull_per_day: DriftPerDay | None = None
    mu_bear_per_day: DriftPerDay | None = None
    sigma_bull_per_day: VolPerDay | None = None
    sigma_bear_per_day: VolPerDay | None = None
    p_bull_to_bear: Probability | None = None
    p_bear_to_bull: Probability | None = None
    start: Literal["stationary", "bull", "bear"] = "stationary"
    fit: HistoryWindow | None = None

    @model_validator(mode="after")
    def _check(self) -> RegimesPrice:
        if self.fit is None:
            names = (
                "s0",
                "mu_bull_per_day",
                "mu_bear_per_day",
                "sigma_bull_per_day",
                "sigma_bear_per_day",
                "p_bull_to_bear",
                "p_bear_to_bull",
            )
            missing = [n for n in names if getattr(self, n) is None]
            if missing:
                raise ValueError(f"{', '.join(missing)} required unless fit is given")
        return self


PriceSpec = Annotated[
    GBMPrice | MertonPrice | BootstrapPrice | RegimesPrice, Field(discriminator="process")
]


class SigmoidSupplySpec(_Model):
    """Hash supply ``H = h_max * sigma(k (R - r0))``, R in USD (price currency) per EH."""

    form: Literal["sigmoid"]
    h_max_ehs: EHs
    k_per_usd_per_eh: Annotated[float, InRange("supply_steepness")]
    r0_usd_per_eh: Annotated[float, InRange("revenue_per_eh")]
    floor: Annotated[float, Field(ge=0, lt=0.5), InRange("fraction")] = 1e-15


class LinearSupplySpec(_Model):
    """Hash supply ``H = clip(intercept + slope R, h_min, h_max)``, EH/s and USD per EH."""

    form: Literal["linear"]
    intercept_ehs: Annotated[float, InRange("supply_ehs")]
    slope_ehs_per_usd_per_eh: Annotated[float, InRange("supply_slope")]
    h_min_ehs: EHs
    h_max_ehs: EHs | None = None


SupplySpec = Annotated[SigmoidSupplySpec | LinearSupplySpec, Field(discriminator="form")]


class BlockClockNetwork(_Model):
    """Block-level clock: hash supply, retarget rules, blocks to simulate."""

    mode: Literal["blockclock"]
    difficulty: Difficulty
    start_height: Height = 0
    blocks: Annotated[int, Field(ge=1), InRange("block_count")]
    horizon_days: Days | None = None
    fees_per_block: Fees = 0.0
    prehistory_interval_s: Annotated[float, InRange("block_interval_s")] = 600.0
    rules: Annotated[list[str], Field(min_length=1)] = ["bitcoin", "cw-144"]
    trace_every: Height = 144  # 0: no trace
    supply: SupplySpec

    @field_validator("rules", mode="before")
    @classmethod
    def _one_rule_as_list(cls, value: object) -> object:
        # A sweep sets network.rules=bitcoin,cw-144 one rule per grid point.
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> BlockClockNetwork:
        for name in self.rules:
            match = RULE_NAME.match(name)
            if match is None or (match[2] is not None and int(match[2]) < 2):
                raise ValueError(f"unknown rule {name!r}; use 'bitcoin' or 'cw-N' (N >= 2)")
        if len(set(self.rules)) != len(self.rules):
            raise ValueError(f"rules are listed twice: {self.rules}")
        return self


class ExogenousNetwork(_Model):
    """Difficulty projected without feedback from the farms."""

    mode: Literal["exogenous"]
    projection: Literal["growth", "bootstrap"]
    start_height: Height | None = None
    difficulty: Difficulty | None = None
    monthly_growth: Annotated[float, InRange("growth_per_month")] = 0.0
    step_days: Days | None = 30.436875
    fit: HistoryWindow | None = None
    block_length: Annotated[int, Field(ge=1), InRange("block_count")] = 1
    fees_per_block: Fees = 0.0

    @model_validator(mode="after")
    def _check(self) -> ExogenousNetwork:
        if self.projection == "bootstrap" and self.fit is None:
            raise ValueError("fit (a window of difficulty history) is required for bootstrap")
        if self.projection == "growth" and self.difficulty is None:
            raise ValueError("difficulty is required for projection = 'growth'")
        return self


class EndogenousSigmoidSupplySpec(SigmoidSupplySpec):
    """Sigmoid supply of the rest of the world; ``calibrate`` names the parameter solved for.

    ``calibrate = "r0"`` (default) or ``"h_max"``: that parameter is left out of the
    file and set so that the start is an equilibrium; ``"none"``: all are given.
    """

    h_max_ehs: EHs | None = None  # type: ignore[assignment]
    r0_usd_per_eh: Annotated[float, InRange("revenue_per_eh")] | None = None  # type: ignore[assignment]
    calibrate: Literal["r0", "h_max", "none"] = "r0"


class EndogenousLinearSupplySpec(LinearSupplySpec):
    """Linear supply of the rest of the world; ``calibrate = "intercept"`` (default) or "none"."""

    intercept_ehs: Annotated[float, InRange("supply_ehs")] | None = None  # type: ignore[assignment]
    calibrate: Literal["intercept", "none"] = "intercept"


EndogenousSupplySpec = Annotated[
    EndogenousSigmoidSupplySpec | EndogenousLinearSupplySpec, Field(discriminator="form")
]


class EndogenousNetwork(_Model):
    """Hashrate from a hash supply of the expected revenue per hash; Bitcoin's retargets."""

    mode: Literal["endogenous"]
    difficulty: Difficulty
    start_height: Height | None = None
    fees_per_block: Fees = 0.0
    supply: EndogenousSupplySpec


NetworkSpec = Annotated[
    BlockClockNetwork | ExogenousNetwork | EndogenousNetwork, Field(discriminator="mode")
]


class MarketSpec(_Model):
    """Currency of the simulated price, and FX rates to the farms' currencies."""

    currency: Annotated[str, Field(min_length=3, max_length=3)] = "USD"
    fx_per_usd: dict[str, Annotated[float, InRange("fx_per_usd")]] = {}


class FarmRef(_Model):
    """A farm of the scenario: a farm TOML file (relative to the scenario file)."""

    file: str


class ReportSpec(_Model):
    """What the summary reports."""

    thresholds_min: Annotated[
        list[Annotated[float, InRange("block_time_min")]], Field(min_length=1)
    ] = [60.0, 120.0, 180.0]
    var_levels: Annotated[
        list[Annotated[float, Field(gt=0, lt=1), InRange("fraction")]], Field(min_length=1)
    ] = [
        0.95,
        0.99,
    ]


class Scenario(_Model):
    """A whole scenario file."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    paths: Annotated[int, Field(ge=1), InRange("paths")] = 1000
    seed: Annotated[int, Field(ge=0, lt=2**128)] = 0
    chunk_paths: Annotated[int, Field(ge=1), InRange("paths")] = 1000
    horizon_days: Days | None = None
    start: dt.date | None = None
    price: PriceSpec
    network: NetworkSpec
    market: MarketSpec = MarketSpec()
    farms: list[FarmRef] = []
    report: ReportSpec = ReportSpec()

    @model_validator(mode="before")
    @classmethod
    def _price_fit_in_market_currency(cls, data: Any) -> Any:
        # A price window without a currency is read in the currency the price is
        # simulated in (market.currency), so the store converts its USD closes:
        # a USD s0 under a CNY market would silently start ~7x too low.
        if not isinstance(data, dict):
            return data
        price = data.get("price")
        if not isinstance(price, dict):
            return data
        fit = price.get("fit")
        if not isinstance(fit, dict) or "currency" in fit:
            return data
        market = data.get("market", {})
        currency = market.get("currency", "USD") if isinstance(market, dict) else None
        if isinstance(market, MarketSpec):
            currency = market.currency
        if not isinstance(currency, str):
            return data  # market.currency itself is wrong: reported there
        return {**data, "price": {**price, "fit": {**fit, "currency": currency}}}

    @property
    def kind(self) -> Literal["blockclock", "farm"]:
        """``"blockclock"`` (a difficulty-algorithm study) or ``"farm"``."""
        return "blockclock" if isinstance(self.network, BlockClockNetwork) else "farm"


def cross_field_problems(scenario: Scenario) -> list[InputError]:
    """Return the problems that involve more than one section of a scenario."""
    problems: list[InputError] = []
    problems.extend(_price_fit_currency_problems(scenario))
    problems.extend(_price_growth_problems(scenario))
    if isinstance(scenario.network, BlockClockNetwork):
        if not isinstance(scenario.price, GBMPrice):
            problems.append(
                InputError(
                    "network.mode = 'blockclock' steps the price over each block's "
                    "interval: use process = 'gbm'",
                    field="price.process",
                )
            )
        if scenario.farms:
            problems.append(
                InputError(
                    "farms need network.mode = 'exogenous' or 'endogenous'", field="network.mode"
                )
            )
        if scenario.horizon_days is not None:
            # Block-clock runs stop at network.horizon_days; a top-level one would be
            # silently ignored.
            problems.append(
                InputError(
                    "block-clock scenarios stop at network.horizon_days; move it there",
                    field="horizon_days",
                )
            )
    else:
        if not scenario.farms:
            problems.append(
                InputError(
                    f"network.mode = {scenario.network.mode!r} simulates farms: add [[farms]]",
                    field="farms",
                )
            )
        if isinstance(scenario.network, EndogenousNetwork):
            problems.extend(_calibration_problems(scenario.network.supply))
        if scenario.horizon_days is None:
            problems.append(InputError("is required for farm scenarios", field="horizon_days"))
        if scenario.start is None:
            problems.append(InputError("is required for farm scenarios", field="start"))
    return problems


def _price_fit_currency_problems(scenario: Scenario) -> list[InputError]:
    """Return problems: a price window read in another currency than the market's."""
    fit = scenario.price.fit
    if fit is None:
        return []
    market = scenario.market.currency.upper()
    if fit.currency is not None and fit.currency.upper() != market:
        # Converting here would hide a likely slip; the store converts when asked.
        return [
            InputError(
                f"must equal market.currency ({market}): the fitted price is simulated "
                "in it (leave currency out to read the window in it)",
                field="price.fit.currency",
            )
        ]
    if fit.source == "store" and fit.column == "price_usd" and market != "USD":
        return [
            InputError(
                f"'price_usd' is in USD but the price is simulated in {market}: "
                "use column = 'price' (converted by the store's FX rates)",
                field="price.fit.column",
            )
        ]
    return []


def _calibration_problems(
    supply: EndogenousSigmoidSupplySpec | EndogenousLinearSupplySpec,
) -> list[InputError]:
    """Return problems: the calibrated parameter is left out, every other one given."""
    if isinstance(supply, EndogenousSigmoidSupplySpec):
        names = {"h_max": "h_max_ehs", "r0": "r0_usd_per_eh"}
    else:
        names = {"intercept": "intercept_ehs"}
    problems = []
    for key, name in names.items():
        given = getattr(supply, name) is not None
        if key == supply.calibrate and given:
            problems.append(InputError(
                f"is set by calibrate = {key!r}: leave it out, or set calibrate = 'none'",
                field=f"network.supply.{name}"))  # fmt: skip
        elif key != supply.calibrate and not given:
            problems.append(InputError(
                f"is required (calibrate = {supply.calibrate!r})", field=f"network.supply.{name}"
            ))  # fmt: skip
    return problems


#: Largest |log price| a float64 price path can take (exp(709) is the largest finite float).
_LOG_FLOAT_MAX = 700.0
#: Standard deviations of the log price covered by the overflow check (1 path in ~1e23 beyond).
_SIGMAS = 10.0


def _horizon(scenario: Scenario) -> float | None:
    """Return the simulated span in days (a block-clock run: its blocks at 600 s each)."""
    net = scenario.network
    if isinstance(net, BlockClockNetwork):
        return net.horizon_days or net.blocks * float(TARGET_BLOCK_INTERVAL_S) / SECONDS_PER_DAY
    return scenario.horizon_days


def _drift_and_volatility(price: object) -> tuple[str, float, float, str, float] | None:
    """Return (drift field, its largest value and |value| per day, volatility field and value).

    The volatility is per sqrt(day). None for a process fitted to history (its
    figures are not known before the fit) or a bootstrap (it replays returns that
    happened).
    """
    if isinstance(price, GBMPrice) and price.fit is None:
        if price.mu_per_day is not None:
            field, mu = "price.mu_per_day", price.mu_per_day
        else:
            field, mu = "price.mu_annual", (price.mu_annual or 0.0) / TRADING_DAYS_PER_YEAR
        if price.sigma_per_day is not None:
            return field, mu, abs(mu), "price.sigma_per_day", price.sigma_per_day
        annual = (price.sigma_annual or 0.0) / math.sqrt(TRADING_DAYS_PER_YEAR)
        return field, mu, abs(mu), "price.sigma_annual", annual
    if isinstance(price, MertonPrice) and price.fit is None:
        rate = price.jump_rate_per_day or 0.0
        mean, std = price.jump_mean or 0.0, price.jump_std or 0.0
        mu = (price.mu_per_day or 0.0) + rate * mean
        sigma = math.sqrt((price.sigma_per_day or 0.0) ** 2 + rate * (mean**2 + std**2))
        return "price.mu_per_day", mu, abs(mu), "price.sigma_per_day", sigma
    if isinstance(price, RegimesPrice) and price.fit is None:
        bull, bear = price.mu_bull_per_day or 0.0, price.mu_bear_per_day or 0.0
        field = "price.mu_bull_per_day" if abs(bull) >= abs(bear) else "price.mu_bear_per_day"
        up, down = price.sigma_bull_per_day or 0.0, price.sigma_bear_per_day or 0.0
        vol = "price.sigma_bull_per_day" if up >= down else "price.sigma_bear_per_day"
        return field, max(bull, bear), max(abs(bull), abs(bear)), vol, max(up, down)
    return None


def _price_growth_problems(scenario: Scenario) -> list[InputError]:
    """Return problems: a price process that leaves the plausible range over the horizon.

    Each figure can be plausible alone (a drift of 5 % a day for a week) and absurd
    over the horizon (5 % a day for a year is e^18); past e^709 the price overflows
    to inf and the run would fail deep inside with "price: must be finite". The
    median price at the horizon must stay within ``coin_price``, and ten standard
    deviations around it must stay finite.
    """
    found = _drift_and_volatility(scenario.price)
    days = _horizon(scenario)
    s0 = getattr(scenario.price, "s0", None)
    if found is None or days is None or s0 is None:
        return []
    field, mu, mu_abs, vol_field, sigma = found
    log_median = math.log(s0) + mu * days
    spread = _SIGMAS * sigma * math.sqrt(days)
    high = get_range("coin_price").high
    if log_median > math.log(high):
        return [InputError(
            f"a drift of {mu:g} per day over {days:g} days takes the median price from "
            f"{s0:g} to e^{log_median:.0f} (plausible at most {high:g} per coin): "
            "lower the drift or the horizon", field=field)]
    if abs(math.log(s0)) + mu_abs * days + spread > _LOG_FLOAT_MAX:
        return [InputError(
            f"volatility {sigma:g} per sqrt(day) over {days:g} days spreads the log price "
            f"by +-{spread:.0f} (10 sigma): price paths would overflow a float "
            "(e^709); lower the volatility or the horizon", field=vol_field)]
    return []
