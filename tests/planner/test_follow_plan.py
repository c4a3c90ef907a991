"""Following a plan in the backtest: Shihezi (Xinjiang) with Sichuan hydro, real 2018-2019 history.

The plan of tests/planner/test_plan_sichuan.py (examples/shihezi_hu_haifeng.toml with
examples/sites/sichuan_wet_season.toml: 0.28 CNY/kWh at Shihezi all year, 0.08 wet / 0.28
dry in Sichuan, dry-season MW cut to 0.27 of the wet; 50 CNY and 7 days a move,
assumptions) is followed through the engine by examples/shihezi_follow_plan.toml. The
followed backtest must fill Sichuan for the wet season, empty it to the dry-season power,
and beat the stay-put leg by the margin a plain loop over the days computes from the same
inputs: machines in Sichuan × days × power saved − moving costs − margin lost on the road,
plus what Sichuan earns while the 5 Nov 2018 inspection cuts Shihezi off.
"""

from __future__ import annotations

import dataclasses
import math
import shutil

import numpy as np
import pandas as pd
import pytest
from plan_fixtures import EXAMPLES, shared_data_file

from hashwinter.economics import coins_per_day
from hashwinter.engine import market_from_coinmetrics
from hashwinter.farm import backtest, build_farm_run, load_farm, stay_put_farm
from hashwinter.planner import solve_plan, view_from_market
from hashwinter.planner.build import build_problem
from hashwinter.sites import load_sites

START, END = "2018-11-01", "2019-12-31"
FARM = EXAMPLES / "shihezi_follow_plan.toml"
MOVES = EXAMPLES / "plans" / "shihezi_sichuan_2019_moves.csv"


@pytest.fixture(scope="module")
def market():
    btc = pd.read_csv(shared_data_file("btc_daily.csv"))
    fx = pd.read_csv(shared_data_file("usd_cny_daily.csv"))
    return market_from_coinmetrics(btc, fx, currency="CNY", start=START, end=END)


@pytest.fixture(scope="module")
def legs(market):
    farm = load_farm(FARM)
    follow = backtest(farm, market)  # a farm that follows a plan runs both legs
    assert follow.stay_put is not None
    return farm, follow, follow.stay_put


def test_the_example_plan_is_the_planners_answer(market):
    farm = load_farm(EXAMPLES / "shihezi_hu_haifeng.toml")
    sites = load_sites(EXAMPLES / "sites" / "sichuan_wet_season.toml")
    problem = build_problem(farm, view_from_market(market), sites=sites, start=START, end=END)
    plan = solve_plan(problem, mip_rel_gap=1e-4)
    committed = pd.read_csv(MOVES)
    pd.testing.assert_frame_equal(plan.moves_table().reset_index(drop=True), committed,
                                  check_dtype=False)


def _sichuan_and_road(moves: pd.DataFrame, dates: np.ndarray, downtime: int = 7):
    """Machines standing in Sichuan and on the road each day, from the moves file by hand."""
    sichuan = np.zeros(dates.size)
    road = np.zeros(dates.size)
    for row in moves.itertuples():
        d = int((np.datetime64(row.month, "D") - dates[0]).astype(int))
        sign = 1.0 if row.to_site == "Sichuan hydro" else -1.0
        road[d:d + downtime] += row.count
        if sign > 0:
            sichuan[d + downtime:] += row.count  # arrives after the road
        else:
            sichuan[d:] -= row.count  # leaves on the day
    return sichuan, road


def test_followed_plan_fills_sichuan_wet_and_empties_it_to_the_dry_power(legs):
    _, follow, _ = legs
    frame = follow.cohorts
    day = frame.groupby(["date", "site"])["installed_machines"].sum().unstack(fill_value=0.0)
    sichuan = day["Sichuan hydro"]
    dry_cap = math.floor(7.6e6 / (1323 * 1.05))  # S9 at the meter, PUE 1.05: 5,471
    assert (sichuan["2019-04-08":"2019-10-31"] == 20_000).all()  # every wet slot, on arrival
    assert (sichuan["2018-11-08":"2019-03-31"] == 5_470).all()
    assert (sichuan["2019-11-01":"2019-12-31"] == 5_470).all()
    assert 5_470 <= dry_cap
    # Machines are conserved: held at a site or on the road, 30,000 then 40,000 from 26 Nov.
    total = day.sum(axis=1)
    assert (total[:"2018-11-25"] == 30_000).all() and (total["2018-11-26":] == 40_000).all()
    assert follow.run.checks is not None


