"""The production hedge with projected retargets: by hand on 2018-11-20, a loop, the backtest.

On 2018-11-20 the network had found 145, 123 and 126 blocks on 11-17..11-19 since the
-7.4 % retarget of 11-17 (Coin Metrics, ../shared/data/btc_daily.csv): a pace of
394 / 3 = 131.33 blocks a day, so the next retarget is projected at x1 = 131.33 / 144 =
0.9120 (it came on 2018-12-03 at -15.1 %) in r0 = (2016 - 394) / 131.33 = 12.35 days. The
hashrate (difficulty x blocks) of that epoch was g = 0.9115 of the previous one's
(11-02..11-16). Realised, the 30 days hedged (11-21..12-20) mined 1.112 x what the 11-19
difficulty promised; the projection closes part of that gap.
"""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest
from farm_fixtures import history
from test_farm_hedge import HEDGED, funding  # noqa: F401  (a fixture)

from datafiles import shared_data_file
from hashwinter.farm import backtest, build_farm_run, farm_from_dict
from hashwinter.farm.hedge_retarget import epoch_view, projection_factor


@pytest.fixture(scope="module")
def winter() -> pd.DataFrame:
    df = pd.read_csv(shared_data_file("btc_daily.csv"))
    return df[(df.date >= "2018-10-01") & (df.date <= "2018-12-31")].reset_index(drop=True)


def test_the_hedge_of_2018_11_20_by_hand(winter):
    day = int(winter.index[winter.date == "2018-11-20"][0])
    x1, g, r0, a = epoch_view(winter.difficulty.to_numpy()[None], winter.blk_cnt.to_numpy()[None],
                              day)
    pace = (145 + 123 + 126) / 3
    assert x1[0] == pytest.approx(pace / 144, rel=1e-12)
    assert r0[0] == pytest.approx((2016 - 394) / pace, rel=1e-12)
    assert a[0] == 1.0
    prev = winter[(winter.date >= "2018-11-02") & (winter.date <= "2018-11-16")]
    cur = winter[(winter.date >= "2018-11-17") & (winter.date <= "2018-11-19")]
    by_hand_g = (cur.difficulty * cur.blk_cnt).mean() / (prev.difficulty * prev.blk_cnt).mean()
    assert g[0] == pytest.approx(by_hand_g, rel=1e-12)
    assert (x1[0], g[0], r0[0]) == pytest.approx((0.91204, 0.91151, 12.3503), abs=5e-5)
    # Days 1..31 after the end of 11-19: the current difficulty until r0, then D0·x1, then
    # (second retarget at r0 + 14/g) D0·x1·g.
    t2 = r0[0] + 14 / g[0]
    one = (r0[0] - 1 + (31 - r0[0]) / x1[0]) / 30
    two = (r0[0] - 1 + (t2 - r0[0]) / x1[0] + (31 - t2) / (x1[0] * g[0])) / 30
    assert projection_factor(x1, g, r0, a, 30, 0)[0] == 1.0
    assert projection_factor(x1, g, r0, a, 30, 1)[0] == pytest.approx(one, rel=1e-12)
    assert projection_factor(x1, g, r0, a, 30, 2)[0] == pytest.approx(two, rel=1e-12)
    assert (one, two) == pytest.approx((1.05996, 1.07163), abs=5e-5)
    # A third retarget would fall after the horizon: no change.
    assert projection_factor(x1, g, r0, a, 30, 3)[0] == pytest.approx(two, rel=1e-12)
    realised = (winter.difficulty[day - 1] / winter.difficulty[day + 1:day + 31]).mean()
    assert realised == pytest.approx(1.1124, abs=1e-4)
    assert 1.0 < two < realised


def test_the_factor_equals_a_fine_loop_over_time():
    rng = np.random.default_rng(4)
    for _ in range(6):
        x1, g = rng.uniform(0.7, 1.3, 2)
        r0, a = rng.uniform(0, 14), float(rng.integers(0, 2))
        horizon, n = float(rng.integers(5, 60)), int(rng.integers(0, 5))
        dt = 0.001
        total = 0.0
        for k in range(round(horizon / dt)):
            t = a + (k + 0.5) * dt
            passed = 0
            for j in range(1, n + 1):
                if t >= r0 + (j - 1) * 14 / g:
                    passed = j
            total += dt if passed == 0 else dt / (x1 * g ** (passed - 1))
        got = projection_factor(x1, g, r0, a, horizon, n)
        assert float(got) == pytest.approx(total / horizon, abs=2e-5)


def test_the_backtest_hedge_sized_on_2018_11_20_with_and_without_the_projection(funding):  # noqa: F811
    """Lao Luo's farm kept on (his shutdown rule had it off after the crash), rolled on the
    20th: the short opened at the 11-20 close is the current-difficulty one times the
    factor by hand above (1.07163 with 2 retargets)."""
    market = history("CNY")
    shorts = {}
    for n in (0, 2):
        data = tomllib.loads(HEDGED.read_text(encoding="utf-8"))
        data["policy"] = {"kind": "always_on"}
        data["hedge"] = {**data["hedge"], "roll_day": 20, "projected_retargets": n}
        farm = farm_from_dict(data)
        fr = build_farm_run(farm, market, funding=funding)
        result = backtest(farm, market, farm_run=fr)
        day = int(np.flatnonzero(fr.spec.clock.dates == np.datetime64("2018-11-20"))[0])
        shorts[n] = result.ledger.book["positions"][day, 0, 0, 0, 0]
        assert result.hedge is not None and len(result.hedge.monthly) == 3
    assert shorts[0] < 0
    assert shorts[2] / shorts[0] == pytest.approx(1.07163, abs=5e-5)
