"""The network run with its market and makers on the compiled kernel equals the numpy path.

One small population (20 farms x 5 tiers and the shipped file's two makers, 14-day
restart delay) on GBM paths at 0.5/sqrt(yr) over 200 days, with hodlers, sell-to-cover
farms and starting coins (per-owner sale rules, forced sales): machines trade on the
used market, the makers deliver, and farms go broke and are liquidated. Every record
array, every owner's closing cash, coins and broke step, and every cohort's machines
held are compared between ``engine="numpy"`` (the reference) and ``engine="compiled"``
(kernel.network_market), rtol 1e-9. What the kernel does not cover falls back to numpy
with its reason.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from test_network_population import example

from datafiles import shared_data_dir
from hashwinter.errors import InputError
from hashwinter.network.config import NetworkScenario
from hashwinter.network.dynamics import NetworkRun, run_network
from hashwinter.network.recorder import NetworkRecord

RTOL = 1e-9


def small(**changes: object) -> NetworkScenario:
    """The shipped scenario, 20 farms x 5 tiers, 200 days of GBM, habits of three kinds."""
    s = example(farms=20, tiers=5)
    habits = s.habits.model_copy(update={"hodlers": 0.2, "sell_to_cover": 0.2,
                                         "coin_days": 3.0})
    price = s.price.model_copy(update={"kind": "gbm", "volatility": 0.5, "seed": 7})
    # Without the dry season, the sellers' closing, scrapping and the short-of-cash sale:
    # the kernel has no form of them (they fall back to numpy; test_network_migration.py,
    # test_network_restart.py, test_network_scrapping.py).
    update: dict[str, object] = {
        "end": dt.date(2019, 4, 18), "habits": habits, "price": price,
        "migration": s.migration.model_copy(update={"enabled": False}),
        "market": s.market.model_copy(update={"sellers_exit": False, "scrap_after_days": None,
                                              "short_cash_days": 0.0})}
    for section, fields in changes.items():
        base = update.get(section, getattr(s, section))
        update[section] = base.model_copy(update=fields)
    return s.model_copy(update=update)


@pytest.fixture(scope="module")
def runs() -> tuple[NetworkRun, NetworkRun]:
    s = small()
    return (run_network(s, shared_data_dir(), n_paths=4, engine="numpy"),
            run_network(s, shared_data_dir(), n_paths=4, engine="compiled"))


def test_the_run_trades_and_liquidates(runs: tuple[NetworkRun, NetworkRun]) -> None:
    # What the comparison covers: used trades, deliveries, broke owners, forced sales.
    ref = runs[0]
    assert ref.result.path == "numpy" and runs[1].result.path == "compiled"
    assert runs[1].result.fallback is None
    assert np.nansum(ref.record.traded) > 100
    assert ref.record.delivered.sum() > 1000
    assert (ref.result.broke_step >= 0).sum() >= 5
    assert ref.record.forced_sold.sum() > 0


def test_compiled_market_equals_numpy(runs: tuple[NetworkRun, NetworkRun]) -> None:
    _assert_same_run(*runs)


@pytest.fixture(scope="module")
def scrapping() -> tuple[NetworkRun, NetworkRun, NetworkRun]:
    # Scrapping after 20 days off, and short of cash below 30 days of the fleet's cost
    # (both fire in these 200 days); the third run without the short-of-cash rule.
    s = small(market={"scrap_after_days": 20.0, "short_cash_days": 30.0})
    plain = small(market={"scrap_after_days": 20.0})
    return (run_network(s, shared_data_dir(), n_paths=4, engine="numpy"),
            run_network(s, shared_data_dir(), n_paths=4, engine="compiled"),
            run_network(plain, shared_data_dir(), n_paths=4, engine="numpy"))


def test_scrapping_and_the_short_of_cash_sale_on_the_kernel(
        scrapping: tuple[NetworkRun, NetworkRun, NetworkRun]) -> None:
    a, b, plain = scrapping
    assert b.result.path == "compiled" and b.result.fallback is None
    assert a.record.scrapped.sum() > 1000
    # The short-of-cash rule sells machines the 20-day rule alone would not (yet).
    assert not np.allclose(a.record.traded, plain.record.traded, equal_nan=True)
    _assert_same_run(a, b)


def _assert_same_run(a: NetworkRun, b: NetworkRun) -> None:
    for name in NetworkRecord.__dataclass_fields__:
        x, y = getattr(a.record, name), getattr(b.record, name)
        assert y.shape == x.shape, name
        # Counts and prices: rounding of sums taken in another order (1e-9 machines).
        assert_allclose(y, x, rtol=RTOL, atol=1e-9 * max(1.0, float(np.nanmax(np.abs(x),
                                                                             initial=0))),
                        equal_nan=True, err_msg=name)
    assert_allclose(b.result.cash, a.result.cash, rtol=RTOL,
                    atol=RTOL * float(np.max(np.abs(a.result.cash))))
    assert_allclose(b.result.coins, a.result.coins, rtol=RTOL, atol=1e-12)
    assert_allclose(b.result.held, a.result.held, rtol=RTOL, atol=1e-6)
    assert_array_equal(b.result.broke_step, a.result.broke_step)
    for k in ("difficulty", "height", "window_elapsed"):
        assert_allclose(getattr(b.result.network_state, k),
                        getattr(a.result.network_state, k), rtol=RTOL)
    assert b.result.checks.max_count_error < 1e-6
    assert b.result.checks.max_cash_error < 1e-3


@pytest.mark.parametrize(("changes", "reason"), [
    ({"market": {"ship_days": 3}}, "shipping delay"),
    ({"habits": {"hedgers": 0.2}}, "instruments"),
    ({"migration": {"enabled": True}}, "recorder NetworkRecorder has no compiled form"),
    ({"market": {"sellers_exit": True}}, "ExitOnSale"),
])
def test_what_the_market_kernel_does_not_cover(changes: dict[str, dict[str, object]],
                                               reason: str) -> None:
    s = small(**changes).model_copy(update={"end": dt.date(2018, 10, 10)})
    assert run_network(s, shared_data_dir()).result.path == "numpy"  # auto falls back
    with pytest.raises(InputError, match=reason):
        run_network(s, shared_data_dir(), engine="compiled")
