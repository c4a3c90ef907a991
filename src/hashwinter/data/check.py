"""Find gaps and suspicious values in the history store (``hashwinter data check``).

Gaps
    Missing calendar days in chain history and coin prices (crypto trades
    every day); empty values inside an asset's range (e.g. ETH fees after
    2020-07-27 in the Coin Metrics subset); FX gaps longer than a long holiday
    weekend (the ECB publishes on TARGET business days only, so up to four
    missing days in a row, as over Easter, is normal).
Suspicious values
    Bitcoin difficulty changing by more than the protocol's factor of 4 from
    one retarget to the next (impossible on mainnet, so a data error); negative
    fees; a coin price that jumps by more than ``jump_factor`` in a day, or a
    one-day spike that moves more than ``spike_factor`` from both neighbours
    and comes back (typical of a bad print); any stored value that is not
    finite (NaN, inf) or lies outside its plausible range, and any day outside
    1970-2100 (:mod:`hashwinter.data.plausible`, :mod:`hashwinter.ranges`):
    ``data import`` refuses those, but a store written by an older hashwinter
    or by hand may hold them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

import numpy as np

from hashwinter.chain import RETARGET_INTERVAL
from hashwinter.data.daily import day_text, missing_days, retarget_flags, runs
from hashwinter.data.importers.coinmetrics import SHA256_ASSETS
from hashwinter.data.plausible import StoredProblem, store_problems
from hashwinter.data.store import HistoryStore, opened

__all__ = ["Finding", "check_store"]

#: Bitcoin's retarget clamps the timespan to [T/4, 4T], so difficulty moves by at most x4.
RETARGET_LIMIT = 4.0


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem found in the store.

    Attributes
    ----------
    kind : str
        ``"gap"`` or ``"suspicious"``.
    table : str
        Table the problem is in.
    series : str
        Which series: ``"BTC"``, ``"BTC/USD"``, ``"CNY"``...
    start, end : datetime.date
        First and last day concerned.
    message : str
        What is wrong.

    """

    kind: str
    table: str
    series: str
    start: dt.date
    end: dt.date
    message: str

    def __str__(self) -> str:
        span = str(self.start) if self.start == self.end else f"{self.start}..{self.end}"
        return f"{self.kind}: {self.table} {self.series} {span}: {self.message}"


def _date(day: int) -> dt.date:
    """Turn a day number into a date."""
    return dt.date.fromisoformat(day_text(day))


def _gap_text(first: int, last: int) -> str:
    """Describe the length of a run of days, e.g. ``3 days``."""
    n = last - first + 1
    return f"{n} day{'s' if n != 1 else ''}"


def _price_moves(
    days: np.ndarray, price: np.ndarray, spike_factor: float, jump_factor: float
) -> list[tuple[int, int, str]]:
    """One-day spikes and big day-over-day jumps in a daily price series."""
    out: list[tuple[int, int, str]] = []
    ok = np.isfinite(price) & (price > 0)
    d, p = days[ok], price[ok]
    if p.size < 2:
        return out
    consecutive = np.diff(d) == 1
    ratio = p[1:] / p[:-1]
    spike = np.zeros(p.size, dtype=bool)
    if p.size >= 3:
        up = (p[1:-1] > spike_factor * p[:-2]) & (p[1:-1] > spike_factor * p[2:])
        down = (p[1:-1] * spike_factor < p[:-2]) & (p[1:-1] * spike_factor < p[2:])
        spike[1:-1] = (up | down) & consecutive[:-1] & consecutive[1:]
    for i in np.flatnonzero(spike):
        out.append((int(d[i]), int(d[i]), f"one-day price spike: {p[i - 1]:.6g} -> {p[i]:.6g} "
                    f"-> {p[i + 1]:.6g} (beyond x{spike_factor:g} from both neighbours)"))
    jump = consecutive & ((ratio > jump_factor) | (ratio < 1.0 / jump_factor))
    for i in np.flatnonzero(jump):
        if spike[i + 1] or spike[i]:
            continue
        out.append((int(d[i + 1]), int(d[i + 1]), f"price moved x{ratio[i]:.3g} in one day "
                    f"({p[i]:.6g} -> {p[i + 1]:.6g}; beyond x{jump_factor:g})"))
    return out


