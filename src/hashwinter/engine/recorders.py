"""Recorders: what a run keeps, so that memory stays bounded for large runs.

* :class:`LedgerRecorder` keeps every flow of every cohort and owner in every
  step (a backtest: one variant, one path) and turns it into tidy DataFrames.
* :class:`TotalsRecorder` keeps sums over time per (variant, path, cohort) and
  closing balances per owner: memory ``O(V·P·C)`` whatever the horizon.
* :class:`OwnerStatsRecorder` keeps, per day, quantiles across paths of each
  owner's cash, coins and equity and the share of paths already broke: memory
  ``O(days·V·O·quantiles)`` (fan charts and ruin probability for Monte Carlo).

``(steps × variants × paths × cohorts)`` floats are materialised only by the
ledger recorder, which refuses runs larger than its ``max_values``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from hashwinter.engine.ledger import Ledger
from hashwinter.engine.owners import OwnerGroups
from hashwinter.engine.step import RunMeta, StepData
from hashwinter.errors import InputError

__all__ = [
    "TOTAL_FIELDS",
    "LedgerRecorder",
    "OwnerStats",
    "OwnerStatsRecorder",
    "Totals",
    "TotalsRecorder",
]

FloatArray = npt.NDArray[np.float64]

_COHORT_FIELDS = (
    "installed", "running", "coins", "pool_fee_coins", "energy_kwh", "power_cost",
    "management_fee", "hosting_fee", "restart_cost", "machine_capex", "cost_per_machine",
    "coins_per_machine",
)
_OWNER_FIELDS = (
    "mined", "sold", "forced_sold", "proceeds", "forced_proceeds", "operating_cost",
    "machine_capex_owner", "site_capex", "fixed_costs", "cash", "coins", "alive",
)
#: Kept from the first step with machine trades (zeros before it); absent if none.
_TRADE_FIELDS = ("bought", "sold", "scrapped", "moved_in", "moved_out", "buy_cost",
                 "sale_proceeds", "scrap_proceeds", "move_cost")
#: Owner flows kept from the first step that has them.
_OWNER_EXTRA = ("machine_sales", "transfers", "instrument_cash", "instrument_coins",
                "coins_bought", "coin_transfers")


class LedgerRecorder:
    """Keep the full per-step ledger of every cohort and owner.

    Parameters
    ----------
    max_values : int, default 20,000,000
        Refuse runs whose cohort ledger would hold more floats than this (use
        :class:`TotalsRecorder` or :class:`OwnerStatsRecorder` for large runs).

    """

    def __init__(self, max_values: int = 20_000_000) -> None:
        self.max_values = max_values
        self._meta: RunMeta | None = None
        self._c: dict[str, FloatArray] = {}
        self._o: dict[str, FloatArray] = {}
        self._n: dict[str, FloatArray] = {}

    def begin(self, meta: RunMeta) -> None:
        """Allocate (steps, V, P, C) and (steps, V, P, O) arrays."""
        t = meta.clock.n_steps
        cells = t * int(np.prod(meta.shape))
        if cells * len(_COHORT_FIELDS) > self.max_values:
            raise InputError(
                f"a full ledger of {cells:,} cohort-steps is too large; record totals or "
                "quantiles instead (TotalsRecorder, OwnerStatsRecorder)", field="recorder")
        self._meta = meta
        self._t = t
        self._trade: dict[str, FloatArray] = {}
        self._book: dict[str, FloatArray] = {}
        self._c = {k: np.zeros((t, *meta.shape)) for k in _COHORT_FIELDS}
        self._o = {k: np.zeros((t, *meta.owner_shape)) for k in _OWNER_FIELDS}
        vp = (t, meta.n_variants, meta.n_paths)
        self._n = {k: np.zeros(vp) for k in ("price", "difficulty", "network_hashrate",
                                             "reward_per_hash")}

    def record(self, data: StepData) -> None:
        """Copy one step into the ledger."""
        t = data.step
        c, o, n = self._c, self._o, self._n
        c["installed"][t] = data.installed
        c["running"][t] = data.running
        c["coins"][t] = data.coins
        c["pool_fee_coins"][t] = data.pool_fee_coins
        c["energy_kwh"][t] = data.energy_kwh
        c["power_cost"][t] = data.power_cost
        c["management_fee"][t] = data.management_fee
        c["hosting_fee"][t] = data.hosting_fee
        c["restart_cost"][t] = data.restart_cost
        c["machine_capex"][t] = data.machine_capex
        c["cost_per_machine"][t] = data.cost_per_machine
        c["coins_per_machine"][t] = data.coins_per_machine
        tr = data.treasury
        o["mined"][t] = data.mined
        o["sold"][t] = tr.sold
        o["forced_sold"][t] = tr.forced_sold
        o["proceeds"][t] = tr.proceeds
        o["forced_proceeds"][t] = tr.forced_proceeds
        o["operating_cost"][t] = data.operating_cost
        o["machine_capex_owner"][t] = data.machine_capex_owner
        o["site_capex"][t] = data.site_capex
        o["fixed_costs"][t] = data.fixed_costs
        o["cash"][t] = tr.cash
        o["coins"][t] = tr.coins
        o["alive"][t] = data.alive
        n["price"][t] = data.price[None, :]
        n["difficulty"][t] = data.network.difficulty
        n["network_hashrate"][t] = data.network.network_hashrate
        n["reward_per_hash"][t] = data.network.reward_per_hash
        if data.other_coin_revenue is not None:
            if "other_coin_revenue" not in self._c:
                self._c["other_coin_revenue"] = np.zeros_like(c["running"])
            self._c["other_coin_revenue"][t] = data.other_coin_revenue
        if data.trades is not None:
            if not self._trade:
                self._trade = {k: np.zeros_like(c["running"]) for k in _TRADE_FIELDS}
            for k in _TRADE_FIELDS:
                self._trade[k][t] = getattr(data.trades, k)
        extra = {"machine_sales": data.machine_sales, "transfers": data.transfers,
                 "instrument_cash": data.instrument_cash,
                 "instrument_coins": data.instrument_coins,
                 "coins_bought": data.treasury.coins_bought,
                 "other_coin_sales": data.other_coin_sales,
                 "coin_transfers": data.coin_transfers}
        for k, value in extra.items():
            if value is not None:
                if k not in o:
                    o[k] = np.zeros_like(o["cash"])
                o[k][t] = value
        for label, value in (data.labelled_transfers or {}).items():
            key = f"transfer:{label}"
            if key not in o:
                o[key] = np.zeros_like(o["cash"])
            o[key][t] = value
        if data.positions is not None:
            if not self._book:
                shape = (self._t, *data.positions.shape)
                self._book = {"positions": np.zeros(shape), "margin": np.zeros(shape)}
            self._book["positions"][t] = data.positions
            margin = data.margin if data.margin is not None else 0.0
            self._book["margin"][t] = np.broadcast_to(margin, data.positions.shape)

    def finish(self) -> Ledger:
        """Return the :class:`~hashwinter.engine.ledger.Ledger` (per step)."""
        assert self._meta is not None, "begin() was not called"
        return Ledger(self._meta, dict(self._c), dict(self._o), dict(self._n),
                      dict(self._trade), dict(self._book))


@dataclasses.dataclass(frozen=True)
class Totals:
    """Sums over the run per (V, P, C) and closing owner balances per (V, P, O).

    Attributes
    ----------
    cohort : dict of str to ndarray (V, P, C)
        ``coins`` [coin], ``revenue`` (coins at each step's price) [currency],
        ``power_cost``, ``management_fee``, ``restart_cost`` [currency],
        ``energy_kwh`` [kWh], ``running_days`` and ``unplugged_days``
        [machine·day], ``days_off`` (days the whole installed cohort was off) [day].
    owner : dict of str to ndarray (V, P, O)
        ``cash``, ``coins`` (closing), ``min_cash``, ``proceeds`` (all sales),
        ``operating_cost``, ``capex`` (machines and sites), ``fixed_costs``,
        ``other_income`` (machine sales, transfers, the position book),
        ``broke_day`` (day index, -1 if never); with trades also
        ``bought``, ``sold_machines``, ``scrapped`` [machines] per owner.

    """

    meta: RunMeta
    cohort: dict[str, FloatArray]
    owner: dict[str, FloatArray]


#: Every per-cohort total :class:`TotalsRecorder` can keep.
TOTAL_FIELDS = (
    "coins", "revenue", "power_cost", "management_fee", "restart_cost", "energy_kwh",
    "running_days", "unplugged_days", "days_off",
)


class TotalsRecorder:
    """Keep only sums over time (memory independent of the horizon).

    Parameters
    ----------
    fields : sequence of str, optional
        Per-cohort totals to keep (default: all of :data:`TOTAL_FIELDS`); fewer
        fields make large sweeps faster. Owner totals are always kept.

    """

    def __init__(self, fields: Sequence[str] = TOTAL_FIELDS) -> None:
        unknown = sorted(set(fields) - set(TOTAL_FIELDS))
        if unknown:
            raise InputError(f"unknown totals {unknown}; choose from {list(TOTAL_FIELDS)}",
                             field="fields")
        self.fields = tuple(fields)
        self._meta: RunMeta | None = None
        self._c: dict[str, FloatArray] = {}
        self._o: dict[str, FloatArray] = {}
        self._day_fraction = 1.0
        self._cash: FloatArray | None = None
        self._coins: FloatArray | None = None
        self._groups: OwnerGroups | None = None  # built on the first traded step

    def begin(self, meta: RunMeta) -> None:
        """Allocate the accumulators."""
        self._meta = meta
        self._groups = None
        self._day_fraction = 1.0 / meta.clock.steps_per_day
        self._c = {k: np.zeros(meta.shape) for k in self.fields}
        self._o = {k: np.zeros(meta.owner_shape) for k in (
            "proceeds", "operating_cost", "capex", "fixed_costs", "other_income")}
        self._o["min_cash"] = np.broadcast_to(meta.starting_cash, meta.owner_shape).copy()
        self._o["broke_day"] = np.full(meta.owner_shape, -1.0)

    def record(self, data: StepData) -> None:
        """Add one step to the sums."""
        c, o, f = self._c, self._o, self._day_fraction
        if "coins" in c:
            c["coins"] += data.coins
        if "revenue" in c:
            c["revenue"] += data.coins * data.price[None, :, None]
        if "power_cost" in c:
            c["power_cost"] += data.power_cost
        if "management_fee" in c:
            c["management_fee"] += data.management_fee
        if "restart_cost" in c:
            c["restart_cost"] += data.restart_cost
        if "energy_kwh" in c:
            c["energy_kwh"] += data.energy_kwh
        if "running_days" in c:
            if f == 1.0:
                c["running_days"] += data.running
            else:
                c["running_days"] += data.running * f
        if "unplugged_days" in c:
            c["unplugged_days"] += (data.installed - data.running) * f
        if "days_off" in c:
            c["days_off"] += ((data.running == 0) & (data.installed > 0)) * f
        tr = data.treasury
        o["proceeds"] += tr.proceeds + tr.forced_proceeds
        o["operating_cost"] += data.operating_cost
        o["capex"] += data.machine_capex_owner + data.site_capex
        o["fixed_costs"] += data.fixed_costs
        if (data.machine_sales is not None or data.transfers is not None
                or data.instrument_cash is not None or tr.coins_bought is not None
                or data.other_coin_sales is not None):
            o["other_income"] += data.other_income
        if data.trades is not None:
            meta = self._meta
            assert meta is not None
            if self._groups is None:
                self._groups = OwnerGroups.of(meta.cohorts.owner, len(meta.owner_names))
            for key, arr in (("bought", data.trades.bought), ("sold_machines", data.trades.sold),
                             ("scrapped", data.trades.scrapped)):
                if key not in o:
                    o[key] = np.zeros(meta.owner_shape)
                o[key] += self._groups.sum(arr)
        np.minimum(o["min_cash"], tr.cash, out=o["min_cash"])
        o["broke_day"] = np.where(tr.broke_now, float(data.day), o["broke_day"])
        self._cash, self._coins = tr.cash, tr.coins

    def load_totals(self, cohort: dict[str, FloatArray], owner: dict[str, FloatArray],
                    cash: FloatArray, coins: FloatArray) -> None:
        """Take totals summed elsewhere (the compiled path) instead of step by step.

        ``cohort`` holds this recorder's fields (V, P, C), ``owner`` the owner totals
        (V, P, O) that :meth:`record` keeps; ``finish`` then returns them as if the
        steps had been recorded here.
        """
        assert self._meta is not None, "begin() was not called"
        self._c = {k: cohort[k] for k in self.fields}
        # With trades the owner totals also hold the machines bought, sold and scrapped.
        self._o = {k: owner[k] for k in (*self._o, "bought", "sold_machines", "scrapped")
                   if k in owner}
        self._cash, self._coins = cash, coins

    def finish(self) -> Totals:
        """Return the :class:`Totals` (closing cash and coins included)."""
        assert self._meta is not None, "begin() was not called"
        assert self._cash is not None and self._coins is not None, "no step was recorded"
        owner = dict(self._o)
        owner["cash"] = self._cash
        owner["coins"] = self._coins
        return Totals(self._meta, dict(self._c), owner)


@dataclasses.dataclass(frozen=True)
class OwnerStats:
    """Per-day statistics across paths of each owner, arrays (days, V, O, Q) or (days, V, O).

    Attributes
    ----------
    quantiles : tuple of float
        Levels ``Q``.
    cash, coins, equity : ndarray (days, V, O, Q)
        Quantiles across paths at the end of each day; equity is cash plus coins
        at the day's price. [currency], [coin], [currency]
    mean_equity : ndarray (days, V, O)
        Mean equity across paths. [currency]
    broke_share : ndarray (days, V, O)
        Share of paths on which the owner is broke by the end of the day. [fraction]

    """

    meta: RunMeta
    quantiles: tuple[float, ...]
    cash: FloatArray
    coins: FloatArray
    equity: FloatArray
    mean_equity: FloatArray
    broke_share: FloatArray


class OwnerStatsRecorder:
    """Keep quantiles across paths of owner balances, once per day.

    Parameters
    ----------
    quantiles : sequence of float, default (0.05, 0.25, 0.5, 0.75, 0.95)
        Levels in [0, 1].

    """

    def __init__(self, quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> None:
        q = tuple(float(x) for x in quantiles)
        if not q or any(not 0 <= x <= 1 for x in q):
            raise InputError("quantiles must lie in [0, 1]", field="quantiles")
        self.levels = q
        self._meta: RunMeta | None = None

    def begin(self, meta: RunMeta) -> None:
        """Allocate (days, V, O, Q) arrays."""
        self._meta = meta
        d, v, o, q = meta.clock.n_days, meta.n_variants, len(meta.owner_names), len(self.levels)
        self._cash = np.zeros((d, v, o, q))
        self._coins = np.zeros((d, v, o, q))
        self._equity = np.zeros((d, v, o, q))
        self._mean = np.zeros((d, v, o))
        self._broke = np.zeros((d, v, o))
        self._spd = meta.clock.steps_per_day

    def record(self, data: StepData) -> None:
        """At the last step of each day, take quantiles over the path axis."""
        if (data.step + 1) % self._spd:
            return
        tr = data.treasury
        self.record_day(data.day, tr.cash, tr.coins, data.price, data.alive)

    def record_day(self, day: int, cash: FloatArray, coins: FloatArray, price: FloatArray,
                   alive: npt.NDArray[np.bool_]) -> None:
        """Keep one day's statistics from the balances at its close.

        Parameters
        ----------
        day : int
            Day index.
        cash, coins : ndarray (V, P, O)
            Balances at the end of the day's last step. [currency], [coin]
        price : ndarray (P,)
            The day's coin price. [currency/coin]
        alive : ndarray of bool (V, P, O)
            Owners not broke at the end of the day.

        """
        equity = cash + coins * price[None, :, None]
        levels = np.asarray(self.levels)
        # np.quantile puts the levels first: (Q, V, O) -> (V, O, Q)
        self._cash[day] = np.moveaxis(np.quantile(cash, levels, axis=1), 0, -1)
        self._coins[day] = np.moveaxis(np.quantile(coins, levels, axis=1), 0, -1)
        self._equity[day] = np.moveaxis(np.quantile(equity, levels, axis=1), 0, -1)
        self._mean[day] = equity.mean(axis=1)
        self._broke[day] = (~alive).mean(axis=1)

    def finish(self) -> OwnerStats:
        """Return the :class:`OwnerStats`."""
        assert self._meta is not None, "begin() was not called"
        return OwnerStats(self._meta, self.levels, self._cash, self._coins, self._equity,
                          self._mean, self._broke)
