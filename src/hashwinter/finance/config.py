"""The ``[hedge]`` section of a farm file, validated field by field.

This module only validates; the engine's hedging policies (short the next N
days' expected production, a fixed ratio, the power-bill hedge) read it once
the engine has a position book (see docs/hedging.md). Example::

    [hedge]
    instrument = "perpetual"      # linear_future | inverse_future | perpetual | forward
    ratio = 1.0                   # share of expected production; > 1 needs allow_over_hedge
    horizon_days = 30
    projected_retargets = 0       # > 0: size at the projected difficulties of n retargets
    roll_day = 1
    leverage = 1.0
    funding = { source = "data", symbol = "XBTUSD" }   # or constant (rate), ar1 (mean, phi, sigma)

Every problem is reported with its dotted field (``hedge.ratio: must be <= 1
unless allow_over_hedge = true (got 1.5)``); :func:`hedge_from_dict` raises
:class:`~hashwinter.errors.InputErrors`, one line per problem.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import Field, ValidationError, ValidationInfo, field_validator

from hashwinter.errors import InputErrors
from hashwinter.ranges import bounded
from hashwinter.tomlfile import locate
from hashwinter.validation import ConfigModel, input_errors_from_validation

__all__ = ["INSTRUMENTS", "BasisConfig", "FundingConfig", "HedgeConfig", "hedge_from_dict"]

if TYPE_CHECKING:  # bounded() builds an Annotated[float, ...] at run time; mypy sees a float.
    BasisRate: TypeAlias = float
    Fee: TypeAlias = float
    FundingRate: TypeAlias = float
    HedgeRatio: TypeAlias = float
    Leverage: TypeAlias = float
    Fraction: TypeAlias = float
else:
    BasisRate = bounded("basis_per_year")
    Fee = bounded("fee_rate")
    FundingRate = bounded("funding_rate")
    HedgeRatio = bounded("hedge_ratio")
    Leverage = bounded("leverage")
    Fraction = bounded("fraction")

#: Instruments a hedge may use.
INSTRUMENTS = ("linear_future", "inverse_future", "perpetual", "forward")


_Model = ConfigModel  # frozen, unknown keys are errors (hashwinter.validation)


class BasisConfig(_Model):
    """How dated futures are priced where the store has no prices.

    Attributes
    ----------
    kind : {"constant", "momentum", "data"}
        Constant annual basis; basis from the trailing return (see
        :class:`hashwinter.finance.basis.MomentumBasis`); or observed prices
        of ``symbol`` from the store.
    annual : float
        Basis (constant) or base basis (momentum). [1/year]
    beta : float
        Basis per unit of trailing log return (momentum). [1/year]
    window_days : int
        Trailing window (momentum). [day]
    floor, cap : float
        Limits of the momentum basis. [1/year]
    symbol : str or None
        Contract in the store (data; required there).

    """

    kind: Literal["constant", "momentum", "data"] = "constant"
    annual: BasisRate = 0.0
    beta: Annotated[float, Field(ge=-10, le=10, allow_inf_nan=False)] = 0.5
    window_days: Annotated[int, Field(ge=1, le=365, strict=True)] = 30
    floor: BasisRate = -0.5
    cap: BasisRate = 1.0
    symbol: str | None = Field(default=None, min_length=1, validate_default=True)

    @field_validator("cap")
    @classmethod
    def _ordered(cls, value: float, info: ValidationInfo) -> float:
        floor, annual = info.data.get("floor"), info.data.get("annual")
        if floor is not None and value < floor:
            raise ValueError(f"must be >= floor ({floor:g})")
        if info.data.get("kind") == "momentum" and annual is not None and not (
                (floor is None or floor <= annual) and annual <= value):
            raise ValueError(f"must be >= annual ({annual:g}) for the momentum basis")
        return value

    @field_validator("symbol")
    @classmethod
    def _symbol_for_data(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("kind") == "data":
            raise ValueError("is required when kind = 'data' (the contract in the store)")
        return value


class FundingConfig(_Model):
    """Where a perpetual's funding rates come from.

    Attributes
    ----------
    source : {"data", "constant", "ar1"}
        Real rates of ``symbol`` from the store; one constant ``rate``; or an
        AR(1) per interval, ``r[t+1] - mean = phi (r[t] - mean) + sigma e``,
        drawn for every path (its own seeded stream, see
        :func:`hashwinter.finance.funding.path_generators`).
    rate : float
        Constant rate per interval (default: the 2018 BitMEX mean). [fraction]
    interval_hours : float
        Hours between funding times. [h]
    symbol : str
        Perpetual in the store.
    mean, phi, sigma : float
        The AR(1) (default: the fit to XBTUSD's 8-hourly rates 2016-06..2020-11,
        :data:`hashwinter.finance.funding.XBTUSD_AR1`). [fraction per interval]
    cap : float or None
        Clip the AR(1)'s rates to ``[-cap, cap]`` (BitMEX: 0.375 %). [fraction]
    seed : int
        Seed of the AR(1) draws, mixed with the run's (a Monte Carlo chunk's).

    """

    source: Literal["data", "constant", "ar1"] = "data"
    rate: FundingRate = -0.000072
    interval_hours: Annotated[float, Field(gt=0, le=168, allow_inf_nan=False)] = 8.0
    symbol: str = Field(default="XBTUSD", min_length=1)
    mean: FundingRate = 0.000126
    phi: Annotated[float, Field(gt=-1, lt=1, allow_inf_nan=False)] = 0.755
    sigma: Annotated[float, Field(ge=0, le=0.1, allow_inf_nan=False)] = 0.000749
    cap: Annotated[float, Field(gt=0, le=0.1, allow_inf_nan=False)] | None = None
    seed: Annotated[int, Field(ge=0, strict=True)] = 0


class HedgeConfig(_Model):
    """A hedging programme: which instrument, how much, how long, with what leverage.

    Attributes
    ----------
    instrument : {"linear_future", "inverse_future", "perpetual", "forward"}
        The contract shorted.
    target : {"production", "power_bill", "none"}
        What is hedged: ``ratio`` of the expected production of the next
        ``horizon_days`` (the fleet that is on, at the current difficulty); coins
        worth ``ratio`` of the power bill of the horizon; nothing (the baseline).
    allow_over_hedge : bool
        Permit ``ratio > 1`` (shorting more than the expected production).
    ratio : float
        Share of the expected production of the horizon that is shorted. [fraction]
    horizon_days : int
        Days of production hedged at each roll (the story: 30). [day]
    projected_retargets : int
        Production hedge: 0 sizes it at the current difficulty; ``n`` at the
        difficulties of the next ``n`` retargets, projected from the current
        epoch's block pace and the hashrate trend
        (:mod:`hashwinter.farm.hedge_retarget`).
    roll_day : int
        Day of the month the hedge is closed and reopened (1..28).
    leverage : float
        Effective leverage, entry notional / collateral (> 0).
    maintenance_margin : float
        Maintenance margin rate on mark value (< 1 / leverage). [fraction]
    taker_fee, maker_fee, settlement_fee, liquidation_fee : float
        Fee rates on notional; a negative maker fee is a rebate. [fraction]
    orders : {"taker", "maker"}
        How the roll's orders trade: ``taker`` crosses the spread at the close and
        pays ``taker_fee``; ``maker`` rests a limit order at the close's price,
        assumed filled (the roll is small against a day's volume: an assumption),
        and earns or pays ``maker_fee``.
    entry, expiry : datetime.date or None
        A single dated contract (expiry after entry); None: roll every month.
    inverse_perpetual : bool
        A coin-margined perpetual (BitMEX XBTUSD) rather than a linear one.
    basis : BasisConfig
        Futures prices where the store has none.
    funding : FundingConfig
        Funding rates of the perpetual.
    default_probability, recovery : float
        Counterparty default of a forward over its life, and the share
        recovered. [fraction]
    sell_hedged_at_close : bool
        Keep the hedged share of the mined coins and sell (deliver) them when
        the hedge closes (the story's rule); False: the treasury's own rules,
        the hedge settled in cash.

    """

    instrument: Literal["linear_future", "inverse_future", "perpetual", "forward"]
    target: Literal["production", "power_bill", "none"] = "production"
    allow_over_hedge: bool = False
    ratio: HedgeRatio = 1.0
    horizon_days: Annotated[int, Field(ge=1, le=3660, strict=True)] = 30
    projected_retargets: Annotated[int, Field(ge=0, le=100, strict=True)] = 0
    roll_day: Annotated[int, Field(ge=1, le=28, strict=True)] = 1
    leverage: Leverage = 1.0
    maintenance_margin: Fraction = 0.005
    taker_fee: Fee = 0.00075
    maker_fee: Fee = -0.00025
    orders: Literal["taker", "maker"] = "taker"
    settlement_fee: Fee = 0.0005
    liquidation_fee: Fee = 0.005
    entry: dt.date | None = None
    expiry: dt.date | None = None
    inverse_perpetual: bool = True
    basis: BasisConfig = BasisConfig()
    funding: FundingConfig = FundingConfig()
    default_probability: Fraction = 0.0
    recovery: Fraction = 0.0
    sell_hedged_at_close: bool = True

    @field_validator("ratio")
    @classmethod
    def _over_hedge(cls, value: float, info: ValidationInfo) -> float:
        if value > 1 and not info.data.get("allow_over_hedge", False):
            raise ValueError(f"must be <= 1 unless allow_over_hedge = true (got {value:g})")
        return value

    @field_validator("maintenance_margin")
    @classmethod
    def _below_initial(cls, value: float, info: ValidationInfo) -> float:
        leverage = info.data.get("leverage")
        if leverage is not None and value >= 1.0 / leverage:
            raise ValueError(f"must be < 1/leverage = {1.0 / leverage:g}, or the position is "
                             f"liquidated at entry (got {value:g})")
        return value

    @field_validator("expiry")
    @classmethod
    def _after_entry(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        entry = info.data.get("entry")
        if value is not None and entry is not None and value <= entry:
            raise ValueError(f"must be after entry ({entry.isoformat()}; got "
                             f"{value.isoformat()})")
        return value


def hedge_from_dict(
    data: Mapping[str, Any], *, source: str | None = None, prefix: str = "hedge",
    text: str | None = None,
) -> HedgeConfig:
    """Validate a ``[hedge]`` table; raise InputErrors naming every bad field.

    Parameters
    ----------
    data : mapping
        The table as parsed from TOML.
    source : str, optional
        File it came from, for messages.
    prefix : str
        Dotted path of the table in its document.
    text : str, optional
        The document's text: each error then carries its field's line.

    Returns
    -------
    HedgeConfig
        The validated section.

    Examples
    --------
    >>> hedge_from_dict({"instrument": "perpetual", "ratio": 0.5}).ratio
    0.5
    >>> hedge_from_dict({"instrument": "swap"})
    Traceback (most recent call last):
    ...
    hashwinter.errors.InputErrors: hedge.instrument: must be one of 'linear_future', \
'inverse_future', 'perpetual' or 'forward' (got 'swap')

    """
    try:
        return HedgeConfig.model_validate(dict(data))
    except ValidationError as exc:
        errors = input_errors_from_validation(exc, source=source, prefix=prefix,
                                              data=dict(data))
        if text is None:
            raise errors from None
        raise InputErrors(locate(errors.errors, text, source)) from None
