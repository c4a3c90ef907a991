"""Futures prices from a basis model (per path), observed prices, and forwards with default."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hashwinter.errors import InputError
from hashwinter.finance import (
    ConstantBasis,
    Forward,
    MomentumBasis,
    expected_default_loss,
    forward_payoff,
    futures_prices,
    prices_on,
    realised_payoff,
)


def test_constant_basis_by_hand_and_convergence():
    # 10 %/yr on 91.3125 days (a quarter): 6000 exp(0.1 x 0.25) = 6151.89.
    assert float(futures_prices(6000.0, 91.3125, ConstantBasis(0.10))) == pytest.approx(
        6000 * np.exp(0.025))
    assert float(futures_prices(6000.0, 0.0, ConstantBasis(0.10))) == 6000.0
    with pytest.raises(InputError, match="days to expiry must be >= 0"):
        futures_prices(6000.0, -1.0, ConstantBasis(0.10))


def test_every_path_gets_its_curve_from_its_own_spot_path():
    rng = np.random.default_rng(1)
    spot = 6000 * np.exp(np.cumsum(rng.normal(0, 0.03, (5, 90)), axis=1))
    tau = np.arange(90, 0, -1, dtype=float) - 1  # a future expiring on the last day
    model = MomentumBasis(base=0.05, beta=0.5, window_days=30, floor=-0.5, cap=1.0)
    got = futures_prices(spot, tau, model)
    loop = np.empty_like(spot)
    for p in range(5):
        for t in range(90):
            back = spot[p, max(t - 30, 0)]
            b = min(max(0.05 + 0.5 * np.log(spot[p, t] / back), -0.5), 1.0)
            loop[p, t] = spot[p, t] * np.exp(b * tau[t] / 365.25)
    np.testing.assert_allclose(got, loop, rtol=1e-13)
    np.testing.assert_allclose(got[:, -1], spot[:, -1])  # converges at expiry
    # After a crash the basis turns to backwardation on that path only.
    crash = np.concatenate([np.full(40, 6000.0), np.full(40, 4000.0)])[None, :]
    b = model.annual_basis(crash)
    assert b[0, 0] == pytest.approx(0.05)
    assert b[0, 45] == pytest.approx(0.05 + 0.5 * np.log(4000 / 6000))  # -0.1527
    assert b[0, 79] == pytest.approx(0.05)  # the window has passed the crash


def test_observed_prices_on_days():
    have = np.array(["2018-11-01", "2018-11-02", "2018-11-05"], dtype="datetime64[D]")
    got = prices_on(np.array(["2018-11-05", "2018-11-01"], dtype="datetime64[D]"), have,
                    [6400.0, 6410.0, 6450.0], symbol="XBTZ18")
    np.testing.assert_array_equal(got, [6450.0, 6400.0])
    with pytest.raises(InputError, match=r"no price for XBTZ18 on 2018-11-03"):
        prices_on(np.array(["2018-11-03"], dtype="datetime64[D]"), have, [1.0, 2.0, 3.0],
                  symbol="XBTZ18")


def test_forward_payoff_and_default():
    # A miner sells 30 coins forward at 6,300; at 5,670 the counterparty owes 18,900 USD.
    assert float(forward_payoff(-30.0, 6300.0, 5670.0)) == pytest.approx(18_900.0)
    # 5 % default probability, 40 % recovery: expected loss 0.05 x 0.6 x 18,900 = 567.
    assert float(expected_default_loss(-30.0, 6300.0, 5670.0, 0.05, 0.4)) == pytest.approx(567.0)
    # No exposure when the owner owes (price rose): default costs nothing.
    assert float(expected_default_loss(-30.0, 6300.0, 7000.0, 0.05)) == 0.0
    # Sampled defaults average to the expected loss.
    rng = np.random.default_rng(2)
    defaulted = rng.random(200_000) < 0.05
    paid = realised_payoff(-30.0, 6300.0, 5670.0, defaulted, 0.4)
    assert paid.mean() == pytest.approx(18_900.0 - 567.0, rel=2e-3)
    fwd = Forward(dt.date(2018, 11, 1), dt.date(2018, 12, 1), 6300.0, 0.05, 0.4)
    assert float(fwd.expected_payoff(-30.0, 5670.0)) == pytest.approx(18_333.0)


def test_forward_bad_fields():
    with pytest.raises(InputError, match=r"^maturity: must be after the entry date"):
        Forward(dt.date(2018, 12, 1), dt.date(2018, 11, 1), 6300.0)
    with pytest.raises(InputError, match=r"^default_probability: must be in \[0, 1\]"):
        Forward(dt.date(2018, 11, 1), dt.date(2018, 12, 1), 6300.0, 1.5)
    with pytest.raises(InputError, match=r"^strike: must be > 0"):
        Forward(dt.date(2018, 11, 1), dt.date(2018, 12, 1), 0.0)
