"""The full ledger of a run, per step, and its tidy daily DataFrames.

Arrays are shaped ``(steps, V, P, C)`` for cohorts and ``(steps, V, P, O)`` for
owners. :meth:`Ledger.cohort_frame` and :meth:`Ledger.owner_frame` aggregate
hourly steps to days (flows summed, machine counts averaged, balances at the
day's end) and return one row per day × (variant, path) × cohort or owner, with
the unit in every column name (``power_cost_cny``, ``coins_mined_btc``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.engine.step import RunMeta

__all__ = ["Ledger"]

FloatArray = npt.NDArray[np.float64]

# Cohort flows summed over a day; the rest are averaged or recomputed.
_COHORT_SUMS = ("coins", "pool_fee_coins", "energy_kwh", "power_cost", "management_fee",
                "hosting_fee", "restart_cost", "machine_capex", "cost_per_machine",
                "coins_per_machine")
_OWNER_SUMS = ("mined", "sold", "forced_sold", "proceeds", "forced_proceeds", "operating_cost",
               "machine_capex_owner", "site_capex", "fixed_costs", "machine_sales", "transfers",
               "instrument_cash", "instrument_coins", "coins_bought", "other_coin_sales",
               "coin_transfers")
_TRADES = ("bought", "sold", "scrapped", "moved_in", "moved_out", "buy_cost", "sale_proceeds",
           "scrap_proceeds", "move_cost")


def _by_day(arr: FloatArray, spd: int, how: str) -> FloatArray:
    """Aggregate the leading step axis to days: ``sum``, ``mean`` or ``last``."""
    if spd == 1:
        return arr
    days = arr.reshape(arr.shape[0] // spd, spd, *arr.shape[1:])
    if how == "sum":
        return days.sum(axis=1)
    if how == "mean":
        return days.mean(axis=1)
    return days[:, -1]


@dataclasses.dataclass(frozen=True)
class Ledger:
    """Every flow of a run, per step.

    Attributes
    ----------
    meta : RunMeta
        Shape and labels.
    cohort : dict of str to ndarray (steps, V, P, C)
        ``installed``, ``running`` [machines]; ``coins``, ``pool_fee_coins`` [coin];
        ``energy_kwh`` [kWh]; ``power_cost``, ``management_fee``, ``hosting_fee``,
        ``restart_cost``, ``machine_capex`` [currency]; ``cost_per_machine``
        [currency/machine] and ``coins_per_machine`` [coin/machine].
    owner : dict of str to ndarray (steps, V, P, O)
        ``mined``, ``sold``, ``forced_sold`` [coin]; ``proceeds``,
        ``forced_proceeds``, ``operating_cost``, ``machine_capex_owner``,
        ``site_capex``, ``fixed_costs``, ``cash`` [currency]; ``coins`` [coin];
        ``alive`` [bool as float].
        Labelled transfers (hosting contracts) add ``transfer:<label>`` (received
        minus paid, part of ``transfers``) [currency].
        With trades, transfers or instruments also ``machine_sales``,
        ``transfers``, ``instrument_cash`` [currency], ``instrument_coins``,
        ``coins_bought`` [coin] (absent when the run had none: read as zeros).
    network : dict of str to ndarray (steps, V, P)
        ``price`` [currency/coin], ``difficulty``, ``network_hashrate`` [H/s],
        ``reward_per_hash`` [coin/(H/s) per step].
    trades : dict of str to ndarray (steps, V, P, C)
        Machine trades: ``bought``, ``sold``, ``scrapped``, ``moved_in``,
        ``moved_out`` [machines]; ``buy_cost``, ``sale_proceeds``,
        ``scrap_proceeds``, ``move_cost`` [currency]. Empty if nothing traded.
    book : dict of str to ndarray (steps, V, P, O, I)
        ``positions`` [coin] and ``margin`` [currency] per instrument (empty
        without instruments).

    """

    meta: RunMeta
    cohort: dict[str, FloatArray]
    owner: dict[str, FloatArray]
    network: dict[str, FloatArray]
    trades: dict[str, FloatArray] = dataclasses.field(default_factory=dict)
    book: dict[str, FloatArray] = dataclasses.field(default_factory=dict)

    def trade(self, key: str) -> FloatArray:
        """Return a trade array (steps, V, P, C), zeros if nothing traded."""
        if key in self.trades:
            return self.trades[key]
        return np.zeros(self.cohort["running"].shape)

    def owner_flow(self, key: str) -> FloatArray:
        """Return an owner array (steps, V, P, O), zeros when the run had none."""
        if key in self.owner:
            return self.owner[key]
        return np.zeros(self.owner["cash"].shape)

    def transfer_labels(self) -> tuple[str, ...]:
        """Return the owner keys of labelled transfers (``transfer:<label>``), in order."""
        return tuple(k for k in self.owner if k.startswith("transfer:"))

    def daily_cohort(self) -> dict[str, FloatArray]:
        """Return cohort arrays aggregated to days, shaped (days, V, P, C)."""
        spd = self.meta.clock.steps_per_day
        out = {k: _by_day(np.broadcast_to(self.cohort[k], self.cohort["running"].shape), spd,
                          "sum") for k in _COHORT_SUMS}
        for k in _TRADES:
            out[k] = _by_day(self.trade(k), spd, "sum")
        out["other_coin_revenue"] = _by_day(
            self.cohort.get("other_coin_revenue", np.zeros(self.cohort["running"].shape)), spd,
            "sum")
        out["installed"] = _by_day(np.broadcast_to(self.cohort["installed"],
                                                   self.cohort["running"].shape), spd, "mean")
        out["running"] = _by_day(self.cohort["running"], spd, "mean")
        price = _by_day(self.network["price"], spd, "last")[..., None]
        out["revenue"] = out["coins"] * price
        with np.errstate(divide="ignore", invalid="ignore"):
            out["shutdown_price"] = np.where(
                out["coins_per_machine"] > 0, out["cost_per_machine"] / out["coins_per_machine"],
                np.nan)
        out["margin"] = (out["revenue"] + out["other_coin_revenue"] - out["power_cost"]
                         - out["management_fee"] - out["hosting_fee"] - out["restart_cost"]
                         - out["move_cost"])
        out["price"] = np.broadcast_to(price, out["coins"].shape)
        return out

    def daily_owner(self) -> dict[str, FloatArray]:
        """Return owner arrays aggregated to days, shaped (days, V, P, O)."""
        spd = self.meta.clock.steps_per_day
        out = {k: _by_day(self.owner_flow(k), spd, "sum")
               for k in (*_OWNER_SUMS, *self.transfer_labels())}
        for k in ("cash", "coins", "alive"):
            out[k] = _by_day(self.owner[k], spd, "last")
        shape = out["cash"].shape
        for k in ("price", "difficulty", "network_hashrate"):
            out[k] = np.broadcast_to(_by_day(self.network[k], spd, "last")[..., None], shape)
        return out

    def _index(self, n_last: int, last_name: str, labels: tuple[str, ...]) -> pd.DataFrame:
        m = self.meta
        d, v, p = m.clock.n_days, m.n_variants, m.n_paths
        grid = np.indices((d, v, p, n_last)).reshape(4, -1)
        frame = pd.DataFrame({"date": pd.to_datetime(m.clock.dates[grid[0]])})
        if v > 1:
            frame["variant"] = grid[1]
        if p > 1:
            frame["path"] = grid[2]
        frame[last_name] = np.asarray(labels, dtype=object)[grid[3]]
        return frame

    def cohort_frame(self) -> pd.DataFrame:
        """Return the daily cohort ledger as a tidy DataFrame (units in column names)."""
        m = self.meta
        ccy, coin = m.currency.lower(), m.coin.lower()
        daily = self.daily_cohort()
        frame = self._index(m.cohorts.n, "cohort", m.cohorts.label)
        grid_c = np.indices(daily["coins"].shape).reshape(4, -1)[3]
        frame["model"] = np.asarray(m.cohorts.model, dtype=object)[grid_c]
        frame["site"] = np.asarray(m.cohorts.site, dtype=object)[grid_c]
        frame["owner"] = np.asarray(m.owner_names, dtype=object)[m.cohorts.owner[grid_c]]
        columns = {
            "installed_machines": "installed",
            "running_machines": "running",
            f"coins_mined_{coin}": "coins",
            f"pool_fee_{coin}": "pool_fee_coins",
            f"price_{ccy}_per_{coin}": "price",
            f"revenue_{ccy}": "revenue",
            "energy_kwh": "energy_kwh",
            f"power_cost_{ccy}": "power_cost",
            f"management_fee_{ccy}": "management_fee",
            f"hosting_fee_{ccy}": "hosting_fee",
            f"restart_cost_{ccy}": "restart_cost",
            f"margin_{ccy}": "margin",
            f"machine_capex_{ccy}": "machine_capex",
            f"shutdown_price_{ccy}_per_{coin}": "shutdown_price",
            f"other_coin_revenue_{ccy}": "other_coin_revenue",
            "machines_bought": "bought",
            "machines_sold": "sold",
            "machines_scrapped": "scrapped",
            "machines_moved_in": "moved_in",
            "machines_moved_out": "moved_out",
            f"machine_sales_{ccy}": "sale_proceeds",
            f"scrap_proceeds_{ccy}": "scrap_proceeds",
            f"move_cost_{ccy}": "move_cost",
        }
        for name, key in columns.items():
            frame[name] = np.ascontiguousarray(daily[key]).reshape(-1)
        frame["unplugged_machines"] = frame["installed_machines"] - frame["running_machines"]
        frame.attrs["currency"] = m.currency
        frame.attrs["coin"] = m.coin
        return frame

    def owner_frame(self) -> pd.DataFrame:
        """Return the daily treasury ledger per owner as a tidy DataFrame."""
        m = self.meta
        ccy, coin = m.currency.lower(), m.coin.lower()
        daily = self.daily_owner()
        frame = self._index(len(m.owner_names), "owner", m.owner_names)
        columns = {
            f"price_{ccy}_per_{coin}": "price",
            "difficulty": "difficulty",
            "network_hashrate_hs": "network_hashrate",
            f"coins_mined_{coin}": "mined",
            f"coins_sold_{coin}": "sold",
            f"forced_coins_sold_{coin}": "forced_sold",
            f"sale_proceeds_{ccy}": "proceeds",
            f"forced_sale_proceeds_{ccy}": "forced_proceeds",
            f"operating_cost_{ccy}": "operating_cost",
            f"machine_capex_{ccy}": "machine_capex_owner",
            f"site_capex_{ccy}": "site_capex",
            f"fixed_costs_{ccy}": "fixed_costs",
            f"machine_sales_{ccy}": "machine_sales",
            f"transfers_in_{ccy}": "transfers",
            f"instrument_cash_{ccy}": "instrument_cash",
            f"instrument_coins_{coin}": "instrument_coins",
            f"coins_bought_{coin}": "coins_bought",
            f"coin_transfers_in_{coin}": "coin_transfers",
            f"other_coin_sales_{ccy}": "other_coin_sales",
            f"cash_{ccy}": "cash",
            f"coins_{coin}": "coins",
        }
        for key in self.transfer_labels():
            columns[f"{key.removeprefix('transfer:')}_{ccy}"] = key
        for name, key in columns.items():
            frame[name] = np.ascontiguousarray(daily[key]).reshape(-1)
        frame[f"net_cash_flow_{ccy}"] = (
            frame[f"sale_proceeds_{ccy}"] + frame[f"forced_sale_proceeds_{ccy}"]
            - frame[f"operating_cost_{ccy}"] - frame[f"machine_capex_{ccy}"]
            - frame[f"site_capex_{ccy}"] - frame[f"fixed_costs_{ccy}"]
            + frame[f"machine_sales_{ccy}"] + frame[f"transfers_in_{ccy}"]
            + frame[f"instrument_cash_{ccy}"] + frame[f"other_coin_sales_{ccy}"]
            - frame[f"coins_bought_{coin}"] * frame[f"price_{ccy}_per_{coin}"]
        )
        frame["broke"] = np.ascontiguousarray(daily["alive"]).reshape(-1) < 0.5
        frame.attrs["currency"] = m.currency
        frame.attrs["coin"] = m.coin
        return frame
