"""The market a run sees: one row per day of coin price, difficulty, reward and FX.

:class:`DailyMarket` is plain numpy arrays. A backtest has one path (history);
a Monte Carlo has many price paths (and possibly many difficulty paths), so the
price and network arrays are shaped ``(paths, days)``, with 1 on the path axis
for series every path shares. FX rates (currency units per USD) let farm money
in one currency (a tariff in CNY) be reported in another (USD).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.energy.currency import normalize_currency
from hashwinter.errors import InputError
from hashwinter.fill import asof
from hashwinter.units import HASHES_PER_DIFFICULTY, SECONDS_PER_DAY, TARGET_BLOCK_INTERVAL_S

__all__ = ["DailyMarket", "market_from_coinmetrics"]

FloatArray = npt.NDArray[np.float64]


def _paths_by_days(values: npt.ArrayLike, n_days: int, name: str) -> FloatArray:
    """Return ``values`` as a float array shaped (paths or 1, n_days)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full((1, n_days), float(arr))
    elif arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n_days:
        raise InputError(f"must be shaped (paths, {n_days}) (got {arr.shape})", field=name)
    if not np.all(np.isfinite(arr)):
        raise InputError("must be finite (missing values in the history?)", field=name)
    return arr


@dataclasses.dataclass(frozen=True)
class DailyMarket:
    """Daily market and network series for a run, in one currency.

    Attributes
    ----------
    dates : ndarray of datetime64[D]
        Consecutive days, length ``D``.
    price : ndarray, shape (P or 1, D)
        Coin price. [currency/coin]
    difficulty : ndarray, shape (P or 1, D)
        Difficulty in force (the day's mean). [dimensionless]
    subsidy : ndarray, shape (P or 1, D)
        Mean block subsidy of the day. [coin/block]
    fees_per_block : ndarray, shape (P or 1, D)
        Mean transaction fees per block. [coin/block]
    blocks_per_day : ndarray, shape (P or 1, D)
        Blocks found that day; with the difficulty it gives the network's
        hashrate ``D * 2**32 * blocks / 86400``. [blocks/day]
    currency : str
        ISO code of ``price`` and of every money amount of the run.
    fx_per_usd : mapping of str to ndarray (D,)
        Units of each known currency per USD, per day (USD is 1).
    coin : str
        Ticker, e.g. ``"BTC"``.
    notes : tuple of str
        Caveats (forward-filled FX, source).

    """

    dates: npt.NDArray[np.datetime64]
    price: FloatArray
    difficulty: FloatArray
    subsidy: FloatArray
    fees_per_block: FloatArray
    blocks_per_day: FloatArray
    currency: str = "USD"
    fx_per_usd: Mapping[str, FloatArray] = dataclasses.field(default_factory=dict)
    coin: str = "BTC"
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        dates = np.asarray(self.dates, dtype="datetime64[D]")
        n = dates.size
        if dates.ndim != 1 or n == 0:
            raise InputError("a market needs at least one day", field="dates")
        if n > 1 and np.any(np.diff(dates) != np.timedelta64(1, "D")):
            raise InputError("days must be consecutive, without gaps", field="dates")
        object.__setattr__(self, "dates", dates)
        for name in ("price", "difficulty", "subsidy", "fees_per_block", "blocks_per_day"):
            object.__setattr__(self, name, _paths_by_days(getattr(self, name), n, name))
        for name in ("price", "difficulty", "blocks_per_day"):
            if np.any(getattr(self, name) <= 0):
                raise InputError("must be > 0 on every day", field=name)
        if np.any(self.subsidy < 0) or np.any(self.fees_per_block < 0):
            raise InputError("subsidy and fees must be >= 0", field="subsidy")
        code = normalize_currency(self.currency)
        object.__setattr__(self, "currency", code)
        fx = {normalize_currency(k, field="fx"): np.asarray(v, dtype=np.float64)
              for k, v in self.fx_per_usd.items()}
        fx["USD"] = np.ones(n)
        for k, v in fx.items():
            v = np.broadcast_to(v, (n,)).astype(np.float64)
            # NaN marks a day without a rate (checked when the rate is used).
            if np.any(np.isinf(v)) or np.any(v <= 0):
                raise InputError("FX rates must be positive and finite", field=f"fx.{k}")
            fx[k] = v
        if code not in fx:
            raise InputError(f"no FX series for {code}", field="currency")
        object.__setattr__(self, "fx_per_usd", fx)
        sizes = {a.shape[0] for a in (self.price, self.difficulty, self.subsidy,
                                      self.fees_per_block, self.blocks_per_day)}
        if len(sizes - {1}) > 1:
            raise InputError(f"path counts disagree: {sorted(sizes)}", field="price")

    @property
    def n_days(self) -> int:
        """Number of days."""
        return int(self.dates.size)

    @property
    def n_paths(self) -> int:
        """Number of paths (the largest path axis of the series)."""
        return max(a.shape[0] for a in (self.price, self.difficulty, self.subsidy,
                                        self.fees_per_block, self.blocks_per_day))

    @property
    def network_hashrate(self) -> FloatArray:
        """Hashrate implied by difficulty and blocks found, (P or 1, D) [H/s]."""
        return self.difficulty * HASHES_PER_DIFFICULTY * self.blocks_per_day / SECONDS_PER_DAY

    def fx_to_run(self, currency: str) -> FloatArray:
        """Return the factor converting ``currency`` into the run's currency, per day.

        Parameters
        ----------
        currency : str
            ISO code of the amounts to convert.

        Returns
        -------
        ndarray (D,)
            Units of the run currency per unit of ``currency``.

        """
        code = normalize_currency(currency)
        if code not in self.fx_per_usd:
            known = ", ".join(sorted(self.fx_per_usd))
            raise InputError(f"no FX rate for {code} (known: {known})", field="currency")
        factor = self.fx_per_usd[self.currency] / self.fx_per_usd[code]
        if np.isnan(factor).any():
            day = self.dates[np.flatnonzero(np.isnan(factor))[0]]
            raise InputError(f"no {code}/{self.currency} rate on {day}", field="currency")
        return factor

    def in_currency(self, currency: str) -> DailyMarket:
        """Return the same market with prices in ``currency`` (converted at each day's rate)."""
        code = normalize_currency(currency)
        if code == self.currency:
            return self
        factor = self.fx_to_run(code)  # run currency per unit of code
        return dataclasses.replace(self, price=self.price / factor[None, :], currency=code)

    def window(self, start: object, end: object) -> DailyMarket:
        """Return the days ``start`` .. ``end`` (both included).

        Raises
        ------
        InputError
            If the window reaches outside the stored days (``field="start"`` or ``"end"``).

        """
        first = np.datetime64(str(start), "D")
        last = np.datetime64(str(end), "D")
        have = f"{self.dates[0]} .. {self.dates[-1]}"
        if first < self.dates[0] or first > self.dates[-1]:
            raise InputError(f"{first} is outside the market history ({have})", field="start")
        if last < self.dates[0] or last > self.dates[-1]:
            raise InputError(f"{last} is outside the market history ({have})", field="end")
        if last < first:
            raise InputError(f"end {last} is before start {first}", field="end")
        i = int((first - self.dates[0]).astype(np.int64))
        j = int((last - self.dates[0]).astype(np.int64)) + 1
        return dataclasses.replace(
            self,
            dates=self.dates[i:j],
            price=self.price[:, i:j],
            difficulty=self.difficulty[:, i:j],
            subsidy=self.subsidy[:, i:j],
            fees_per_block=self.fees_per_block[:, i:j],
            blocks_per_day=self.blocks_per_day[:, i:j],
            fx_per_usd={k: v[i:j] for k, v in self.fx_per_usd.items()},
        )

    def take_paths(self, paths: slice | npt.NDArray[np.int64]) -> DailyMarket:
        """Return the market restricted to some paths (series shared by all paths are kept)."""

        def pick(a: FloatArray) -> FloatArray:
            return a if a.shape[0] == 1 else a[paths]

        return dataclasses.replace(
            self,
            price=pick(self.price),
            difficulty=pick(self.difficulty),
            subsidy=pick(self.subsidy),
            fees_per_block=pick(self.fees_per_block),
            blocks_per_day=pick(self.blocks_per_day),
        )

    def with_price_paths(self, price: npt.ArrayLike) -> DailyMarket:
        """Return the market with simulated coin prices (P, D) in the run currency."""
        return dataclasses.replace(self, price=np.asarray(price, dtype=np.float64))

    @classmethod
    def constant(
        cls,
        dates: npt.ArrayLike,
        *,
        price: float,
        difficulty: float,
        subsidy: float,
        fees_per_block: float = 0.0,
        currency: str = "USD",
        fx_per_usd: Mapping[str, float] | None = None,
    ) -> DailyMarket:
        """Return a flat market (every day the same), e.g. for a what-if or a test."""
        days = np.asarray(dates, dtype="datetime64[D]")
        n = days.size
        return cls(
            dates=days,
            price=np.full((1, n), price),
            difficulty=np.full((1, n), difficulty),
            subsidy=np.full((1, n), subsidy),
            fees_per_block=np.full((1, n), fees_per_block),
            blocks_per_day=np.full((1, n), SECONDS_PER_DAY / TARGET_BLOCK_INTERVAL_S),
            currency=currency,
            fx_per_usd={k: np.full(n, v) for k, v in (fx_per_usd or {}).items()},
        )


