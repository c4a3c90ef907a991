"""Issue 14's reference fleet on real ETH history: 1 % of the network in RX 580 cards.

63,849 RX 580 cards (1 % of 192.82 TH/s on 2018-11-25, at 30.2 MH/s from the catalog) mine
2018 with the engine on the store's ETH market; each day's coins are the fleet's share of
the day's issuance and fees (within 1 %), and the cycle policy's sale to gamers brings the
resale model's price less fees.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from datafiles import shared_data_file
from hashwinter.assets.card_resale import CardResaleModel
from hashwinter.data import import_file
from hashwinter.engine import Clock, Cohorts, EngineSpec, LedgerRecorder, Owners, Treasury, run
from hashwinter.engine.history import market_from_store
from hashwinter.farm.gpu_cycle import GpuCyclePolicy
from hashwinter.farm.policies import AlwaysOn
from hashwinter.hardware import Rig, default_catalog


@pytest.fixture(scope="module")
def eth():
    path = shared_data_file("eth_daily.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = {r["date"]: r for r in csv.DictReader(fh)}
    return path, rows


def spec_for(store, cards: int, tariff: float = 0.05):
    market = market_from_store(store, start="2018-01-01", end="2018-12-31", asset="ETH")
    card = default_catalog().get("RX 580")
    rig = Rig(card, cards=8)
    n_days = market.n_days
    cohorts = Cohorts(label=("rx580",), model=(card.model,), site=("farm",),
                      hashrate=card.hashrate, power=rig.power("ethash") / rig.cards,
                      count=np.array([float(cards)]), owner=np.array([0]), start_step=0,
                      capex_step=-1, unit_price=0.0, uptime=1.0, pue=1.0, pool_fee=0.0,
                      management_fee=0.0, hosting_fee=0.0, restart_cost=0.0)
    owners = Owners(("jin",), np.array([0.0]), np.zeros(1), np.zeros((n_days, 1)),
                    np.zeros((n_days, 1)))
    return market, EngineSpec(Clock(market.dates), market, cohorts, owners,
                              np.full((n_days, 1), tariff))


def test_reference_fleet_mines_its_share_of_each_days_issuance(tmp_path, eth) -> None:
    path, rows = eth
    store = tmp_path / "h.duckdb"
    import_file("coinmetrics", path, store=store)
    cards = Rig(default_catalog().get("RX 580"), cards=8).cards_for(
        0.01 * float(rows["2018-11-25"]["hashrate_ths"]) * 1e12, "ethash")
    assert cards == 63_849
    market, spec = spec_for(store, cards)
    res = run(spec, AlwaysOn(), Treasury(), recorders=[LedgerRecorder()])
    coins = res.records[0].cohort["coins"][:, 0, 0, 0]
    for i, day in enumerate(str(d) for d in market.dates):
        r = rows[day]
        share = cards * 30.2e6 / (float(r["hashrate_ths"]) * 1e12)
        want = share * (float(r["issuance_eth"]) + float(r["fees_eth"]))
        assert coins[i] == pytest.approx(want, rel=0.01), day
    # About 1 % of 2018's issuance: the fleet's share moves with the network's hashrate.
    assert coins.sum() == pytest.approx(0.01 * sum(
        float(rows[str(d)]["issuance_eth"]) for d in market.dates), rel=0.5)


def test_the_cycle_exits_to_gamers_in_the_2018_winter(tmp_path, eth) -> None:
    path, _ = eth
    store = tmp_path / "h.duckdb"
    import_file("coinmetrics", path, store=store)
    market, spec = spec_for(store, 63_849, tariff=0.10)
    resale = CardResaleModel()
    policy = GpuCyclePolicy([63_849.0], new_card_price=330.0, card_age_days=365.0,
                            platform_per_card=12.5, resale=resale)
    res = run(spec, policy, Treasury(), recorders=[LedgerRecorder()])
    led = res.records[0]
    sold = led.trade("sold")[:, 0, 0, 0]
    assert sold.sum() > 0, "at 0.10 USD/kWh the 2018 fall crosses the RX 580's cost line"
    # The winter exit: the last sale, to gamers in December 2018 (ETH near 90 USD; the
    # sales of Jan-Jul are the bull rule's rigs sold to miners, cards bought from gamers).
    day = int(np.flatnonzero(sold)[-1])
    assert str(market.dates[day]).startswith("2018-12")
    # The sale price: the model on that day's inputs (age, glut from the closes seen so far).
    seen = market.price[0, :day]
    glut = 1 - seen[-1] / seen[-365:].max()
    want = 330 * 0.75 * math.exp(-0.25 * (365 + day) / 365.25) * (1 - 0.35 * glut) * 0.9
    sales = led.owner["machine_sales"][day, 0, 0, 0]
    assert sales == pytest.approx(sold[day] * want, rel=1e-9)
    assert res.checks.max_count_error == 0
