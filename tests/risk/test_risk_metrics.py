"""Risk metrics against hand computations and a brute-force loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashwinter.errors import InputError
from hashwinter.risk import (
    RunningPayback,
    expected_shortfall,
    path_quantiles,
    payback_summary,
    payback_times,
    ruin_probability,
    time_to_ruin,
    value_at_risk,
)


def test_var_and_cvar_by_hand():
    pnl = np.array([-50.0, -20.0, -10.0, 0.0, 5.0, 10.0, 20.0, 30.0, 40.0, 100.0])
    # 10 paths, level 0.8: losses sorted worst first 50, 20, 10, ...; P(L <= 20) = 0.9 >= 0.8
    # and P(L <= 10) = 0.8 >= 0.8, so VaR = 10; CVaR = mean of the worst 2 = 35.
    assert float(value_at_risk(pnl, 0.8)) == 10.0
    assert float(expected_shortfall(pnl, 0.8)) == pytest.approx(35.0)
    # Level 0.85: k = 1.5 worst paths: (50 + 0.5 * 20) / 1.5 = 40.
    assert float(expected_shortfall(pnl, 0.85)) == pytest.approx(40.0)


def test_metrics_broadcast_over_leading_axes():
    pnl = np.array([[1.0, 2.0, 3.0, 4.0], [-4.0, -3.0, -2.0, -1.0]])
    # Row 0 losses -4..-1: P(L <= -2) = 3/4, so VaR -2; the worst quarter is -1.
    np.testing.assert_allclose(value_at_risk(pnl, 0.75), [-2.0, 3.0])
    np.testing.assert_allclose(expected_shortfall(pnl, 0.75), [-1.0, 4.0])


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=200),
    st.floats(0.5, 0.995),
)
def test_cvar_is_at_least_var_and_matches_brute_force(values, level):
    x = np.asarray(values)
    var = float(value_at_risk(x, level))
    cvar = float(expected_shortfall(x, level))
    assert cvar >= var - 1e-6 * (1 + abs(var))
    # Brute force: CVaR = (1/(1-a)) * integral over u in (a, 1) of the loss quantile.
    losses = np.sort(-x)
    n = losses.size
    grid = level + (np.arange(20_000) + 0.5) / 20_000 * (1 - level)
    idx = np.minimum(np.ceil(grid * n).astype(int) - 1, n - 1)
    assert cvar == pytest.approx(losses[idx].mean(), rel=1e-3, abs=1e-3 * (1 + np.abs(x).max()))


def test_ruin_probability_is_absorbing_and_monotone():
    cash = np.array(
        [
            [10.0, 10.0, 10.0],
            [5.0, -1.0, 10.0],
            [8.0, 3.0, 0.0],  # path 1 recovered: still ruined; path 2 at 0 is not ruin
            [-2.0, 4.0, 1.0],
        ]
    )
    np.testing.assert_allclose(ruin_probability(cash), [0.0, 1 / 3, 1 / 3, 2 / 3])
    np.testing.assert_allclose(ruin_probability(cash, strict=False), [0.0, 1 / 3, 2 / 3, 1.0])
    np.testing.assert_allclose(time_to_ruin(cash, times=[0, 30, 60, 90]), [90.0, 30.0, np.inf])


def test_payback_times_interpolate_and_never():
    cum = np.array([[-100.0, -100.0, 5.0], [-40.0, -90.0, 6.0], [20.0, -80.0, 7.0]])
    out = payback_times(cum, [0.0, 30.0, 60.0])
    np.testing.assert_allclose(out, [50.0, np.inf, 0.0])


def test_payback_summary_counts_never_as_infinite():
    s = payback_summary([10.0, 20.0, np.inf, np.inf, 30.0], quantiles=(0.2, 0.5, 0.9))
    assert s["share_paid_back"] == pytest.approx(0.6)
    assert s["mean_if_paid_back"] == pytest.approx(20.0)
    # Sorted 10, 20, 30, inf, inf: P(T <= 20) = 0.4 < 0.5, so the median is 30.
    assert s["q20"] == 10.0 and s["q50"] == 30.0 and math.isinf(s["q90"])


def test_path_quantiles_shape_and_values():
    paths = np.tile(np.arange(101.0), (3, 1))  # 3 steps, 101 paths 0..100
    q = path_quantiles(paths, (0.05, 0.5, 0.95))
    assert q.shape == (3, 3)
    np.testing.assert_allclose(q[:, 0], [5.0, 50.0, 95.0])


def test_bad_input():
    with pytest.raises(InputError) as err:
        value_at_risk([1.0, 2.0], 1.5)
    assert err.value.field == "level"
    with pytest.raises(InputError) as err:
        expected_shortfall([], 0.9)
    assert err.value.field == "outcomes"
    with pytest.raises(InputError):
        ruin_probability([1.0, 2.0])
    with pytest.raises(InputError) as err:
        payback_times([[1.0], [2.0]], [1.0, 1.0])
    assert err.value.field == "times"


def test_running_payback_by_hand():
    # Path 0 from -100 by +60 a step: -100, -40, 20 -> crosses 40/60 of the way from t=30 to
    # t=60, at 50. Path 1 starts at 0: paid back at the first time. Path 2 never.
    # Path 3 crosses exactly at the third step (-10, -5, 0): at t = 60 exactly.
    steps = [(0.0, [-100.0, 0.0, -5.0, -10.0]), (30.0, [-40.0, 3.0, -6.0, -5.0]),
             (60.0, [20.0, -1.0, -7.0, 0.0])]
    pb = RunningPayback((4,))
    for t, c in steps:
        pb.update(np.array(c), t)
    assert pb.time.tolist() == [50.0, 0.0, np.inf, 60.0]


def test_running_payback_equals_payback_times_bit_for_bit():
    # The farm scenarios' payback moved from payback_times over a stored ledger to the
    # running form: the two must give the same bits (random walks, (steps, 3, 50)).
    rng = np.random.default_rng(7)
    steps = rng.normal(0.1, 1.0, size=(200, 3, 50)).cumsum(axis=0) - 20.0
    times = np.arange(1, 201, dtype=np.float64)
    pb = RunningPayback((3, 50))
    for k in range(200):
        pb.update(steps[k], float(times[k]))
    expected = payback_times(steps.reshape(200, -1), times).reshape(3, 50)
    assert np.isfinite(expected).mean() > 0.3 and np.isinf(expected).any()
    np.testing.assert_array_equal(pb.time, expected)


def test_running_payback_refuses_time_that_does_not_increase():
    pb = RunningPayback((1,))
    pb.update(np.array([-1.0]), 1.0)
    with pytest.raises(InputError, match="times: must increase"):
        pb.update(np.array([1.0]), 1.0)
