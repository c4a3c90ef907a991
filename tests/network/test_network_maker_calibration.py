"""The makers against makers.csv: Bitmain's sales in Q1 and Q2 2018 from a network run of
January - June 2018 (the calibration's own quarters, now through the whole model: the
simulated network's difficulty sets the returns that set the orders)."""

from __future__ import annotations

import datetime as dt

import pytest
from test_network_population import example

from datafiles import shared_data_dir
from hashwinter.network.config import MakerConfig, MakersConfig
from hashwinter.network.dynamics import NetworkRun, run_network
from hashwinter.network.report import network_tables

#: makers.csv: Bitmain's revenue [M USD] of Q1 and Q2 2018 ("implied", press estimates)
#: times the hardware share of H1 2018 (0.943): its machine sales [M USD].
HARDWARE_REVENUE = {"2018Q1": 1860 * 0.943, "2018Q2": 1000 * 0.943}
#: Tolerance on a quarter's sales [fraction]: the quarterly split is a press estimate
#: ("~1.86 bn", "slid to ~1 bn"), and the model sells at one list price (the H1 average,
#: 972 USD) while the price fell through the half-year (ASP 1,191 USD in H1 2017).
TOLERANCE = 0.15


@pytest.fixture(scope="module")
def first_half() -> NetworkRun:
    # The S9 (the S9j is on sale from August 2018); 200 farms; the calibrated defaults.
    scenario = example(farms=200).model_copy(update={
        "start": dt.date(2018, 1, 1), "end": dt.date(2018, 6, 30),
        "makers": MakersConfig(maker=[MakerConfig(model="Antminer S9")])})
    return run_network(scenario, shared_data_dir())


def _sales(run: NetworkRun, quarter: str) -> float:
    q = network_tables(run)["makers_quarterly"].set_index("quarter")
    return float(q.loc[quarter, "revenue_usd"]) / 1e6


def test_bitmain_q1_2018_sales(first_half: NetworkRun) -> None:
    """Q1 2018 (sold out: the capacity): 1,754 M USD of machines; simulated 1,585 M (-10 %)."""
    assert _sales(first_half, "2018Q1") == pytest.approx(HARDWARE_REVENUE["2018Q1"],
                                                         rel=TOLERANCE)


@pytest.mark.xfail(strict=True, reason=(
    "not met: 631 M USD against 943 M (-33 %). Every Bitmain unit of Q1 (1.8 M) is counted "
    "as a SHA-256 machine that never retires, so the simulated difficulty runs ahead of "
    "history (7.36e12 against 5.08e12 on 30 June 2018, +45 %): a new machine's return "
    "falls faster than it did and Q2's orders with it. History's Q1 growth (difficulty "
    "1.92e12 -> 3.50e12, ~11 EH/s, ~0.8 M S9s net of retirements, all makers) says fewer "
    "than half of the units were net SHA-256 additions; the capacity default is an upper "
    "bound (docs/network.md)"))
def test_bitmain_q2_2018_sales(first_half: NetworkRun) -> None:
    """Q2 2018: 943 M USD of machines (orders fell with the return of a new machine)."""
    assert _sales(first_half, "2018Q2") == pytest.approx(HARDWARE_REVENUE["2018Q2"],
                                                         rel=TOLERANCE)