def test_following_beats_staying_put_by_the_hand_margin(legs):
    farm, follow, stay = legs
    s9 = farm.machines[0]
    config = farm.config
    shihezi = config.sites[0]
    sites = load_sites(EXAMPLES / "sites" / "sichuan_wet_season.toml").config
    hydro = sites.sites[0]
    window = follow.farm_run.spec.market
    dates = window.dates
    moves = pd.read_csv(MOVES)
    in_sichuan, on_road = _sichuan_and_road(moves, dates)
    gain = 0.0
    for d, day in enumerate(dates):  # a plain loop over the days
        coins = coins_per_day(s9.hashrate, window.difficulty[0, d], window.subsidy[0, d],
                              window.fees_per_block[0, d], config.pool_fee)
        revenue = shihezi.uptime * coins * window.price[0, d]
        hour = np.datetime64(day, "h")

        def power(site, hour=hour):
            price = float(np.asarray(site.tariff.price_per_kwh(hour)).ravel()[0])
            return site.uptime * s9.power / 1000 * 24 * site.pue * price

        m_shihezi = revenue - power(shihezi) - shihezi.management_fee_per_machine_day
        m_sichuan = revenue - power(hydro) - hydro.management_fee_per_machine_day
        # The inspection cuts Shihezi off 5-18 Nov 2018 (seed story; 14 days assumed).
        cut = np.datetime64("2018-11-05") <= day < np.datetime64("2018-11-19")
        there = 0.0 if cut else m_shihezi
        # Machines in Sichuan save power (and run through the cut); on the road they earn nothing.
        gain += in_sichuan[d] * (m_sichuan - there) - on_road[d] * there
    moved = int(moves["count"].sum())
    gain -= 50.0 * moved  # [move] cost_per_machine
    # After the cut the shutdown-price policy restarts Shihezi's machines at 1 CNY each:
    # 30,000 staying put, 24,530 when 5,470 stand in Sichuan.
    gain += 1.0 * 5_470
    difference = follow.summary.operating_margin - stay.summary.operating_margin
    assert difference == pytest.approx(gain, rel=1e-9)
    assert 20e6 < difference < 30e6  # the planner expected +23.9 M CNY (docs/sites.md)
    table = follow.plan_comparison().set_index("figure")
    assert table.loc["Moving costs [CNY]", "follow_plan"] == pytest.approx(50.0 * moved)
    assert table.loc["Downtime on the road [machine-days]", "follow_plan"] == 7 * moved
    assert table.loc["Operating margin [CNY]", "difference"] == pytest.approx(difference)
    # Power saved: the wet-season machine-days in Sichuan at 0.20 CNY/kWh less.
    saved = stay.summary.power_cost - follow.summary.power_cost
    assert table.loc["Power cost [CNY]", "difference"] == pytest.approx(-saved)
    assert saved > 25e6


def test_stay_put_leg_is_the_farm_without_the_moves(legs, market):
    farm, _, stay = legs
    config = farm.config.model_copy(update={"policies": []})
    bare = backtest(dataclasses.replace(farm, config=config), market)
    # Staying put keeps the sites file's dated events (the plan assumed them): the old S9s
    # at Shihezi are off for the 14 days of the inspection, and nothing else differs.
    lines = {r["cohort"]: r for r in stay.summary.cohorts.to_dict(orient="records")}
    bare_lines = {r["cohort"]: r for r in bare.summary.cohorts.to_dict(orient="records")}
    old = "S9 bought new, end of 2017"
    assert lines[old]["days_unplugged"] == pytest.approx(14.0)
    assert bare_lines[old]["days_unplugged"] == 0.0
    assert stay.summary.power_cost < bare.summary.power_cost
    fr = build_farm_run(stay_put_farm(farm), market)
    assert fr.spec.cohorts.count.sum() == 40_000  # slots and the road are empty cohorts
    assert int(fr.in_transit.sum()) == 4  # (2 fleet items) x (2 destinations)


def test_a_plan_beside_the_farm_file_is_found(tmp_path, market):
    shutil.copytree(EXAMPLES / "plans", tmp_path / "plans")
    shutil.copytree(EXAMPLES / "sites", tmp_path / "sites")
    shutil.copy(FARM, tmp_path / "farm.toml")
    farm = load_farm(tmp_path / "farm.toml")
    assert farm.config.policies[0].moves == str(tmp_path / "plans" /
                                                "shihezi_sichuan_2019_moves.csv")


def test_the_followed_swing_against_the_mining_map(legs):
    _, follow, _ = legs
    day = follow.cohorts.groupby(["date", "site"])["installed_machines"].sum().unstack(
        fill_value=0.0)
    share = day["Sichuan hydro"] / day.sum(axis=1)  # machines on the road count nowhere
    share.index = pd.to_datetime(share.index)
    year = share["2019"]
    followed = year.groupby(year.index.month).mean()
    # April: 20,000 from the 8th (7 days on the road): (7 x 5,470 + 23 x 20,000) / 30 / 40,000.
    assert followed[4] == pytest.approx((7 * 5_470 + 23 * 20_000) / 30 / 40_000)
    assert followed[7] == 0.5 and followed[12] == pytest.approx(5_470 / 40_000)
    world = pd.read_csv(shared_data_file("hashrate_share_by_region.csv"))
    sichuan = world[world["province"] == "Sichuan"].set_index("month")
    seasons = sichuan.loc["2019-09":"2020-08", "share"]  # one of each calendar month
    by_month = seasons.groupby(seasons.index.str[5:].astype(int)).mean().sort_index()
    r = float(np.corrcoef(followed.to_numpy(), by_month.to_numpy())[0, 1])
    assert r == pytest.approx(0.75, abs=0.01)  # docs/sites.md, "Following a plan"
