"""Reference case (b): a Xinjiang farm with Sichuan hydro capacity, on real 2018-2019 history.

Inputs: examples/shihezi_hu_haifeng.toml (40,000 S9 slots at 0.28 CNY/kWh) and
examples/sites/sichuan_wet_season.toml (20,000 slots at 0.08 wet / 0.28 dry,
dry-season MW cut to 0.27 of the wet season's, as the public mining map's
Sichuan hashrate falls). The plan must fill Sichuan for the wet season, empty
it to the dry-season power, and beat staying put after moving costs by the
margin a plain loop over the days computes from the same inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from plan_fixtures import EXAMPLES, history_view, shared_data_file

from hashwinter.economics import coins_per_day
from hashwinter.farm import load_farm
from hashwinter.planner import solve_plan
from hashwinter.planner.build import build_problem
from hashwinter.sites import load_sites

START, END = "2018-11-01", "2019-12-31"
WET = [f"2019-{m:02d}" for m in range(4, 11)]
DRY = ["2018-11", "2018-12", "2019-01", "2019-02", "2019-03", "2019-11", "2019-12"]


@pytest.fixture(scope="module")
def setup():
    farm = load_farm(EXAMPLES / "shihezi_hu_haifeng.toml")
    sites = load_sites(EXAMPLES / "sites" / "sichuan_wet_season.toml")
    problem = build_problem(farm, history_view(), sites=sites, start=START, end=END)
    return farm, sites, problem, solve_plan(problem, mip_rel_gap=1e-4)


def _loop_values(farm, sites, view):
    """Value per machine per (cohort, site, month), one day at a time (the reference)."""
    s9 = farm.machines[0]
    own = farm.config.sites[0]
    hydro = sites.config.sites[0]
    site_rows = [
        # (tariff, pue, uptime, fee, cut share, region is Xinjiang)
        (own.tariff, own.pue, own.uptime, own.management_fee_per_machine_day,
         1 - math.exp(-0.5 * 1.0 / 365.25), True),      # Xinjiang default: 0.5/yr x 1 day
        (hydro.tariff, hydro.pue, hydro.uptime, hydro.management_fee_per_machine_day,
         1 - math.exp(-1.0 * 3.0 / 365.25), False),     # Sichuan default: 1/yr x 3 days
    ]
    values: dict[tuple[int, int, str], float] = {}
    for c, item in enumerate(farm.config.fleet):
        for s, (tariff, pue, uptime, fee, cut, xinjiang) in enumerate(site_rows):
            for d, day in enumerate(view.dates):
                if day < np.datetime64(item.purchase_date):
                    continue
                coins = coins_per_day(s9.hashrate, view.difficulty[0, d], view.subsidy[0, d],
                                      view.fees_per_block[0, d], farm.config.pool_fee)
                price = float(np.asarray(tariff.price_per_kwh(np.datetime64(day, "h"))).ravel()[0])
                power_cost = s9.power / 1000 * 24 * pue * price
                margin = uptime * (coins * view.price[0, d] - power_cost) - fee
                # The 5 Nov 2018 inspection cuts Xinjiang for 14 days (seed story).
                event = xinjiang and np.datetime64("2018-11-05") <= day < np.datetime64(
                    "2018-11-19")
                up = 0.0 if event else 1 - cut
                key = (c, s, str(day.astype("datetime64[M]")))
                values[key] = values.get(key, 0.0) + max(margin, 0.0) * up
    return values


def test_plan_fills_sichuan_in_the_wet_season_and_empties_it_in_the_dry(setup):
    _, _, problem, plan = setup
    table = plan.site_table().set_index("month")
    sichuan = table["Sichuan hydro"]
    dry_cap = math.floor(7.6e6 / (1323 * 1.05))  # S9 at the meter, PUE 1.05: 5,471
    assert (sichuan[WET] == 20_000).all()  # every wet-season slot
    assert (sichuan[DRY] <= dry_cap).all()
    assert (sichuan[DRY] >= dry_cap - 2).all()  # kept full to the dry-season power: cuts
    # in Xinjiang (events, risks) make a dry slot in Sichuan no worse than Shihezi
    assert (table.sum(axis=1) == problem.present().sum(axis=0)).all()


def test_plan_beats_staying_put_by_the_margin_a_loop_computes(setup):
    farm, sites, problem, plan = setup
    view = history_view().window(np.datetime64(START), np.datetime64(END))
    ref = _loop_values(farm, sites, view)
    months = [str(m) for m in problem.months]
    value = np.array([[[ref.get((c, s, m), 0.0) for m in months] for s in range(2)]
                      for c in range(2)])
    # The vectorized values are the loop's (hosting fees and fines are zero here).
    np.testing.assert_allclose(problem.value, value, rtol=1e-9, atol=1e-6)
    lost = np.minimum(7.0, problem.days) / problem.days
    move_in = 50.0 + lost[None, None, :] * value
    plan_margin = (value * plan.holdings).sum() - (move_in * plan.moves_in).sum()
    stay = problem.stay_put()
    stay_margin = (value * stay).sum()
    assert plan.expected_margin == pytest.approx(plan_margin, rel=1e-9)
    assert plan.stay_put_margin == pytest.approx(stay_margin, rel=1e-9)
    gain = plan_margin - stay_margin
    # Moving 20,000 S9 saves 0.20 CNY/kWh x 1.323 kW x 1.05 x 24 h x 0.98 = 6.5 CNY a
    # machine-day for 214 wet days: ~28 M CNY before moving costs; the plan keeps most of it.
    assert 20e6 < gain < 30e6
    moved = int(plan.moves_in.sum())
    assert moved == plan.moves_table()["count"].sum()
    # A hand plan: the old S9s move 20,000 into Sichuan on 1 April 2019 and 14,530 back on
    # 1 November. It beats staying put, and the optimum is at least as good as it.
    hand = stay.copy()
    hand_in = np.zeros_like(stay)
    april, november = months.index("2019-04"), months.index("2019-11")
    hand[0, 1, april:] = 20_000
    hand[0, 1, november:] = 5_470
    hand[0, 0] = stay[0, 0] - hand[0, 1]
    hand_in[0, 1, april] = 20_000
    hand_in[0, 0, november] = 14_530
    hand_margin = (value * hand).sum() - (move_in * hand_in).sum()
    assert stay_margin < hand_margin <= plan_margin + 1e-6


def test_the_seasonal_swing_follows_the_mining_map(setup):
    _, _, _problem, plan = setup
    share = pd.read_csv(shared_data_file("hashrate_share_by_region.csv"))
    sichuan = share[(share["province"] == "Sichuan")].set_index("month")
    # The example's dry-season fraction is the map's: mean EH/s Dec 2019-Apr 2020 over Jun-Oct 2020.
    dry = sichuan.loc["2019-12":"2020-04", "hashrate_ehs"].mean()
    wet = sichuan.loc["2020-06":"2020-10", "hashrate_ehs"].mean()
    assert round(dry / wet, 2) == 0.27
    # Calendar-month profiles: the plan's Sichuan share of the farm's machines (2019) and the
    # map's Sichuan share of China's hashrate (2019-09 .. 2020-08, one of each month).
    table = plan.site_table().set_index("month")
    plan_share = (table["Sichuan hydro"] / table.sum(axis=1)).loc["2019-01":"2019-12"]
    map_share = sichuan.loc["2019-09":"2020-08", "share"]
    by_month_plan = plan_share.groupby(plan_share.index.str[5:]).mean().sort_index()
    by_month_map = map_share.groupby(map_share.index.str[5:]).mean().sort_index()
    r = float(np.corrcoef(by_month_plan.to_numpy(), by_month_map.to_numpy())[0, 1])
    # Both swing into Sichuan for the wet season and out for the dry: r = 0.69 (docs/sites.md;
    # the plan moves in April, the map shows the swing in May-June).
    assert r == pytest.approx(0.69, abs=0.01)
