"""The compiled hedge book gives the numpy engine's balances, totals and positions.

The setups are those of tests/engine/test_engine_hedge.py (one machine mining 1 coin a
day; a stylised month, a liquidation and a roll, a 1x inverse short under a hundredfold
rise, the ratio × instrument sweep, the power-bill target) and the hedged example farm of
tests/farm/test_farm_hedge.py (the XBTUSD inverse perpetual with the real BitMEX funding
of 2018): each is run with ``engine="numpy"`` and ``engine="compiled"`` and compared at
relative 1e-9 (tests/engine/test_kernel.py's ``assert_same``), positions included. A few
hand values pin that the compiled run does hedge (the numpy test file derives them).
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from test_engine_hedge import farm_spec
from test_kernel import assert_same, close

from datafiles import WINTER_FIRST, WINTER_LAST, shared_data_file, winter_data_file
from hashwinter.data.importers import read_funding
from hashwinter.engine import (
    Clock,
    Owners,
    OwnerStatsRecorder,
    Policies,
    TotalsRecorder,
    Treasury,
    market_from_coinmetrics,
    run,
)
from hashwinter.errors import InputError
from hashwinter.farm import build_farm_run, farm_from_dict
from hashwinter.farm.hedging import HedgeShort
from hashwinter.farm.policies import AlwaysOn, ShutdownPricePolicy
from hashwinter.finance import FundingHistory
from hashwinter.finance.instruments import BookJournal, HedgeContract, roll_days

TAKER, SETTLE = 0.00075, 0.0005
QUANTILES = (0.0, 0.5, 1.0)


def both(spec, policy, instruments, treasury=None):
    out = []
    for engine in ("numpy", "compiled"):
        out.append(run(spec, policy, treasury or Treasury(1.0), engine=engine,
                       recorders=[TotalsRecorder(), OwnerStatsRecorder(QUANTILES)],
                       instruments=instruments))
    numpy_run, compiled_run = out
    assert_same(numpy_run, compiled_run)
    close(compiled_run.positions, numpy_run.positions, "positions")
    return numpy_run, compiled_run


def month():
    dates = np.arange(np.datetime64("2018-11-01"), np.datetime64("2018-12-02"))
    return dates, np.linspace(6300.0, 5670.0, dates.size)


def test_stylised_month_linear_future():
    """30 coins shorted at 6,300, delivered at 5,670: cash 1,000 + 30·6,300 − fees."""
    dates, prices = month()
    close_days = dates == np.datetime64("2018-12-01")
    policy = Policies([AlwaysOn(), HedgeShort(1.0, 30, 0, (dates == dates[0])[None, :])])
    _, c = both(farm_spec(dates, prices), policy, [HedgeContract("linear_future", close_days)])
    fees = TAKER * 30 * 6300 + SETTLE * 30 * 5670
    assert c.cash[0, 0, 0] == pytest.approx(1_000 + 30 * 6300 - fees, rel=1e-13)
    assert c.coins[0, 0, 0] == pytest.approx(1.0, rel=1e-12)


def test_liquidation_of_a_5x_short_and_reopening_at_the_roll():
    """Liquidated on day 4 (7,164.68 > 7,164.18), reopened at the 12-01 roll at 7,000."""
    dates = np.arange(np.datetime64("2018-11-24"), np.datetime64("2018-12-04"))
    prices = np.array([6_000, 6_800, 7_100, 7_164.17, 7_164.68, 6_500, 7_500, 7_000, 7_000,
                       7_000], dtype=float)
    opens = roll_days(dates, 1)
    opens[0] = True
    contract = HedgeContract("linear_future", roll_days(dates, 1), leverage=5.0)
    policy = Policies([AlwaysOn(), HedgeShort(1.0, 30, 0, opens[None, :])])
    spec = farm_spec(dates, prices, cash=50_000.0)
    _, c = both(spec, policy, [contract])
    assert c.positions[0, 0, 0, 0] == pytest.approx(-30.0, rel=1e-13)  # the reopened short
    # Lost: the collateral 36,000 and both taker fees. The liquidated hedge still delivers
    # its 30 coins at the roll (7,000): the 8 mined (and kept) by then, 22 bought at spot.
    # The last 2 coins mined are kept.
    lost = 30 * 6_000 / 5 + TAKER * 30 * (6_000 + 7_000)
    assert c.cash[0, 0, 0] == pytest.approx(50_000 - lost + 8 * 7_000, rel=1e-12)
    assert c.coins[0, 0, 0] == pytest.approx(2.0, rel=1e-12)
    # Without the liquidation (a 1x short) the cash differs: the test sees it.
    one_x = run(spec, policy, Treasury(1.0), engine="compiled", recorders=[TotalsRecorder()],
                instruments=[dataclasses.replace(contract, leverage=1.0)])
    assert abs(one_x.cash[0, 0, 0] - c.cash[0, 0, 0]) > 1_000


def test_a_1x_inverse_short_under_a_hundredfold_rise():
    dates = np.arange(np.datetime64("2018-11-24"), np.datetime64("2018-12-04"))
    prices = 6_000.0 * np.geomspace(1.0, 100.0, dates.size)
    policy = Policies([AlwaysOn(), HedgeShort(1.0, 5, 0, (dates == dates[0])[None, :])])
    _, c = both(farm_spec(dates, prices, cash=0.0), policy,
                [HedgeContract("inverse_future", dates == dates[-1])])
    assert c.positions[0, 0, 0, 0] == 0.0  # closed at the last day's close


def test_ratio_and_instrument_sweep_with_constant_funding():
    """Ratios 0, 0.5, 1 on a linear future, 1 on a linear perpetual paying 0.03 % a step."""
    dates, prices = month()
    close_days = roll_days(dates, 1)
    opens = close_days.copy()
    opens[0] = True
    contracts = [HedgeContract("linear_future", close_days),
                 HedgeContract("perpetual", close_days, inverse_perpetual=False,
                               funding=np.full(dates.size, 0.0003))]
    ratio, slot = np.array([0.0, 0.5, 1.0, 1.0]), np.array([0, 0, 0, 1])
    policy = Policies([AlwaysOn(), HedgeShort(ratio, 30, slot, np.stack([opens, opens]))])
    _, c = both(farm_spec(dates, prices), policy, contracts, Treasury(ratio))
    # The perpetual's funding received by the short, less its fees against the future's.
    funding = (0.0003 * 30 * prices[1:]).sum()
    diff = TAKER * 30 * (6300 + 5670) - (TAKER * 30 * 6300 + SETTLE * 30 * 5670)
    assert c.cash[3, 0, 0] - c.cash[2, 0, 0] == pytest.approx(funding - diff, rel=1e-9)


@pytest.mark.parametrize("inverse", [False, True])
def test_perpetual_with_per_path_funding_and_curtailment(inverse):
    """Two paths with their own funding, 3x leverage, a shutdown price that bites."""
    dates = np.arange(np.datetime64("2018-11-01"), np.datetime64("2018-12-11"))
    rng = np.random.default_rng(5)
    prices = 6_000.0 * np.exp(np.cumsum(rng.normal(0, 0.04, (2, dates.size)), axis=1))
    spec = farm_spec(dates, prices[0], cash=20_000.0)
    n = dates.size
    spec = dataclasses.replace(
        spec, market=spec.market.with_price_paths(prices),
        cohorts=dataclasses.replace(spec.cohorts, power=np.array([4e6])),
        tariff=np.full((n, 1), 0.05))
    close_days = roll_days(dates, 1)
    opens = close_days.copy()
    opens[0] = True
    funding = rng.normal(0.0001, 0.0005, (n, 2))
    contract = HedgeContract("perpetual", close_days, inverse_perpetual=inverse, leverage=3.0,
                             funding=funding)
    policy = Policies([ShutdownPricePolicy(off_below=np.array([0.0, 0.5]),
                                           on_above=np.array([0.1, 0.6])),
                       HedgeShort(np.array([1.0, 0.7]), 30, 0, opens[None, :])])
    _, c = both(spec, policy, [contract], Treasury(np.array([0.0, 1.0])))
    assert np.any(c.positions != 0)


def test_power_bill_target():
    """1 kW at 0.05 USD/kWh for 30 days at 6,000: a short of 0.006 coin."""
    dates = np.arange(np.datetime64("2018-11-01"), np.datetime64("2018-11-05"))
    spec = farm_spec(dates, np.full(dates.size, 6_000.0))
    n = dates.size
    spec = dataclasses.replace(spec, cohorts=dataclasses.replace(spec.cohorts,
                                                                 power=np.array([1_000.0])),
                               tariff=np.full((n, 1), 0.05))
    policy = Policies([AlwaysOn(), HedgeShort(1.0, 30, 0, (dates == dates[0])[None, :],
                                              target="power_bill")])
    _, c = both(spec, policy, [HedgeContract("linear_future", np.zeros(n, dtype=bool))])
    assert_allclose(c.positions[0, 0, 0, 0], -30 * 24 * 0.05 / 6_000.0, rtol=1e-13)


def test_what_the_book_does_not_compile_falls_back_with_its_reason():
    dates, prices = month()
    spec = farm_spec(dates, prices)
    opens = (dates == dates[0])[None, :]
    policy = Policies([AlwaysOn(), HedgeShort(1.0, 30, 0, opens)])
    cases = [
        ([HedgeContract("forward", dates == dates[-1])], "no compiled book"),
        ([HedgeContract("linear_future", dates == dates[-1]).with_journal(BookJournal())],
         "no compiled book"),
    ]
    for instruments, reason in cases:
        res = run(spec, policy, Treasury(1.0), instruments=instruments,
                  recorders=[TotalsRecorder()])
        assert res.path == "numpy"
        with pytest.raises(InputError, match=reason):
            run(spec, policy, Treasury(1.0), instruments=instruments, engine="compiled",
                recorders=[TotalsRecorder()])


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lao_luo_hedged.toml"


@pytest.fixture(scope="module")
def example_inputs():
    """The XBTUSD funding of 2018 (BitMEX) and the winter's daily history in CNY."""
    rates = read_funding(shared_data_file("btc_futures_2018.csv"))
    market = market_from_coinmetrics(pd.read_csv(winter_data_file("btc_daily.csv")),
                                     pd.read_csv(winter_data_file("usd_cny_daily.csv")),
                                     currency="CNY", start=WINTER_FIRST, end=WINTER_LAST)
    return {"XBTUSD": FundingHistory.from_frame(rates, symbol="XBTUSD")}, market


