"""examples/scenarios/jin_xin_gpu.toml: the cycle against holding the rigs, in a Monte Carlo.

The scenario's market is Bitcoin-shaped, ETH entering as the difficulty at which a hash earns
what it earned on ETH on 2018-11-25: 86400 x 12.5 / (2^32 x (20,018.72 + 529.53) / 192.82e12)
= 2,359,650 (docs/gpu.md). At a constant price both farms earn the day's hand margin.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from farm_fixtures import EXAMPLES

from hashwinter.scenario import load_scenario
from hashwinter.scenario.farmrun import run_farms

SCENARIO = EXAMPLES / "scenarios" / "jin_xin_gpu.toml"


def scenario(tmp_path, *, sigma: float, paths: int = 8, days: int = 30):
    text = SCENARIO.read_text(encoding="utf-8")
    text = text.replace("paths = 200", f"paths = {paths}").replace(
        "horizon_days = 90", f"horizon_days = {days}").replace(
        "sigma_per_day = 0.0559", f"sigma_per_day = {sigma}").replace(
        "mu_per_day = -0.0058", "mu_per_day = 0.0" if sigma == 0 else "mu_per_day = -0.0058")
    text = text.replace('file = "../', f'file = "{EXAMPLES}/')
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with ThreadPoolExecutor(1) as ex:
        return run_farms(load_scenario(path), ex, progress=False)


def test_the_equivalent_difficulty_earns_eths_revenue_per_hash() -> None:
    per_mhs = 114.328124 * (20018.718750 + 529.533094) / 192.822890e6  # USD/(MH/s)/day
    equivalent = 1e6 * 86400 * 12.5 / (2_359_650 * 2**32) * 114.328124
    assert equivalent == pytest.approx(per_mhs, rel=1e-7)
    assert per_mhs == pytest.approx(0.01218, abs=1e-5)


def test_at_a_constant_price_both_farms_earn_the_hand_margin(tmp_path) -> None:
    cycle, hold = scenario(tmp_path, sigma=0.0)
    card = 30.2e6 * 86400 * 12.5 / (2_359_650 * 2**32) * 0.99 * 114.33 \
        - 0.1425 * 24 * 0.09 - 0.01  # revenue after the pool's 1 %, power, staff
    np.testing.assert_allclose(hold.pnl[-1], 30 * 63_849 * card, rtol=1e-9)
    # 14 % above cost: the cycle runs every card and trades nothing (no bull at 114 USD).
    np.testing.assert_allclose(cycle.pnl[-1], hold.pnl[-1], rtol=1e-12)


def test_on_falling_paths_the_cycle_differs_from_holding(tmp_path) -> None:
    cycle, hold = scenario(tmp_path, sigma=0.0559, paths=20, days=60)
    assert hold.pnl.shape == cycle.pnl.shape
    # Same paths; on paths that fall through the cost line the cycle sells cards to gamers.
    assert not np.allclose(cycle.pnl[-1], hold.pnl[-1])
