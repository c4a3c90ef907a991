"""How difficulty follows the coin price: the elasticity and lag, fitted on daily history.

Miners plug machines in when the price pays and unplug (or stop buying) when it
does not, with a lag for ordering, shipping and building. The valuation
(:func:`hashwinter.assets.valuation.price_response`) models it as
``ln D_t = trend + beta ln S_{t-L}``; over any horizon ``h`` that is the regression::

    ln D_t - ln D_{t-h} = c + beta (ln S_{t-L} - ln S_{t-L-h}) + e

:func:`fit_price_response` fits it by least squares on every day of a window
(overlapping ``h``-day changes, both ends of each change inside the window) for each
lag on a grid, and keeps the lag with the smallest residual.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from hashwinter.errors import InputError
from hashwinter.units import JULIAN_YEAR_DAYS

__all__ = ["PriceResponse", "fit_price_response"]


@dataclasses.dataclass(frozen=True)
class PriceResponse:
    """The fitted response of difficulty to the price.

    Attributes
    ----------
    elasticity : float
        ``beta``, d ln D / d ln S. [dimensionless]
    lag_days : float
        ``L``. [day]
    trend_per_year : float
        ``c`` per year: the growth not explained by the price. [1/year]
    r_squared : float
        Share of the variance of ``h``-day log difficulty changes explained.
    n : int
        Number of (overlapping) changes fitted.
    by_lag : pandas.DataFrame
        ``lag_days``, ``elasticity``, ``r_squared`` for every lag tried.

    """

    elasticity: float
    lag_days: float
    trend_per_year: float
    r_squared: float
    n: int
    by_lag: pd.DataFrame


def fit_price_response(
    daily: pd.DataFrame,
    *,
    start: dt.date,
    before: dt.date,
    horizon_days: int = 365,
    lags: range = range(0, 366, 5),
) -> PriceResponse:
    """Fit difficulty's elasticity to the price and its lag on ``start <= day < before``.

    Parameters
    ----------
    daily : pandas.DataFrame
        Indexed by consecutive dates, with ``price`` [currency/coin] and ``difficulty``.
    start, before : datetime.date
        The window: no day before ``start`` or on/after ``before`` enters a change.
    horizon_days : int, default 365
        ``h``, the span of each change (a year: the option value of a two-year life
        is made over months, so the long response matters, not the next retarget). [day]
    lags : range, default 0 to 365 by 5
        Lags tried. [day]

    Returns
    -------
    PriceResponse

    Raises
    ------
    InputError
        Missing columns, non-consecutive days, or fewer than 30 changes at some lag.

    """
    for col in ("price", "difficulty"):
        if col not in daily.columns:
            raise InputError(f"missing column {col!r}", field="daily")
    index = pd.DatetimeIndex(pd.to_datetime(daily.index))
    window = (index >= pd.Timestamp(start)) & (index < pd.Timestamp(before))
    if not np.all(np.diff(index[window].values.astype("datetime64[D]").astype(np.int64)) == 1):
        raise InputError("dates must be consecutive days", field="daily.index")
    log_d = np.log(daily["difficulty"].to_numpy(np.float64)[window])
    log_s = np.log(daily["price"].to_numpy(np.float64)[window])
    h = int(horizon_days)
    rows = []
    for lag in lags:
        # change i: difficulty from day i + lag to i + lag + h, price from i to i + h
        n = log_d.size - lag - h
        if n < 30:
            raise InputError(f"window {start} to {before} too short for a {h}-day horizon "
                             f"at a {lag}-day lag", field="daily")
        y = log_d[lag + h:] - log_d[lag:lag + n]
        x = log_s[h:h + n] - log_s[:n]
        x_c, y_c = x - x.mean(), y - y.mean()
        beta = float(x_c @ y_c / (x_c @ x_c))
        resid = y_c - beta * x_c
        rows.append((float(lag), beta, float(1.0 - resid @ resid / (y_c @ y_c)),
                     float(y.mean() - beta * x.mean()), n))
    table = pd.DataFrame(rows, columns=["lag_days", "elasticity", "r_squared", "c", "n"])
    best = table.iloc[int(np.argmax(table["r_squared"].to_numpy()))]
    return PriceResponse(elasticity=float(best["elasticity"]), lag_days=float(best["lag_days"]),
                         trend_per_year=float(best["c"]) * JULIAN_YEAR_DAYS / h,
                         r_squared=float(best["r_squared"]), n=int(best["n"]),
                         by_lag=table[["lag_days", "elasticity", "r_squared"]])
