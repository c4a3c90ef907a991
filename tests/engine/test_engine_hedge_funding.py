"""A perpetual hedge with simulated (AR(1)) funding per path: the engine against a plain loop."""

from __future__ import annotations

import numpy as np
import pytest
from test_engine_hedge import farm_spec

from hashwinter.engine import Policies, Treasury, run
from hashwinter.farm.hedging import HedgeShort
from hashwinter.farm.policies import AlwaysOn
from hashwinter.finance.funding import XBTUSD_AR1, path_generators, simulated_rates_per_step
from hashwinter.finance.instruments import BookJournal, HedgeContract


@pytest.mark.parametrize("inverse", [False, True])
def test_funding_paid_per_path_equals_a_plain_loop(inverse):
    """Three price paths, each with its own AR(1) funding; 30 coins shorted at the day-0
    close, closed at the close of day 30. Funding received at each step t = 1..30 by a
    short: linear 30 · rate[t, p] · S[t, p] USD; inverse rate[t, p] · F_p / S[t, p] coins,
    F_p = 30 · S[0, p]."""
    dates = np.datetime64("2019-03-01") + np.arange(31)
    rng = np.random.default_rng(7)
    prices = 4000.0 * np.exp(np.cumsum(0.03 * rng.standard_normal((3, 31)), axis=1))
    rates = simulated_rates_per_step(XBTUSD_AR1, dates, 1, path_generators(None, 0, 3))
    assert rates.shape == (31, 3)
    close = dates == dates[-1]
    opens = dates == dates[0]
    spec = farm_spec(dates, prices[0], cash=1e6)
    spec = type(spec)(spec.clock, spec.market.with_price_paths(prices), spec.cohorts,
                      spec.owners, spec.tariff)
    contract = HedgeContract("perpetual", close, inverse_perpetual=inverse, funding=rates)
    journal = BookJournal()
    policy = Policies([AlwaysOn(), HedgeShort(1.0, 30, 0, opens[None, :])])
    run(spec, policy, Treasury(1.0), instruments=[contract.with_journal(journal)])
    book = journal.arrays(spec.clock.n_steps, (1, 3, 1))
    engine = book["funding"][:, 0, :, 0]  # (steps, P), run currency
    for p in range(3):
        loop = 0.0
        for t in range(1, 31):
            s = prices[p, t]
            if inverse:
                coins = rates[t, p] * 30 * prices[p, 0] / s
                loop += coins
                assert engine[t, p] == pytest.approx(coins * s, rel=1e-12)
            else:
                loop += 30 * rates[t, p] * s
        got = (engine[:, p] / prices[p]).sum() if inverse else engine[:, p].sum()
        assert got == pytest.approx(loop, rel=1e-12)
        assert engine[0, p] == 0.0  # nothing open before the day-0 close
