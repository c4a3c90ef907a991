"""The summary of a farm backtest: totals, balances, the day it went broke, per-cohort lines."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["FarmSummary", "summarize"]


@dataclasses.dataclass(frozen=True)
class FarmSummary:
    """Totals of a backtest window, in the report currency.

    Attributes
    ----------
    name : str
        Farm name.
    start, end : datetime.date
        Window (both days included).
    days : int
        Days in the window.
    currency, coin : str
        Units.
    resolution : str
        ``"day"`` or ``"hour"`` steps.
    coins_mined, pool_fee_coins, coins_sold, forced_coins_sold : float
        [coin]
    revenue : float
        Mined coins valued at each day's price, every coin of the coin axis. [currency]
    other_coin_revenue : float
        The part of ``revenue`` mined on ``[[coins]]`` beyond the main coin (sold
        the step they are mined). [currency]
    energy_kwh : float
        Energy at the meter. [kWh]
    power_cost, management_fees, hosting_fees, restart_costs : float
        [currency]
    operating_margin : float
        Revenue minus power, fees and restarts. [currency]
    fixed_costs, machine_capex, site_capex, depreciation : float
        [currency]
    net_profit : float
        Operating margin minus fixed costs and depreciation (accrual view). [currency]
    sale_proceeds : float
        Cash from all coin sales, forced ones included. [currency]
    cash_start, cash_end : float
        [currency]
    coins_start, coins_end : float
        [coin]
    price_end : float
        Coin price on the last day. [currency/coin]
    equity_end : float
        ``cash_end + coins_end * price_end``. [currency]
    broke_date : datetime.date or None
        First day the farm could not pay its bills, if any.
    cohorts : pandas.DataFrame
        One row per cohort: machines, coins, revenue, power cost, margin, days
        unplugged, days below the shutdown price, first/last/min shutdown price.
    machine_sales : float
        Cash from machines sold or scrapped by the policies. [currency]
    owners : pandas.DataFrame or None
        With several owners, one row per owner: opening and closing cash,
        closing coins and equity, transfers received from the other owners
        (hosting fees, machine sales), the day it went broke. The totals above
        are then the farm file's, all owners together (transfers cancel).

    A farm file with several owners (a host and its client) is summarised as one
    business: flows between its owners cancel; the owners table shows each side.

    """

    name: str
    start: dt.date
    end: dt.date
    days: int
    currency: str
    coin: str
    resolution: str
    coins_mined: float
    pool_fee_coins: float
    revenue: float
    energy_kwh: float
    power_cost: float
    management_fees: float
    hosting_fees: float
    restart_costs: float
    operating_margin: float
    fixed_costs: float
    machine_capex: float
    site_capex: float
    depreciation: float
    net_profit: float
    coins_sold: float
    forced_coins_sold: float
    sale_proceeds: float
    cash_start: float
    cash_end: float
    coins_start: float
    coins_end: float
    price_end: float
    equity_end: float
    broke_date: dt.date | None
    cohorts: pd.DataFrame
    machine_sales: float = 0.0
    owners: pd.DataFrame | None = None
    other_coin_revenue: float = 0.0

    def rows(self) -> list[tuple[str, str]]:
        """Return (label, formatted value) pairs for a terminal table."""
        c, k = self.currency, self.coin
        money = [
            ("Revenue (mined coins at the day's price)", self.revenue),
            *([("  of which other coins (sold when mined)", self.other_coin_revenue)]
              if self.other_coin_revenue else []),
            ("Power cost", self.power_cost),
            ("Management fees", self.management_fees),
            ("Hosting fees", self.hosting_fees),
            ("Restart costs", self.restart_costs),
            ("Operating margin", self.operating_margin),
            ("Fixed costs", self.fixed_costs),
            ("Depreciation", self.depreciation),
            ("Net profit (accrual)", self.net_profit),
            ("Machine purchases in window", self.machine_capex),
            ("Site capex in window", self.site_capex),
            ("Coin sales", self.sale_proceeds),
            *([("Machine sales", self.machine_sales)] if self.machine_sales else []),
            ("Cash at start", self.cash_start),
            ("Cash at end", self.cash_end),
            ("Equity at end (cash + coins)", self.equity_end),
        ]
        window = f"{self.start} .. {self.end} ({self.days} days, {self.resolution} steps)"
        out = [("Window", window),
               (f"Coins mined [{k}]", f"{self.coins_mined:,.4f}"),
               (f"Coins sold (forced) [{k}]",
                f"{self.coins_sold + self.forced_coins_sold:,.4f} ({self.forced_coins_sold:,.4f})"),
               (f"Coins held at end [{k}]", f"{self.coins_end:,.4f}"),
               ("Energy [kWh]", f"{self.energy_kwh:,.0f}")]
        out += [(f"{label} [{c}]", f"{value:,.2f}") for label, value in money]
        out.append(("Went broke on", str(self.broke_date) if self.broke_date else "never"))
        return out


def _cohort_lines(cohorts: pd.DataFrame, ccy: str, coin: str) -> pd.DataFrame:
    price = f"price_{ccy}_per_{coin}"
    other = f"other_coin_revenue_{ccy}"
    shut = f"shutdown_price_{ccy}_per_{coin}"
    rows = []
    for label, g in cohorts.groupby("cohort", sort=False):
        installed = g["installed_machines"].to_numpy()
        owned = installed > 0
        below = owned & (g[price].to_numpy() < g[shut].to_numpy())
        off_share = np.divide(g["unplugged_machines"].to_numpy(), installed,
                              out=np.zeros(len(g)), where=owned)
        shutdown = g[shut].to_numpy()[owned]
        first_below = g["date"].to_numpy()[below]
        rows.append({
            "cohort": label,
            "model": g["model"].iloc[0],
            "site": g["site"].iloc[0],
            "machines": float(installed.max()),
            f"coins_mined_{coin}": float(g[f"coins_mined_{coin}"].sum()),
            f"revenue_{ccy}": float(g[f"revenue_{ccy}"].sum()
                                    + (g[other].sum() if other in g else 0.0)),
            "days_on_other_coins": int((g[other] > 0).sum()) if other in g else 0,
            f"power_cost_{ccy}": float(g[f"power_cost_{ccy}"].sum()),
            f"margin_{ccy}": float(g[f"margin_{ccy}"].sum()),
            "days_unplugged": float(off_share.sum()),
            "days_below_shutdown_price": int(below.sum()),
            "first_day_below": (pd.Timestamp(first_below[0]).date()
                                if first_below.size else None),
            f"shutdown_price_first_{ccy}_per_{coin}": float(shutdown[0]) if shutdown.size
            else np.nan,
            f"shutdown_price_last_{ccy}_per_{coin}": float(shutdown[-1]) if shutdown.size
            else np.nan,
            f"shutdown_price_min_{ccy}_per_{coin}": float(shutdown.min()) if shutdown.size
            else np.nan,
        })
    return pd.DataFrame(rows)


def summarize(
    name: str,
    cohorts: pd.DataFrame,
    treasury: pd.DataFrame,
    *,
    currency: str,
    coin: str,
    resolution: str,
    cash_start: float,
    coins_start: float,
) -> FarmSummary:
    """Build the :class:`FarmSummary` from the daily ledgers (one variant, one path).

    Parameters
    ----------
    name : str
        Farm name.
    cohorts, treasury : pandas.DataFrame
        Daily cohort and treasury ledgers in the report currency.
    currency, coin : str
        Units of the ledgers.
    resolution : str
        Step length of the run.
    cash_start, coins_start : float
        Opening balances. [currency], [coin]

    """
    ccy, k = currency.lower(), coin.lower()

    def total(frame: pd.DataFrame, col: str) -> float:
        return float(frame[col].sum())

    owners = _owner_lines(treasury, ccy, k) if "owner" in treasury and (
        treasury["owner"].nunique() > 1) else None
    if owners is not None:
        treasury = _consolidated(treasury, ccy, k)
    broke = treasury.loc[treasury["broke"], "date"]
    last = treasury.iloc[-1]
    # Coins of the coin axis beyond the main one are sold the step they are mined.
    other = f"other_coin_revenue_{ccy}"
    other_revenue = total(cohorts, other) if other in cohorts else 0.0
    revenue = total(cohorts, f"revenue_{ccy}") + other_revenue
    power = total(cohorts, f"power_cost_{ccy}")
    management = total(cohorts, f"management_fee_{ccy}")
    restarts = total(cohorts, f"restart_cost_{ccy}")
    moves = total(cohorts, f"move_cost_{ccy}") if f"move_cost_{ccy}" in cohorts else 0.0
    # Hosting paid outside the farm file (hosting between its owners is a transfer).
    hosting = total(treasury, f"operating_cost_{ccy}") - power - management - restarts - moves
    opex = power + management + hosting + restarts + moves
    margin = revenue - opex
    fixed = total(treasury, f"fixed_costs_{ccy}")
    depreciation = total(treasury, f"depreciation_{ccy}")
    dates = treasury["date"]
    return FarmSummary(
        name=name,
        start=pd.Timestamp(dates.iloc[0]).date(),
        end=pd.Timestamp(dates.iloc[-1]).date(),
        days=int(dates.nunique()),
        currency=currency,
        coin=coin,
        resolution=resolution,
        coins_mined=total(cohorts, f"coins_mined_{k}"),
        pool_fee_coins=total(cohorts, f"pool_fee_{k}"),
        revenue=revenue,
        other_coin_revenue=other_revenue,
        energy_kwh=total(cohorts, "energy_kwh"),
        power_cost=power,
        management_fees=management,
        hosting_fees=hosting,
        restart_costs=restarts,
        operating_margin=margin,
        fixed_costs=fixed,
        machine_capex=total(treasury, f"machine_capex_{ccy}"),
        site_capex=total(treasury, f"site_capex_{ccy}"),
        depreciation=depreciation,
        net_profit=margin - fixed - depreciation,
        coins_sold=total(treasury, f"coins_sold_{k}"),
        forced_coins_sold=total(treasury, f"forced_coins_sold_{k}"),
        sale_proceeds=total(treasury, f"sale_proceeds_{ccy}")
        + total(treasury, f"forced_sale_proceeds_{ccy}"),
        cash_start=cash_start,
        cash_end=float(last[f"cash_{ccy}"]),
        coins_start=coins_start,
        coins_end=float(last[f"coins_{k}"]),
        price_end=float(last[f"price_{ccy}_per_{k}"]),
        equity_end=float(last[f"cash_{ccy}"] + last[f"coins_{k}"] * last[f"price_{ccy}_per_{k}"]),
        broke_date=pd.Timestamp(broke.iloc[0]).date() if len(broke) else None,
        cohorts=_cohort_lines(cohorts, ccy, k),
        machine_sales=(total(treasury, f"machine_sales_{ccy}")
                       if f"machine_sales_{ccy}" in treasury else 0.0),
        owners=owners,
    )


def _consolidated(treasury: pd.DataFrame, ccy: str, coin: str) -> pd.DataFrame:
    """Sum the owners' daily ledgers into the farm file's (prices and network kept)."""
    shared = [c for c in treasury.columns if c.startswith(("price_", "difficulty",
                                                           "network_hashrate"))]
    summed = [c for c in treasury.columns if c not in shared and c not in (
        "date", "owner", "broke", "variant", "path") and pd.api.types.is_numeric_dtype(
        treasury[c])]
    grouped = treasury.groupby("date", sort=True)
    out = grouped[summed].sum()
    out[shared] = grouped[shared].first()
    out["broke"] = grouped["broke"].any()
    return out.reset_index()


def _owner_lines(treasury: pd.DataFrame, ccy: str, coin: str) -> pd.DataFrame:
    rows = []
    for name, g in treasury.groupby("owner", sort=False):
        first, last = g.iloc[0], g.iloc[-1]
        broke = g.loc[g["broke"], "date"]
        opening = float(first[f"cash_{ccy}"] - first[f"net_cash_flow_{ccy}"])
        rows.append({
            "owner": name,
            f"cash_start_{ccy}": opening,
            f"cash_end_{ccy}": float(last[f"cash_{ccy}"]),
            f"coins_end_{coin}": float(last[f"coins_{coin}"]),
            f"equity_end_{ccy}": float(last[f"cash_{ccy}"]
                                      + last[f"coins_{coin}"] * last[f"price_{ccy}_per_{coin}"]),
            f"transfers_in_{ccy}": float(g[f"transfers_in_{ccy}"].sum()),
            "broke_date": pd.Timestamp(broke.iloc[0]).date() if len(broke) else None,
        })
    return pd.DataFrame(rows)
