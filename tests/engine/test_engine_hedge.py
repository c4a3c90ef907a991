"""Hedging in the engine: the issue's reference cases, by hand and through the position book.

A one-machine farm mines exactly 1 coin a day (hashrate ``D·2^32/(86400·12.5)`` at
difficulty ``D``, no power cost), so "the production of the next 30 days" is 30 coins and
every figure below is a hand computation from docs/hedging.md's formulas.
"""

from __future__ import annotations

import csv
import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from datafiles import shared_data_file, winter_data_file
from hashwinter.data.importers import read_funding
from hashwinter.engine import (
    Clock,
    Cohorts,
    DailyMarket,
    EngineSpec,
    LedgerRecorder,
    Owners,
    Policies,
    Treasury,
    market_from_coinmetrics,
    run,
)
from hashwinter.engine.positions import Position
from hashwinter.errors import InputError
from hashwinter.farm.hedging import HedgeShort
from hashwinter.farm.policies import AlwaysOn
from hashwinter.finance import FundingHistory, inverse_pnl, liquidation_price
from hashwinter.finance.funding import rates_per_step
from hashwinter.finance.instruments import BookJournal, HedgeContract, roll_days

DIFFICULTY = 1e12
ONE_COIN_A_DAY = DIFFICULTY * 2.0**32 / (86400 * 12.5)  # H/s
TAKER, SETTLE, LIQ = 0.00075, 0.0005, 0.005


