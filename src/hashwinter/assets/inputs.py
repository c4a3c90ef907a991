"""Per-date valuation inputs from daily history: volatility, difficulty growth, halvings.

The valuation of a machine on a date needs, besides the day's state (price,
difficulty, subsidy, fees), what the days before it say about the future: the
volatility of the log price over a trailing window, the growth of difficulty
over a trailing window (a projection: "difficulty keeps growing as it did"),
and the days left to the next halving. :func:`valuation_inputs` adds those
columns to a daily frame such as :func:`hashwinter.data.network_states` returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from hashwinter.chain.schedule import KNOWN_HALVINGS
from hashwinter.errors import InputError
from hashwinter.units import JULIAN_YEAR_DAYS

__all__ = ["valuation_inputs"]

_NEEDED = ("price", "difficulty", "subsidy", "fees_per_block")


def valuation_inputs(
    daily: pd.DataFrame,
    *,
    sigma_window_days: int = 90,
    growth_window_days: int = 365,
    halvings: Iterable[dt.date] = tuple(KNOWN_HALVINGS.values()),
) -> pd.DataFrame:
    """Return ``daily`` with the columns a valuation needs on each date.

    Parameters
    ----------
    daily : pandas.DataFrame
        Indexed by consecutive dates (one row per day), with ``price``
        [currency/coin], ``difficulty``, ``subsidy`` and ``fees_per_block`` [coin/block].
    sigma_window_days : int, default 90
        Trailing window of the volatility of daily log returns. [day]
    growth_window_days : int, default 365
        Trailing window of the difficulty growth. [day]
    halvings : iterable of date
        Dates of the halvings (the known ones by default; later ones are not projected
        here: a date after the last known halving has ``days_to_halving = inf``).

    Returns
    -------
    pandas.DataFrame
        ``daily`` plus ``sigma_per_day`` [1/sqrt(day)], ``difficulty_growth_per_year``
        (continuously compounded, [1/year]) and ``days_to_halving`` [day]. The first
        ``growth_window_days`` rows have no growth and are dropped.

    Raises
    ------
    InputError
        A missing column, days that are not consecutive, or too few days for the windows.

    """
    missing = [c for c in _NEEDED if c not in daily.columns]
    if missing:
        raise InputError(f"missing columns {missing}", field="daily")
    if sigma_window_days < 2 or growth_window_days < 1:
        raise InputError("windows must be >= 2 and >= 1 days", field="window")
    index = pd.DatetimeIndex(pd.to_datetime(daily.index))
    day_numbers = index.values.astype("datetime64[D]").astype(np.int64)
    if len(index) > 1 and not np.all(np.diff(day_numbers) == 1):
        raise InputError("dates must be consecutive days", field="daily.index")
    if len(index) <= growth_window_days:
        raise InputError(f"needs more than {growth_window_days} days of history "
                         f"(got {len(index)})", field="daily")
    out = daily.copy()
    out.index = index
    logret = pd.Series(np.log(out["price"].to_numpy(np.float64)), index=index).diff()
    out["sigma_per_day"] = logret.rolling(sigma_window_days, min_periods=2).std()
    log_d = pd.Series(np.log(out["difficulty"].to_numpy(np.float64)), index=index)
    out["difficulty_growth_per_year"] = (log_d.diff(growth_window_days)
                                         * JULIAN_YEAR_DAYS / growth_window_days)
    stops = np.sort(np.array([np.datetime64(d, "D") for d in halvings]))
    days = index.values.astype("datetime64[D]")
    nxt = np.searchsorted(stops, days, side="right")
    to_halving = np.full(len(days), np.inf)
    has = nxt < len(stops)
    to_halving[has] = (stops[nxt[has]] - days[has]).astype(np.float64)
    out["days_to_halving"] = to_halving
    return out.iloc[growth_window_days:]
