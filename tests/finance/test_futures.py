"""Linear and inverse futures: P&L by hand, the inverse's convexity, fees, expiry."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hashwinter.errors import InputError
from hashwinter.finance import (
    InverseFuture,
    LinearFuture,
    inverse_pnl,
    linear_pnl,
    notional_coins,
    notional_usd,
    pnl,
    trade_fee,
)


def test_inverse_short_earns_face_times_reciprocal_difference():
    # The reference case: a short of `face` USD from S0 to S1 earns face (1/S1 - 1/S0).
    face, s0, s1 = 100_000.0, 6_300.0, 4_000.0
    by_hand = 100_000.0 / 4_000.0 - 100_000.0 / 6_300.0  # 25 - 15.873015873 coins
    assert by_hand == pytest.approx(9.126984127, abs=1e-9)
    assert float(inverse_pnl(-face, s0, s1)) == pytest.approx(by_hand, rel=1e-15)
    # Positive when the price falls, negative when it rises, and a long is the mirror image.
    assert float(inverse_pnl(-face, s0, s0 * 1.1)) < 0
    assert float(inverse_pnl(face, s0, s1)) == pytest.approx(-by_hand, rel=1e-15)


def test_inverse_pnl_is_convex_in_the_price():
    # Short 6,000 USD face at 6,000: -20 % gives 6000/4800 - 1 = 0.25 coins, +20 % loses
    # only 1 - 6000/7200 = 0.1667 coins; a linear short of 1 coin is symmetric in USD.
    gain = float(inverse_pnl(-6000.0, 6000.0, 4800.0))
    loss = float(inverse_pnl(-6000.0, 6000.0, 7200.0))
    assert gain == pytest.approx(0.25, rel=1e-14)
    assert loss == pytest.approx(-1.0 / 6.0, rel=1e-14)
    assert float(linear_pnl(-1.0, 6000.0, 4800.0)) == -float(linear_pnl(-1.0, 6000.0, 7200.0))
    # Convex: the P&L curve lies below its chords, for a grid of prices.
    prices = np.linspace(2000.0, 12000.0, 101)
    curve = inverse_pnl(1000.0, 6000.0, prices)
    assert np.all(np.diff(curve, 2) < 0)  # a long's coin P&L is concave, so the short's convex
    assert np.all(np.diff(-curve, 2) > 0)


def test_an_inverse_short_on_held_coins_locks_their_usd_value():
    # c coins and a short of face c S0: (c + face (1/S1 - 1/S0)) S1 = c S0 at any S1.
    c, s0 = 30.0, 6300.0
    s1 = np.array([1000.0, 3959.5, 6300.0, 20000.0])
    usd = (c + inverse_pnl(-c * s0, s0, s1)) * s1
    np.testing.assert_allclose(usd, c * s0, rtol=1e-14)


def test_linear_pnl_by_hand_and_mixed_books():
    assert float(linear_pnl(-30.0, 6000.0, 5400.0)) == 18000.0
    size = np.array([[-30.0, -180_000.0], [2.0, 12_000.0]])
    inverse = np.array([False, True])
    entry, exit_ = 6000.0, np.array([[5400.0], [6600.0]])
    got = pnl(size, entry, exit_, inverse)
    expected = np.array([[18000.0, 180_000.0 * (1 / 5400 - 1 / 6000)],
                         [1200.0, 12_000.0 * (1 / 6000 - 1 / 6600)]])
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_notional_and_fees_in_the_margin_currency():
    assert float(notional_usd(-30.0, 6000.0, False)) == 180_000.0
    assert float(notional_coins(-180_000.0, 6000.0, True)) == 30.0
    # Taker 0.075 %: 135 USD on 30 coins at 6,000; 0.0225 coins on the same inverse notional.
    assert float(trade_fee(-30.0, 6000.0, 0.00075, False)) == pytest.approx(135.0)
    assert float(trade_fee(-180_000.0, 6000.0, 0.00075, True)) == pytest.approx(0.0225)
    # A negative maker rate is a rebate.
    assert float(trade_fee(30.0, 6000.0, -0.00025, False)) == pytest.approx(-45.0)


def test_contract_objects():
    lin = LinearFuture(expiry=dt.date(2018, 12, 28), contract_size=0.001)
    assert lin.contracts(-30.0004).item() == -30000.0
    inv = InverseFuture(expiry=dt.date(2018, 12, 28))
    assert inv.contracts(-30.0, 6000.0).item() == -1800.0  # 100 USD per contract
    assert inv.days_to_expiry(dt.date(2018, 11, 28)) == 30
    # Settlement: P&L minus the 0.05 % settlement fee on the notional at the settlement price.
    flow = inv.settlement(-180_000.0, 6000.0, 5000.0)
    assert float(flow) == pytest.approx(180_000 * (1 / 5000 - 1 / 6000) - 0.0005 * 36.0)


def test_expiry_before_entry_and_bad_fields_are_input_errors():
    inv = InverseFuture(expiry=dt.date(2018, 12, 28))
    with pytest.raises(InputError, match=r"^expiry: must be after the entry date 2018-12-28"):
        inv.days_to_expiry(dt.date(2018, 12, 28))
    with pytest.raises(InputError, match=r"^contract_size: must be > 0"):
        LinearFuture(expiry=dt.date(2018, 12, 28), contract_size=0.0)
    with pytest.raises(InputError, match=r"^taker_fee: must be a fee rate"):
        LinearFuture(expiry=dt.date(2018, 12, 28), taker_fee=0.5)
