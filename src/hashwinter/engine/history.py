"""Build the engine's :class:`DailyMarket` from the history store (hashwinter.data).

The store answers "what was the network and the price on these days" in one
vectorized call (:func:`hashwinter.data.network.network_states`); this module
asks it for a window and for every currency a run needs (the farm's, the
report's, the tariffs'), and turns the answer into daily arrays. Fees are the
day's own (a one-day window), as a backtest earns them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np
import pandas as pd

from hashwinter.data.network import network_states
from hashwinter.data.store import HistoryStore, opened
from hashwinter.energy.currency import normalize_currency
from hashwinter.engine.market import DailyMarket
from hashwinter.errors import InputError, InputErrors
from hashwinter.units import HASHES_PER_DIFFICULTY, SECONDS_PER_DAY, TARGET_BLOCK_INTERVAL_S

__all__ = ["market_from_store", "stored_range"]


def stored_range(store: HistoryStore, asset: str = "BTC") -> tuple[np.datetime64, np.datetime64]:
    """Return the first and last day with both chain history and a USD price of ``asset``."""
    chain = store.chain(asset)
    prices = store.prices(asset, "USD")
    if chain.empty or prices.empty:
        raise InputError(f"the history store has no {asset} history; import it first "
                         "(hashwinter data import coinmetrics FILE)", field="store")
    first = max(pd.Timestamp(chain["date"].min()), pd.Timestamp(prices["date"].min()))
    last = min(pd.Timestamp(chain["date"].max()), pd.Timestamp(prices["date"].max()))
    return np.datetime64(first.date(), "D"), np.datetime64(last.date(), "D")


def market_from_store(
    store: HistoryStore | str | os.PathLike[str] | None = None,
    *,
    start: object,
    end: object,
    currency: str = "USD",
    extra_currencies: Iterable[str] = (),
    asset: str = "BTC",
    start_field: str = "start",
    end_field: str = "end",
) -> DailyMarket:
    """Read a window of daily history from the store as a :class:`DailyMarket`.

    Parameters
    ----------
    store : HistoryStore or path, optional
        The store (default: ``$HASHWINTER_STORE`` or the user data dir).
    start, end : date or str
        First and last day (both included).
    currency : str
        Currency of the market's prices.
    extra_currencies : iterable of str
        Other currencies whose FX series the run needs (tariffs, reports).
    asset : str
        Coin ticker.
    start_field, end_field : str
        Names of the start/end inputs in error messages (e.g. ``"--from"``).

    Returns
    -------
    DailyMarket

    Raises
    ------
    InputError, InputErrors
        A day outside the stored history (naming ``start_field``/``end_field``),
        a currency without stored FX.

    """
    code = normalize_currency(currency)
    others = sorted({normalize_currency(c) for c in extra_currencies} - {code, "USD"})
    with opened(store) as st:
        first, last = stored_range(st, asset)
        a = np.datetime64(str(start), "D")
        b = np.datetime64(str(end), "D")
        have = f"{first} .. {last}"
        errors = []
        if not first <= a <= last:
            errors.append(InputError(f"{a} is outside the stored history ({have})",
                                     field=start_field))
        if not first <= b <= last:
            errors.append(InputError(f"{b} is outside the stored history ({have})",
                                     field=end_field))
        if b < a:
            errors.append(InputError(f"{b} is before {a}", field=end_field))
        if errors:
            raise errors[0] if len(errors) == 1 else InputErrors(errors)
        days = np.arange(a, b + np.timedelta64(1, "D"), dtype="datetime64[D]")
        frame = network_states(days, store=st, asset=asset, currency=code, fee_window_days=1)
        fx = {code: frame["fx_per_usd"].to_numpy(np.float64)}
        for other in others:
            fx[other] = network_states(days, store=st, asset=asset, currency=other,
                                       fee_window_days=1)["fx_per_usd"].to_numpy(np.float64)
    difficulty = frame["difficulty"].to_numpy(np.float64)
    hashrate = frame["hashrate_hs"].to_numpy(np.float64)
    # Blocks found per day from the stored hashrate (its definition: D * 2^32 * blocks / 86400).
    blocks = np.where(np.isfinite(hashrate),
                      hashrate * SECONDS_PER_DAY / (difficulty * HASHES_PER_DIFFICULTY),
                      SECONDS_PER_DAY / TARGET_BLOCK_INTERVAL_S)
    notes = tuple(sorted({n for n in frame.attrs.get("notes", ())})) if frame.attrs else ()
    return DailyMarket(
        dates=days,
        price=frame["price"].to_numpy(np.float64),
        difficulty=difficulty,
        subsidy=frame["subsidy"].to_numpy(np.float64),
        fees_per_block=np.nan_to_num(frame["fees_per_block"].to_numpy(np.float64)),
        blocks_per_day=blocks,
        currency=code,
        fx_per_usd=fx,
        coin=asset.upper(),
        notes=(f"history store: {frame.attrs.get('store', '')}", *notes),
    )
