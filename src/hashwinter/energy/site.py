"""Energy cost of running machines at a site: tariff, overhead (PUE), monthly billing.

A site's meter sees more than its machines draw: fans, transformers and lights
add an overhead, expressed as a power usage effectiveness (PUE) factor >= 1
(meter energy = machine energy x PUE). The functions here are pure and
broadcast over numpy arrays; :class:`SiteEnergy` holds a tariff and a PUE and
calls them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hashwinter.energy.tariffs import AnyTariff, Tariff
from hashwinter.energy.tiered import TieredTariff
from hashwinter.energy.times import month_index
from hashwinter.errors import InputError
from hashwinter.ranges import InRange
from hashwinter.units import WATTS_PER_KILOWATT
from hashwinter.validation import input_errors_from_validation

__all__ = ["Pue", "SiteEnergy", "energy_cost", "energy_kwh", "interval_costs"]

#: Power usage effectiveness: meter energy / machine energy, in [1, 3] (hashwinter.ranges).
Pue = Annotated[float, Field(strict=True), InRange("pue")]


def _check_pue(pue: Any) -> np.ndarray:
    values = np.asarray(pue, dtype=float)
    if not np.all(np.isfinite(values)) or np.any(values < 1.0):
        raise InputError(f"must be a finite number >= 1 (got {pue!r})", field="pue")
    return values


def energy_kwh(power_w: Any, hours: Any, pue: Any = 1.0) -> Any:
    """Energy at the meter for machines drawing ``power_w`` for ``hours``.

    Parameters
    ----------
    power_w : float or ndarray
        Wall power of the machines. [W]
    hours : float or ndarray
        Running time. [h]
    pue : float or ndarray
        Site overhead factor, >= 1. [dimensionless]

    Returns
    -------
    float or ndarray
        ``power_w / 1000 * hours * pue``. [kWh]

    """
    _check_pue(pue)
    return np.asarray(power_w) / WATTS_PER_KILOWATT * hours * pue


def energy_cost(power_w: Any, hours: Any, tariff: Any, pue: Any = 1.0) -> Any:
    """Cost of the energy machines draw at a price per kWh, overhead included.

    Parameters
    ----------
    power_w : float or ndarray
        Wall power of the machines. [W]
    hours : float or ndarray
        Running time. [h]
    tariff : float or ndarray
        Price of energy at the meter, e.g. from ``Tariff.price_per_kwh``.
        [currency/kWh]
    pue : float or ndarray
        Site overhead factor, >= 1. [dimensionless]

    Returns
    -------
    float or ndarray
        ``power_w / 1000 * hours * pue * tariff``. [currency]

    Examples
    --------
    An Antminer S9 (1,323 W) for a day at 0.28 CNY/kWh:

    >>> round(float(energy_cost(1323, 24, 0.28)), 4)
    8.8906

    """
    return energy_kwh(power_w, hours, pue) * tariff


def interval_costs(
    meter_kwh: Any,
    times: Any,
    tariff: AnyTariff,
) -> np.ndarray:
    """Cost of each interval's metered energy under any tariff.

    For a tiered tariff each calendar month of ``times`` is billed on its
    total consumption and the bill is shared over the month's intervals in
    proportion to their energy (each pays the month's average price), so the
    costs of a month add up to its bill. A month only partly inside ``times``
    is billed on the part that is there. Other tariffs price each interval at
    its time.

    Parameters
    ----------
    meter_kwh : ndarray
        Energy at the meter in each interval, same shape as ``times``
        (one-dimensional). [kWh]
    times : datetime64 array-like or pandas DatetimeIndex
        Start of each interval.
    tariff : tariff model
        Any tariff kind.

    Returns
    -------
    ndarray of float
        Cost of each interval. [tariff currency]

    """
    local = tariff.local_times(times)
    kwh = np.asarray(meter_kwh, dtype=float)
    if kwh.shape != local.shape or kwh.ndim != 1:
        raise InputError(
            f"must be one-dimensional and match the times' shape {local.shape} (got {kwh.shape})",
            field="meter_kwh",
        )
    if isinstance(tariff, TieredTariff):
        _, month = np.unique(month_index(local), return_inverse=True)
        totals = np.bincount(month, weights=kwh)
        return kwh * tariff.average_price(totals)[month]
    return kwh * tariff.price_per_kwh(times)


class SiteEnergy(BaseModel):
    """How a site pays for energy: its tariff and its overhead factor.

    Attributes
    ----------
    tariff : tariff model
        Any tariff kind (``kind`` picks it when built from a mapping).
    pue : float
        Meter energy / machine energy, >= 1 (1.0: no overhead). [dimensionless]

    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    tariff: Tariff
    pue: Pue = 1.0

    @property
    def currency(self) -> str:
        """Currency of the tariff."""
        return self.tariff.currency

    @classmethod
    def from_dict(
        cls, mapping: Mapping[str, Any], *, field_prefix: str = "site", source: str | None = None
    ) -> SiteEnergy:
        """Build from ``{"pue": 1.05, "tariff": {...}}``; errors carry dotted paths."""
        try:
            return cls.model_validate(mapping)
        except ValidationError as exc:
            raise input_errors_from_validation(
                exc, source=source, prefix=field_prefix, data=mapping
            ) from None

    def price_per_machine_kwh(
        self,
        times: Any,
        *,
        monthly_kwh: Any = None,
        basis: Literal["marginal", "average"] = "marginal",
    ) -> np.ndarray:
        """Price of one kWh drawn by the machines, overhead included.

        Parameters
        ----------
        times : datetime64 array-like, pandas DatetimeIndex, date, datetime or str
            When the energy is drawn.
        monthly_kwh : float or ndarray, optional
            Metered consumption of the month (tiered tariffs only). [kWh]
        basis : {"marginal", "average"}
            Price basis for tiered tariffs (ignored by other kinds).

        Returns
        -------
        ndarray of float
            ``tariff price x pue``. [currency/kWh]

        """
        if isinstance(self.tariff, TieredTariff):
            price = self.tariff.price_per_kwh(times, monthly_kwh=monthly_kwh, basis=basis)
        else:
            price = self.tariff.price_per_kwh(times)
        return price * self.pue

    def cost(self, power_w: Any, times: Any, hours: Any) -> np.ndarray:
        """Cost of running machines of ``power_w`` for ``hours`` from each time.

        Parameters
        ----------
        power_w : float or ndarray
            Wall power drawn in each interval. [W]
        times : datetime64 array-like or pandas DatetimeIndex
            Start of each interval (one-dimensional).
        hours : float or ndarray
            Length of each interval. [h]

        Returns
        -------
        ndarray of float
            Cost of each interval (tiered: see :func:`interval_costs`). [currency]

        """
        shape = self.tariff.local_times(times).shape
        kwh = np.broadcast_to(energy_kwh(power_w, hours, self.pue), shape)
        return interval_costs(kwh, times, self.tariff)
