"""Tiered (block) tariffs: the price depends on how much the site has used this month.

The first ``up_to_kwh`` of a calendar month are billed at the first tier's
price, the next block at the second's, and so on; the last tier is open-ended.
Three questions have three answers:

- the **bill** for a month's consumption (sum over blocks),
- the **marginal price**: what one more kWh costs at that consumption (the
  price that matters for switching a machine off),
- the **average price**: bill / consumption (the price that matters for
  accounting).
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hashwinter.energy.base import Price, TariffBase
from hashwinter.errors import InputError
from hashwinter.ranges import InRange

__all__ = ["Tier", "TieredTariff", "block_average_price", "block_bill", "block_marginal_price"]


class Tier(BaseModel):
    """One block of a monthly block tariff.

    Attributes
    ----------
    up_to_kwh : float or None
        Cumulative monthly consumption at which this block ends; None for the
        last, open-ended block. [kWh]
    price : float
        Price of each kWh inside the block. [currency/kWh]

    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    up_to_kwh: Annotated[float, Field(gt=0, strict=True), InRange("energy_per_month")] | None = None
    price: Price


def _consumption(monthly_kwh: Any) -> np.ndarray:
    """Return monthly consumption as a float array, refusing negative or missing values."""
    kwh = np.asarray(monthly_kwh, dtype=float)
    if not np.all(np.isfinite(kwh)):
        raise InputError("must be finite (got NaN or infinity)", field="monthly_kwh")
    if np.any(kwh < 0):
        raise InputError(f"must be >= 0 (got {float(kwh.min()):g})", field="monthly_kwh")
    return kwh


def block_bill(monthly_kwh: Any, bounds: Any, prices: Any) -> np.ndarray:
    """Bill for a month's consumption under a block tariff.

    Parameters
    ----------
    monthly_kwh : float or ndarray
        Consumption in the month, at the meter. [kWh]
    bounds : sequence of float, length n - 1
        Upper ends of all blocks but the last, increasing. [kWh]
    prices : sequence of float, length n
        Price of each block. [currency/kWh]

    Returns
    -------
    ndarray of float
        Bill, shape of ``monthly_kwh``. [currency]

    """
    kwh = _consumption(monthly_kwh)
    return _in_block(kwh, bounds) @ np.asarray(prices, dtype=float)


def _in_block(kwh: np.ndarray, bounds: Any) -> np.ndarray:
    """Return the kWh falling in each block, shape ``kwh.shape + (n,)``."""
    upper = np.append(np.asarray(bounds, dtype=float), np.inf)
    lower = np.concatenate(([0.0], upper[:-1]))
    return np.clip(kwh[..., None] - lower, 0.0, upper - lower)


def block_marginal_price(monthly_kwh: Any, bounds: Any, prices: Any) -> np.ndarray:
    """Price of the last kWh of a month's consumption under a block tariff.

    At a block boundary the last kWh belongs to the lower block; at zero
    consumption it is the first block's price.

    Parameters
    ----------
    monthly_kwh : float or ndarray
        Consumption in the month. [kWh]
    bounds, prices : sequence of float
        As in :func:`block_bill`.

    Returns
    -------
    ndarray of float
        Marginal price, shape of ``monthly_kwh``. [currency/kWh]

    """
    kwh = _consumption(monthly_kwh)
    block = np.searchsorted(np.asarray(bounds, dtype=float), kwh, side="left")
    return np.asarray(prices, dtype=float)[block]


def block_average_price(monthly_kwh: Any, bounds: Any, prices: Any) -> np.ndarray:
    """Bill divided by consumption under a block tariff (first block's price at zero).

    Parameters
    ----------
    monthly_kwh : float or ndarray
        Consumption in the month. [kWh]
    bounds, prices : sequence of float
        As in :func:`block_bill`.

    Returns
    -------
    ndarray of float
        Average price, shape of ``monthly_kwh``. [currency/kWh]

    """
    kwh = _consumption(monthly_kwh)
    price = np.asarray(prices, dtype=float)
    safe = np.where(kwh > 0, kwh, 1.0)  # no division by zero; the limit at 0 is the first price
    # Weight the prices by each block's share of the consumption rather than
    # dividing the bill: the shares stay exact even for tiny consumptions.
    shares = _in_block(kwh, bounds) / safe[..., None]
    return np.where(kwh > 0, shares @ price, price[0])


