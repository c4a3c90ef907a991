"""Makers of new machines: orders, lead times, production ahead of orders, inventory.

Orders rise with a new machine's return and are delivered after a lead time; the
production committed ahead of orders that nobody buys is inventory, which the maker mines.

Per maker ``m`` and day ``t`` (arrays over variants and paths):

* the **order ratio** ``u_t = clip(r_t / r_full, 0, 1)``, ``r_t`` the annual return of
  one new machine, ``(revenue - avoidable cost) x 365.25 / list_price``, at the maker's
  own tariff (a buyer's reference: "sell machines in a bull market"); ``r_full`` is the
  return at which orders reach the production capacity;
* **orders** ``capacity_day x u_t`` are due ``lead_days`` later; **production**
  ``capacity_day x u_(t - production_lead_days)`` (wafers are booked a quarter ahead),
  so when returns fall production keeps coming and the difference becomes inventory;
  before the run the ratio is taken to have been the first day's (steady state);
* **deliveries**: what is due (plus a backlog of orders that waited for machines) up to
  the inventory, shared among the live farms pro rata to their size and capped by
  ``cash_share`` of each farm's cash (orders a farm cannot pay are cancelled);
* the **inventory** is a cohort of the maker, an owner of its own: it runs when it pays
  at the maker's tariff, like any farm ("mine in a bear market");
* **hosted placement** (``hosted_slots > 0``): the stock its own farms cannot hold,
  ``clip(stock - own_slots, 0, hosted_slots)`` with ``stock`` the inventory after the
  day's deliveries and production plus what is already hosted, is kept at the host
  farms, split pro rata to their shares: machines are moved from the inventory cohort
  into the maker's cohort at each host (the engine's moves: same owner, no price) and
  back when the stock falls. A hosted machine stays the maker's: it runs when it pays
  at the host's tariff plus the hosting fee, which the host earns (the engine's
  ``hosting_fee`` and ``host``). A cohort runs whole, so the stock beyond own and hosted
  slots still runs at the maker's own farms (an upper bound of its own mining).

Counts: production enters as purchases of the maker's cohort (at ``unit_cost``),
deliveries as a sale of the maker's cohort and purchases of the farms' cohorts of the
maker's model (at ``list_price``); the recorder checks sold = bought - produced per
tier each day.

Calibration (:func:`calibrate_full_return`) uses makers.csv up to Q2 2018:
:func:`quarterly_units` turns Bitmain's quarterly revenue into machines
(x the hardware share / the average selling price of the half-year).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.economics.revenue import revenue_per_day
from hashwinter.engine.actions import Actions, Moves
from hashwinter.engine.policy import Observation
from hashwinter.errors import InputError
from hashwinter.units import SECONDS_PER_DAY

__all__ = [
    "DAYS_PER_YEAR",
    "QUARTER_DAYS",
    "MakerPolicy",
    "annual_return",
    "calibrate_full_return",
    "history_return",
    "order_ratio",
    "quarterly_units",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DAYS_PER_YEAR = 365.25
#: Mean days of a quarter. [day]
QUARTER_DAYS = DAYS_PER_YEAR / 4


def annual_return(revenue_per_day: npt.ArrayLike, cost_per_day: npt.ArrayLike,
                  list_price: npt.ArrayLike) -> FloatArray:
    """Return ``(revenue - cost) x 365.25 / list_price`` [1/yr] of one new machine.

    Revenue and cost per machine and day [currency/day], list price [currency].
    """
    margin = np.asarray(revenue_per_day, np.float64) - np.asarray(cost_per_day, np.float64)
    return np.asarray(margin * DAYS_PER_YEAR / np.asarray(list_price, np.float64))


def order_ratio(ret: npt.ArrayLike, full_return: npt.ArrayLike) -> FloatArray:
    """Return orders as a share of capacity, ``clip(ret / full_return, 0, 1)``."""
    return np.asarray(np.clip(np.asarray(ret, np.float64) / np.asarray(full_return), 0.0, 1.0))


def history_return(daily: pd.DataFrame, hashrate: float, power: float, tariff: float,
                   pue: float, overhead: float, list_price: float) -> pd.Series:
    """Return the annual return of one new machine on each day of the history [1/yr].

    Parameters
    ----------
    daily : pandas.DataFrame
        :func:`~hashwinter.network.population.read_btc_daily` output.
    hashrate, power : float
        The machine's hashrate [H/s] and wall power [W].
    tariff : float
        [USD/kWh]
    pue : float
        [dimensionless]
    overhead : float
        Cost per running machine and day besides power. [USD]
    list_price : float
        [USD]

    """
    rev = revenue_per_day(hashrate, daily["difficulty"].to_numpy(np.float64),
                          daily["subsidy"].to_numpy(np.float64),
                          daily["price"].to_numpy(np.float64),
                          daily["fees_per_block"].to_numpy(np.float64))
    cost = power * pue * 24 / 1000 * tariff + overhead
    return pd.Series(annual_return(rev, cost, list_price), index=daily.index)


def quarterly_units(folder: Path, maker: str = "Bitmain") -> pd.Series:
    """Return a maker's machines sold per quarter, from makers.csv.

    Each quarterly ``revenue`` row [million USD] times the ``hardware_share_of_revenue``
    and over the ``average_selling_price`` of a row whose period holds the quarter
    (Bitmain: Q1 2018 1,860 x 0.943 / 972 = 1.80 M machines, Q2 2018 0.97 M).

    Returns
    -------
    pandas.Series
        Machines per quarter, indexed by the quarter's first day.

    """
    path = folder / "makers.csv"
    if not path.is_file():
        raise InputError(f"missing {path}", field="data_dir")
    rows = pd.read_csv(path, parse_dates=["period_start", "period_end"])
    rows = rows[rows["maker"] == maker]
    out: dict[pd.Timestamp, float] = {}
    for _, r in rows[rows["metric"] == "revenue"].iterrows():
        if (r["period_end"] - r["period_start"]).days > 95 or r["unit"] != "million USD":
            continue

        def holding(metric: str, r: pd.Series = r) -> float | None:
            m = rows[(rows["metric"] == metric) & (rows["period_start"] <= r["period_start"])
                     & (rows["period_end"] >= r["period_end"])]
            return None if m.empty else float(m["value"].iloc[0])

        share, asp = holding("hardware_share_of_revenue"), holding("average_selling_price")
        if share is not None and asp is not None:
            out[pd.Timestamp(r["period_start"])] = float(r["value"]) * 1e6 * share / asp
    return pd.Series(out, dtype=np.float64).sort_index()


def calibrate_full_return(ret: pd.Series, start: pd.Timestamp, end: pd.Timestamp,
                          target: float, lead_days: int) -> float:
    """Return ``r_full`` at which the quarter's mean delivered ratio equals ``target``.

    The machines delivered on day ``d`` were ordered on ``d - lead_days``, so the mean
    over ``d`` in [start, end] of ``clip(ret[d - lead] / r_full, 0, 1)`` is solved for
    ``r_full`` by bisection (it falls as ``r_full`` grows).

    Raises
    ------
    InputError
        ``target`` outside (0, 1), or no day of the quarter with a positive return.

    """
    if not 0.0 < target < 1.0:
        raise InputError(f"a quarter's sales over capacity must be in (0, 1), got {target:.3g}",
                         field="makers.maker.full_return")
    shifted = ret.shift(lead_days).loc[start:end].dropna().to_numpy(np.float64)
    if shifted.size == 0 or shifted.max() <= 0:
        raise InputError("no day with a positive return to calibrate on",
                         field="makers.maker.full_return")
    lo, hi = 1e-9, float(shifted.max()) * 1e3
    for _ in range(200):
        mid = (lo * hi) ** 0.5
        if float(order_ratio(shifted, mid).mean()) > target:
            lo = mid
        else:
            hi = mid
        if hi / lo - 1 < 1e-12:
            break
    return (lo * hi) ** 0.5


@dataclasses.dataclass(frozen=True)
class MakerPolicy:
    """The makers as an engine policy (see the module docstring); composed last.

    Parameters
    ----------
    maker_cohort : ndarray of int (M,)
        The cohort holding each maker's inventory.
    farm_cohorts : ndarray of int (M, F)
        Each farm's cohort of each maker's model.
    farm_owner : ndarray of int (F,)
        Owner of each farm.
    farm_weight : ndarray (F,)
        Share of deliveries per farm before the live / cash caps (its size). [machines]
    capacity_day : ndarray (M,)
        Production capacity. [machines/day]
    list_price, unit_cost : ndarray (M,)
        Price a farm pays, cost the maker pays per machine. [currency/machine]
    full_return : ndarray (M,)
        Annual return at which orders reach capacity. [1/yr]
    lead_days, production_lead_days : ndarray of int (M,)
        Order-to-delivery and production commitment lags. [day]
    cash_share : float
        Share of a farm's cash it may spend on new machines in a day (split over makers).
    hosted_cohort, hosted_maker : ndarray of int (K,), optional
        Each hosted placement's cohort and its maker (0 .. M-1).
    hosted_share : ndarray (K,), optional
        Share of its maker's hosted slots at that placement (they sum to 1 per maker).
    hosted_slots, own_slots : ndarray (M,), optional
        Slots at the hosts, and at the maker's own farms. [machines]

    """

    maker_cohort: IntArray
    farm_cohorts: IntArray
    farm_owner: IntArray
    farm_weight: FloatArray
    capacity_day: FloatArray
    list_price: FloatArray
    unit_cost: FloatArray
    full_return: FloatArray
    lead_days: IntArray
    production_lead_days: IntArray
    cash_share: float
    hosted_cohort: IntArray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    hosted_maker: IntArray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    hosted_share: FloatArray = dataclasses.field(default_factory=lambda: np.zeros(0))
    hosted_slots: FloatArray | None = None
    own_slots: FloatArray | None = None

    @property
    def n_variants(self) -> int:
        """One variant (scalar parameters per maker)."""
        return 1

    @property
    def _ring(self) -> int:
        return int(max(self.lead_days.max(), self.production_lead_days.max())) + 1

    def init_state(self, shape: tuple[int, int, int]) -> dict[str, Any]:
        """Return the ratio history (filled on the first day) and an empty backlog."""
        v, p, _ = shape
        m = self.maker_cohort.size
        return {"ratio": None, "backlog": np.zeros((v, p, m))}

    def decide(self, obs: Observation, actions: Actions,
               state: dict[str, Any]) -> tuple[Actions, dict[str, Any]]:
        """Return the bundle with the day's production and deliveries."""
        assert obs.alive is not None and obs.cash is not None  # the engine always sets them
        shape = np.broadcast_shapes(np.shape(actions.on), (*np.shape(obs.cash)[:2], 1))
        v, p = shape[0], shape[1]
        mc = self.maker_cohort
        per_day = SECONDS_PER_DAY / obs.step_seconds
        rev = np.broadcast_to(obs.revenue_per_machine, (v, p, *obs.revenue_per_machine.shape[2:]))
        cost = np.broadcast_to(obs.cost_per_machine, rev.shape)
        ret = annual_return(rev[..., mc] * per_day, cost[..., mc] * per_day, self.list_price)
        ratio = order_ratio(ret, self.full_return)  # (V, P, M)
        n = self._ring
        ring = state["ratio"]
        ring = (np.repeat(ratio[..., None], n, axis=-1) if ring is None else ring.copy())
        ring[..., obs.step % n] = ratio
        makers = np.arange(mc.size)
        due_ratio = ring[..., makers, (obs.step - self.lead_days) % n]
        made_ratio = ring[..., makers, (obs.step - self.production_lead_days) % n]
        production = self.capacity_day * made_ratio
        due = self.capacity_day * due_ratio + state["backlog"]
        held = np.broadcast_to(obs.installed, rev.shape)[..., mc]
        want = np.minimum(due, held)
        alive = obs.alive[..., self.farm_owner]  # (V, P, F)
        weight = self.farm_weight * alive
        total = weight.sum(axis=-1, keepdims=True)
        share = np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)
        budget = (np.maximum(obs.cash, 0.0)[..., self.farm_owner] * self.cash_share
                  / mc.size)  # (V, P, F) currency per maker
        alloc = np.minimum(want[..., None] * share[..., None, :],
                           budget[..., None, :] / self.list_price[:, None])  # (V, P, M, F)
        delivered = alloc.sum(axis=-1)
        c = rev.shape[-1]
        buy = np.zeros((v, p, c))
        buy[..., mc] = production
        buy[..., self.farm_cohorts.ravel()] = alloc.reshape(v, p, -1)
        sell = np.zeros((v, p, c))
        sell[..., mc] = delivered
        price = np.zeros(c)
        price[mc] = self.unit_cost
        price[self.farm_cohorts] = self.list_price[:, None]
        sell_price = np.zeros(c)
        sell_price[mc] = self.list_price
        new_state = {"ratio": ring, "backlog": np.maximum(due - held, 0.0)}
        out = actions.add_trades(buy=buy, buy_price=price, sell=sell, sell_price=sell_price)
        if self.hosted_cohort.size:
            installed = np.broadcast_to(obs.installed, rev.shape)
            out = out.add_moves(self.placements(installed, held - delivered, production))
        return out, new_state

    def placements(self, installed: FloatArray, stock_left: FloatArray,
                   production: FloatArray) -> Moves:
        """Return the day's moves between the inventory and the hosts (module docstring).

        Parameters
        ----------
        installed : ndarray (V, P, C)
            Machines held at the step's start.
        stock_left : ndarray (V, P, M)
            The inventory after the day's deliveries. [machines]
        production : ndarray (V, P, M)
            The day's production (it lands after the moves). [machines]

        """
        assert self.hosted_slots is not None and self.own_slots is not None
        k_maker = self.hosted_maker
        hosted = installed[..., self.hosted_cohort]  # (V, P, K)
        onehot = np.zeros((k_maker.size, stock_left.shape[-1]))
        onehot[np.arange(k_maker.size), k_maker] = 1.0  # placement -> its maker
        per_maker = hosted @ onehot  # hosted machines per maker
        stock = stock_left + production + per_maker
        target = np.clip(stock - self.own_slots, 0.0, self.hosted_slots)  # (V, P, M)
        delta = target[..., k_maker] * self.hosted_share - hosted  # (V, P, K)
        out = np.maximum(delta, 0.0)
        # Only machines in the inventory now can leave it (production lands after).
        wanted = out @ onehot
        scale = np.minimum(1.0, np.divide(np.maximum(stock_left, 0.0), wanted,
                                          out=np.ones_like(wanted), where=wanted > 0))
        out = out * scale[..., k_maker]
        back = np.maximum(-delta, 0.0)
        stock_cohort = self.maker_cohort[k_maker]
        return Moves(source=np.concatenate([stock_cohort, self.hosted_cohort]),
                     target=np.concatenate([self.hosted_cohort, stock_cohort]),
                     count=np.concatenate([out, back], axis=-1),
                     cost_per_machine=np.zeros(2 * k_maker.size))

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> MakerPolicy:
        """Return itself (one variant)."""
        return self
