"""The book kernels: one mark at a time equals mark_path; funding and settlement by hand."""

from __future__ import annotations

import numpy as np
import pytest

from hashwinter.finance import mark_path
from hashwinter.finance.book import fund, margin, mark, open_book, settle


def test_marking_step_by_step_equals_mark_path_on_a_4d_book():
    rng = np.random.default_rng(4)
    shape = (2, 50, 3, 2)  # variants x paths x owners x positions
    n = 30
    size = np.where(rng.random(shape) < 0.5, -30.0, 30.0)
    inverse = rng.random(shape) < 0.5
    size = np.where(inverse, size * 6000.0, size)
    lev = rng.choice([1.0, 5.0, 20.0], shape)
    spot = 6000 * np.exp(np.cumsum(rng.normal(0, 0.04, (1, 50, 1, 1, n)), axis=-1))
    book = open_book(size, 6000.0, lev, inverse=inverse, maintenance_rate=0.005,
                     liquidation_fee=0.003)
    variation, fees = np.zeros((*shape, n)), np.zeros((*shape, n))
    for t in range(n):
        step = mark(book, spot[..., t])
        book, variation[..., t], fees[..., t] = step.book, step.variation, step.fee
    ref = mark_path(size, 6000.0, np.broadcast_to(spot, (*shape, n)), lev, 0.005, 0.003,
                    inverse)
    np.testing.assert_allclose(variation, ref.variation, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(fees, ref.fees, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(book.is_open, ref.liquidated_at < 0)


def test_funding_and_settlement_by_hand():
    # A linear perpetual short of 30 coins and an inverse dated short of 189,210 USD face.
    book = open_book([-30.0, -189_210.0], 6307.0, 1.0, inverse=[False, True],
                     perpetual=[True, False])
    got = fund(book, -0.001742, 3965.5)
    assert got[0] == pytest.approx(-0.001742 * 30 * 3965.5)  # the short pays 207.24 USD
    assert got[1] == 0.0  # not a perpetual
    step = mark(book, 5000.0)
    assert step.variation.tolist() == pytest.approx([30 * 1307.0,
                                                     189_210 * (1 / 5000 - 1 / 6307)])
    book, since, fee = settle(step.book, 3959.5, [True, True], 0.0005)
    assert since.tolist() == pytest.approx([30 * (5000 - 3959.5),
                                            189_210 * (1 / 3959.5 - 1 / 5000)])
    assert fee.tolist() == pytest.approx([0.0005 * 30 * 3959.5, 0.0005 * 189_210 / 3959.5])
    assert not book.is_open.any()
    # Variation then settlement add up to the whole P&L; nothing is open, no margin is held.
    assert step.variation[0] + since[0] == pytest.approx(30 * (6307 - 3959.5))
    posted, maintenance = margin(book, 3959.5)
    assert posted.tolist() == [0.0, 0.0] and maintenance.tolist() == [0.0, 0.0]


def test_margin_of_open_positions():
    book = open_book([-30.0, -189_210.0], 6307.0, [5.0, 1.0], inverse=[False, True])
    posted, maintenance = margin(book, 6000.0)
    assert posted.tolist() == pytest.approx([30 * 6307 / 5, 30.0])
    assert maintenance.tolist() == pytest.approx([0.005 * 30 * 6000, 0.005 * 189_210 / 6000])
