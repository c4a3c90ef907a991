"""Seasonal migration (network.migration): picks, the calendar, the move-or-dark decision.

Every expected value is computed by hand from the formulas in the module's docstrings;
the map's numbers are rows of hashrate_share_by_region.csv (CBECI, SOURCES.md).
"""

from __future__ import annotations

import datetime as dt
import types

import numpy as np
import pandas as pd
import pytest
from test_network_population import example

from datafiles import shared_data_dir
from hashwinter.engine.actions import Actions
from hashwinter.errors import InputError
from hashwinter.network.config import NetworkScenario
from hashwinter.network.dynamics import run_network
from hashwinter.network.migration import (
    SeasonalMove,
    Swing,
    map_swing,
    plan_migration,
    prefix_pick,
    spread_offsets,
)


def test_prefix_pick_takes_the_share_of_the_weight_in_order() -> None:
    # Midpoints (0.5, 2, 4.5, 8) / 10 = 0.05, 0.2, 0.45, 0.8: the first three are <= 0.5.
    assert prefix_pick(np.array([1.0, 2.0, 3.0, 4.0]), 0.5).tolist() == [True, True, True,
                                                                          False]
    # A large item is not picked for its size: (0.5, 5.5) / 6 -> only the first <= 0.25.
    assert prefix_pick(np.array([1.0, 10.0]), 0.25).tolist() == [True, False]
    assert not prefix_pick(np.array([1.0, 2.0]), 0.0).any()


def test_spread_offsets_even_by_weight() -> None:
    # Midpoints (0.5, 1.5, 3) / 4 = 0.125, 0.375, 0.75 of 30 days: 3.75, 11.25, 22.5.
    assert spread_offsets(np.array([1.0, 1.0, 2.0]), 30).tolist() == [3, 11, 22]


def test_swing_spread_days() -> None:
    # Loss 0.2; a quarter of it in the first month's mean: S = 30 / (2 x 0.25) = 60 days.
    assert Swing("w", ("d",), 0.3, 0.1, 0.25, {}).spread_days(30) == 60
    # Three quarters: S = 2 x 30 x (1 - 0.75) = 15 days.
    assert Swing("w", ("d",), 0.3, 0.1, 0.15, {}).spread_days(30) == 15


def test_map_swing_of_sichuan() -> None:
    swing = map_swing(shared_data_dir(), "Sichuan", ["Xinjiang", "Inner Mongolia"],
                      (11, 12, 1, 2, 3, 4))
    assert swing.wet_month == "2019-10"
    assert swing.dry_months == ("2019-11", "2019-12", "2020-01", "2020-02", "2020-03",
                                "2020-04")
    # Sichuan's global share: 0.321853 in 2019-10; 2019-11 .. 2020-04: 0.231456,
    # 0.132448, 0.121174, 0.112316, 0.098243, 0.096632 (mean 0.1320448).
    assert swing.origin_wet == pytest.approx(0.321853)
    assert swing.origin_dry == pytest.approx(0.7922690 / 6)
    assert swing.hydro_share == pytest.approx(1 - 0.1320448 / 0.321853, abs=1e-6)  # 0.5897
    # Xinjiang 0.204523 -> mean 0.3447959 (+0.1402728); Inner Mongolia 0.063264 ->
    # 0.0824453 (+0.0191813): 0.1594541 of the 0.1898082 Sichuan lost.
    assert swing.gains["Xinjiang"] == pytest.approx(0.1402728, abs=1e-6)
    assert swing.sister_share == pytest.approx(0.1594541 / 0.1898082, abs=1e-5)  # 0.8401
    # November's mean holds (0.321853 - 0.231456) / 0.1898082 = 0.4763 of the loss:
    # S = 30 / (2 x 0.4763) = 31.5 -> 31 days.
    assert swing.spread_days(30) == 31