def market_from_coinmetrics(
    chain: pd.DataFrame,
    fx: pd.DataFrame | None = None,
    *,
    currency: str = "USD",
    coin: str = "BTC",
    start: object = None,
    end: object = None,
) -> DailyMarket:
    """Build a :class:`DailyMarket` from Coin Metrics-style daily columns.

    Parameters
    ----------
    chain : pandas.DataFrame
        Columns ``date``, ``price_usd``, ``difficulty``, ``blk_cnt``,
        ``mean_subsidy_btc`` and ``fees_btc`` (the compact form of
        ../shared/data/btc_daily.csv), one row per day.
    fx : pandas.DataFrame, optional
        Columns ``date`` and ``<ccy>_per_usd`` (e.g. ``cny_per_usd``) and
        optionally ``usd_per_eur``; business days only is fine: rates are
        forward-filled over weekends and holidays (and the market says so).
    currency : str
        Currency of the run; prices are converted from USD at the day's rate.
    coin : str
        Ticker.
    start, end : date or str, optional
        Keep only these days (both included).

    Returns
    -------
    DailyMarket
        One path, the days of ``chain`` (which must be consecutive).

    """
    code = normalize_currency(currency)
    frame = chain.copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.normalize()
    frame = frame.sort_values("date").set_index("date")
    if start is not None or end is not None:
        frame = frame.loc[pd.Timestamp(str(start)) if start is not None else None:
                          pd.Timestamp(str(end)) if end is not None else None]
    if frame.empty:
        raise InputError("no days of history in the window", field="start")
    dates = frame.index.to_numpy().astype("datetime64[D]")
    rates: dict[str, FloatArray] = {}
    notes = [f"{coin} history: Coin Metrics daily (price, difficulty, blocks, fees)"]
    if fx is not None:
        table = fx.copy()
        table["date"] = pd.to_datetime(table["date"]).dt.normalize()
        table = table.set_index("date").sort_index()
        fx_days = table.index.to_numpy().astype("datetime64[D]")
        unobserved = np.zeros(dates.size, dtype=bool)  # a rate of the day is missing
        for col in table.columns:
            if not pd.api.types.is_numeric_dtype(table[col]):
                continue
            values, when = asof(fx_days, table[col].to_numpy(np.float64), dates)
            unobserved |= when != dates
            if col.endswith("_per_usd"):
                rates[col[: -len("_per_usd")].upper()] = values
            elif col == "usd_per_eur":
                rates["EUR"] = 1.0 / values
        missing_days = int(unobserved.sum())
        if missing_days:
            notes.append(f"FX forward-filled on {missing_days} day(s) without a reference rate")
    if code != "USD" and code not in rates:
        raise InputError(f"no FX series for {code}", field="currency")
    if code != "USD" and np.isnan(rates[code]).any():
        first_bad = frame.index[np.isnan(rates[code])][0].date()
        raise InputError(f"no {code} rate on or before {first_bad}: start later", field="start")
    to_run = rates.get(code, np.ones(len(frame)))
    blocks = frame["blk_cnt"].to_numpy(np.float64)
    return DailyMarket(
        dates=dates,
        price=frame["price_usd"].to_numpy(np.float64) * to_run,
        difficulty=frame["difficulty"].to_numpy(np.float64),
        subsidy=frame["mean_subsidy_btc"].to_numpy(np.float64),
        fees_per_block=frame["fees_btc"].to_numpy(np.float64) / blocks,
        blocks_per_day=blocks,
        currency=code,
        fx_per_usd=rates,
        coin=coin,
        notes=tuple(notes),
    )