def check_store(
    store: HistoryStore | str | os.PathLike[str] | None = None,
    *,
    spike_factor: float = 1.5,
    jump_factor: float = 2.0,
    fx_max_gap_days: int = 4,
) -> list[Finding]:
    """Report gaps and suspicious values in the history store.

    Parameters
    ----------
    store : HistoryStore or path, optional
        Open store or its file (default: ``$HASHWINTER_STORE`` or the user data dir).
    spike_factor : float
        A day's price more than this factor away from both neighbours is a spike.
    jump_factor : float
        A day-over-day price ratio beyond this factor (either way) is suspicious.
    fx_max_gap_days : int
        Longest run of days without an FX rate that is not reported. [d]

    Returns
    -------
    list of Finding
        Sorted by table, series and day; empty when nothing was found.

    """
    findings: list[Finding] = []

    def add(kind: str, table: str, series: str, first: int, last: int, message: str) -> None:
        """Record a finding."""
        findings.append(Finding(kind, table, series, _date(first), _date(last), message))

    with opened(store) as st:
        assets = [r[0] for r in st.con.execute(
            "SELECT DISTINCT asset FROM chain_daily ORDER BY 1").fetchall()]
        for asset in assets:
            c = st.arrays("SELECT date, difficulty, hashrate_hs, CAST(blocks AS DOUBLE) AS "
                        "blocks, issuance, fees FROM chain_daily WHERE asset = ? ORDER BY date",
                        [asset])
            for first, last in missing_days(c["date"]):
                add("gap", "chain_daily", asset, first, last,
                    f"no row for {_gap_text(first, last)}")
            for col in ("difficulty", "blocks", "issuance", "fees"):
                empty = c["date"][np.isnan(c[col])]
                for first, last in runs(empty):
                    add("gap", "chain_daily", asset, first, last,
                        f"no {col} for {_gap_text(first, last)}")
            negative = c["date"][c["fees"] < 0]
            for first, last in runs(negative):
                add("suspicious", "chain_daily", asset, first, last, "negative fees")
            if asset in SHA256_ASSETS:
                have = ~np.isnan(c["difficulty"])
                sd, sv = c["date"][have], c["difficulty"][have]
                flag, _, _, around = retarget_flags(sd, sv)
                ratio = around[1] / around[0]
                beyond = flag & ((ratio > RETARGET_LIMIT * (1 + 1e-9))
                                 | (ratio < (1 - 1e-9) / RETARGET_LIMIT))
                for i in np.flatnonzero(beyond):
                    add("suspicious", "chain_daily", asset, int(sd[i]), int(sd[i]),
                        f"difficulty changed x{ratio[i]:.4g} ({around[0][i]:.6g} -> "
                        f"{around[1][i]:.6g}): beyond the x4 retarget limit")
            r = st.arrays("SELECT time, height, difficulty, change FROM retargets "
                        "WHERE asset = ? ORDER BY height", [asset])
            if asset in SHA256_ASSETS and r["height"].size > 1:
                ratio = r["difficulty"][1:] / r["difficulty"][:-1]
                # Only consecutive windows are bound by the rule: two stored retargets
                # further apart (disjoint imports) may differ by any factor.
                adjacent = np.diff(r["height"]) == RETARGET_INTERVAL
                beyond = adjacent & ((ratio > RETARGET_LIMIT * (1 + 1e-6))
                                     | (ratio < (1 - 1e-6) / RETARGET_LIMIT))
                for i in np.flatnonzero(beyond):
                    day = int(r["time"][i + 1])
                    add("suspicious", "retargets", asset, day, day,
                        f"difficulty x{ratio[i]:.4g} from height {int(r['height'][i])} to "
                        f"{int(r['height'][i + 1])}: beyond the x4 retarget limit")
        pairs = st.con.execute("SELECT DISTINCT asset, quote FROM coin_price_daily "
                               "ORDER BY 1, 2").fetchall()
        for asset, quote in pairs:
            p = st.arrays("SELECT date, price FROM coin_price_daily WHERE asset = ? AND "
                        "quote = ? ORDER BY date", [asset, quote])
            name = f"{asset}/{quote}"
            for first, last in missing_days(p["date"]):
                add("gap", "coin_price_daily", name, first, last,
                    f"no price for {_gap_text(first, last)}")
            for first, last, message in _price_moves(p["date"], p["price"], spike_factor,
                                                     jump_factor):
                add("suspicious", "coin_price_daily", name, first, last, message)
        for currency in st.currencies():
            f = st.arrays("SELECT date, per_usd FROM fx_daily WHERE currency = ? "
                        "ORDER BY date", [currency])
            for first, last in missing_days(f["date"]):
                if last - first + 1 > fx_max_gap_days:
                    add("gap", "fx_daily", currency, first, last,
                        f"no rate for {_gap_text(first, last)} (more than a holiday weekend)")
        for group in _implausible_runs(store_problems(st.con)):
            head, tail = group[0], group[-1]
            what = head.message
            if len(group) > 1:
                what += f" ({len(group)} days like this)"
            add("suspicious", head.table, head.series, head.day, tail.day, what)
    findings.sort(key=lambda x: (x.table, x.series, x.start, x.kind))
    return findings


def _implausible_runs(problems: list[StoredProblem]) -> list[list[StoredProblem]]:
    """Group stored problems into runs of consecutive days of one table, column and series."""
    groups: list[list[StoredProblem]] = []
    for p in problems:
        last = groups[-1][-1] if groups else None
        if (last is not None and (last.table, last.column, last.series)
                == (p.table, p.column, p.series) and p.day - last.day <= 1):
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups
