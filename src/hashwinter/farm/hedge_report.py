"""The hedging section of a backtest: the book's daily ledger and hedged vs unhedged by month.

"Unhedged" is the same farm run without its hedge (its policies minus the hedge,
the farm file's own treasury, no position book): a second leg over the same
history. The *fiat revenue* of a day is what the owner's cash received for
coins: planned and forced sales, plus the book's cash (variation margin,
funding and fees of linear contracts, the delivery of hedged coins at the
close), minus coins bought to deliver. Coins still held at the end are valued
at the last price in the totals (equity), so a hedge still open at the end of
the window is compared fairly.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from hashwinter.engine import Ledger

__all__ = ["HedgeReport", "book_frame", "hedge_report", "revenue_by_day"]


@dataclasses.dataclass(frozen=True)
class HedgeReport:
    """The hedging section of a backtest (money in the frames' currency).

    Attributes
    ----------
    daily : pandas.DataFrame
        Per day and owner: ``notional``, ``entry``, ``mark``, ``variation_margin``,
        ``funding``, ``fees``, ``realised_pnl``, ``liquidations``, ``basis_cost``,
        ``margin``, ``maintenance_margin``, ``coins_delivered``,
        ``delivery_proceeds``, and the fiat revenue of both legs
        (``revenue_hedged``, ``revenue_unhedged``), units in the column names.
    monthly : pandas.DataFrame
        Per calendar month and owner: revenue hedged and unhedged and their
        difference, the largest margin posted, funding paid, basis cost, fees,
        realised P&L and the number of liquidations.
    equity_hedged, equity_unhedged : float
        Cash plus coins at the last price at the end of each leg, all owners. [currency]
    instruments : tuple of str
        The book's contracts.

    """

    daily: pd.DataFrame
    monthly: pd.DataFrame
    equity_hedged: float
    equity_unhedged: float
    instruments: tuple[str, ...]


def revenue_by_day(treasury: pd.DataFrame, currency: str, coin: str) -> np.ndarray:
    """Return the fiat revenue of each row of a treasury ledger (see the module doc)."""
    ccy, k = currency.lower(), coin.lower()
    return np.asarray(
        treasury[f"sale_proceeds_{ccy}"] + treasury[f"forced_sale_proceeds_{ccy}"]
        + treasury[f"instrument_cash_{ccy}"]
        - treasury[f"coins_bought_{k}"] * treasury[f"price_{ccy}_per_{k}"], dtype=np.float64)


def book_frame(journal: dict[str, np.ndarray], ledger: Ledger) -> pd.DataFrame:
    """Return the book's daily ledger per owner (run currency) from a journal's arrays."""
    meta = ledger.meta
    ccy, k = meta.currency.lower(), meta.coin.lower()
    spd = meta.clock.steps_per_day
    n_days, n_own = meta.clock.n_days, len(meta.owner_names)

    def daily(name: str, how: str) -> np.ndarray:
        arr = journal[name][:, 0, 0, :].reshape(n_days, spd, n_own)
        return {"sum": arr.sum(axis=1), "last": arr[:, -1],
                "max": arr.max(axis=1)}[how].reshape(-1)

    frame = pd.DataFrame({
        "date": np.repeat(pd.to_datetime(meta.clock.dates), n_own),
        "owner": np.tile(np.asarray(meta.owner_names, dtype=object), n_days),
    })
    columns = (
        (f"notional_{ccy}", "notional", "last"),
        (f"entry_{ccy}_per_{k}", "entry", "last"),
        (f"mark_{ccy}_per_{k}", "mark", "last"),
        (f"variation_margin_{ccy}", "variation", "sum"),
        (f"funding_{ccy}", "funding", "sum"),
        (f"fees_{ccy}", "fees", "sum"),
        (f"realised_pnl_{ccy}", "realised", "sum"),
        ("liquidations", "liquidated", "sum"),
        (f"basis_cost_{ccy}", "basis", "sum"),
        (f"margin_{ccy}", "margin", "max"),
        (f"maintenance_margin_{ccy}", "maintenance", "max"),
        (f"coins_delivered_{k}", "delivered", "sum"),
        (f"delivery_proceeds_{ccy}", "delivery", "sum"),
    )
    for column, name, how in columns:
        frame[column] = daily(name, how)
    return frame


def hedge_report(book: pd.DataFrame, hedged: pd.DataFrame, unhedged: pd.DataFrame,
                 currency: str, coin: str, instruments: tuple[str, ...]) -> HedgeReport:
    """Return the hedging section from the book's daily frame and both legs' treasuries.

    All three frames are in ``currency`` (converted at each day's FX rate), one row
    per day and owner in the same order.
    """
    ccy, k = currency.lower(), coin.lower()
    daily = book.copy()
    daily[f"revenue_hedged_{ccy}"] = revenue_by_day(hedged, currency, coin)
    daily[f"revenue_unhedged_{ccy}"] = revenue_by_day(unhedged, currency, coin)
    month = daily["date"].dt.to_period("M").astype(str)
    grouped = daily.groupby([month.rename("month"), daily["owner"]], sort=True)
    monthly = pd.DataFrame({
        f"revenue_hedged_{ccy}": grouped[f"revenue_hedged_{ccy}"].sum(),
        f"revenue_unhedged_{ccy}": grouped[f"revenue_unhedged_{ccy}"].sum(),
        f"margin_used_{ccy}": grouped[f"margin_{ccy}"].max(),
        f"funding_paid_{ccy}": -grouped[f"funding_{ccy}"].sum(),
        f"basis_cost_{ccy}": grouped[f"basis_cost_{ccy}"].sum(),
        f"fees_{ccy}": grouped[f"fees_{ccy}"].sum(),
        f"realised_pnl_{ccy}": grouped[f"realised_pnl_{ccy}"].sum(),
        "liquidations": grouped["liquidations"].sum().astype(np.int64),
    }).reset_index()
    monthly.insert(4, f"hedge_gain_{ccy}",
                   monthly[f"revenue_hedged_{ccy}"] - monthly[f"revenue_unhedged_{ccy}"])

    def equity(treasury: pd.DataFrame) -> float:
        last = treasury[treasury["date"] == treasury["date"].max()]
        return float((last[f"cash_{ccy}"] + last[f"coins_{k}"]
                      * last[f"price_{ccy}_per_{k}"]).sum())

    return HedgeReport(daily, monthly, equity(hedged), equity(unhedged), instruments)