@pytest.mark.parametrize("hedge", [{}, {"inverse_perpetual": False, "leverage": 2.0},
                                   {"instrument": "inverse_future"},
                                   {"instrument": "linear_future", "target": "power_bill"}])
def test_the_hedged_example_farm_on_real_funding(example_inputs, hedge):
    """examples/lao_luo_hedged.toml (XBTUSD perpetual, BitMEX funding 2018) and variations."""
    funding, market = example_inputs
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["hedge"] = {**data["hedge"], **hedge}
    fr = build_farm_run(farm_from_dict(data), market, funding=funding)
    instruments = [i.with_journal(None) for i in fr.instruments]  # a journal is numpy-only
    n, c = both(fr.spec, fr.policy, instruments, fr.treasury)
    assert np.any(c.positions != 0) or np.any(c.records[0].owner["other_income"] != 0)
    assert np.any(n.records[0].owner["other_income"] != 0)  # the hedge paid or received


@pytest.mark.parametrize("inverse", [False, True])
def test_hourly_steps_with_hourly_funding_and_a_liquidation(inverse):
    """Hourly steps: orders and closes at the day's last hour, funding every hour, 10x."""
    dates = np.arange(np.datetime64("2018-11-25"), np.datetime64("2018-12-05"))
    prices = np.array([6_000, 6_300, 6_700, 7_000, 6_200, 5_800, 6_100, 6_500, 6_900, 7_300],
                      dtype=float)
    spec = farm_spec(dates, prices, cash=100_000.0)
    clock = Clock(dates, steps_per_day=24)
    spec = dataclasses.replace(
        spec, clock=clock, tariff=np.zeros((clock.n_steps, 1)),
        owners=Owners(("farm",), np.array([100_000.0]), np.zeros(1),
                      np.zeros((clock.n_steps, 1)), np.zeros((clock.n_steps, 1))))
    close_days = roll_days(dates, 1)
    opens = close_days.copy()
    opens[0] = True
    rates = np.full(clock.n_steps, 0.0001 / 8)
    contract = HedgeContract("perpetual", close_days, inverse_perpetual=inverse, leverage=10.0,
                             funding=rates)
    policy = Policies([AlwaysOn(), HedgeShort(1.0, 30, 0, opens[None, :])])
    both(spec, policy, [contract])
    # The 10x short (liquidation at 1.1/1.005 of entry) is liquidated twice: entered at
    # 6,000, at 6,700 on day 2; reopened at the 12-01 roll at 6,100, at 6,900 on day 8.
    journal = BookJournal()
    run(spec, policy, Treasury(1.0), instruments=[contract.with_journal(journal)])
    hit = journal.arrays(clock.n_steps, (1, 1, 1))["liquidated"][:, 0, 0, 0]
    assert_allclose(np.flatnonzero(hit) // 24, [2, 8])


@pytest.mark.parametrize("inverse", [False, True])
def test_positions_held_across_chunks_of_days(monkeypatch, inverse):
    """The run cut into chunks of 3 days: open positions, marks and a liquidation cross seams.

    The kernel keeps each position's last mark outside the book between its settlements
    (``lastq``, restored into ``BK_LAST`` before ``book_cell`` and when a chunk ends): a
    stale last mark at a seam would change the next chunk's variation margin, and the
    balances would leave the numpy engine's.
    """
    from hashwinter.engine.kernel import run as kernel_run

    monkeypatch.setattr(kernel_run, "DAY_RECORD_VALUES", 2 * 2 * 3)  # V 2 x P 2 x 3 days
    dates = np.arange(np.datetime64("2018-11-20"), np.datetime64("2018-12-12"))
    rng = np.random.default_rng(7)
    # Path 0 rises 2.5 % a day. The 5x short's liquidation price is 1.2/1.005 of entry
    # (+19.4 %, linear) or 0.995/0.8 (+24.4 %, inverse), reached after ln(1.194)/ln(1.025)
    # = 7.2 or ln(1.244)/ln(1.025) = 8.8 days: liquidated on day 8 (9), reopened at the
    # roll on day 11 (2018-12-01), liquidated again on day 19 (20), in the 3rd and 7th
    # chunks of 3 days. Path 1 wanders and is never liquidated.
    prices = np.stack([6_000.0 * 1.025 ** np.arange(dates.size),
                       6_000.0 * np.exp(np.cumsum(rng.normal(0, 0.03, dates.size)))])
    spec = farm_spec(dates, prices[0], cash=50_000.0)
    spec = dataclasses.replace(spec, market=spec.market.with_price_paths(prices))
    close_days = roll_days(dates, 1)
    opens = close_days.copy()
    opens[0] = True
    contract = HedgeContract("perpetual", close_days, inverse_perpetual=inverse, leverage=5.0,
                             funding=rng.normal(0.0001, 0.0005, (dates.size, 2)))
    policy = Policies([AlwaysOn(), HedgeShort(np.array([1.0, 0.5]), 30, 0, opens[None, :])])
    journal = BookJournal()
    run(spec, policy, Treasury(1.0), instruments=[contract.with_journal(journal)])
    hit = journal.arrays(spec.clock.n_steps, (2, 2, 1))["liquidated"]
    days = [9, 20] if inverse else [8, 19]
    for v in range(2):  # both ratios
        assert_allclose(np.flatnonzero(hit[:, v, 0, 0]), days)
    assert not hit[:, :, 1].any()
    both(spec, policy, [contract])


def test_owner_bounds_flag_exactly_the_marks_that_liquidate():
    """``_owner_book``'s per-instrument bounds against book_cell's test, position by position.

    Longs and shorts, open and flat, in two instruments (one inverse): at every price of a
    grid through all the liquidation prices, ``price <= lim_lo or price >= lim_hi`` of an
    instrument holds exactly when some open position in it has ``price <= liquidation``
    (long) or ``price >= liquidation`` (short); ``msz`` is the size of the open positions
    and 0 of the flat ones, ``lastq`` the last mark (linear) or minus its reciprocal.
    """
    from hashwinter.engine.kernel import loop

    rng = np.random.default_rng(3)
    nvb = 40
    bk = np.zeros((loop.N_BK, 1, nvb))
    size = rng.choice([-1.0, 1.0], nvb) * rng.uniform(1, 5, nvb)
    bk[loop.BK_SIZE, 0] = size
    bk[loop.BK_OPEN, 0] = rng.random(nvb) < 0.7
    bk[loop.BK_LAST, 0] = rng.uniform(5_000, 7_000, nvb)
    liquidation = np.where(size > 0, rng.uniform(3_000, 5_500, nvb),
                           rng.uniform(6_500, 9_000, nvb))
    bk[loop.BK_LIQUIDATION, 0] = liquidation
    slot = rng.integers(0, 2, nvb).astype(np.int64)
    inv = slot == 1
    lim_lo, lim_hi = np.empty((1, 2)), np.empty((1, 2))
    msz, lastq = np.full((1, nvb), np.nan), np.full((1, nvb), np.nan)
    n_open = loop._owner_book(bk, 0, slot, inv, lim_lo, lim_hi, msz, lastq)
    is_open = bk[loop.BK_OPEN, 0] != 0
    assert n_open == is_open.sum()
    assert_allclose(msz[0], np.where(is_open, size, 0.0), rtol=0, atol=0)
    last = bk[loop.BK_LAST, 0]
    assert_allclose(lastq[0], np.where(is_open, np.where(inv, -1.0 / last, last), 0.0), rtol=0)
    for price in np.concatenate([np.sort(liquidation), np.linspace(2_000, 10_000, 81)]):
        for i in range(2):
            mine = slot == i
            beyond = np.where(size > 0, price <= liquidation, price >= liquidation)
            expected = bool((is_open & mine & beyond).any())
            assert ((price <= lim_lo[0, i]) or (price >= lim_hi[0, i])) == expected
