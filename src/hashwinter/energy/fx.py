"""Dated FX rates: a series of units-per-USD observations, looked up with forward fill.

Reference rates (the ECB's, a central bank's fixing) exist on business days
only. :class:`FxSeries` answers for any calendar day inside its range by
carrying the last observation forward over weekends and holidays, says which
days it filled, refuses to fill across a gap longer than ``max_fill_days``
(a hole in the data, not a weekend), and refuses days outside its range.
It is independent of the history store: build it from any pandas Series or
DataFrame.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hashwinter.energy.currency import convert, normalize_currency
from hashwinter.energy.times import as_local_datetime64
from hashwinter.errors import InputError
from hashwinter.fill import asof

__all__ = ["FxLookup", "FxSeries"]

#: Longest run of days carried forward by default: a weekend plus the longest
#: common holiday closures (Easter, Christmas, China's Golden Week is 7 days).
DEFAULT_MAX_FILL_DAYS = 7


@dataclasses.dataclass(frozen=True)
class FxLookup:
    """Rates for a set of days, with where each came from.

    Attributes
    ----------
    currency : str
        The currency the rates are for.
    dates : ndarray of datetime64[D]
        The days asked for.
    rates : ndarray of float
        Units of ``currency`` per USD on each day. [currency/USD]
    observed_on : ndarray of datetime64[D]
        The day of the observation used for each day (earlier when filled).

    """

    currency: str
    dates: np.ndarray
    rates: np.ndarray
    observed_on: np.ndarray

    @property
    def filled(self) -> np.ndarray:
        """Boolean mask of the days whose rate was carried forward."""
        return self.observed_on != self.dates

    @property
    def filled_dates(self) -> list[str]:
        """The distinct filled days, ISO formatted and sorted."""
        return [str(d) for d in np.unique(self.dates[self.filled])]

    def note(self) -> str | None:
        """One line saying which days were filled from which observation, or None."""
        if not self.filled.any():
            return None
        pairs = np.unique(
            np.stack([self.dates[self.filled], self.observed_on[self.filled]]), axis=1
        )
        parts = [f"{d} from {o}" for d, o in zip(pairs[0], pairs[1], strict=True)]
        return f"{self.currency} per USD forward-filled: " + ", ".join(parts)


class FxSeries:
    """Units of one or more currencies per USD, dated, forward-filled on lookup.

    Parameters
    ----------
    observations : mapping of str to pandas.Series
        Currency code -> Series of rates [currency/USD] indexed by date.
        Missing values (NaN) are days without an observation.
    max_fill_days : int
        Longest run of days a rate is carried forward.
    source : str, optional
        Where the rates come from, for error messages.

    Raises
    ------
    InputError
        On a duplicate date, a rate that is not positive, an unparseable date,
        or a currency without a single observation.

    Examples
    --------
    >>> import pandas as pd
    >>> fx = FxSeries.from_series(
    ...     pd.Series([6.94732, 6.94086], index=["2018-11-23", "2018-11-26"]), "CNY")
    >>> got = fx.rate_on(["2018-11-24", "2018-11-26"])
    >>> got.rates.tolist(), got.filled_dates
    ([6.94732, 6.94086], ['2018-11-24'])

    """

    def __init__(
        self,
        observations: Mapping[str, pd.Series],
        *,
        max_fill_days: int = DEFAULT_MAX_FILL_DAYS,
        source: str | None = None,
    ) -> None:
        if (
            isinstance(max_fill_days, bool)
            or not isinstance(max_fill_days, int)
            or max_fill_days < 0
        ):
            raise InputError(
                f"must be a whole number >= 0 (got {max_fill_days!r})", field="max_fill_days"
            )
        if not observations:
            raise InputError("needs at least one currency", field="fx", source=source)
        self.max_fill_days = max_fill_days
        self.source = source
        self._dates: dict[str, np.ndarray] = {}
        self._rates: dict[str, np.ndarray] = {}
        for code, series in observations.items():
            ccy = normalize_currency(code, field="fx")
            self._dates[ccy], self._rates[ccy] = self._clean(ccy, series)

    def _clean(self, ccy: str, series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Return sorted observation days and rates, checked."""
        try:
            index = pd.DatetimeIndex(pd.to_datetime(series.index))
        except (TypeError, ValueError) as exc:
            raise InputError(f"unreadable date: {exc}", field="date", source=self.source) from exc
        if index.tz is not None:
            index = index.tz_localize(None)
        days = index.to_numpy().astype("datetime64[D]")
        if np.isnat(days).any():
            raise InputError("missing date (NaT)", field="date", source=self.source)
        rates = pd.to_numeric(pd.Series(series.to_numpy()), errors="coerce").to_numpy(float)
        order = np.argsort(days, kind="stable")
        days, rates = days[order], rates[order]
        dup = days[1:] == days[:-1]
        if dup.any():
            raise InputError(
                f"duplicate date {days[1:][dup][0]} in the {ccy} rates",
                field="date",
                source=self.source,
            )
        present = ~np.isnan(rates)
        days, rates = days[present], rates[present]
        bad = ~np.isfinite(rates) | (rates <= 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"rate on {days[i]} must be a positive number (got {rates[i]:g})",
                field=ccy,
                source=self.source,
            )
        if days.size == 0:
            raise InputError("no observations", field=ccy, source=self.source)
        return days, rates

    @classmethod
    def from_series(
        cls,
        series: pd.Series,
        currency: str,
        *,
        max_fill_days: int = DEFAULT_MAX_FILL_DAYS,
        source: str | None = None,
    ) -> FxSeries:
        """Build from one Series of ``currency`` per USD indexed by date."""
        return cls({currency: series}, max_fill_days=max_fill_days, source=source)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        columns: Mapping[str, str] | None = None,
        date_column: str | None = None,
        max_fill_days: int = DEFAULT_MAX_FILL_DAYS,
        source: str | None = None,
    ) -> FxSeries:
        """Build from a DataFrame of dates x currencies.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per day.
        columns : mapping of str to str, optional
            Currency code -> column of its units per USD, e.g.
            ``{"CNY": "cny_per_usd"}``. Default: every column named by a
            3-letter code.
        date_column : str, optional
            Column holding the dates; default: the index.
        max_fill_days, source
            As in :class:`FxSeries`.

        Examples
        --------
        The ECB file of the shared data::

            frame = pd.read_csv("usd_cny_daily.csv")
            fx = FxSeries.from_frame(frame, date_column="date", columns={"CNY": "cny_per_usd"})

        """
        if date_column is not None:
            if date_column not in frame.columns:
                raise InputError(
                    f"no column {date_column!r} (columns: {list(frame.columns)})",
                    field="date_column",
                    source=source,
                )
            frame = frame.set_index(date_column)
        if columns is None:
            columns = {
                str(c): str(c)
                for c in frame.columns
                if isinstance(c, str) and len(c) == 3 and c.isalpha()
            }
        missing = [c for c in columns.values() if c not in frame.columns]
        if missing:
            raise InputError(
                f"no column {missing[0]!r} (columns: {list(frame.columns)})",
                field="columns",
                source=source,
            )
        return cls(
            {code: frame[col] for code, col in columns.items()},
            max_fill_days=max_fill_days,
            source=source,
        )

    @property
    def currencies(self) -> list[str]:
        """The currency codes held, sorted."""
        return sorted(self._dates)

    def span(self, currency: str | None = None) -> tuple[np.datetime64, np.datetime64]:
        """Return the first and last observed day of ``currency``."""
        ccy = self._currency(currency)
        return self._dates[ccy][0], self._dates[ccy][-1]

    def _currency(self, currency: str | None) -> str:
        if currency is None:
            if len(self._dates) != 1:
                raise InputError(f"name one of {', '.join(self.currencies)}", field="currency")
            return next(iter(self._dates))
        ccy = normalize_currency(currency)
        if ccy not in self._dates:
            raise InputError(
                f"no FX series for {ccy} (have {', '.join(self.currencies)}): "
                "pass its units per USD (e.g. --fx)",
                field="currency",
            )
        return ccy

    def rate_on(self, dates: Any, currency: str | None = None) -> FxLookup:
        """Return the rate in force on each day, forward-filling days without one.

        Parameters
        ----------
        dates : datetime64 array-like, pandas DatetimeIndex, date, datetime or str
            Days to look up (times are truncated to their day).
        currency : str, optional
            Which currency; may be left out when the series holds only one.

        Returns
        -------
        FxLookup
            ``.rates`` [currency/USD], ``.filled`` (mask), ``.filled_dates``.

        Raises
        ------
        InputError
            ``field="date"``: a day before the first observation, after the
            last, or more than ``max_fill_days`` after the previous one.

        """
        ccy = self._currency(currency)
        days = as_local_datetime64(dates, field="date").astype("datetime64[D]")
        obs_days, obs_rates = self._dates[ccy], self._rates[ccy]
        rates, observed = asof(obs_days, obs_rates, days)
        first, last = obs_days[0], obs_days[-1]
        early = days < first
        if early.any():
            raise InputError(
                f"{days[early].min()} is before the {ccy} FX series starts ({first})"
                + _more(int(early.sum())),
                field="date",
                source=self.source,
            )
        late = days > last
        if late.any():
            raise InputError(
                f"{days[late].max()} is after the {ccy} FX series ends ({last})"
                + _more(int(late.sum())),
                field="date",
                source=self.source,
            )
        stale = (days - observed).astype(np.int64) > self.max_fill_days
        if stale.any():
            i = int(np.flatnonzero(stale.ravel())[0])
            raise InputError(
                f"no {ccy} rate within {self.max_fill_days} days before {days.ravel()[i]} "
                f"(last observation {observed.ravel()[i]}): a gap in the data"
                + _more(int(stale.sum())),
                field="date",
                source=self.source,
            )
        return FxLookup(
            currency=ccy,
            dates=days,
            rates=rates,
            observed_on=np.asarray(observed),
        )

    def fx_per_usd(self, dates: Any) -> dict[str, np.ndarray]:
        """Return ``{code: rates}`` for every currency on ``dates`` (input to :func:`convert`)."""
        return {ccy: self.rate_on(dates, ccy).rates for ccy in self.currencies}

    def convert(self, amount: Any, from_currency: str, to_currency: str, dates: Any) -> Any:
        """Convert ``amount`` (aligned with ``dates``) at each day's rate.

        Parameters
        ----------
        amount : float or ndarray
            Money in ``from_currency``. [from_currency]
        from_currency, to_currency : str
            Currency codes; USD needs no series.
        dates : datetime64 array-like, pandas DatetimeIndex, date or str
            Day of each amount.

        Returns
        -------
        float or ndarray
            Money in ``to_currency``. [to_currency]

        """
        src, dst = normalize_currency(from_currency), normalize_currency(to_currency)
        if src == dst:
            return amount
        needed = {src, dst} - {"USD"}
        rates = {ccy: self.rate_on(dates, ccy).rates for ccy in sorted(needed)}
        return convert(amount, src, dst, rates)


def _more(count: int) -> str:
    """Say how many other days share a problem."""
    return f" (and {count - 1} more)" if count > 1 else ""
