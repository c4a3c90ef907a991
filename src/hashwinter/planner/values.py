"""Expected margins per machine for each (cohort, site, month), from a market view.

Convention (daily curtailment): a machine runs on a day only when that day's
margin is positive, so its month earns the sum over days of
``max(margin, 0)``; its margin per running day is
``uptime · (revenue - power cost) - management fee``, with revenue from
:func:`hashwinter.economics.revenue_per_day` and power cost from
:func:`hashwinter.economics.power_cost_per_day` at the site's tariff (converted
to the farm's currency day by day) and PUE. Each day is weighted by the
share of time the site is not cut off (expected from its power-cut processes,
zero on the days of dated events). Over many paths the mean of each path's sum
is taken. Installed machines pay the hosting fee every day, and carry the
expected fines and seizure losses of :mod:`hashwinter.sites.expected`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from hashwinter.economics import power_cost_per_day, revenue_per_day
from hashwinter.energy import AnyTariff
from hashwinter.planner.view import MarketView
from hashwinter.sites.events import HistoricalEvent, event_downtime
from hashwinter.sites.expected import (
    expected_downtime_share,
    expected_fine_cost,
    expected_seizure_loss,
)
from hashwinter.sites.risks import SiteRisks

__all__ = ["CohortEconomics", "SiteEconomics", "availability", "daily_tariff", "monthly_values"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class CohortEconomics:
    """What the values need of a cohort.

    Attributes
    ----------
    hashrate : float
        Per machine. [H/s]
    power : float
        Per machine, at the wall. [W]
    machine_value : float
        Value at risk of seizure, per machine. [currency]
    arrival : numpy.datetime64
        First day the machines stand at a site.

    """

    hashrate: float
    power: float
    machine_value: float
    arrival: np.datetime64


@dataclasses.dataclass(frozen=True)
class SiteEconomics:
    """What the values need of a site.

    Attributes
    ----------
    tariff : tariff
    pue, uptime : float
    management_fee_per_machine_day, hosting_fee_per_machine_day : float
        [currency/machine/day]
    risks : SiteRisks
    region : str

    """

    tariff: AnyTariff
    pue: float
    uptime: float
    management_fee_per_machine_day: float
    hosting_fee_per_machine_day: float
    risks: SiteRisks
    region: str


def daily_tariff(tariff: AnyTariff, view: MarketView) -> FloatArray:
    """Return the mean price of a kWh on each day of the view, in the view's currency (D,).

    The day's 24 hourly prices are averaged, so a time-of-use tariff costs its
    daily mean (machines run around the clock).
    """
    hours = (view.dates.astype("datetime64[h]")[:, None]
             + np.arange(24).astype("timedelta64[h]")[None, :])
    price = np.asarray(tariff.price_per_kwh(hours.ravel()), dtype=np.float64)
    return price.reshape(-1, 24).mean(axis=1) * view.fx_factor(tariff.currency)


def availability(risks: SiteRisks, region: str, days: npt.NDArray[np.datetime64],
                 events: tuple[HistoricalEvent, ...] = ()) -> FloatArray:
    """Return the expected share of each day the site has power (D,). [fraction].

    Independent processes multiply: ``Π_k (1 - share_k)`` over the power-cut
    processes active that day, times 0 on the days of a dated event.
    """
    up = np.ones(days.size)
    for cuts in risks.power_cuts:  # a handful of processes per site
        share = float(expected_downtime_share(cuts.rate_per_year, cuts.mean_duration_days))
        up *= 1.0 - share * cuts.active_days(days)
    return up * (1.0 - event_downtime(events, region, days))


def monthly_values(
    cohorts: list[CohortEconomics],
    sites: list[SiteEconomics],
    view: MarketView,
    *,
    pool_fee: float = 0.0,
    downtime_days: float = 0.0,
    move_cost: FloatArray | None = None,
    events: tuple[HistoricalEvent, ...] = (),
    path_chunk: int = 64,
) -> tuple[npt.NDArray[np.datetime64], FloatArray, FloatArray, FloatArray, FloatArray]:
    """Return months, days, values, moving costs and per-path values for the planner.

    Parameters
    ----------
    cohorts : list of CohortEconomics, length C
        Machines of each cohort.
    sites : list of SiteEconomics, length S
        Tariff, PUE, fees and risks of each site.
    view : MarketView
        Daily prices and network over the horizon, P paths.
    pool_fee : float
        [fraction]
    downtime_days : float
        Days a moved machine is lost for; costs that share of its month's running
        margin at the destination. [days]
    move_cost : ndarray, shape (S,), optional
        Transport and reinstall per machine moved into each site. [currency]
    events : tuple of HistoricalEvent
        Dated cuts to apply.
    path_chunk : int
        Paths evaluated at once (bounds memory for many paths).

    Returns
    -------
    months : ndarray of datetime64[M], shape (M,)
    days : ndarray, shape (M,)
        Days of each month in the view. [days]
    value : ndarray, shape (C, S, M)
        Expected margin of an installed machine over the month. [currency/machine]
    move_in_cost : ndarray, shape (C, S, M)
        Moving one machine into the site at the month's start. [currency/machine]
    scenario_value : ndarray, shape (P, C, S, M)
        ``value`` path by path. [currency/machine]

    """
    dates = view.dates
    month_of_day = dates.astype("datetime64[M]")
    months, first, days_i = np.unique(month_of_day, return_index=True, return_counts=True)
    days = days_i.astype(np.float64)
    c_n, s_n, m_n, p_n = len(cohorts), len(sites), months.size, view.n_paths
    hashrate = np.array([c.hashrate for c in cohorts])
    power = np.array([c.power for c in cohorts])
    worth = np.array([c.machine_value for c in cohorts])
    arrival = np.array([c.arrival for c in cohorts], dtype="datetime64[D]")
    present = (dates[None, :] >= arrival[:, None]).astype(np.float64)  # (C, D)
    days_present = np.add.reduceat(present, first, axis=1)  # (C, M)

    run = np.zeros((p_n, c_n, s_n, m_n))
    for lo in range(0, p_n, path_chunk):  # chunks of paths bound the (p, C, D) arrays
        sl = slice(lo, min(lo + path_chunk, p_n))
        revenue = np.asarray(revenue_per_day(
            hashrate[None, :, None], view.difficulty[sl, None, :], view.subsidy[sl, None, :],
            view.price[sl, None, :], view.fees_per_block[sl, None, :], pool_fee))  # (p, C, D)
        for j, site in enumerate(sites):  # sites are few; cohorts and days are vectorized
            tariff = daily_tariff(site.tariff, view)
            cost = np.asarray(power_cost_per_day(power[:, None], tariff[None, :], site.pue))
            margin = site.uptime * (revenue - cost[None]) - site.management_fee_per_machine_day
            up = availability(site.risks, site.region, dates, events)
            daily = np.maximum(margin, 0.0) * (up * present)[None]
            run[sl, :, j, :] = np.add.reduceat(daily, first, axis=2)

    hold = np.zeros((c_n, s_n, m_n))
    for j, site in enumerate(sites):
        loss = site.hosting_fee_per_machine_day * days_present
        for fine in site.risks.fines:
            loss = loss + expected_fine_cost(fine.probability_per_year, fine.amount_per_machine,
                                             days_present)
        for seizure in site.risks.seizure:
            loss = loss + expected_seizure_loss(seizure.probability_per_year, seizure.share_lost,
                                                worth[:, None], days_present)
        hold[:, j, :] = loss
    scenario_value = run - hold[None]
    value = scenario_value.mean(axis=0)
    lost_share = np.minimum(downtime_days, days) / days  # (M,)
    moving = np.zeros(s_n) if move_cost is None else np.asarray(move_cost, dtype=np.float64)
    move_in_cost = moving[None, :, None] + lost_share[None, None, :] * run.mean(axis=0)
    return months, days, value, move_in_cost, scenario_value
