"""Replay a farm through real history: the engine with one variant and one path.

:func:`backtest` builds the farm's engine inputs, runs the engine with a full
ledger, checks the ledger's cash and coin balances against the sum of their
daily flows (to the cent, to the satoshi), converts money to the report
currency at each day's FX rate, and summarises.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hashwinter.energy.currency import normalize_currency
from hashwinter.engine import (
    CASH_TOLERANCE,
    COIN_TOLERANCE,
    ConservationError,
    DailyMarket,
    Ledger,
    LedgerRecorder,
    Resolution,
    RunResult,
    run,
)
from hashwinter.errors import InputError
from hashwinter.farm.build import FarmRun, build_farm_run, farm_window, needed_currencies
from hashwinter.farm.compare import comparison_rows, transit_machine_days
from hashwinter.farm.config import LoadedFarm
from hashwinter.farm.follow_plan import stay_put_farm
from hashwinter.farm.hedge_report import HedgeReport, book_frame, hedge_report
from hashwinter.farm.hedging import funding_symbols, futures_symbols
from hashwinter.farm.summary import FarmSummary, summarize
from hashwinter.finance.instruments import BookJournal, HedgeContract

if TYPE_CHECKING:
    from hashwinter.data.store import HistoryStore
    from hashwinter.farm.config import FarmConfig

__all__ = [
    "BacktestResult",
    "backtest",
    "backtest_from_store",
    "check_ledger_balances",
    "coin_history",
    "convert_ledger",
]


@dataclasses.dataclass(frozen=True)
class BacktestResult:
    """A farm backtest.

    Attributes
    ----------
    farm_run : FarmRun
        Engine inputs built from the farm.
    run : RunResult
        Raw engine result (farm currency).
    ledger : Ledger
        Per-step ledger arrays (farm currency).
    currency : str
        Report currency of the frames and the summary.
    cohorts : pandas.DataFrame
        Daily ledger per cohort (units in column names).
    treasury : pandas.DataFrame
        Daily ledger of the farm's treasury, with depreciation.
    summary : FarmSummary
        Totals and per-cohort lines.
    hedge : HedgeReport or None
        With a hedge: the book's daily ledger and the farm hedged vs the same farm
        unhedged (a second leg), per month.
    stay_put : BacktestResult or None
        With a ``follow_plan`` policy: the same farm that never moves (the
        comparison leg); see :meth:`plan_comparison`. With a hedge too, this leg
        is hedged as well (its own ``hedge`` is None: no unhedged stay-put leg).

    """

    farm_run: FarmRun
    run: RunResult
    ledger: Ledger
    currency: str
    cohorts: pd.DataFrame
    treasury: pd.DataFrame
    summary: FarmSummary
    hedge: HedgeReport | None = None
    stay_put: BacktestResult | None = None

    def plan_figures(self) -> dict[str, float]:
        """Return what the plan changes: margin, power, moving costs, downtime, net profit."""
        s = self.summary
        ccy = self.currency.lower()
        moves = (float(self.cohorts[f"move_cost_{ccy}"].sum())
                 if f"move_cost_{ccy}" in self.cohorts else 0.0)
        fr = self.farm_run
        return {
            f"Revenue [{self.currency}]": s.revenue,
            f"Power cost [{self.currency}]": s.power_cost,
            f"Moving costs [{self.currency}]": moves,
            "Downtime on the road [machine-days]": transit_machine_days(
                self.cohorts, fr.in_transit, fr.spec.cohorts.label),
            f"Operating margin [{self.currency}]": s.operating_margin,
            f"Net profit (accrual) [{self.currency}]": s.net_profit,
            f"Equity at end [{self.currency}]": s.equity_end,
        }

    def plan_comparison(self) -> pd.DataFrame | None:
        """Return follow the plan against stay put, one row per figure (None without a plan)."""
        if self.stay_put is None:
            return None
        return comparison_rows(self.plan_figures(), self.stay_put.plan_figures())


def check_ledger_balances(treasury: pd.DataFrame, cash_start: float | Mapping[str, float],
                          coins_start: float | Mapping[str, float], currency: str,
                          coin: str) -> None:
    """Check that each day's cash and coins equal the opening balance plus the flows so far.

    ``cash_start`` and ``coins_start`` are one value, or one per owner name.

    Raises
    ------
    ConservationError
        If cash differs by more than half a cent, or coins by more than half a satoshi.

    """
    ccy, k = currency.lower(), coin.lower()
    for _, g in treasury.groupby([c for c in ("variant", "path", "owner") if c in treasury]):
        who = str(g["owner"].iloc[0]) if "owner" in g else ""
        cash0 = cash_start[who] if isinstance(cash_start, Mapping) else cash_start
        coins0 = coins_start[who] if isinstance(coins_start, Mapping) else coins_start
        cash = cash0 + g[f"net_cash_flow_{ccy}"].cumsum()
        err = float(np.max(np.abs(g[f"cash_{ccy}"] - cash)))
        if err > CASH_TOLERANCE:
            raise ConservationError(f"ledger cash differs from the sum of its flows by {err:.4f}")
        coins = coins0 + (g[f"coins_mined_{k}"] - g[f"coins_sold_{k}"]
                               - g[f"forced_coins_sold_{k}"] + g[f"instrument_coins_{k}"]
                               + g[f"coins_bought_{k}"]
                               + g.get(f"coin_transfers_in_{k}", 0.0)).cumsum()
        err = float(np.max(np.abs(g[f"coins_{k}"] - coins)))
        if err > COIN_TOLERANCE:
            raise ConservationError(f"ledger coins differ from mined minus sold by {err:.3g}")


def convert_ledger(frame: pd.DataFrame, market: DailyMarket, currency: str) -> pd.DataFrame:
    """Return a ledger with its money columns converted to ``currency`` at each day's rate.

    Columns ending in ``_<ccy>`` or containing ``_<ccy>_per_`` (``<ccy>`` the
    market's currency) are converted and renamed.
    """
    src = market.currency.lower()
    dst = normalize_currency(currency).lower()
    if src == dst:
        return frame
    per_day = pd.Series(1.0 / market.fx_to_run(currency), index=pd.to_datetime(market.dates))
    factor = frame["date"].map(per_day).to_numpy(np.float64)
    out = frame.copy()
    pattern = re.compile(rf"_{src}(_per_|$)")
    renames = {}
    for col in frame.columns:
        if pattern.search(col):
            out[col] = frame[col].to_numpy(np.float64) * factor
            renames[col] = pattern.sub(lambda m: f"_{dst}{m[1]}", col)
    out = out.rename(columns=renames)
    out.attrs["currency"] = currency.upper()
    return out


def backtest(
    farm: LoadedFarm,
    market: DailyMarket,
    *,
    start: object = None,
    end: object = None,
    currency: str | None = None,
    resolution: Resolution | str = "auto",
    progress: Callable[[int], None] | None = None,
    farm_run: FarmRun | None = None,
    stay_put: bool = True,
    unhedged: bool = True,
    funding: Mapping[str, Any] | None = None,
    futures: Mapping[str, Any] | None = None,
    other_coins: Mapping[str, DailyMarket] | None = None,
) -> BacktestResult:
    """Replay a farm through a window of market history.

    A farm that follows a plan (a ``follow_plan`` policy) is run twice on the
    same history: following it, and staying put (``result.stay_put``). A farm
    with a hedge is also run without it (``result.hedge``). The two comparisons
    are independent: with both, the unhedged leg follows the plan (hedged vs
    unhedged, both following it) and the stay-put leg keeps the hedge (follow vs
    stay put, both hedged); no unhedged stay-put leg is run (three runs, not four).

    Parameters
    ----------
    farm : LoadedFarm
        A validated farm.
    market : DailyMarket
        Daily history (any currency with FX to the farm's and the report's).
    start, end : date or str, optional
        Window (default: the farm file's).
    currency : str, optional
        Report currency (default: the farm's).
    resolution : {"auto", "day", "hour"}
        Step length (see :func:`~hashwinter.farm.build.build_farm_run`).
    progress : callable, optional
        Called with the number of steps done.
    farm_run : FarmRun, optional
        Inputs already built (the CLI builds them to size its progress bar).
    stay_put : bool, default True
        Also run the stay-put leg of a farm that follows a plan (progress counts
        on through its steps).
    unhedged : bool, default True
        Also run the unhedged leg of a farm with a hedge (``result.hedge``; not
        counted in the progress).
    funding, futures : mapping, optional
        The hedges' funding rates and futures prices by symbol (see
        :func:`~hashwinter.farm.build.build_farm_run`; :func:`hedge_history` reads
        them); used when ``farm_run`` is not given and by the stay-put leg.
    other_coins : mapping of str to DailyMarket, optional
        History of the farm's ``[[coins]]`` by ticker (:func:`coin_history`); used
        when ``farm_run`` is not given and by the comparison legs.

    Returns
    -------
    BacktestResult

    """
    fr = farm_run if farm_run is not None else build_farm_run(
        farm, market, start=start, end=end, resolution=resolution, funding=funding,
        futures=futures, other_coins=other_coins)
    config = farm.config
    journal = BookJournal() if fr.instruments else None
    instruments = [i.with_journal(journal) if isinstance(i, HedgeContract) else i
                   for i in fr.instruments]
    result = run(fr.spec, fr.policy, fr.treasury, recorders=[LedgerRecorder()],
                 progress=progress, instruments=instruments)
    ledger: Ledger = result.records[0]
    cohorts = ledger.cohort_frame()
    treasury = ledger.owner_frame()
    ccy = config.currency.lower()
    by_owner = (fr.depreciation_by_owner if fr.depreciation_by_owner is not None
                else fr.depreciation[:, None])
    treasury[f"depreciation_{ccy}"] = by_owner.reshape(-1)  # rows: day-major, then owner
    owners = fr.spec.owners
    starts = (dict(zip(owners.names, owners.starting_cash, strict=True)),
              dict(zip(owners.names, owners.starting_coins, strict=True)))
    check_ledger_balances(treasury, *starts, config.currency, config.coin)
    report = normalize_currency(currency) if currency else config.currency
    window = fr.spec.market
    cohorts = convert_ledger(cohorts, window, report)
    treasury = convert_ledger(treasury, window, report)
    hedge = None
    if journal is not None and unhedged:
        # The comparison leg: the same farm, same history, without the hedge.
        dates = fr.spec.clock.dates
        base = build_farm_run(farm, market, start=dates[0], end=dates[-1],
                              resolution=fr.spec.clock.resolution, hedge=False,
                              other_coins=other_coins)
        base_run = run(base.spec, base.policy, base.treasury, recorders=[LedgerRecorder()])
        base_treasury = base_run.records[0].owner_frame()
        check_ledger_balances(base_treasury, *starts, config.currency, config.coin)
        book = book_frame(journal.arrays(fr.spec.clock.n_steps, result.cash.shape), ledger)
        hedge = hedge_report(convert_ledger(book, window, report), treasury,
                             convert_ledger(base_treasury, window, report), report, config.coin,
                             tuple(i.name for i in fr.instruments))
    fx0 = 1.0 / float(window.fx_to_run(report)[0])
    summary = summarize(
        config.name, cohorts, treasury, currency=report, coin=config.coin,
        resolution=fr.spec.clock.resolution, cash_start=float(owners.starting_cash.sum()) * fx0,
        coins_start=float(owners.starting_coins.sum()),
    )
    out = BacktestResult(fr, result, ledger, report, cohorts, treasury, summary, hedge)
    stay = stay_put_farm(farm) if stay_put else None
    if stay is None:
        return out
    steps = fr.spec.clock.n_steps
    leg = backtest(stay, market, start=window.dates[0], end=window.dates[-1], currency=report,
                   resolution=fr.spec.clock.resolution, stay_put=False, unhedged=False,
                   funding=funding, futures=futures, other_coins=other_coins,
                   progress=None if progress is None else (lambda done: progress(steps + done)))
    return dataclasses.replace(out, stay_put=leg)


def coin_history(
    config: FarmConfig,
    store: HistoryStore | str | os.PathLike[str] | None,
    *,
    start: object,
    end: object,
    currency: str | None = None,
    fields: tuple[str, str] = ("start", "end"),
) -> dict[str, DailyMarket]:
    """Read the history of a farm's ``[[coins]]`` (the coin axis beyond the main coin).

    Each coin's window must be in the store; errors name the window's fields as
    :func:`~hashwinter.engine.history.market_from_store` does, prefixed by the coin.
    """
    if not config.coins:
        return {}
    from hashwinter.engine.history import market_from_store

    out: dict[str, DailyMarket] = {}
    for i, entry in enumerate(config.coins):
        try:
            out[entry.coin] = market_from_store(
                store, start=start, end=end, currency=config.currency,
                extra_currencies=needed_currencies(config, currency), asset=entry.coin,
                start_field=fields[0], end_field=fields[1])
        except InputError as exc:
            raise InputError(f"{entry.coin}: {exc.message}", field=f"coins[{i}].coin") from None
    return out


def hedge_history(
    config: FarmConfig, store: HistoryStore | str | os.PathLike[str] | None
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Read the funding rates and futures prices a farm's hedges need from the store."""
    wanted_funding, wanted_futures = funding_symbols(config), futures_symbols(config)
    if not wanted_funding and not wanted_futures:
        return {}, {}
    from hashwinter.data.store import opened
    from hashwinter.finance.funding import FundingHistory

    funding: dict[str, Any] = {}
    futures: dict[str, pd.DataFrame] = {}
    with opened(store) as db:
        for symbol in sorted(wanted_funding):
            frame = db.funding(symbol)
            if len(frame):
                funding[symbol] = FundingHistory.from_frame(frame, symbol=symbol)
        for symbol in sorted(wanted_futures):
            frame = db.futures_prices(symbol)
            if len(frame):
                futures[symbol] = frame
    return funding, futures


def backtest_from_store(
    farm: LoadedFarm,
    store: HistoryStore | str | os.PathLike[str] | None = None,
    *,
    start: object = None,
    end: object = None,
    currency: str | None = None,
    resolution: Resolution | str = "auto",
    progress: Callable[[int, int], None] | None = None,
    fields: tuple[str, str] = ("start", "end"),
    check_run: Callable[[FarmRun], None] | None = None,
) -> BacktestResult:
    """Backtest a farm on the history store: the window, currencies and build in one place.

    Parameters
    ----------
    farm : LoadedFarm
        A validated farm.
    store : HistoryStore or path, optional
        History store (default: ``$HASHWINTER_STORE`` or the user data dir).
    start, end : date or str, optional
        Window (default: the farm file's).
    currency : str, optional
        Report currency (default: the farm's).
    resolution : {"auto", "day", "hour"}
        Step length.
    progress : callable, optional
        Called as ``progress(steps_done, steps_total)`` after every step.
    fields : (str, str)
        How errors name the start and end (the CLI passes ``("--from", "--to")``).
    check_run : callable, optional
        Called with the built run before it runs (the CLI's memory guard raises there).

    Returns
    -------
    BacktestResult
        With ``stay_put`` set when the farm follows a plan (both legs run).

    """
    from hashwinter.engine.history import market_from_store

    config = farm.config
    report = normalize_currency(currency) if currency else config.currency
    first, last = farm_window(config, start, end, fields=fields)
    market = market_from_store(
        store, start=first, end=last, currency=config.currency,
        extra_currencies=needed_currencies(config, report), asset=config.coin,
        start_field=fields[0], end_field=fields[1])
    funding, futures = hedge_history(config, store)
    others = coin_history(config, store, start=first, end=last, currency=report, fields=fields)
    fr = build_farm_run(farm, market, start=first, end=last, resolution=resolution,
                        funding=funding, futures=futures, other_coins=others)
    if check_run is not None:
        check_run(fr)
    total = fr.spec.clock.n_steps
    if stay_put_farm(farm) is not None:
        total *= 2  # the stay-put leg runs after the plan's, on the same history
    step_done = None if progress is None else (lambda done: progress(done, total))
    return backtest(farm, market, currency=report, progress=step_done, farm_run=fr,
                    funding=funding, futures=futures, other_coins=others)