class TieredTariff(TariffBase):
    """A monthly block tariff: first N kWh at p1, the next block at p2, ...

    Attributes
    ----------
    kind : "tiered"
        Discriminator.
    tiers : tuple of Tier
        Blocks in order; every one but the last has an increasing
        ``up_to_kwh``, the last has none (it is open-ended).

    Examples
    --------
    >>> t = TieredTariff(currency="CNY", tiers=[Tier(up_to_kwh=1000, price=0.5),
    ...                                        Tier(price=0.3)])
    >>> float(t.bill(1500))  # 1000 * 0.5 + 500 * 0.3
    650.0

    """

    kind: Literal["tiered"] = "tiered"
    tiers: tuple[Tier, ...] = Field(min_length=1)

    @field_validator("tiers")
    @classmethod
    def _blocks_in_order(cls, tiers: tuple[Tier, ...]) -> tuple[Tier, ...]:
        """Check that blocks are ordered and only the last is open-ended."""
        problems = []
        for i, tier in enumerate(tiers[:-1]):
            if tier.up_to_kwh is None:
                problems.append(
                    f"tiers[{i}].up_to_kwh is required (only the last tier is open-ended)"
                )
        if tiers and tiers[-1].up_to_kwh is not None:
            problems.append(
                f"tiers[{len(tiers) - 1}] is the last tier and must be open-ended "
                "(leave out up_to_kwh)"
            )
        bounds = [(i, t.up_to_kwh) for i, t in enumerate(tiers) if t.up_to_kwh is not None]
        for (i, a), (j, b) in itertools.pairwise(bounds):
            if b <= a:
                problems.append(
                    f"tiers[{j}].up_to_kwh ({b:g}) must be greater than "
                    f"tiers[{i}].up_to_kwh ({a:g})"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return tiers

    @property
    def bounds(self) -> tuple[float, ...]:
        """Upper ends of all blocks but the last, in kWh."""
        return tuple(float(t.up_to_kwh) for t in self.tiers[:-1] if t.up_to_kwh is not None)

    @property
    def prices(self) -> tuple[float, ...]:
        """Price of each block, in currency per kWh."""
        return tuple(t.price for t in self.tiers)

    def bill(self, monthly_kwh: Any) -> np.ndarray:
        """Return the bill for a month's consumption [currency] (see :func:`block_bill`)."""
        return block_bill(monthly_kwh, self.bounds, self.prices)

    def marginal_price(self, monthly_kwh: Any) -> np.ndarray:
        """Return the price of the month's last kWh (see :func:`block_marginal_price`)."""
        return block_marginal_price(monthly_kwh, self.bounds, self.prices)

    def average_price(self, monthly_kwh: Any) -> np.ndarray:
        """Return bill / consumption [currency/kWh] (see :func:`block_average_price`)."""
        return block_average_price(monthly_kwh, self.bounds, self.prices)

    def price_per_kwh(
        self,
        times: Any,
        *,
        monthly_kwh: Any = None,
        basis: Literal["marginal", "average"] = "marginal",
    ) -> np.ndarray:
        """Return the price at each time given the month's consumption.

        Parameters
        ----------
        times : datetime64 array-like, pandas DatetimeIndex, date, datetime or str
            When the energy is drawn (sets the output shape).
        monthly_kwh : float or ndarray
            Consumption of the calendar month of each time; broadcasts with
            ``times``. Required. [kWh]
        basis : {"marginal", "average"}
            ``"marginal"`` (default): the price of one more kWh, which decides
            whether a machine pays for its power. ``"average"``: the month's
            bill over its consumption, which is what the month costs per kWh.

        Returns
        -------
        ndarray of float
            Price, shape of ``times`` broadcast with ``monthly_kwh``. [currency/kWh]

        """
        if monthly_kwh is None:
            raise InputError(
                "a tiered tariff needs the month's consumption to give a price (pass monthly_kwh)",
                field="monthly_kwh",
            )
        local = self.local_times(times)
        if basis == "marginal":
            price = self.marginal_price(monthly_kwh)
        elif basis == "average":
            price = self.average_price(monthly_kwh)
        else:
            raise InputError(f"must be 'marginal' or 'average' (got {basis!r})", field="basis")
        try:
            shape = np.broadcast_shapes(local.shape, price.shape)
        except ValueError as exc:
            raise InputError(
                f"shape {price.shape} does not broadcast with the times' shape {local.shape}",
                field="monthly_kwh",
            ) from exc
        return np.broadcast_to(price, shape).copy()
