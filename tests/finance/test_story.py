"""The issue's story by hand: 30 coins hedged for a month, stylised and on November 2018."""

from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import pytest

from datafiles import shared_data_file
from hashwinter.data.importers import read_funding
from hashwinter.finance import (
    ConstantBasis,
    FundingHistory,
    LinearFuture,
    Perpetual,
    futures_prices,
    inverse_pnl,
    liquidation_price,
    mark_path,
)

COINS = 30.0  # produced over the month, sold at its end


def test_stylised_month_hedged_revenue_is_todays_price_minus_fees():
    s0 = 6300.0
    s1 = 0.9 * s0  # the price falls 10 % over the month
    future = LinearFuture(expiry=dt.date(2018, 12, 1))
    days = future.days_to_expiry(dt.date(2018, 11, 1))
    assert days == 30
    # Zero basis: today's futures price is today's spot, and at expiry it is spot again.
    entry = float(futures_prices(s0, days, ConstantBasis(0.0)))
    assert entry == s0
    assert float(futures_prices(s1, 0, ConstantBasis(0.05))) == s1
    short = -COINS
    entry_fee = float(future.fee(short, entry))  # 0.075 % taker on 189,000 USD = 141.75
    settle_fee = 0.0005 * COINS * s1  # settlement fee on 170,100 USD = 85.05
    assert entry_fee == pytest.approx(141.75) and settle_fee == pytest.approx(85.05)
    settlement = float(future.settlement(short, entry, s1))  # 30 x 630 - 85.05
    assert settlement == pytest.approx(COINS * (s0 - s1) - settle_fee)
    hedged = COINS * s1 + settlement - entry_fee
    unhedged = COINS * s1
    assert hedged == pytest.approx(COINS * s0 - entry_fee - settle_fee, rel=1e-14)  # 188,773.2
    assert hedged == pytest.approx(188_773.2)
    assert unhedged == pytest.approx(0.9 * COINS * s0)  # 10 % less: 170,100
    # Marked daily along a straight fall, a 1x short is never near liquidation and its
    # variation margin adds up to the settlement P&L.
    marks = np.linspace(s0, s1, days + 1)[1:]
    assert float(liquidation_price(short, entry, 1.0, 0.005, False)) > 2 * s0 / 1.01
    path = mark_path(short, entry, marks, 1.0, 0.005, 0.005, False)
    assert int(path.liquidated_at) == -1
    assert path.variation.sum() == pytest.approx(COINS * (s0 - s1))


@pytest.fixture(scope="module")
def november() -> tuple[float, float, FundingHistory]:
    """Entry just after the 2018-10-31 20:00 funding, the 90 November fundings, exit."""
    history = FundingHistory.from_frame(read_funding(shared_data_file("btc_futures_2018.csv")))
    entry = history.window("2018-10-31T20:00:00", "2018-11-01")
    window = history.window("2018-11-01", "2018-12-01")
    return float(entry.marks[0]), float(window.marks[-1]), window


def _hand_rows() -> list[tuple[float, float]]:
    """(rate, trade price) of November 2018 read with the csv module."""
    with open(shared_data_file("btc_futures_2018.csv"), newline="", encoding="utf-8") as fh:
        return [(float(r["funding_rate"]), float(r["xbtusd_trade_price_usd"]))
                for r in csv.DictReader(fh) if r["timestamp_utc"].startswith("2018-11")]


def test_november_2018_linear_perpetual_short_with_real_funding(november):
    s0, s1, window = november
    assert (s0, s1) == (6307.0, 3959.5)  # XBTUSD trades at 2018-10-31 20:00 and 11-30 20:00
    assert len(window.rates) == 90 and np.all(np.isfinite(window.marks))
    perp = Perpetual(inverse=False)
    funding = perp.funding(window.rates, -COINS, window.marks)
    # By hand: a short of q coins receives -rate x (-q) x mark = 30 x rate x mark USD each time.
    by_hand = sum(30.0 * rate * mark for rate, mark in _hand_rows())
    assert by_hand == pytest.approx(-2253.617115, abs=1e-6)  # negative: the short PAID
    assert funding.sum() == pytest.approx(by_hand, rel=1e-12)
    fees = float(perp.fee(-COINS, s0) + perp.fee(COINS, s1))  # 141.9075 + 89.08875
    assert fees == pytest.approx(230.99625)
    hedged = COINS * s1 + float(perp.pnl(-COINS, s0, s1)) + funding.sum() - fees
    unhedged = COINS * s1
    assert unhedged == pytest.approx(118_785.0)
    assert hedged == pytest.approx(COINS * s0 + by_hand - fees)  # 186,725.39
    assert hedged == pytest.approx(186_725.386635, abs=1e-5)
    # Funding cost 1.19 % of the entry notional: less than the rates' -2.22 % because the
    # linear payment shrinks with the mark as the price fell.
    assert -by_hand / (COINS * s0) == pytest.approx(0.01191, abs=1e-5)


def test_november_2018_inverse_perpetual_short_with_real_funding(november):
    # BitMEX XBTUSD itself: a short of face 30 x S0 USD, P&L and funding in coins.
    s0, s1, window = november
    face = COINS * s0  # 189,210 USD
    perp = Perpetual(inverse=True)
    funding = perp.funding(window.rates, -face, window.marks)
    by_hand = sum(rate * face / mark for rate, mark in _hand_rows())
    assert by_hand == pytest.approx(-1.1431851371, abs=1e-9)  # coins PAID by the short
    assert funding.sum() == pytest.approx(by_hand, rel=1e-12)
    # In USD at each payment's mark the short paid sum(rate) x face = 2.2242 % of its face.
    usd_paid = float(np.sum(funding * window.marks))
    assert usd_paid == pytest.approx(-0.022242 * face, rel=1e-12)  # -4,208.45 USD
    # The coins from the short's P&L on top of the 30 mined: their USD value at the exit is
    # the entry value (the inverse short locks it), less funding and fees.
    pnl = float(inverse_pnl(-face, s0, s1))
    assert pnl == pytest.approx(face / s1 - COINS)
    fees = float(perp.fee(-face, s0) + perp.fee(face, s1))  # coins
    hedged_usd = (COINS + pnl + funding.sum() - fees) * s1
    assert hedged_usd == pytest.approx(face + (by_hand - fees) * s1)
    # fees = 0.00075 x 189,210 x (1/6307 + 1/3959.5) = 0.0583404 coins;
    # 189,210 + (-1.1431851 - 0.0583404) x 3959.5 = 184,452.56 USD.
    assert fees == pytest.approx(0.0225 + 0.00075 * face / s1, rel=1e-12)
    assert hedged_usd == pytest.approx(184_452.562, abs=1e-3)
    assert COINS * s1 == pytest.approx(118_785.0)  # unhedged
