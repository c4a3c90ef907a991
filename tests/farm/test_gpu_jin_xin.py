"""examples/jin_xin_gpu.toml: the three P&Ls of issue 14 on real 2018 history, each leg by hand.

The store holds eth_daily.csv and btc_daily.csv (Coin Metrics). The fleet is 1 % of ETH's
hashrate on 2018-11-25 in RX 580 cards from the catalog; the legs are Jin Xin's cycle,
the same rigs held and mined throughout, and an ASIC farm of the same capital mining BTC.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from farm_fixtures import EXAMPLES

from datafiles import shared_data_file
from hashwinter.data import import_file
from hashwinter.errors import InputErrors
from hashwinter.farm import backtest_from_store, farm_from_dict, load_farm
from hashwinter.farm.gpu_report import gamer_values, gpu_legs, pnl_table
from hashwinter.hardware import Rig, default_catalog
from hashwinter.tomlfile import read_toml

EXAMPLE = EXAMPLES / "jin_xin_gpu.toml"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("gpu") / "h.duckdb"
    import_file("coinmetrics", shared_data_file("eth_daily.csv"), store=path)
    import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=path)
    return path


@pytest.fixture(scope="module")
def eth_rows():
    with open(shared_data_file("eth_daily.csv"), newline="", encoding="utf-8") as fh:
        return {r["date"]: r for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def legs(store):
    farm = load_farm(EXAMPLE)
    return gpu_legs(farm, lambda f: backtest_from_store(f, store),
                    sensitivity=(("glut_discount", 0.0), ("fraction_of_new", 0.5)))


def test_the_fleet_is_one_percent_of_eths_hashrate_from_the_catalog(eth_rows) -> None:
    farm = load_farm(EXAMPLE)
    card = default_catalog().get("RX 580")
    want = Rig(card, cards=8).cards_for(
        0.01 * float(eth_rows["2018-11-25"]["hashrate_ths"]) * 1e12, "ethash")
    assert farm.config.fleet[0].count == want == 63_849
    # The engine's machine is one card with an eighth of the platform's 60 W.
    assert farm.machines[0].power == pytest.approx(135 + 60 / 8)
    assert farm.machines[0].hashrate == 30.2e6


def test_each_legs_mining_is_the_fleets_share_of_the_days_issuance(legs, eth_rows) -> None:
    for leg in (legs.cycle, legs.hold):
        daily = leg.cohorts.groupby("date")[["running_machines", "coins_mined_eth"]].sum()
        for day, row in daily.iterrows():
            r = eth_rows[str(day.date())]
            share = row["running_machines"] * 30.2e6 / (float(r["hashrate_ths"]) * 1e12)
            want = share * (float(r["issuance_eth"]) + float(r["fees_eth"])) * (1 - 0.01)
            assert row["coins_mined_eth"] == pytest.approx(want, rel=0.01, abs=1e-9), day
    # The hold leg runs every card every day; the cycle stood still on some days.
    assert legs.hold.cohorts["running_machines"].min() == 63_849
    assert legs.cycle.summary.revenue < legs.hold.summary.revenue


def test_cards_sold_to_gamers_bring_the_models_price_less_fees(legs) -> None:
    entry, res = legs.entry, legs.cycle
    assert legs.trades["sold_to_gamers"] > 0, "at 0.09 USD/kWh ETH's December low is below cost"
    price = res.farm_run.spec.market.price[0]
    daily = res.ledger.daily_cohort()
    sold = daily["sold"][:, 0, 0, 0]
    proceeds = daily["sale_proceeds"][:, 0, 0, 0]
    # By hand on the day of the first whole-fleet sale: the model on the previous close.
    day = int(np.flatnonzero(sold == 63_849)[0])
    seen = np.concatenate([price[:1], price[:-1]])[: day + 1]
    glut = 1 - seen[-1] / seen[-365:].max()
    want = 330 * 0.75 * math.exp(-0.25 * (180 + day) / 365.25) * (1 - 0.35 * glut) * (1 - 0.10)
    assert proceeds[day] == pytest.approx(63_849 * want, rel=1e-9)
    assert gamer_values(res, entry)[0][day] == pytest.approx(want, rel=1e-12)
    assert legs.trades["gamer_sale_proceeds"] == pytest.approx(
        legs.trades["sold_to_gamers"] * want, rel=0.05)


def test_the_asic_farm_has_the_gpu_farms_capital(legs) -> None:
    assert legs.capital == 63_849 * 330
    assert legs.asic_count == 7_023 == math.floor(63_849 * 330 / 3000)
    assert legs.asic_count * 3000 + legs.asic_cash == pytest.approx(legs.capital)
    asic = legs.asic.farm_run.farm.config
    assert asic.coin == "BTC" and asic.fleet[0].model == "Antminer S9"
    assert legs.asic.summary.cash_start == pytest.approx(22_100_000 + legs.asic_cash)
    assert legs.asic.summary.start == legs.cycle.summary.start
    assert legs.asic.summary.end == legs.cycle.summary.end


def test_each_pnl_is_the_change_in_cash_plus_what_is_held(legs) -> None:
    for name, res in (("cycle", legs.cycle), ("hold", legs.hold), ("asic", legs.asic)):
        p = legs.pnl[name]
        s = res.summary
        assert s.coins_end == pytest.approx(0, abs=1e-6)  # sell_daily
        # The ASIC farm's cash left over is in cash_start and cash_end alike.
        assert p["pnl"] == pytest.approx(s.cash_end - s.cash_start + p["closing_value"],
                                         rel=1e-9), name
    table = pnl_table(legs)
    assert list(table.columns) == ["figure", "cycle", "hold", "asic"]
    # Holding the rigs makes no card trades; the loss floor is the capital less the fleet
    # at the gamers' lowest price of the year.
    assert legs.pnl["hold"]["card_trading"] == 0
    assert legs.loss_floor == pytest.approx(legs.capital - 63_849 * legs.gamer_low)


def test_the_sensitivity_moves_with_the_resale_parameters(legs) -> None:
    table = legs.sensitivity
    assert list(table["parameter"]) == ["(as given)", "glut_discount", "fraction_of_new"]
    # No glut discount raises the gamer floor; a lower fraction of new lowers it, and the
    # held rigs' closing value with it.
    assert table["gamer_low"][1] > table["gamer_low"][0] > table["gamer_low"][2]
    assert table["hold_pnl"][1] > table["hold_pnl"][0] > table["hold_pnl"][2]
    assert table["cycle_pnl"][0] == pytest.approx(legs.pnl["cycle"]["pnl"])


def _farm_with(**fleet_changes):
    data, _ = read_toml(EXAMPLE, what="farm file")
    data["fleet"][0].update(fleet_changes)
    return data


@pytest.mark.parametrize(("changes", "message"), [
    ({"rig": {"cards": 0}}, "fleet[0].rig.cards"),
    ({"model": "Antminer S9"}, "fleet[0].model: Antminer S9 mines sha256, not ETH's ethash"),
])
def test_bad_rigs_and_cards_name_their_field(changes, message) -> None:
    with pytest.raises(InputErrors) as exc:
        farm_from_dict(_farm_with(**changes))
    assert message in str(exc.value)


def test_the_thresholds_sweep_in_one_run_against_holding(legs) -> None:
    sweep = legs.sweep
    assert len(sweep) == 9
    # The variant of the file's own thresholds (5 %, 1 % a day) is the cycle leg itself.
    own = sweep[(sweep["required_surplus"] == 0.05) & (sweep["bull_swap_per_day"] == 0.01)]
    assert float(own["cycle_pnl"].iloc[0]) == pytest.approx(legs.pnl["cycle"]["pnl"], rel=1e-9)
    assert np.allclose(sweep["difference"], sweep["cycle_pnl"] - legs.pnl["hold"]["pnl"])
    # A deeper gamer market swaps more cards at the bull's spread: P&L rises with the depth.
    for rs in (0.0, 0.05, 0.2):
        rows = sweep[sweep["required_surplus"] == rs].sort_values("bull_swap_per_day")
        assert np.all(np.diff(rows["cycle_pnl"].to_numpy()) > 0)
