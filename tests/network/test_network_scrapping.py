"""Unsold machines are scrapped; a farm short of cash sells its unplugged machines at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from pydantic import ValidationError
from test_network_population import example

from datafiles import shared_data_dir
from hashwinter.engine.actions import Actions
from hashwinter.engine.policy import Observation
from hashwinter.errors import InputError
from hashwinter.network.clearing import price_grid
from hashwinter.network.config import NetworkScenario
from hashwinter.network.dynamics import run_network
from hashwinter.network.trading import SecondHandMarket

SCRAP = 15.0  # USD a machine: the scenario's default scrap floor


def _obs(installed: list[float], cash: list[float], margin: float = 2.0) -> Observation:
    # Two owners, one cohort each, one tier: cohort 0 is off (a seller), cohort 1 runs.
    # A machine costs 1 USD a day to run and earns 1 + margin.
    return Observation(
        step=0, day=0, step_seconds=86400.0, price=np.full((1, 1, 1), 4000.0),
        coins_per_machine=np.full((1, 1, 2), (1.0 + margin) / 4000),
        revenue_per_machine=np.full((1, 1, 2), 1.0 + margin),
        cost_per_machine=np.full((1, 1, 2), 1.0),
        installed=np.array(installed).reshape(1, 1, 2),
        cash=np.array(cash).reshape(1, 1, 2), coins=np.zeros((1, 1, 2)),
        alive=np.ones((1, 1, 2), dtype=bool), owner=np.array([0, 1]))


def _market(capacity: float = 20.0, **kw: float) -> SecondHandMarket:
    return SecondHandMarket(tier=np.array([0, 0]), owner=np.array([0, 1]),
                            capacity=np.array([10.0, capacity]),
                            grid=price_grid(np.array([SCRAP]), np.array([3000.0]), 48),
                            sell_after_days=10.0, payback_days=100.0, cash_share=0.5,
                            scrap_value=SCRAP, **kw)


def _decide(m: SecondHandMarket, obs: Observation, days_off: float) -> Actions:
    on = np.array([[[False, True]]])
    # The state is the days off before today; today adds one.
    acts, _ = m.decide(obs, Actions.start(on), np.array([[[days_off - 1.0, 0.0]]]))
    return acts


def test_what_finds_no_buyer_is_scrapped_after_scrap_after_days() -> None:
    # Nobody earns a margin (revenue = cost): no bid at the floor, nothing sells.
    obs = _obs([10.0, 5.0], [1e6, 1e6], margin=0.0)
    m = _market(scrap_after_days=30.0)
    early = _decide(m, obs, 29.0)  # offered (>= 10 days off) but not yet scrapped
    assert early.scrap is None and early.sell is None
    late = _decide(m, obs, 30.0)
    assert late.scrap is not None and late.sell is None
    assert late.scrap[0, 0].tolist() == [10.0, 0.0]
    assert np.asarray(late.scrap_price)[0, 0, 0] == SCRAP
    # Without scrap_after_days (the default), unsold machines are kept.
    assert _decide(_market(), obs, 300.0).scrap is None


def test_only_the_unsold_rest_is_scrapped() -> None:
    # The buyer has 3 free slots (capacity 8, 5 held): supply 10 > demand 3 at every
    # price, so the clearing is the floor's and 3 change hands (network.clearing);
    # the other 7 are scrapped at the floor price.
    acts = _decide(_market(capacity=8.0, scrap_after_days=10.0), _obs([10.0, 5.0], [1e6, 1e6]),
                   10.0)
    assert acts.sell is not None and acts.scrap is not None and acts.buy is not None
    assert float(acts.sell[0, 0, 0]) == pytest.approx(3.0, rel=1e-12)
    assert float(acts.buy[0, 0, 1]) == pytest.approx(3.0, rel=1e-12)
    assert float(acts.scrap[0, 0, 0]) == pytest.approx(7.0, rel=1e-12)
    assert float(np.asarray(acts.sell_price)[0, 0, 0]) == SCRAP


def test_a_farm_short_of_cash_offers_its_unplugged_machines_at_once() -> None:
    # Owner 0: 10 machines at 1 USD a day = 10 USD a day; 7 days of it is 70 USD.
    m = _market(short_cash_days=7.0)
    short = _decide(m, _obs([10.0, 5.0], [50.0, 1e6]), 1.0)  # off one day only
    assert short.sell is not None and float(short.sell[0, 0, 0]) == pytest.approx(10.0)
    enough = _decide(m, _obs([10.0, 5.0], [80.0, 1e6]), 1.0)
    assert enough.sell is None
    # Without the rule, one day off is not enough to sell.
    assert _decide(_market(), _obs([10.0, 5.0], [50.0, 1e6]), 1.0).sell is None


def test_a_dark_hydro_site_waits_for_the_water() -> None:
    # Cohort 0 is off 30 days, but its site is dark for the dry season and waits
    # (dark_sells false): it offers nothing and its count of days off stands still.
    m = _market(capacity=20.0)
    waiting = dataclasses.replace(m, dark=np.array([[True, False]]), dark_sells=False)
    on = np.array([[[False, True]]])
    obs = _obs([10.0, 5.0], [1e6, 1e6])
    acts, days = waiting.decide(obs, Actions.start(on), np.array([[[29.0, 0.0]]]))
    assert acts.sell is None and float(days[0, 0, 0]) == 29.0
    acts, days = m.decide(obs, Actions.start(on), np.array([[[29.0, 0.0]]]))
    assert acts.sell is not None and float(days[0, 0, 0]) == 30.0
    # A broke owner's machines are for sale whatever the season (liquidation).
    broke = dataclasses.replace(obs, alive=np.array([False, True]).reshape(1, 1, 2))
    acts, _ = waiting.decide(broke, Actions.start(on), np.array([[[0.0, 0.0]]]))
    assert acts.sell is not None and float(acts.sell[0, 0, 0]) == pytest.approx(10.0)


def test_a_dark_site_never_scraps() -> None:
    # Nobody bids (no margin): the unplugged cohort scraps after 30 days off, but not
    # while its site is dark for the dry season, even when it sells (dark_sells).
    obs = _obs([10.0, 5.0], [1e6, 1e6], margin=0.0)
    m = _market(scrap_after_days=30.0)
    assert _decide(m, obs, 40.0).scrap is not None
    dark = dataclasses.replace(m, dark=np.array([[True, False]]))
    assert _decide(dark, obs, 40.0).scrap is None


def test_bad_scrap_parameters_name_their_field() -> None:
    with pytest.raises(InputError, match="scrap_after_days"):
        _market(scrap_after_days=5.0)  # below sell_after_days
    with pytest.raises(InputError, match="short_cash_days"):
        _market(short_cash_days=math.nan)
    data = example(farms=5).model_dump()
    data["market"].update(scrap_after_days=3.0)
    # A field error of market.scrap_after_days (the CLI names its file:line).
    with pytest.raises(ValidationError,
                       match=r"scrap_after_days\n.*must be >= market.sell_after_days"):
        NetworkScenario.model_validate(data)


def test_a_winter_with_scrapping_counts_the_scrapped_machines_out() -> None:
    scenario = example(farms=40).model_copy(update={"end": dt.date(2019, 1, 31)})
    market = scenario.market.model_copy(update={"scrap_after_days": 30.0,
                                                "short_cash_days": 7.0})
    scenario = scenario.model_copy(update={"market": market})
    run = run_network(scenario, shared_data_dir())
    pop, rec = run.population, run.record
    assert rec.scrapped.sum() > 0
    # Machines are made, traded and scrapped, never created or lost: per tier, the
    # machines held at the end = those at the start + production - scrapped.
    held = np.broadcast_to(run.result.held, (1, 1, pop.cohort_tier.size))[0, 0]
    start = np.bincount(pop.cohort_tier, weights=pop.cohort_count)
    start[-pop.n_makers:] += rec.produced[:, 0].sum(axis=0)
    np.testing.assert_allclose(np.bincount(pop.cohort_tier, weights=held),
                               start - rec.scrapped[:, 0].sum(axis=0), rtol=1e-9, atol=1e-6)
    # Nothing is scrapped before a cohort has been off 30 days: a cohort off from the
    # first day (day 0) has been off 30 days on day 29.
    assert rec.scrapped[:29].sum() == 0.0 and rec.scrapped[29].sum() > 0


def test_the_compiled_kernel_takes_scrapping() -> None:
    # The market's kernel has both rules (tests/network/test_network_kernel.py compares
    # it with the numpy path); the shipped file's dry season is what sends it to numpy.
    scenario = example(farms=5).model_copy(update={"end": dt.date(2018, 10, 10)})
    scenario = scenario.model_copy(update={
        "migration": scenario.migration.model_copy(update={"enabled": False}),
        "market": scenario.market.model_copy(update={"scrap_after_days": 30.0,
                                                     "sellers_exit": False})})
    run = run_network(scenario, shared_data_dir())
    assert run.result.path == "compiled" and run.result.fallback is None