def farm_spec(dates, prices, cash=1_000.0):
    """One owner, one machine mining 1 coin a day, no costs, the given daily price path."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    n = dates.size
    market = DailyMarket.constant(dates, price=float(prices[0]), difficulty=DIFFICULTY,
                                  subsidy=12.5).with_price_paths(np.asarray(prices)[None, :])
    cohorts = Cohorts(label=("rig",), model=("m",), site=("s",), hashrate=ONE_COIN_A_DAY,
                      power=0.0, count=np.array([1.0]), owner=np.array([0]), start_step=0,
                      capex_step=-1, unit_price=0.0, uptime=1.0, pue=1.0, pool_fee=0.0,
                      management_fee=0.0, hosting_fee=0.0, restart_cost=0.0, host=-1)
    owners = Owners(("farm",), np.array([cash]), np.zeros(1), np.zeros((n, 1)),
                    np.zeros((n, 1)))
    return EngineSpec(Clock(dates), market, cohorts, owners, np.zeros((n, 1)))


def hedged_run(spec, contract, opens, *, ratio=1.0, horizon=30, treasury=None):
    journal = BookJournal()
    contract = contract.with_journal(journal)
    policy = Policies([AlwaysOn(), HedgeShort(ratio, horizon, 0, np.asarray(opens)[None, :])])
    res = run(spec, policy, treasury or Treasury(1.0), recorders=[LedgerRecorder()],
              instruments=[contract])
    n = spec.clock.n_steps
    return res, res.records[0], journal.arrays(n, (1, 1, 1))


def test_stylised_month_through_the_engine():
    """30 coins shorted at S0 = 6,300 on a USD-margined future, zero basis; price falls 10 %.

    Hedged revenue of the 30 coins: 30 × 6,300 − 141.75 (taker) − 85.05 (settlement)
    = 188,773.20; unhedged they fetch 30 × 5,670 = 170,100 (10 % less).
    """
    dates = np.arange(np.datetime64("2018-11-01"), np.datetime64("2018-12-02"))
    s0, s1 = 6300.0, 5670.0
    prices = np.linspace(s0, s1, dates.size)
    close = dates == np.datetime64("2018-12-01")
    opens = dates == np.datetime64("2018-11-01")
    res, led, book = hedged_run(farm_spec(dates, prices), HedgeContract("linear_future", close),
                                opens)
    fees = TAKER * 30 * s0 + SETTLE * 30 * s1
    assert fees == pytest.approx(141.75 + 85.05)
    hedged = led.owner["instrument_cash"].sum()  # delivery at S1 + variation margin - fees
    assert hedged == pytest.approx(30 * s0 - fees, rel=1e-13)
    assert hedged == pytest.approx(188_773.20, abs=1e-6)
    assert book["delivered"].sum() == pytest.approx(30.0, rel=1e-13)
    assert book["delivery"].sum() == pytest.approx(30 * s1)  # the unhedged sale: 170,100
    assert 30 * s1 == pytest.approx(0.9 * 30 * s0)
    assert book["variation"].sum() == pytest.approx(30 * (s0 - s1))
    assert book["realised"].sum() == pytest.approx(30 * (s0 - s1))
    assert book["fees"].sum() == pytest.approx(fees)
    assert book["liquidated"].sum() == 0
    positions = led.book["positions"][:, 0, 0, 0, 0]
    assert_allclose(positions[:-1], -30.0, rtol=1e-13)
    assert positions[-1] == 0.0
    # Initial margin at 1x on the entry notional, reported while open (not a cash flow).
    assert_allclose(led.book["margin"][:-1, 0, 0, 0, 0], 30 * s0, rtol=1e-13)
    # 31 coins mined (days 0..30), 30 delivered: one coin is left (the entry fee was paid
    # from the opening cash of 1,000).
    assert res.coins[0, 0, 0] == pytest.approx(1.0, rel=1e-12)
    assert res.cash[0, 0, 0] == pytest.approx(1_000 + 30 * s0 - fees, rel=1e-13)


def test_basis_cost_notional_and_mark_of_a_backwardated_future():
    """The stylised month on a future at a constant basis of -12 %/year (backwardation).

    The 30-day contract opened on 11-01 is priced F0 = S0·exp(-0.12·30/365.25) = 6,238.21:
    the short sells 30 coins 61.79 below spot, a basis cost of q·(F0 − S0) = 1,853.68 paid
    at entry. Each day's mark is S_d·exp(-0.12·τ_d/365.25), τ_d the days left (0 at the
    expiry: the contract converges to spot), the notional 30 × the mark while open, and the
    hedged revenue 30·F0 less the taker fee on F0 and the settlement fee on S1.
    """
    dates = np.arange(np.datetime64("2018-11-01"), np.datetime64("2018-12-02"))
    s0, s1 = 6300.0, 5670.0
    prices = np.linspace(s0, s1, dates.size)
    close = dates == np.datetime64("2018-12-01")
    opens = dates == np.datetime64("2018-11-01")
    contract = HedgeContract("linear_future", close, basis_per_year=-0.12)
    _, led, book = hedged_run(farm_spec(dates, prices), contract, opens)
    f0 = s0 * np.exp(-0.12 * 30 / 365.25)
    assert f0 == pytest.approx(6_238.21, abs=0.005)
    assert_allclose(book["entry"][:-1, 0, 0, 0], f0, rtol=1e-13)
    assert book["basis"][0, 0, 0, 0] == pytest.approx(30 * (s0 - f0), rel=1e-12)
    assert book["basis"][0, 0, 0, 0] == pytest.approx(1_853.68, abs=0.005)
    assert book["basis"][1:].sum() == 0.0  # paid once, at entry
    marks = prices * np.exp(-0.12 * (30 - np.arange(dates.size)) / 365.25)
    assert_allclose(book["mark"][:, 0, 0, 0], marks, rtol=1e-12)
    assert book["mark"][-1, 0, 0, 0] == s1
    assert_allclose(book["notional"][:-1, 0, 0, 0], 30 * marks[:-1], rtol=1e-12)
    assert book["notional"][-1, 0, 0, 0] == 0.0  # closed at the expiry
    hedged = led.owner["instrument_cash"].sum()
    assert hedged == pytest.approx(30 * f0 - TAKER * 30 * f0 - SETTLE * 30 * s1, rel=1e-12)


@pytest.fixture(scope="module")
def funding() -> FundingHistory:
    return FundingHistory.from_frame(read_funding(shared_data_file("btc_futures_2018.csv")))


def _csv_rates_by_day() -> dict[str, float]:
    """Sum of each day's funding rates read with the csv module (the hand computation)."""
    out: dict[str, float] = {}
    with open(shared_data_file("btc_futures_2018.csv"), newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            day = row["timestamp_utc"][:10]
            out[day] = out.get(day, 0.0) + float(row["funding_rate"])
    return out


@pytest.mark.parametrize("inverse", [False, True])
def test_perpetual_on_november_2018_with_real_funding(funding, inverse):
    """Short 30 coins of the perpetual at the 2018-10-31 close, closed at the 11-30 close.

    Daily steps pay each day's funding at the day's close price (Coin Metrics): the 90
    November rates, summing to -2.2242 % (the issue's -2.2 %: confirmed), so the short
    *paid*. Hedged revenue = 30 · S0 + funding received − fees.
    """
    market = market_from_coinmetrics(pd.read_csv(winter_data_file("btc_daily.csv")),
                                     pd.read_csv(winter_data_file("usd_cny_daily.csv")),
                                     currency="USD", start="2018-10-31", end="2018-11-30")
    dates, prices = market.dates, market.price[0]
    by_day = _csv_rates_by_day()
    nov = [d for d in by_day if d.startswith("2018-11")]
    assert len(nov) == 30 and sum(by_day[d] for d in nov) == pytest.approx(-0.022242, abs=1e-9)
    rates = rates_per_step(funding, dates)
    assert rates[0] == pytest.approx(by_day["2018-10-31"])
    assert rates[1:].sum() == pytest.approx(-0.022242, abs=1e-9)
    s0, s1 = float(prices[0]), float(prices[-1])
    if inverse:
        face = 30 * s0
        # Received by a short of face F: -rate · (-F) / S = rate · F / S coins, at each close.
        by_hand = sum(by_day[str(d)] * face / p for d, p in zip(dates[1:], prices[1:],
                                                                strict=True))
        fees_coins = TAKER * face / s0 + TAKER * face / s1
    else:
        by_hand = sum(by_day[str(d)] * 30 * p for d, p in zip(dates[1:], prices[1:],
                                                              strict=True))
        fees = TAKER * 30 * (s0 + s1)
    assert by_hand < 0  # the short paid
    close = dates == np.datetime64("2018-11-30")
    opens = dates == np.datetime64("2018-10-31")
    contract = HedgeContract("perpetual", close, inverse_perpetual=inverse, funding=rates)
    _, led, book = hedged_run(farm_spec(dates, prices, cash=10_000.0), contract, opens)
    if inverse:
        funding_coins = (book["funding"][:, 0, 0, 0] / prices).sum()
        assert funding_coins == pytest.approx(by_hand, rel=1e-12)
        # At the close the 30 hedged coins and the contract's coins are sold at S1:
        # short P&L face (1/S1 - 1/S0) + funding - fees (worked example 2 of docs/hedging.md).
        pnl = float(inverse_pnl(-face, s0, s1))
        assert pnl == pytest.approx(face * (1 / s1 - 1 / s0))
        sold = 30.0 + pnl + by_hand - fees_coins
        assert book["delivered"].sum() == pytest.approx(sold, rel=1e-12)
        assert led.owner["instrument_coins"].sum() == pytest.approx(-30.0, rel=1e-12)
        hedged = led.owner["instrument_cash"].sum()
        assert hedged == pytest.approx(sold * s1, rel=1e-12)
        assert hedged == pytest.approx(30 * s0 + (by_hand - fees_coins) * s1, rel=1e-12)
    else:
        assert book["funding"].sum() == pytest.approx(by_hand, rel=1e-12)
        hedged = led.owner["instrument_cash"].sum()
        assert hedged == pytest.approx(30 * s0 + by_hand - fees, rel=1e-12)
        unhedged = 30 * s1
        assert hedged > unhedged
    assert book["liquidated"].sum() == 0


def test_inverse_short_pnl_is_face_times_reciprocal_change():
    """A 1x inverse short of face 30·S0 entered at S0 = 6,000 and closed at S1."""
    for s1 in (4_800.0, 7_200.0):
        dates = np.arange(np.datetime64("2018-11-29"), np.datetime64("2018-12-02"))
        prices = np.array([6_000.0, 0.5 * (6_000.0 + s1), s1])
        close = roll_days(dates, 1)
        opens = dates == dates[0]
        contract = HedgeContract("inverse_future", close, taker_fee=0.0, settlement_fee=0.0)
        _, led, book = hedged_run(farm_spec(dates, prices, cash=0.0), contract, opens,
                                  treasury=Treasury(1.0))
        face = 30 * 6_000.0
        expected = face * (1 / s1 - 1 / 6_000.0)  # positive when the price falls
        # The 30 coins and the contract's P&L coins are sold at S1 at the close ...
        assert book["delivered"].sum() - 30.0 == pytest.approx(expected, rel=1e-12)
        assert (expected > 0) == (s1 < 6_000.0)
        # ... which fetches exactly 30 x S0 whatever S1 (a 1x inverse short locks USD).
        assert led.owner["instrument_cash"].sum() == pytest.approx(30 * 6_000.0, rel=1e-12)
    # Convexity: -20 % gains 0.25 coins per 6,000 face, +20 % loses only 0.1667.
    assert float(inverse_pnl(-6_000.0, 6_000.0, 4_800.0)) == pytest.approx(0.25)
    assert float(inverse_pnl(-6_000.0, 6_000.0, 7_200.0)) == pytest.approx(-1 / 6)


def test_a_5x_short_is_liquidated_on_the_first_mark_beyond_and_reopened_at_the_roll():
    """5x linear short of 30 coins at 6,000, m = 0.5 %: liquidation at 7,164.18.

    Marks 7,164.17 (day 3, just below: kept) and 7,164.68 (day 4: liquidated, fee once);
    flat until the roll on 12-01 (day 7), where a new hedge opens at that day's close.
    """
    dates = np.arange(np.datetime64("2018-11-24"), np.datetime64("2018-12-04"))
    prices = np.array([6_000, 6_800, 7_100, 7_164.17, 7_164.68, 6_500, 7_500, 7_000, 7_000,
                       7_000], dtype=float)
    liq = float(liquidation_price(-30.0, 6_000.0, 5.0, 0.005, False))
    assert liq == pytest.approx(6_000 * 1.2 / 1.005) and 7_164.17 < liq < 7_164.68
    contract = HedgeContract("linear_future", roll_days(dates, 1), leverage=5.0)
    opens = roll_days(dates, 1)
    opens[0] = True
    _, led, book = hedged_run(farm_spec(dates, prices, cash=50_000.0), contract, opens)
    assert_allclose(book["liquidated"][:, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    positions = led.book["positions"][:, 0, 0, 0, 0]
    assert_allclose(positions[:4], -30.0, rtol=1e-13)
    assert_allclose(positions[4:7], 0.0)
    assert_allclose(positions[7:], -30.0, rtol=1e-13)
    # Loss capped at the collateral 36,000: the P&L at 7,164.68 is -34,940.40, the fee
    # (0.5 % of 214,940.40 = 1,074.70) takes at most the 1,059.60 left, once.
    collateral = 30 * 6_000 / 5
    fee_days = book["fees"][:, 0, 0, 0]
    entry_fee = TAKER * 30 * 6_000
    assert fee_days[0] == pytest.approx(entry_fee)
    assert fee_days[4] == pytest.approx(collateral - 30 * (7_164.68 - 6_000))
    assert np.count_nonzero(fee_days[1:7]) == 1
    assert book["variation"][:5].sum() == pytest.approx(-30 * (7_164.68 - 6_000))
    assert book["realised"][4, 0, 0, 0] == pytest.approx(-30 * (7_164.68 - 6_000))
    assert (book["variation"][:5].sum() - fee_days[4]) == pytest.approx(-collateral)
    # The roll on 12-01 (day 7) reopens at 7,000 and charges its taker fee.
    assert fee_days[7] == pytest.approx(TAKER * 30 * 7_000)
    assert book["entry"][7, 0, 0, 0] == 7_000.0


def test_a_1x_inverse_short_is_never_liquidated():
    """The price rises a hundredfold: the 1x inverse short keeps F/S coins worth F."""
    dates = np.arange(np.datetime64("2018-11-24"), np.datetime64("2018-12-04"))
    prices = 6_000.0 * np.geomspace(1.0, 100.0, dates.size)
    assert float(liquidation_price(-1.0, 6_000.0, 1.0, 0.005, True)) == np.inf
    contract = HedgeContract("inverse_future", dates == dates[-1])
    _, led, book = hedged_run(farm_spec(dates, prices, cash=0.0), contract,
                                dates == dates[0], horizon=5)
    assert book["liquidated"].sum() == 0
    assert_allclose(led.book["positions"][:-1, 0, 0, 0, 0], -5.0, rtol=1e-13)


def test_variants_sweep_ratio_and_instrument_in_one_run():
    """Ratios 0, 0.5, 1 on slot 0 (linear future) and 1 on slot 1 (linear perpetual).

    Each variant's book cash equals a one-variant run of it (the variant axis is exact).
    """
    dates = np.arange(np.datetime64("2018-11-01"), np.datetime64("2018-12-02"))
    prices = np.linspace(6300.0, 5670.0, dates.size)
    close = roll_days(dates, 1)
    opens = close.copy()
    opens[0] = True
    contracts = [HedgeContract("linear_future", close),
                 HedgeContract("perpetual", close, inverse_perpetual=False,
                               funding=np.full(dates.size, 0.0003))]
    table = np.stack([opens, opens])
    ratio, slot = np.array([0.0, 0.5, 1.0, 1.0]), np.array([0, 0, 0, 1])
    spec = farm_spec(dates, prices)
    sweep = run(spec, Policies([AlwaysOn(), HedgeShort(ratio, 30, slot, table)]),
                Treasury(ratio), recorders=[LedgerRecorder()], instruments=contracts)
    cash = sweep.records[0].owner["instrument_cash"].sum(axis=0)[:, 0, 0]
    for v in range(4):
        one = run(spec, Policies([AlwaysOn(), HedgeShort(ratio[v], 30, slot[v], table)]),
                  Treasury(ratio[v]), recorders=[LedgerRecorder()], instruments=contracts)
        assert one.records[0].owner["instrument_cash"].sum() == pytest.approx(cash[v],
                                                                              rel=1e-13)
    assert cash[0] == 0.0
    assert cash[1] == pytest.approx(0.5 * cash[2], rel=1e-12)
    # The perpetual's constant +0.03 % a day was received by the short: 30 coins x rate x S.
    funding = (0.0003 * 30 * prices[1:]).sum()
    fees_future = TAKER * 30 * 6300 + SETTLE * 30 * 5670
    fees_perp = TAKER * 30 * (6300 + 5670)
    assert cash[3] - cash[2] == pytest.approx(funding - fees_perp + fees_future, rel=1e-10)


def test_protocol_errors_are_one_line_inputerrors():
    close = np.zeros(3, dtype=bool)
    with pytest.raises(InputError, match=re.escape("hedge.leverage: must be > 0")):
        HedgeContract("linear_future", close, leverage=0.0)
    with pytest.raises(InputError, match=re.escape("hedge.instrument: must be one of")):
        HedgeContract("swap", close)  # type: ignore[arg-type]
    over = re.escape("hedge.ratio: must be <= 1 unless allow_over_hedge")
    with pytest.raises(InputError, match=over):
        HedgeShort(1.2, 30, 0, close[None, :])
    with pytest.raises(InputError, match=re.escape("hedge.ratio: must be >= 0")):
        HedgeShort(-0.1, 30, 0, close[None, :])
    assert HedgeShort(1.2, 30, 0, close[None, :], allow_over_hedge=True).ratio[0] == 1.2
    # The protocol upgrades the engine's flat position on first use.
    contract = HedgeContract("linear_future", close)
    s = contract.settle(0, 0, True, Position.flat((1, 1, 1)), np.full((1, 1, 1), -2.0),
                        np.full((1, 1, 1), 100.0))
    assert s.position.quantity[0, 0, 0] == -2.0 and s.cash[0, 0, 0] == -TAKER * 2 * 100


def test_power_bill_hedge_shorts_the_coins_worth_the_horizons_bill():
    """1 kW at 0.05 USD/kWh: 1.20 USD a day; 30 days at the day-0 price 6,000 = 0.006 coin."""
    dates = np.arange(np.datetime64("2018-11-01"), np.datetime64("2018-11-05"))
    spec = farm_spec(dates, np.full(dates.size, 6_000.0))
    n = dates.size
    cohorts = dataclasses.replace(spec.cohorts, power=np.array([1_000.0]))
    spec = dataclasses.replace(spec, cohorts=cohorts, tariff=np.full((n, 1), 0.05))
    close = np.zeros(n, dtype=bool)
    policy = Policies([AlwaysOn(), HedgeShort(1.0, 30, 0, (dates == dates[0])[None, :],
                                              target="power_bill")])
    res = run(spec, policy, Treasury(), recorders=[LedgerRecorder()],
              instruments=[HedgeContract("linear_future", close)])
    positions = res.records[0].book["positions"][:, 0, 0, 0, 0]
    assert_allclose(positions, -30 * 24 * 0.05 / 6_000.0, rtol=1e-13)


@pytest.mark.parametrize("inverse", [False, True])
def test_the_contracts_mark_equals_the_finance_book_kernel(inverse):
    """Marking through a path with the liquidation price fixed at entry = book.mark."""
    from hashwinter.finance import book as fbook

    rng = np.random.default_rng(12)
    shape = (2, 50, 3)
    size = rng.choice([-1.0, 1.0], shape) * rng.uniform(1, 10, shape)
    entry = np.full(shape, 6_000.0)
    lev = rng.choice([1.0, 2.0, 5.0, 20.0], shape)
    kind = "inverse_future" if inverse else "linear_future"
    contract = HedgeContract(kind, np.zeros(30, dtype=bool), maintenance_margin=0.004)
    book = fbook.open_book(size * (entry if inverse else 1.0), entry, lev, inverse=inverse,
                           maintenance_rate=0.004)
    liq = liquidation_price(book.size, entry, lev, 0.004, inverse)
    ours = book
    for price in 6_000.0 * np.exp(np.cumsum(rng.normal(0, 0.05, (30, 1, 50, 1)), axis=0)):
        ref = fbook.mark(book, price)
        ours, variation, hit, fee = contract._mark(ours, np.broadcast_to(price, shape), liq)
        assert_allclose(variation, ref.variation, rtol=1e-9, atol=1e-9)
        np.testing.assert_array_equal(hit, ref.liquidated)
        assert_allclose(fee, ref.fee, rtol=1e-12)
        book = ref.book
    assert np.any(~book.is_open) and np.any(book.is_open)  # some were liquidated, not all
