"""Currencies: ISO codes, conversion through explicit FX rates, and a small Money value.

Money inside hashwinter always carries a currency code, and conversion always
takes an explicit rate: ``fx_per_usd`` maps a code to its units per US dollar
(6.94 for CNY in November 2018). USD is the pivot and needs no rate.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, BeforeValidator

from hashwinter.errors import InputError

__all__ = ["CurrencyCode", "Money", "convert", "fx_rate", "normalize_currency"]

_CODE = re.compile(r"[A-Z]{3}")


def normalize_currency(code: object, *, field: str = "currency") -> str:
    """Return an ISO 4217-style currency code, upper-cased and checked.

    Parameters
    ----------
    code : str
        Three letters, any case, e.g. ``"cny"``.
    field : str
        Field name for the error.

    Returns
    -------
    str
        E.g. ``"CNY"``.

    Raises
    ------
    InputError
        Unless ``code`` is three ASCII letters.

    """
    if not isinstance(code, str):
        raise InputError(f"must be a 3-letter currency code (got {code!r})", field=field)
    upper = code.strip().upper()
    if not _CODE.fullmatch(upper):
        raise InputError(
            f"must be a 3-letter currency code such as CNY or USD (got {code!r})", field=field
        )
    return upper


def _upper(value: object) -> object:
    """Upper-case strings before pydantic checks the pattern (``"cny"`` is accepted)."""
    return value.strip().upper() if isinstance(value, str) else value


def _check_code(value: str) -> str:
    if not _CODE.fullmatch(value):
        raise ValueError(f"must be a 3-letter currency code such as CNY or USD (got {value!r})")
    return value


#: Pydantic field type of a currency code: three letters, stored upper-case.
CurrencyCode = Annotated[str, BeforeValidator(_upper), AfterValidator(_check_code)]


def fx_rate(currency: str, fx_per_usd: Mapping[str, Any] | None) -> Any:
    """Return the units of ``currency`` per USD from ``fx_per_usd`` (USD is 1.0).

    Parameters
    ----------
    currency : str
        Currency code.
    fx_per_usd : mapping of str to float or array-like, or None
        Units of each currency per USD; scalars, numpy arrays or pandas Series
        (aligned with the amounts they convert).

    Returns
    -------
    float or ndarray or pandas.Series
        The rate. [currency per USD]

    Raises
    ------
    InputError
        If the rate is missing (``field="currency"``) or not positive and finite
        (``field="fx.<CODE>"``).

    """
    code = normalize_currency(currency)
    rates = {normalize_currency(k, field="fx"): v for k, v in (fx_per_usd or {}).items()}
    if code not in rates:
        if code == "USD":
            return 1.0
        raise InputError(
            f"no FX rate for {code}: pass its units per USD (e.g. --fx 6.94 for CNY)",
            field="currency",
        )
    rate = rates[code]
    values = np.asarray(rate, dtype=float)
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise InputError(
            f"FX rate must be a positive finite number (got {rate!r})", field=f"fx.{code}"
        )
    if code == "USD" and not np.all(values == 1.0):
        raise InputError("USD is the pivot currency; its rate per USD must be 1", field="fx.USD")
    return rate


def convert(
    amount: Any,
    from_currency: str,
    to_currency: str,
    fx_per_usd: Mapping[str, Any] | None = None,
) -> Any:
    """Convert money between currencies through USD.

    ``amount / fx[from] * fx[to]``.

    Parameters
    ----------
    amount : float or ndarray or pandas.Series
        Money in ``from_currency``. [from_currency]
    from_currency, to_currency : str
        Currency codes (any case).
    fx_per_usd : mapping of str to float or array-like, optional
        Units of each currency per USD, scalars or arrays/Series aligned with
        ``amount`` (dated rates: see :class:`hashwinter.energy.FxSeries`). USD
        is implicitly 1.0 and no rate is needed when the currencies are equal.

    Returns
    -------
    float or ndarray or pandas.Series
        Money in ``to_currency``. [to_currency]

    Raises
    ------
    InputError
        ``field="currency"`` naming the currency whose rate is missing.

    Examples
    --------
    >>> round(convert(27_400, "CNY", "USD", {"CNY": 6.94732}), 2)
    3943.97

    """
    src = normalize_currency(from_currency, field="from_currency")
    dst = normalize_currency(to_currency, field="to_currency")
    if src == dst:
        return amount
    return amount / fx_rate(src, fx_per_usd) * fx_rate(dst, fx_per_usd)


@dataclasses.dataclass(frozen=True)
class Money:
    """An amount of money in a named currency.

    Attributes
    ----------
    amount : float
        The amount. [currency]
    currency : str
        ISO code, upper-cased on construction.

    """

    amount: float
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", normalize_currency(self.currency))
        if not math.isfinite(float(self.amount)):
            raise InputError(f"must be a finite number (got {self.amount!r})", field="amount")

    def to(self, currency: str, fx_per_usd: Mapping[str, float] | None = None) -> Money:
        """Return this amount in ``currency`` (see :func:`convert`)."""
        code = normalize_currency(currency)
        return Money(float(convert(self.amount, self.currency, code, fx_per_usd)), code)

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.currency != self.currency:
            raise InputError(
                f"cannot combine {self.currency} and {other.currency} without converting",
                field="currency",
            )
        return other

    def __add__(self, other: object) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: object) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __mul__(self, factor: float) -> Money:
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"
