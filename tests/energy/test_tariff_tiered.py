"""Tiered (block) tariffs: bills, marginal and average prices by hand and by loop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hashwinter.energy import Tier, TieredTariff
from hashwinter.errors import InputError

# First 1,000 kWh at 0.50, the next 4,000 at 0.40, the rest at 0.30 (invented prices).
BLOCKS = TieredTariff(
    currency="CNY",
    tiers=[Tier(up_to_kwh=1_000, price=0.50), Tier(up_to_kwh=5_000, price=0.40), Tier(price=0.30)],
)


@pytest.mark.parametrize(
    ("kwh", "bill"),
    [
        (0, 0.0),
        (400, 200.0),  # 400 * 0.50
        (1_000, 500.0),  # the whole first block
        (2_500, 1_100.0),  # 500 + 1,500 * 0.40
        (5_000, 2_100.0),  # 500 + 4,000 * 0.40
        (6_000, 2_400.0),  # 500 + 1,600 + 1,000 * 0.30
    ],
)
def test_bill_by_hand(kwh: float, bill: float) -> None:
    assert BLOCKS.bill(kwh) == pytest.approx(bill)


def test_bill_vectorized_keeps_shape() -> None:
    got = BLOCKS.bill(np.array([[0, 400], [2_500, 6_000]]))
    np.testing.assert_allclose(got, [[0, 200], [1_100, 2_400]])


@pytest.mark.parametrize(
    ("kwh", "marginal", "average"),
    [
        (0, 0.50, 0.50),  # the first kWh costs the first price
        (1_000, 0.50, 0.50),  # at a boundary the last kWh is in the lower block
        (1_000.5, 0.40, (500 + 0.5 * 0.40) / 1_000.5),
        (6_000, 0.30, 0.40),  # 2,400 / 6,000
    ],
)
def test_marginal_and_average_by_hand(kwh: float, marginal: float, average: float) -> None:
    assert BLOCKS.marginal_price(kwh) == pytest.approx(marginal)
    assert BLOCKS.average_price(kwh) == pytest.approx(average)


def test_price_per_kwh_needs_consumption() -> None:
    with pytest.raises(InputError) as info:
        BLOCKS.price_per_kwh(["2018-11-25"])
    assert info.value.field == "monthly_kwh"


def test_price_per_kwh_marginal_and_average_broadcast() -> None:
    times = np.array(["2018-11-01", "2018-11-15", "2018-12-01"], dtype="datetime64[D]")
    np.testing.assert_allclose(
        BLOCKS.price_per_kwh(times, monthly_kwh=[400, 2_500, 6_000]), [0.50, 0.40, 0.30]
    )
    np.testing.assert_allclose(
        BLOCKS.price_per_kwh(times, monthly_kwh=6_000, basis="average"), [0.40] * 3
    )
    with pytest.raises(InputError):
        BLOCKS.price_per_kwh(times, monthly_kwh=[1, 2])


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_bad_consumption(bad: float) -> None:
    with pytest.raises(InputError) as info:
        BLOCKS.bill([100.0, bad])
    assert info.value.field == "monthly_kwh"


def test_single_open_tier_is_flat() -> None:
    t = TieredTariff(currency="USD", tiers=[Tier(price=0.05)])
    assert t.bill(1234) == pytest.approx(61.7)
    assert t.marginal_price(1234) == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([{"up_to_kwh": 1000, "price": 0.5}], "tiers[0] is the last tier and must be open-ended"),
        ([{"price": 0.5}, {"price": 0.3}], "tiers[0].up_to_kwh is required"),
        (
            [{"up_to_kwh": 1000, "price": 0.5}, {"up_to_kwh": 500, "price": 0.4}, {"price": 0.3}],
            "tiers[1].up_to_kwh (500) must be greater than tiers[0].up_to_kwh (1000)",
        ),
    ],
)
def test_tier_order_errors(tiers: list[dict[str, float]], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        TieredTariff.model_validate({"currency": "CNY", "tiers": tiers})
    err = info.value.errors()[0]
    assert err["loc"] == ("tiers",)
    assert message in err["msg"]


# ---- properties against a loop over blocks ------------------------------------


@st.composite
def tiered(draw: st.DrawFn) -> TieredTariff:
    bounds = sorted(draw(st.sets(st.integers(1, 100_000), max_size=5)))
    prices = draw(
        st.lists(st.floats(0.01, 2.0), min_size=len(bounds) + 1, max_size=len(bounds) + 1)
    )
    tiers = [Tier(up_to_kwh=b, price=p) for b, p in zip(bounds, prices, strict=False)]
    return TieredTariff(currency="CNY", tiers=[*tiers, Tier(price=prices[-1])])


def _reference_bill(t: TieredTariff, kwh: float) -> float:
    total, lower = 0.0, 0.0
    for tier in t.tiers:
        upper = tier.up_to_kwh if tier.up_to_kwh is not None else float("inf")
        if kwh > lower:
            total += (min(kwh, upper) - lower) * tier.price
        lower = upper
    return total


def _reference_marginal(t: TieredTariff, kwh: float) -> float:
    for tier in t.tiers:
        if tier.up_to_kwh is None or kwh <= tier.up_to_kwh:
            return tier.price
    raise AssertionError


consumption = st.lists(st.floats(0, 300_000), min_size=1, max_size=50)


@given(tiered(), consumption)
def test_bill_and_marginal_equal_loop(t: TieredTariff, kwh: list[float]) -> None:
    np.testing.assert_allclose(t.bill(kwh), [_reference_bill(t, k) for k in kwh], rtol=1e-12)
    np.testing.assert_array_equal(t.marginal_price(kwh), [_reference_marginal(t, k) for k in kwh])


@given(tiered(), consumption)
def test_average_between_cheapest_and_dearest(t: TieredTariff, kwh: list[float]) -> None:
    prices = [tier.price for tier in t.tiers]
    avg = t.average_price(kwh)
    assert np.all(avg >= min(prices) - 1e-12)
    assert np.all(avg <= max(prices) + 1e-12)


@given(tiered(), st.floats(0, 300_000), st.floats(0, 1_000))
def test_bill_grows_by_marginal_prices(t: TieredTariff, kwh: float, extra: float) -> None:
    # The bill never falls with more consumption, and grows at most at the dearest price.
    step = float(t.bill(kwh + extra) - t.bill(kwh))
    assert step >= -1e-9
    assert step <= extra * max(tier.price for tier in t.tiers) + 1e-6
