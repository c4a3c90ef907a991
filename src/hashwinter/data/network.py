"""Read the network back from the store: difficulty, subsidy, fees and price on any day.

:func:`network_states` is the vectorized form (any number of dates in one
call, a DataFrame); :func:`network_state` returns one
:class:`~hashwinter.state.NetworkState`, with caveats in ``notes``;
:func:`load_network_state` is the entry point ``hashwinter shutdown --date``
uses.

How each value is obtained for a day D:

* **difficulty**: the stored daily difficulty of D (Coin Metrics' mean over
  the day's blocks, constant between retargets). On a retarget day the mean
  blends the old and new difficulty; the day is flagged (``retarget``,
  ``retarget_change``, ``difficulty_blended``).
* **subsidy**: the day's issuance / blocks [coin per block]; on a halving day
  this is the mean over the day's blocks (flagged ``subsidy_blended``).
* **fees_per_block**: total fees / total blocks over the ``fee_window_days``
  days ending on D (a ratio of sums: the average fee of a block in the window).
* **price**: the coin's USD price times the FX rate (units of currency per USD)
  of D, or a stored price quoted directly in the currency.

Gaps (weekends and holidays for FX, missing days for any series) are filled
with the latest earlier value, at most ``max_fill_days`` old for difficulty,
price and FX (subsidy and fees, which change rarely or are averages, are
carried further); every filled value is flagged and explained in ``notes``.
A day outside the stored chain history, or a currency without FX, is an
:class:`~hashwinter.errors.InputError`.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import numpy as np
import pandas as pd

from hashwinter.chain.coins import algorithm_of, work_difficulty
from hashwinter.data.daily import (
    day_text,
    range_text,
    retarget_flags,
    stale,
    to_days,
)
from hashwinter.data.importers.coinmetrics import SHA256_ASSETS
from hashwinter.data.store import HistoryStore, opened
from hashwinter.errors import InputError
from hashwinter.fill import NAT, asof
from hashwinter.state import NetworkState

__all__ = ["StoredSeries", "load_network_state", "network_state", "network_states"]

#: Schedule subsidies of SHA-256d coins: 50 / 2^k [coin per block].
_SCHEDULE = 50.0 / 2.0 ** np.arange(34)


def _fail(days: np.ndarray, bad: np.ndarray, what: str, stored: str) -> None:
    """Raise an InputError naming the first bad day, how many there are, and what is stored.

    ``what`` is a message template with ``{day}``.
    """
    first = day_text(days[bad][0])
    more = f" (and {int(bad.sum()) - 1} more of the {days.size} dates)" if bad.sum() > 1 else ""
    raise InputError(f"{what.format(day=first)}{more}; stored: {stored}", field="date")


#: Columns of :meth:`StoredSeries.columns` that hold day numbers (:data:`NAT` = none).
_DATE_COLUMNS = frozenset({"difficulty_date", "subsidy_date", "price_date", "fx_date",
                           "fees_from"})


def _check_windows(fee_window_days: int, max_fill_days: int) -> None:
    if fee_window_days < 1:
        raise InputError(f"must be >= 1 (got {fee_window_days})", field="fee_window_days")
    if max_fill_days < 0:
        raise InputError(f"must be >= 0 (got {max_fill_days})", field="max_fill_days")


class StoredSeries:
    """The stored daily series of one asset in one currency, read once, for any day's state.

    Reads the chain, price, FX and retarget rows from the store when built and
    precomputes what does not depend on the day asked for (the fee calendar's
    running sums, the retarget flags); :meth:`columns` and :meth:`state` then work
    on numpy arrays only. :func:`network_states` and :func:`network_state` build one
    per call; a long-lived reader (the web server) keeps one per currency, which is
    right only while the store cannot change under it (a read-only DuckDB file
    cannot be written while any process holds it open).

    Parameters
    ----------
    store : HistoryStore or path, optional
        Open store, or its file (default: ``$HASHWINTER_STORE`` or the user data dir).
    asset : str
        Coin ticker, e.g. ``"BTC"``.
    currency : str
        Currency of ``price`` (ISO code); needs stored FX unless ``"USD"``.
    fee_window_days : int
        Days (ending on each date) over which fees per block are averaged. [d]
    max_fill_days : int
        Oldest a difficulty, price or FX value may be when a day has none. [d]

    Raises
    ------
    InputError
        Bad windows, or no chain history of ``asset`` in the store. (A currency
        without FX is reported by :meth:`columns`, after the range of the days.)

    """

    def __init__(
        self,
        store: HistoryStore | str | os.PathLike[str] | None = None,
        *,
        asset: str = "BTC",
        currency: str = "USD",
        fee_window_days: int = 7,
        max_fill_days: int = 7,
    ) -> None:
        _check_windows(fee_window_days, max_fill_days)
        asset = asset.strip().upper()
        currency = currency.strip().upper()
        self.asset, self.currency = asset, currency
        self.fee_window_days, self.max_fill_days = fee_window_days, max_fill_days
        with opened(store) as st:
            chain = st.arrays("SELECT date, difficulty, hashrate_hs, CAST(blocks AS DOUBLE) AS "
                              "blocks, issuance, fees FROM chain_daily WHERE asset = ? "
                              "ORDER BY date", [asset])
            usd = st.arrays("SELECT date, price FROM coin_price_daily WHERE asset = ? AND "
                            "quote = 'USD' ORDER BY date", [asset])
            direct = fx = None
            fx_known: list[str] = []
            if currency != "USD":
                direct = st.arrays("SELECT date, price FROM coin_price_daily WHERE asset = ? "
                                   "AND quote = ? ORDER BY date", [asset, currency])
                fx = st.arrays("SELECT date, per_usd FROM fx_daily WHERE currency = ? "
                               "ORDER BY date", [currency])
                fx_known = st.currencies() if fx["date"].size == 0 else []
            ret = st.arrays("SELECT time, difficulty, change FROM retargets WHERE asset = ? "
                            "ORDER BY time", [asset])
            self.path = str(st.path)
        self.chain, self.usd, self.direct, self.fx, self.ret = chain, usd, direct, fx, ret
        self.fx_known = fx_known
        cd = chain["date"]
        if cd.size == 0 or np.isnan(chain["difficulty"]).all():
            raise InputError(f"no {asset} chain history in the store {self.path}; import it "
                             f"first (hashwinter data import coinmetrics ...)", field="asset")
        blocks = chain["blocks"]
        # Every coin's difficulty in Bitcoin's unit (hashes per block / 2^32): a coin of
        # another algorithm from its own hashrate and blocks (hashwinter.chain.coins).
        self.sha256 = asset in SHA256_ASSETS or algorithm_of(asset) == "sha256"
        if not self.sha256:
            self.native_difficulty = chain["difficulty"]
            chain = {**chain, "difficulty": work_difficulty(chain["difficulty"],
                                                            chain["hashrate_hs"], blocks, asset)}
            self.chain = chain
        have = ~np.isnan(chain["difficulty"])
        self.sd, self.sv = cd[have], chain["difficulty"][have]
        self.per_block = np.full(cd.size, np.nan)
        np.divide(chain["issuance"], blocks, out=self.per_block,
                  where=np.isfinite(chain["issuance"]) & (blocks > 0))
        # Fees: running sums over a calendar of the stored days (window sums by difference).
        fee_ok = np.isfinite(chain["fees"]) & (blocks > 0)
        span = int(cd[-1] - cd[0]) + 1
        f_cal = np.zeros(span)
        b_cal = np.zeros(span)
        n_cal = np.zeros(span)
        pos = cd[fee_ok] - cd[0]
        f_cal[pos] = chain["fees"][fee_ok]
        b_cal[pos] = blocks[fee_ok]
        n_cal[pos] = 1.0
        self.cf, self.cb, self.cn = (np.concatenate(([0.0], np.cumsum(a)))
                                     for a in (f_cal, b_cal, n_cal))
        self.fee_pb_daily = np.full(cd.size, np.nan)
        np.divide(chain["fees"], blocks, out=self.fee_pb_daily, where=fee_ok)
        if self.sha256:
            self.flags = retarget_flags(self.sd, self.sv)
        else:  # difficulty moves every block: no retarget days to flag
            n = self.sd.size
            self.flags = (np.zeros(n, dtype=bool), np.full(n, np.nan), np.zeros(n, dtype=bool),
                          np.full((2, n), np.nan))

    def columns(self, days: np.ndarray) -> dict[str, np.ndarray]:
        """Return the columns of :func:`network_states` for ``days`` (day numbers).

        Dates come as day numbers (int64 days since 1970-01-01, :data:`NAT` = none).

        Raises
        ------
        InputError
            A day outside the stored history, a currency without FX, or a gap
            longer than ``max_fill_days``.

        """
        asset, currency = self.asset, self.currency
        fee_window_days, max_fill_days = self.fee_window_days, self.max_fill_days
        chain, usd, direct, fx, ret = self.chain, self.usd, self.direct, self.fx, self.ret
        cd, sd = chain["date"], self.sd
        # -- range and difficulty -----------------------------------------------------
        outside = (days < sd[0]) | (days > sd[-1])
        if outside.any():
            _fail(days, outside, f"{{day}} is outside the stored {asset} history",
                  f"{day_text(sd[0])}..{day_text(sd[-1])}")
        difficulty, difficulty_when = asof(cd, chain["difficulty"], days)
        too_old = stale(days, difficulty_when, max_fill_days)
        if too_old.any():
            _fail(days, too_old,
                  f"no {asset} difficulty for {{day}} or the {max_fill_days} days before",
                  range_text(cd, chain["difficulty"]))

        # -- subsidy --------------------------------------------------------------------
        subsidy, subsidy_when = asof(cd, self.per_block, days)
        if np.isnan(subsidy).any():
            _fail(days, np.isnan(subsidy),
                  f"no {asset} issuance and block count on or before {{day}}",
                  range_text(cd, self.per_block))
        if self.sha256:
            on_schedule = np.isclose(subsidy[:, None], _SCHEDULE[None, :], rtol=1e-9,
                                     atol=0).any(1)
            subsidy_blended = ~on_schedule
        else:
            subsidy_blended = np.zeros(days.size, dtype=bool)

        # -- fees: ratio of window sums -------------------------------------------------
        cf, cb, cn = self.cf, self.cb, self.cn
        k = days - cd[0]
        lo = np.maximum(k - fee_window_days + 1, 0)
        sum_f, sum_b, fee_days = cf[k + 1] - cf[lo], cb[k + 1] - cb[lo], cn[k + 1] - cn[lo]
        fees = np.full(days.size, np.nan)
        np.divide(sum_f, sum_b, out=fees, where=sum_b > 0)
        carried, fees_from = asof(cd, self.fee_pb_daily, days)
        no_window = sum_b <= 0
        fees = np.where(no_window, np.where(np.isnan(carried), 0.0, carried), fees)
        fees_from = np.where(no_window, fees_from, NAT)

        # -- price and FX -------------------------------------------------------------------
        price_usd, price_when = asof(usd["date"], usd["price"], days)
        usd_stale = stale(days, price_when, max_fill_days)
        if fx is None:
            fx_per_usd = np.ones(days.size)
            fx_when = days.copy()
            price = price_usd
            price_direct = np.zeros(days.size, dtype=bool)
            if usd_stale.any():
                _fail(days, usd_stale,
                      f"no {asset}/USD price for {{day}} or the {max_fill_days} days before",
                      range_text(usd["date"], usd["price"]))
        else:
            assert direct is not None
            if fx["date"].size == 0:
                known = ", ".join(["USD", *self.fx_known])
                raise InputError(f"no FX rates for {currency} in the store (have: {known}); import "
                                 f"them, e.g. hashwinter data import ecb eurofxref-hist.zip",
                                 field="currency")
            fx_per_usd, fx_when = asof(fx["date"], fx["per_usd"], days)
            fx_stale = stale(days, fx_when, max_fill_days)
            if fx_stale.any():
                _fail(days, fx_stale,
                      f"no {currency} FX rate for {{day}} or the {max_fill_days} days before",
                      range_text(fx["date"], fx["per_usd"]))
            d_price, d_when = asof(direct["date"], direct["price"], days)
            price_direct = ~stale(days, d_when, max_fill_days)
            missing = ~price_direct & usd_stale
            if missing.any():
                _fail(days, missing,
                      f"no {asset} price for {{day}} or the {max_fill_days} days before",
                      f"{asset}/USD {range_text(usd['date'], usd['price'])}")
            price = np.where(price_direct, d_price, price_usd * fx_per_usd)
            price_when = np.where(price_direct, d_when, price_when)
            price_usd = price / fx_per_usd

        hashrate, hashrate_when = asof(cd, chain["hashrate_hs"], days)
        hashrate = np.where(stale(days, hashrate_when, max_fill_days), np.nan, hashrate)

        # -- retargets: from the daily series, overridden by stored adjustments --------------
        r_flag, r_change, r_blend, r_around = self.flags
        i = np.searchsorted(sd, days)
        i = np.clip(i, 0, sd.size - 1)
        exact = sd[i] == days
        retarget = exact & r_flag[i]
        change = np.where(retarget, r_change[i], np.nan)
        blended = exact & r_blend[i]
        before = np.where(retarget, r_around[0][i], np.nan)
        after = np.where(retarget, r_around[1][i], np.nan)
        if ret["time"].size:
            r_days = ret["time"]
            j = np.clip(np.searchsorted(r_days, days), 0, r_days.size - 1)
            hit = r_days[j] == days
            prev_d = np.where(j > 0, ret["difficulty"][np.maximum(j - 1, 0)], np.nan)
            r_ratio = np.where(np.isnan(ret["change"][j]), ret["difficulty"][j] / prev_d,
                               ret["change"][j])
            retarget = retarget | hit
            change = np.where(hit, r_ratio - 1.0, change)
            after = np.where(hit, ret["difficulty"][j], after)
            before = np.where(hit, ret["difficulty"][j] / r_ratio, before)
        return {
            "difficulty": difficulty,
            "subsidy": subsidy,
            "fees_per_block": fees,
            "price": price,
            "price_usd": price_usd,
            "fx_per_usd": fx_per_usd,
            "hashrate_hs": hashrate,
            "difficulty_date": difficulty_when,
            "subsidy_date": subsidy_when,
            "price_date": price_when,
            "fx_date": fx_when,
            "fees_from": fees_from,
            "fee_days": fee_days.astype(np.int64),
            "retarget": retarget,
            "retarget_change": change,
            "difficulty_before": before,
            "difficulty_after": after,
            "difficulty_blended": blended,
            "subsidy_blended": subsidy_blended,
            "price_direct": price_direct,
        }

    def state(self, date: Any) -> NetworkState:
        """Return the network on one day, with caveats in ``notes`` (see :func:`network_state`).

        Raises
        ------
        InputError
            As :meth:`columns`.

        """
        if isinstance(date, dt.date) and not isinstance(date, dt.datetime):
            days = np.array([(date - _EPOCH).days], dtype=np.int64)  # to_days costs 0.3 ms
        else:
            days = to_days([date])
        row = {name: values[0].item() for name, values in self.columns(days).items()}
        row["date"] = int(days[0])
        return NetworkState(
            date=_day(row["date"]),
            difficulty=row["difficulty"],
            subsidy=row["subsidy"],
            fees_per_block=row["fees_per_block"],
            price=row["price"],
            currency=self.currency,
            fx_per_usd=row["fx_per_usd"],
            coin=self.asset,
            notes=_notes(row, self.asset, self.currency, self.path, self.fee_window_days)
            + self._unit_note(),
        )

    def _unit_note(self) -> tuple[str, ...]:
        if self.sha256:
            return ()
        return (f"{self.asset} difficulty in Bitcoin's unit (expected hashes per block / 2^32, "
                "from the day's hashrate and blocks): revenue per hash = (issuance + fees) / "
                "hashrate",)


def network_states(
    dates: Any,
    *,
    store: HistoryStore | str | os.PathLike[str] | None = None,
    asset: str = "BTC",
    currency: str = "USD",
    fee_window_days: int = 7,
    max_fill_days: int = 7,
) -> pd.DataFrame:
    """Return the network state of many days at once from the history store (vectorized).

    Parameters
    ----------
    dates : array-like of date
        Days (strings ``YYYY-MM-DD``, ``datetime.date``, ``datetime64``...).
    store : HistoryStore or path, optional
        Open store, or its file (default: ``$HASHWINTER_STORE`` or the user data dir).
    asset : str
        Coin ticker, e.g. ``"BTC"``.
    currency : str
        Currency of ``price`` (ISO code); needs stored FX unless ``"USD"``.
    fee_window_days : int
        Days (ending on each date) over which fees per block are averaged. [d]
    max_fill_days : int
        Oldest a difficulty, price or FX value may be when a day has none. [d]

    Returns
    -------
    pandas.DataFrame
        Indexed by ``date``; columns ``difficulty`` [1], ``subsidy`` [coin/block],
        ``fees_per_block`` [coin/block], ``price`` [currency/coin], ``price_usd``
        [USD/coin], ``fx_per_usd`` [currency/USD], ``hashrate_hs`` [H/s, NaN if
        not stored]; the days the values come from (``difficulty_date``,
        ``subsidy_date``, ``price_date``, ``fx_date``, ``fees_from``), ``fee_days``
        (days with fee data in the window) and flags ``retarget``,
        ``retarget_change`` (new/old - 1), ``difficulty_before``,
        ``difficulty_after``, ``difficulty_blended``, ``subsidy_blended``,
        ``price_direct`` (price stored in ``currency`` itself). ``attrs`` hold
        asset, currency, store, fee_window_days.

    Raises
    ------
    InputError
        A date outside the stored history of ``asset``, a currency without FX,
        or a gap longer than ``max_fill_days``.

    """
    _check_windows(fee_window_days, max_fill_days)
    days = to_days(dates)
    series = StoredSeries(store, asset=asset, currency=currency,
                          fee_window_days=fee_window_days, max_fill_days=max_fill_days)
    c = series.columns(days)

    def as_dates(values: np.ndarray) -> np.ndarray:
        out = values.astype("datetime64[D]").astype("datetime64[s]")
        out[values == NAT] = np.datetime64("NaT")
        return out

    frame = pd.DataFrame(
        {
            name: as_dates(values) if name in _DATE_COLUMNS else values
            for name, values in c.items()
        },
        index=pd.DatetimeIndex(as_dates(days), name="date"),
    )
    frame.attrs.update({"asset": series.asset, "currency": series.currency,
                        "store": series.path,
                        "fee_window_days": fee_window_days, "max_fill_days": max_fill_days})
    return frame


_EPOCH = dt.date(1970, 1, 1)


def _day(number: int) -> dt.date:
    """Return the date of a day number (days since 1970-01-01)."""
    return _EPOCH + dt.timedelta(days=number)


def _notes(row: dict[str, Any], asset: str, currency: str, store: str,
           window: int) -> tuple[str, ...]:
    """Explain, for one day, where each value came from and what was filled.

    ``row`` holds one day of :meth:`StoredSeries.columns` as plain Python values
    (day numbers for dates, :data:`NAT` for none) and its ``date``.
    """
    number = row["date"]
    day = _day(number)
    notes = [f"history store {store}: {asset} on {day}"]
    if row["difficulty_date"] != number:
        notes.append(f"difficulty carried forward from {_day(row['difficulty_date'])} "
                     f"(none stored for {day})")
    if row["retarget"]:
        text = (f"retarget on {day}: difficulty {row['retarget_change']:+.2%} "
                f"({row['difficulty_before']:.4g} -> {row['difficulty_after']:.4g})")
        if row["difficulty_blended"]:
            text += "; the day's difficulty is the mean over its blocks, old and new"
        notes.append(text)
    if row["subsidy_blended"]:
        notes.append(f"subsidy {row['subsidy']:.6g} is the mean over the day's blocks "
                     "(a halving day)")
    if row["subsidy_date"] != number:
        notes.append(f"subsidy carried forward from {_day(row['subsidy_date'])}")
    no_carry = row["fees_from"] == NAT
    if row["fee_days"] == 0 and no_carry:
        notes.append(f"no {asset} fee data stored on or before {day}; fees per block taken as 0")
    elif no_carry:
        notes.append(f"fees per block: total fees / blocks over the {window} days to {day} "
                     f"({row['fee_days']} with data)")
    elif row["fee_days"] == 0:
        notes.append(f"no fee data in the {window} days to {day}; fees per block carried "
                     f"from {_day(row['fees_from'])}")
    if row["price_direct"]:
        notes.append(f"price from the stored {asset}/{currency} series")
    elif row["price_date"] != number:
        notes.append(f"{asset}/USD price carried forward from {_day(row['price_date'])}")
    if currency != "USD":
        fx_day = row["fx_date"]
        if fx_day != number:
            notes.append(f"{currency}/USD rate {row['fx_per_usd']:.6g} is the rate of "
                         f"{_day(fx_day)}, forward-filled: no rate on {day} (weekend or "
                         "holiday)")
        elif not row["price_direct"]:
            notes.append(f"price converted from USD at {row['fx_per_usd']:.6g} {currency}/USD")
    return tuple(notes)


def network_state(
    date: Any,
    *,
    store: HistoryStore | str | os.PathLike[str] | None = None,
    asset: str = "BTC",
    currency: str = "USD",
    fee_window_days: int = 7,
    max_fill_days: int = 7,
) -> NetworkState:
    """Return the network on one day from the history store, with caveats in ``notes``.

    Parameters
    ----------
    date : str or datetime.date
        The day (UTC).
    store : HistoryStore or path, optional
        Open store, or its file (default: ``$HASHWINTER_STORE`` or the user data dir).
    asset : str
        Coin ticker.
    currency : str
        Currency of the price; needs stored FX unless ``"USD"``.
    fee_window_days : int
        Days (ending on ``date``) over which fees per block are averaged. [d]
    max_fill_days : int
        Oldest a difficulty, price or FX value may be when the day has none. [d]

    Returns
    -------
    NetworkState
        Difficulty, subsidy [coin/block], fees per block [coin/block], price
        [currency/coin], fx_per_usd, and notes (forward fills, retargets...).

    Raises
    ------
    InputError
        Outside the stored range, a currency without FX, or a gap too long to fill.

    Examples
    --------
    >>> network_state("2018-12-04", currency="CNY").difficulty  # doctest: +SKIP
    5646403851534.7

    """
    _check_windows(fee_window_days, max_fill_days)
    to_days([date])  # a bad date is reported before the store is opened
    return StoredSeries(store, asset=asset, currency=currency, fee_window_days=fee_window_days,
                        max_fill_days=max_fill_days).state(date)


def load_network_state(
    date: dt.date,
    currency: str,
    store_path: str | os.PathLike[str] | None = None,
    fee_window_days: int = 7,
    asset: str = "BTC",
) -> NetworkState:
    """Return the network state of ``asset`` on ``date`` in ``currency`` (``shutdown --date``).

    Parameters
    ----------
    date : datetime.date
        The day (UTC).
    currency : str
        ISO code of the price (USD, or any currency with stored FX: CNY, EUR...).
    store_path : str or path-like, optional
        The store file (default: ``$HASHWINTER_STORE`` or the user data dir).
    fee_window_days : int
        Days over which fees per block are averaged. [d]
    asset : str
        Coin ticker (``--coin``), e.g. ``"ETH"``.

    Returns
    -------
    NetworkState
        See :func:`network_state`; explicit CLI flags override its fields.

    Raises
    ------
    InputError
        No store at the path, a date outside the stored history, or a currency
        without stored FX.

    """
    return network_state(date, store=store_path, asset=asset, currency=currency,
                         fee_window_days=fee_window_days)
