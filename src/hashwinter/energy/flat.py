"""A flat tariff: one price per kWh at all times (e.g. Shihezi's 0.28 CNY/kWh)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from hashwinter.energy.base import Price, TariffBase

__all__ = ["FlatTariff"]


class FlatTariff(TariffBase):
    """One price at every time of day and year.

    Attributes
    ----------
    kind : "flat"
        Discriminator.
    price : float
        Price of energy. [currency/kWh]

    Examples
    --------
    >>> FlatTariff(price=0.28, currency="CNY").price_per_kwh("2018-11-25")
    array(0.28)

    """

    kind: Literal["flat"] = "flat"
    price: Price

    def price_per_kwh(self, times: Any, *, monthly_kwh: Any = None) -> np.ndarray:
        """Return ``price`` for each time (see :meth:`TariffBase.price_per_kwh`)."""
        local = self.local_times(times)
        return np.full(local.shape, self.price, dtype=float)
