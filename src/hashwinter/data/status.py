"""What the store holds: per table and series, rows, date range and gaps (``data status``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

from hashwinter.data.check import check_store
from hashwinter.data.store import HistoryStore, opened

__all__ = ["TableStatus", "store_status"]

_SERIES_SQL = {
    "chain_daily": "SELECT asset, count(*), min(date), max(date) FROM chain_daily "
                   "GROUP BY 1 ORDER BY 1",
    "coin_price_daily": "SELECT asset || '/' || quote, count(*), min(date), max(date) "
                        "FROM coin_price_daily GROUP BY 1 ORDER BY 1",
    "fx_daily": "SELECT currency, count(*), min(date), max(date) FROM fx_daily "
                "GROUP BY 1 ORDER BY 1",
    "retargets": "SELECT asset, count(*), CAST(min(time) AS DATE), CAST(max(time) AS DATE) "
                 "FROM retargets GROUP BY 1 ORDER BY 1",
    "machine_prices": "SELECT currency, count(*), min(date), max(date) FROM machine_prices "
                      "GROUP BY 1 ORDER BY 1",
}


@dataclasses.dataclass(frozen=True)
class TableStatus:
    """One stored series.

    Attributes
    ----------
    table : str
        Table name.
    series : str
        Asset (``BTC``), pair (``BTC/USD``) or currency (``CNY``).
    rows : int
        Stored rows.
    first, last : datetime.date
        Range of days.
    gaps : int
        Gaps ``data check`` reports for this series (missing days, empty values).

    """

    table: str
    series: str
    rows: int
    first: dt.date
    last: dt.date
    gaps: int


def store_status(store: HistoryStore | str | os.PathLike[str] | None = None) -> list[TableStatus]:
    """List every stored series with its rows, date range and number of gaps.

    Parameters
    ----------
    store : HistoryStore or path, optional
        Open store or its file (default: ``$HASHWINTER_STORE`` or the user data dir).

    Returns
    -------
    list of TableStatus
        Ordered by table, then series.

    """
    with opened(store) as st:
        findings = check_store(st)
        out: list[TableStatus] = []
        for table, sql in _SERIES_SQL.items():
            for series, rows, first, last in st.con.execute(sql).fetchall():
                gaps = sum(1 for f in findings
                           if f.kind == "gap" and f.table == table and f.series == series)
                out.append(TableStatus(table, str(series), int(rows), first, last, gaps))
    return out
