"""Jin Xin's GPU cycle policy on a flat-difficulty market, each trade computed by hand.

The market of tests/engine/test_engine_actions.py: difficulty 1e12, subsidy 12.5, no fees,
cards of 1e12 H/s and 1,000 W (scaled so one mines 86400 x 12.5 / 2^32 = 2.5146e-4 coins
a day) at 0.10 per kWh: cost 2.4 a card-day. The policy decides on the previous day's
close: at 12,000 a card earns 3.0175 (margin 0.6175, +25.7 %), at 9,000 2.2631 (below cost).
"""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from hashwinter.assets.card_resale import CardResaleModel
from hashwinter.errors import InputError
from hashwinter.farm.gpu_cycle import GpuCycleConfig, GpuCyclePolicy
from hashwinter.farm.registry import policy_kinds

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from test_engine_actions import COINS_PER_DAY, ledger_of, spec_of

PRICES = [12000, 12000, 12000, 9000, 9000, 12000, 12000, 12000.0]


def run_cycle(prices=PRICES, **kw):
    spec = spec_of([10.0], tariff=(0.1,), n_days=len(prices), cash=(10_000.0,))
    market = dataclasses.replace(spec.market, price=np.asarray(prices, dtype=float)[None, :])
    spec = dataclasses.replace(spec, market=market)
    policy = GpuCyclePolicy([10.0], new_card_price=330.0, card_age_days=365.0,
                            platform_per_card=12.5, resale=CardResaleModel(), **kw)
    return ledger_of(spec, policy)


def test_exit_to_gamers_at_the_cost_line_and_back_into_cheap_rigs() -> None:
    res, led = run_cycle()
    np.testing.assert_allclose(led.cohort["running"][:, 0, 0, 0], [10, 10, 10, 10, 0, 0, 10, 10])
    sold, bought = led.trade("sold")[:, 0, 0, 0], led.trade("bought")[:, 0, 0, 0]
    np.testing.assert_allclose(sold, [0, 0, 0, 0, 10, 0, 0, 0])
    np.testing.assert_allclose(bought, [0, 0, 0, 0, 0, 0, 10, 0])
    # Day 4 sees day 3's 9,000 (below cost): sold to gamers at the model's price less fees:
    # 330 x 0.75 x exp(-0.25 x 369 / 365.25) x (1 - 0.35 x 0.25 glut) x (1 - 0.10).
    gamer = 330 * 0.75 * math.exp(-0.25 * 369 / 365.25) * (1 - 0.35 * 0.25) * 0.9
    assert led.owner["machine_sales"][4, 0, 0, 0] == pytest.approx(10 * gamer, rel=1e-12)
    assert gamer == pytest.approx(157.89, abs=0.01)
    # Day 6 sees 12,000 again: miners sell rigs at margin x 180 days + platform 12.5 a card,
    # below the gamer value + 90 days of margin: bought back.
    margin = COINS_PER_DAY * 12000 - 2.4
    assert led.cohort["machine_capex"][6, 0, 0, 0] == pytest.approx(10 * (margin * 180 + 12.5),
                                                                    rel=1e-9)
    assert res.held[0, 0, 0] == 10 and res.checks.max_count_error == 0


def test_a_bull_market_sells_rigs_to_miners_and_buys_cards_from_gamers() -> None:
    # At 30,000 a card earns 7.54 a day: miners pay (7.54 - 2.4) x 180 + 12.5 = 938 a card,
    # far above 1.3 x the gamer price (~190): each day, cards come from gamers and as many
    # rigs' cards go to miners, floor(10 x bull_swap_per_day) of them.
    _, led = run_cycle([30000.0] * 5, bull_swap_per_day=0.35)
    sold, bought = led.trade("sold")[:, 0, 0, 0], led.trade("bought")[:, 0, 0, 0]
    np.testing.assert_allclose(sold, [3] * 5)
    np.testing.assert_allclose(bought, [3] * 5)
    margin = COINS_PER_DAY * 30000 - 2.4
    assert led.owner["machine_sales"][0, 0, 0, 0] == pytest.approx(3 * (margin * 180 + 12.5))
    # Cards bought from gamers at the gamer price before fees (age 365 days, no glut).
    buy = 330 * 0.75 * math.exp(-0.25 * 365 / 365.25)
    assert led.cohort["machine_capex"][0, 0, 0, 0] == pytest.approx(3 * buy, rel=1e-12)
    # The swapped fleet keeps mining: all 10 cards run every day.
    np.testing.assert_allclose(led.cohort["running"][:, 0, 0, 0], [10] * 5)
    # The default depth, 1 % of 10 cards a day, is no whole card: no swap.
    _, led = run_cycle([30000.0] * 5)
    assert led.trade("sold").sum() == 0 and led.trade("bought").sum() == 0


def test_thresholds_are_variants() -> None:
    # A required surplus of 30 % keeps the cards off at +25.7 %; 5 % runs them.
    _, led = run_cycle(PRICES[:3], required_surplus=[0.05, 0.30])
    np.testing.assert_allclose(led.cohort["running"][:, :, 0, 0].T, [[10, 10, 10], [0, 0, 0]])


def test_bad_thresholds_and_the_registered_kind() -> None:
    with pytest.raises(InputError, match="exit_margin: must be <= required_surplus"):
        GpuCyclePolicy([1.0], new_card_price=330.0, card_age_days=0.0, platform_per_card=0.0,
                       resale=CardResaleModel(), exit_margin=0.2, required_surplus=0.1)
    assert "gpu_cycle" in policy_kinds()
    cfg = GpuCycleConfig(new_card_price=330.0, resale=CardResaleModel(glut_discount=0.5))
    assert cfg.resale.glut_discount == 0.5 and cfg.cards_per_rig == 8
