"""The network's machine mix on a date, reconstructed from its hashrate history.

Nobody publishes which machines hash on a given day. What is known is the
network's hashrate month by month (from difficulty) and which machines were on
sale each month (the catalog's release dates). :func:`reconstruct_mix` rebuilds
the installed base from those two facts, month by month:

1. **retire** every model that no longer pays even at the cheapest power: its
   revenue per hash that month is below the cost of the energy it burns per hash
   at ``retire_tariff`` (efficiency x tariff);
2. **add** the month's growth: when the network's mean hashrate exceeds what the
   installed base can deliver, the gap is bought as new machines, split among the
   models on sale that month that pay at the retire tariff (released within
   ``sale_window_months``) in proportion to ``(1 / efficiency) ** efficiency_weight``
   (0 = equal split; a positive weight favours the efficient models buyers preferred);
3. when hashrate falls, nothing is bought and the installed base is kept: the
   surplus is machines switched off (who runs is the network model's question).

History before the catalog's first release is skipped (older machines are not in
the catalog): the first month's whole hashrate is bought from the models on sale.

The result is the installed base per model at the end of the last month, in H/s
and in machines, with the month each model's stock was last added to.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.chain import hashrate_from_difficulty
from hashwinter.economics.revenue import revenue_per_day
from hashwinter.errors import InputError
from hashwinter.hardware import Machine
from hashwinter.units import SECONDS_PER_DAY

__all__ = ["FleetMix", "monthly_network", "reconstruct_mix"]

FloatArray = npt.NDArray[np.float64]
_J_PER_KWH = 3.6e6


@dataclasses.dataclass(frozen=True)
class FleetMix:
    """The installed base per model at a date.

    Attributes
    ----------
    models : tuple of str
        Canonical names, one per model ever installed and not retired.
    hashrate : ndarray (M,)
        Installed hashrate of each model. [H/s]
    machines : ndarray (M,)
        Installed machines of each model (hashrate / the model's hashrate). [machines]
    efficiency : ndarray (M,)
        Each model's efficiency. [J/H]
    history : pandas.DataFrame
        Per month: ``network_hashrate`` [H/s], ``installed`` [H/s], ``added`` [H/s],
        ``retired`` [H/s], ``models_on_sale``.

    """

    models: tuple[str, ...]
    hashrate: FloatArray
    machines: FloatArray
    efficiency: FloatArray
    history: pd.DataFrame

    def share(self) -> FloatArray:
        """Return each model's share of the installed hashrate [fraction]."""
        total = float(self.hashrate.sum())
        return self.hashrate / total if total > 0 else self.hashrate.copy()


def monthly_network(daily: pd.DataFrame) -> pd.DataFrame:
    """Return month means of hashrate and revenue per hash from daily chain history.

    Parameters
    ----------
    daily : pandas.DataFrame
        Indexed by date, with ``difficulty``, ``subsidy`` and ``fees_per_block``
        [coin/block] and ``price`` [USD/coin] (or any currency the retire tariff is in).

    Returns
    -------
    pandas.DataFrame
        Indexed by month start: ``hashrate`` (implied by difficulty, ``D 2^32 / 600``)
        [H/s] and ``revenue_per_hash_day`` [currency/(H/s)/day].

    """
    missing = [c for c in ("difficulty", "subsidy", "fees_per_block", "price")
               if c not in daily.columns]
    if missing:
        raise InputError(f"missing columns {missing}", field="daily")
    index = pd.DatetimeIndex(pd.to_datetime(daily.index))
    d = daily["difficulty"].to_numpy(np.float64)
    hashrate = hashrate_from_difficulty(d)
    # What one H/s earns in a day: the project's one revenue formula.
    revenue = np.asarray(revenue_per_day(
        1.0, d, daily["subsidy"].to_numpy(np.float64), daily["price"].to_numpy(np.float64),
        daily["fees_per_block"].to_numpy(np.float64)), dtype=np.float64)
    frame = pd.DataFrame({"hashrate": hashrate, "revenue_per_hash_day": revenue}, index=index)
    return frame.groupby(index.to_period("M")).mean().set_axis(
        index.to_period("M").unique().to_timestamp(), axis=0)


def reconstruct_mix(
    monthly: pd.DataFrame,
    machines: Sequence[Machine],
    *,
    until: dt.date,
    retire_tariff: float = 0.02,
    sale_window_months: int = 18,
    efficiency_weight: float = 0.0,
) -> FleetMix:
    """Rebuild the installed base per model from monthly hashrate and release dates.

    Parameters
    ----------
    monthly : pandas.DataFrame
        :func:`monthly_network` output (month starts, ``hashrate``,
        ``revenue_per_hash_day``).
    machines : sequence of Machine
        Candidate models; those without a release date are left out.
    until : datetime.date
        Last month included (the month containing this day).
    retire_tariff : float, default 0.02
        A model is retired when it cannot pay for power even at this price, in the
        currency of ``revenue_per_hash_day`` per kWh (assumption: 2 US cents, below the
        cheapest quoted mining tariffs but for subsidised ones). [currency/kWh]
    sale_window_months : int, default 18
        A model is on sale from its release month for this many months (assumption:
        machine generations of 2014-2020 sold for about a year and a half).
    efficiency_weight : float, default 0
        Exponent of ``1 / efficiency`` in the split of new hashrate. [dimensionless]

    Returns
    -------
    FleetMix

    Raises
    ------
    InputError
        No machine with a release date, bad parameters, or a month with growth but no
        model on sale (name the month).

    """
    dated = [m for m in machines if m.release is not None]
    if not dated:
        raise InputError("no machine with a release date", field="machines")
    if not (np.isfinite(retire_tariff) and retire_tariff >= 0):
        raise InputError(f"must be >= 0 (got {retire_tariff})", field="retire_tariff")
    if sale_window_months < 1:
        raise InputError(f"must be >= 1 (got {sale_window_months})", field="sale_window_months")
    if not np.isfinite(efficiency_weight):
        raise InputError("must be finite", field="efficiency_weight")
    first_release = min(m.release for m in dated if m.release is not None)
    # Months before the catalog's first release are skipped: the first month's hashrate
    # is bought from the models on sale then (older machines are not in the catalog).
    months = monthly.loc[pd.Timestamp(first_release).to_period("M").to_timestamp():
                         pd.Timestamp(until)]
    if len(months) == 0:
        raise InputError(f"no month of history between the first release "
                         f"({first_release}) and {until}", field="until")
    per_machine = np.array([m.hashrate for m in dated])
    eff = np.array([m.power / m.hashrate for m in dated])  # [J/H]
    release = np.array([m.release.year * 12 + m.release.month - 1
                        for m in dated if m.release is not None])
    # Energy cost per hash per day at the retire tariff. [currency/(H/s)/day]
    floor_cost = eff * SECONDS_PER_DAY / _J_PER_KWH * retire_tariff
    weight = (1.0 / eff) ** efficiency_weight
    stock = np.zeros(len(dated))
    rows = []
    for month, row in months.iterrows():
        ts = pd.Timestamp(str(month))
        m_index = ts.year * 12 + ts.month - 1
        unprofitable = row["revenue_per_hash_day"] < floor_cost
        retire = (stock > 0) & unprofitable
        retired = float(stock[retire].sum())
        stock[retire] = 0.0
        # Nobody buys a model that cannot pay for its power even at the retire tariff.
        on_sale = ((release <= m_index) & (release > m_index - sale_window_months)
                   & ~unprofitable)
        gap = float(row["hashrate"]) - float(stock.sum())
        added = 0.0
        if gap > 0:
            if not on_sale.any():
                raise InputError(f"hashrate grew in {ts:%Y-%m} but no model was on sale "
                                 f"(release dates); widen sale_window_months",
                                 field="machines")
            share = np.where(on_sale, weight, 0.0)
            stock += gap * share / share.sum()
            added = gap
        rows.append((ts, float(row["hashrate"]), float(stock.sum()), added, retired,
                     int(on_sale.sum())))
    keep = stock > 0
    history = pd.DataFrame(rows, columns=["month", "network_hashrate", "installed", "added",
                                          "retired", "models_on_sale"]).set_index("month")
    return FleetMix(
        models=tuple(m.model for m, k in zip(dated, keep, strict=True) if k),
        hashrate=stock[keep], machines=stock[keep] / per_machine[keep],
        efficiency=eff[keep], history=history,
    )
