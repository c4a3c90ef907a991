"""A maker's unsold machines placed at host farms ("mine in a bear market"): the
placement rule by hand, and a network run in which the hosts earn the hosting fee."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from test_network_population import example

from datafiles import shared_data_dir
from hashwinter.errors import InputError
from hashwinter.network.config import MakerConfig, MakersConfig, MarketConfig
from hashwinter.network.dynamics import NetworkRun, run_network
from hashwinter.network.makers import MakerPolicy
from hashwinter.network.population import build_population


def _policy(own: float, slots: float) -> MakerPolicy:
    # One maker (inventory cohort 0), two hosts (cohorts 1 and 2) holding 3/4 and 1/4.
    return MakerPolicy(
        maker_cohort=np.array([0]), farm_cohorts=np.zeros((1, 0), np.int64),
        farm_owner=np.zeros(0, np.int64), farm_weight=np.zeros(0),
        capacity_day=np.array([1.0]), list_price=np.array([1.0]), unit_cost=np.array([0.5]),
        full_return=np.array([1.0]), lead_days=np.array([0]),
        production_lead_days=np.array([0]), cash_share=0.1,
        hosted_cohort=np.array([1, 2]), hosted_maker=np.array([0, 0]),
        hosted_share=np.array([0.75, 0.25]), hosted_slots=np.array([slots]),
        own_slots=np.array([own]))


def test_placement_by_hand() -> None:
    """Stock = 900 left after deliveries + 100 made + 200 hosted = 1,200; own farms hold
    300, hosts 800: the hosts should hold min(1,200 - 300, 800) = 800, 600 and 200 at
    shares 3/4 and 1/4, so 450 and 150 move out (600 <= the 900 in the inventory). With
    1,100 own slots they should hold only 100, 75 and 25: 75 and 25 come back."""
    installed = np.array([[[900.0, 150.0, 50.0]]])
    left, made = np.array([[[900.0]]]), np.array([[[100.0]]])
    mv = _policy(300.0, 800.0).placements(installed, left, made)
    assert mv.source.tolist() == [0, 0, 1, 2] and mv.target.tolist() == [1, 2, 0, 0]
    np.testing.assert_allclose(mv.count[0, 0], [450, 150, 0, 0])
    mv = _policy(1_100.0, 800.0).placements(installed, left, made)
    np.testing.assert_allclose(mv.count[0, 0], [0, 0, 75, 25])
    # Only what is in the inventory now can leave it: 100 left, 500 wanted -> a fifth.
    mv = _policy(0.0, 800.0).placements(installed, np.array([[[100.0]]]), made)
    np.testing.assert_allclose(mv.count[0, 0], [(600 - 150) * 100 / 600, (200 - 50) * 100 / 600,
                                                0, 0])


HOSTED = MakerConfig(hosted_slots=50_000, own_slots=2_000, hosts=2)


def _run(fee: float) -> NetworkRun:
    # No used market: the hosts' cash then changes no decision (deliveries go pro rata to
    # size, capped by cash; the hosts are the two largest Xinjiang farms, whose caps bind
    # on neither run: the deliveries come out equal, checked below).
    scenario = example(farms=60).model_copy(update={
        "end": dt.date(2018, 12, 31), "market": MarketConfig(enabled=False),
        "makers": MakersConfig(maker=[HOSTED.model_copy(
            update={"hosting_fee_per_machine_day": fee})])})
    return run_network(scenario, shared_data_dir())


@pytest.fixture(scope="module")
def hosted_runs() -> tuple[NetworkRun, NetworkRun]:
    return _run(0.0), _run(0.15)


def test_hosts_earn_the_fee_and_counts_hold(hosted_runs: tuple[NetworkRun, NetworkRun]) -> None:
    free, paid = hosted_runs
    rec = paid.record
    # The bear market fills the hosts (beyond 2,000 machines at Bitmain's own farms).
    assert rec.hosted[-1, 0, 0] > 10_000
    assert (rec.hosted <= 50_000 * (1 + 1e-12)).all()
    # Counts: inventory + hosted = production - deliveries so far.
    np.testing.assert_allclose(rec.inventory[:, 0, 0] + rec.hosted[:, 0, 0],
                               np.cumsum(rec.produced[:, 0, 0] - rec.delivered[:, 0, 0]),
                               rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(free.record.delivered, rec.delivered)
    np.testing.assert_array_equal(free.record.hosted, rec.hosted)
    # The fee moves 0.15 USD per hosted machine-day from the maker to the two hosts, and
    # nothing else changes.
    pop = paid.population
    farms = pop.n_farms - pop.n_makers
    xinjiang = np.flatnonzero(pop.farm_region[:farms] == pop.regions.index("Xinjiang"))
    hosts = xinjiang[np.argsort(-pop.farm_machines[xinjiang])[:2]]
    diff = paid.result.cash[0, 0] - free.result.cash[0, 0]
    fees = 0.15 * rec.hosted[:, 0, 0].sum()
    assert diff[hosts].sum() == pytest.approx(fees, rel=1e-9)
    assert diff[farms] == pytest.approx(-fees, rel=1e-9)  # the maker (owner after farms)
    others = np.setdiff1d(np.arange(farms), hosts)
    np.testing.assert_allclose(diff[others], 0.0, atol=1e-6)
    # The hosted machines run as the maker's (its running count includes them).
    assert (rec.maker_running[:, 0, 0] <= rec.inventory[:, 0, 0] + rec.hosted[:, 0, 0]
            + 1e-6).all()


def test_a_host_region_without_farms_is_a_field_error() -> None:
    for update in ({"host_region": "Mars"}, {"host_region": "Beijing", "hosts": 5}):
        scenario = example(farms=60).model_copy(update={
            "end": dt.date(2018, 10, 5),
            "makers": MakersConfig(maker=[HOSTED.model_copy(update=update)])})
        with pytest.raises(InputError) as err:
            run_network(scenario, shared_data_dir())
        assert err.value.field == "makers.maker[0].host_region"
    # (Beijing holds one of the 60 farms: fewer than 5 hosts.)
    pop = build_population(example(farms=60), shared_data_dir())
    assert (pop.farm_region == pop.regions.index("Beijing")).sum() < 5