def test_plan_calendar_of_a_hydro_unit() -> None:
    dates = np.arange("2018-10-29", "2018-11-05", dtype="datetime64[D]")  # 7 days
    tariff = np.full((7, 2), 0.04)
    plan = plan_migration(dates, (11,), np.array([0, 0]), tariff,
                          hydro=np.array([True, False]), sister=np.array([True, False]),
                          destination=np.array([3, 0]), sister_tariff=np.array([0.05, 0.0]),
                          offset=np.array([2, 0]))
    # Unit 0's own November runs 2 days late: 2018-11-03 .. 2018-12-02 (30 days).
    assert plan.dry[:, 0].tolist() == [False] * 5 + [True, True]
    assert plan.left[5:, 0].tolist() == [30.0, 29.0]
    assert plan.region[:, 0].tolist() == [0] * 5 + [3, 3]
    assert plan.tariff[:, 0].tolist() == [0.04] * 5 + [0.05, 0.05]
    # Unit 1 is not hydro: never dry, home tariff, home region.
    assert not plan.dry[:, 1].any() and (plan.tariff[:, 1] == 0.04).all()


def _obs(day: int, margin: float) -> types.SimpleNamespace:
    return types.SimpleNamespace(day=day, revenue_per_machine=np.full((1, 1, 2), margin + 1.0),
                                 cost_per_machine=np.ones((1, 1, 2)))


def test_seasonal_move_moves_when_it_pays_and_goes_dark_otherwise() -> None:
    # Two cohorts with a sister site; dry from day 1 with 12 days left; transit 2 days,
    # 10 per machine each way. Moving pays when m (12 - 2) > 20, i.e. m > 2.
    dry = np.array([[False, False]] + [[True, True]] * 4)
    left = np.where(dry, 12.0 - np.arange(5)[:, None] + 1, 0.0)
    move = SeasonalMove(dry, left, np.array([True, True]), transit_days=2,
                        cost_per_machine=10.0)
    state = move.init_state((1, 1, 2))
    on, cost = [], []
    for day in range(5):
        # Cohort 0 earns 3 a day (moves), cohort 1 earns 1 (stays dark) on day 1.
        obs = _obs(day, 3.0)
        obs.revenue_per_machine[0, 0, 1] = 2.0
        actions, state = move.decide(obs, Actions.start(np.ones((1, 1, 2), bool)), state)  # type: ignore[arg-type]
        on.append(np.asarray(actions.on)[0, 0].tolist())
        cost.append(None if actions.cost is None else np.asarray(actions.cost)[0, 0].tolist())
    # Cohort 0: off in transit on days 1 and 2, on from day 3, paying 10 per machine then.
    assert [o[0] for o in on] == [True, False, False, True, True]
    assert cost[3] == [10.0, 0.0] and cost[4] is None
    # Cohort 1 earns 1: m (12 - 2) = 10 <= 20, so it stays dark through its dry season.
    assert [o[1] for o in on] == [True, False, False, False, False]


def test_seasonal_move_comes_back_when_the_season_ends() -> None:
    dry = np.array([[True], [True], [False], [False], [False]])
    left = np.array([[2.0], [1.0], [0.0], [0.0], [0.0]])
    move = SeasonalMove(dry, left, np.array([True]), transit_days=2, cost_per_machine=5.0)
    state = move.init_state((1, 1, 1))  # starts in the dry season: already moved
    on = []
    for day in range(5):
        obs = types.SimpleNamespace(day=day, revenue_per_machine=np.full((1, 1, 1), 9.0),
                                    cost_per_machine=np.ones((1, 1, 1)))
        actions, state = move.decide(obs, Actions.start(np.ones((1, 1, 1), bool)), state)  # type: ignore[arg-type]
        on.append(bool(np.asarray(actions.on)[0, 0, 0]))
    # Runs at the sister site on days 0-1, in transit home on days 2-3, home on day 4.
    assert on == [True, True, False, False, True]


