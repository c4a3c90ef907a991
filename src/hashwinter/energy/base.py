"""What every tariff shares: a currency, a site clock, and ``price_per_kwh(times)``.

Tariffs are frozen pydantic models (data, validated field by field) with a
``kind`` discriminator; each kind lives in its own module and implements
:meth:`TariffBase.price_per_kwh` with numpy lookups, never a Python loop over
timestamps.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hashwinter.energy.currency import CurrencyCode
from hashwinter.energy.times import as_local_datetime64, check_timezone
from hashwinter.ranges import InRange

__all__ = ["Price", "TariffBase", "TimeZoneName"]

#: A price per kWh in the tariff's currency: a number > 0 in the plausible range
#: (hashwinter.ranges "tariff_per_kwh"); ints accepted, strings and booleans
#: refused so that a typo in a config file is caught.
Price = Annotated[float, Field(gt=0, strict=True), InRange("tariff_per_kwh")]

#: An IANA time-zone name, checked against the system's zone database.
TimeZoneName = Annotated[str, AfterValidator(check_timezone)]


class TariffBase(BaseModel):
    """Common fields and interface of all tariffs.

    Attributes
    ----------
    currency : str
        ISO code of every price of the tariff, e.g. ``"CNY"``.
    timezone : str or None
        IANA zone of the site's clock. None (the default): timestamps are
        already local wall-clock times. Given: naive timestamps are read as UTC
        and converted to this zone before seasons, hours and months are taken.
    name : str or None
        Free label, e.g. ``"Sichuan hydro 2018"``.

    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    currency: CurrencyCode
    timezone: TimeZoneName | None = None
    name: str | None = None

    def local_times(self, times: Any) -> np.ndarray:
        """Return ``times`` as local wall-clock ``datetime64[s]`` (see ``timezone``)."""
        return as_local_datetime64(times, timezone=self.timezone)

    def price_per_kwh(self, times: Any, *, monthly_kwh: Any = None) -> np.ndarray:
        """Return the price of energy at each time.

        Parameters
        ----------
        times : datetime64 array-like, pandas DatetimeIndex, date, datetime or str
            When the energy is drawn.
        monthly_kwh : float or ndarray, optional
            The site's consumption in the calendar month of each time, at the
            meter; only tiered tariffs use it (it must broadcast with ``times``).
            [kWh]

        Returns
        -------
        ndarray of float
            Price, same shape as ``times`` (0-d for a scalar). [currency/kWh]

        """
        raise NotImplementedError  # pragma: no cover - every kind overrides it
