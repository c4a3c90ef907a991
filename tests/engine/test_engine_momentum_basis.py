"""The momentum basis inside the engine: each path's futures curve from its own spot path.

``b(t) = clip(base + beta ln(S(t) / S(t - w)), floor, cap)`` and ``F = S exp(b tau / 365.25)``
(docs/hedging.md), recomputed here with a plain loop over days and paths.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from test_engine_hedge import farm_spec

from hashwinter.engine import Policies, Treasury, run
from hashwinter.errors import InputError
from hashwinter.farm.hedging import HedgeShort, build_hedge, hedge_instrument
from hashwinter.farm.policies import AlwaysOn
from hashwinter.farm.registry import PolicyContext
from hashwinter.finance import hedge_from_dict
from hashwinter.finance.basis import MomentumBasis
from hashwinter.finance.instruments import BookJournal, HedgeContract, roll_days

BASE, BETA, W, FLOOR, CAP = 0.05, 0.5, 10, -0.5, 1.0


def by_hand(spot_path, day, tau):
    """Futures price on ``day`` of one path with ``tau`` days to expiry (a loop)."""
    back = spot_path[max(day - W, 0)]
    b = min(max(BASE + BETA * math.log(spot_path[day] / back), FLOOR), CAP)
    return spot_path[day] * math.exp(b * tau / 365.25)


def paths(dates):
    n = dates.size
    rally = 6000.0 * np.exp(np.linspace(0.0, 0.4, n))   # +40 % in log over the window
    crash = 6000.0 * np.exp(np.linspace(0.0, -0.6, n))  # -60 % in log
    return np.stack([rally, crash])


def test_each_path_enters_at_its_own_momentum_futures_price():
    dates = np.arange(np.datetime64("2018-10-15"), np.datetime64("2018-12-06"))
    spot = paths(dates)
    close = roll_days(dates, 1)
    opens = close.copy()
    opens[0] = True
    model = MomentumBasis(BASE, BETA, W, FLOOR, CAP)
    contract = HedgeContract("linear_future", close,
                             basis_path=model.annual_basis(spot).T)
    spec = farm_spec(dates, spot[0])
    spec = spec.__class__(spec.clock, spec.market.with_price_paths(spot), spec.cohorts,
                          spec.owners, spec.tariff)
    journal = BookJournal()
    run(spec, Policies([AlwaysOn(), HedgeShort(1.0, 30, 0, opens[None, :])]), Treasury(1.0),
        instruments=[contract.with_journal(journal)])
    book = journal.arrays(spec.clock.n_steps, (1, 2, 1))  # (steps, V, P, O)
    nov1 = int(np.flatnonzero(dates == np.datetime64("2018-11-01"))[0])
    dec1 = int(np.flatnonzero(dates == np.datetime64("2018-12-01"))[0])
    for p in range(2):
        # Opened on day 0 for the 17 days to 11-01 (lag 0: b = base).
        assert book["entry"][0, 0, p, 0] == pytest.approx(by_hand(spot[p], 0, 17), rel=1e-12)
        assert book["entry"][0, 0, p, 0] == pytest.approx(
            spot[p, 0] * math.exp(BASE * 17 / 365.25), rel=1e-12)
        # Reopened at the 11-01 close for the 30 days to 12-01, at the trailing 10-day return.
        assert book["entry"][nov1, 0, p, 0] == pytest.approx(by_hand(spot[p], nov1, 30),
                                                             rel=1e-12)
        # Marked daily at the day's basis; at expiry the future is spot.
        mid = nov1 + 7
        assert book["mark"][mid, 0, p, 0] == pytest.approx(by_hand(spot[p], mid, dec1 - mid),
                                                           rel=1e-12)
        assert book["mark"][dec1, 0, p, 0] == pytest.approx(spot[p, dec1], rel=1e-12)
    # Contango after the rally, backwardation (clipped at the floor) after the crash.
    assert book["entry"][nov1, 0, 0, 0] > spot[0, nov1]
    assert book["entry"][nov1, 0, 1, 0] < spot[1, nov1]
    b_crash = BASE + BETA * math.log(spot[1, nov1] / spot[1, nov1 - W])
    assert b_crash < 0


def test_a_momentum_hedge_config_prices_each_path_from_the_runs_spot():
    dates = np.arange(np.datetime64("2018-10-15"), np.datetime64("2018-12-06"))
    spot = paths(dates)
    spec = farm_spec(dates, spot[0])
    context = PolicyContext(cohorts=spec.cohorts, clock=spec.clock, owner_names=("farm",),
                            currency="USD",
                            market=dataclasses.replace(spec.market, price=spot))
    config = hedge_from_dict({"instrument": "linear_future", "basis": {
        "kind": "momentum", "annual": BASE, "beta": BETA, "window_days": W,
        "floor": FLOOR, "cap": CAP}})
    contract = hedge_instrument(config, context)
    tau = contract._tau_mark  # type: ignore[attr-defined]
    for day in (0, 5, 20, 40):
        got = contract.contract_price(day, spot[:, day][None, :, None], opening=False)
        for p in range(2):
            assert got[0, p, 0] == pytest.approx(by_hand(spot[p], day, tau[day]), rel=1e-12)
    build_hedge(config, context)  # no longer refused
    with pytest.raises(InputError, match=r"hedge\.basis\.kind: the momentum basis needs"):
        hedge_instrument(config, PolicyContext(cohorts=spec.cohorts, clock=spec.clock,
                                               owner_names=("farm",), currency="USD"))