def test_bad_migration_fields() -> None:
    data = example(farms=20).model_dump()
    data["migration"] = {"enabled": True, "transit_days": 12}
    with pytest.raises(ValueError, match="transit_days must be below"):
        NetworkScenario.model_validate(data)
    data["migration"] = {"enabled": True, "origin": "Atlantis"}
    scenario = NetworkScenario.model_validate(data).model_copy(
        update={"end": dt.date(2018, 10, 3)})
    with pytest.raises(InputError, match="Atlantis") as err:
        run_network(scenario, shared_data_dir())
    assert err.value.field == "migration.origin"
    data["migration"] = {"enabled": True, "to": {"Xinjiang": -1.0}}
    with pytest.raises(ValueError, match="weights must be >= 0"):
        NetworkScenario.model_validate(data)
    data["migration"] = {"enabled": True, "to": {"Narnia": 1.0}}
    scenario = NetworkScenario.model_validate(data).model_copy(
        update={"end": dt.date(2018, 10, 3)})
    with pytest.raises(InputError, match="Narnia") as err:
        run_network(scenario, shared_data_dir())
    assert err.value.field == "migration.to.Narnia"


def test_a_run_where_every_sichuan_site_is_hydro() -> None:
    # All of Sichuan's sites lose their power, and every one has a sister site in
    # Xinjiang: once every season has started (spread 31 days from 1 November) and the
    # trucks have arrived (3 days), no machine runs in Sichuan; the moved ones that
    # pay run (and count) in Xinjiang. Conservation (cash = flows with the moving
    # costs, machines per cohort) is checked by the engine on the run.
    data = example(farms=30).model_dump()
    data["end"] = dt.date(2018, 12, 10)
    data["makers"]["maker"] = []  # the makers mine in Sichuan too (their own region)
    data["migration"] = {"enabled": True, "hydro_share": 1.0, "sister_share": 1.0,
                         "to": {"Xinjiang": 1.0}, "transit_days": 3}
    run = run_network(NetworkScenario.model_validate(data), shared_data_dir())
    rec, pop = run.record, run.population
    sichuan = rec.by_region[:, 0, pop.regions.index("Sichuan")]
    xinjiang = rec.by_region[:, 0, pop.regions.index("Xinjiang")]
    assert sichuan[0] > 0 and sichuan[-1] == 0.0
    np.testing.assert_allclose(rec.by_region.sum(axis=-1), rec.hashrate, rtol=1e-9)
    assert xinjiang[-1] > xinjiang[0]
    assert run.result.checks is not None


def test_the_dry_season_table_counts_moved_and_dark_machines() -> None:
    # The shipped winter at 40 farms to 31 Dec: the recorder keeps, per day, the hydro
    # machines in their dry season that run (at a sister site) and that are off.
    from hashwinter.network.report import network_tables, summary_lines

    scenario = example(farms=40).model_copy(update={"end": dt.date(2018, 12, 31)})
    run = run_network(scenario, shared_data_dir())
    rec = run.record
    table = network_tables(run)["dry_season"].set_index("date")
    table.index = pd.DatetimeIndex(table.index)
    total = table.sum(axis=1)
    # No site is in its dry season before November; the seasons start spread over the
    # month (spread_days 31), so more machines are in theirs on 30 Nov than on 5 Nov.
    assert (total[:"2018-10-31"] == 0).all()
    assert total["2018-11-30"] > total["2018-11-05"] > 0
    # In December a fifth of the hydro sites have a sister site (sister_share 0.2) and
    # some of them run there; more are off.
    dec = table["2018-12-01":]
    moved, off = dec["machines_running_at_sister_sites"], dec["machines_off_in_dry_season"]
    assert (moved > 0).all() and (off > moved).all()
    assert rec.dry_running.shape == rec.hashrate.shape
    assert any(line.startswith("dry season (path 0)") for line in summary_lines(run))
