import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from hashwinter.economics import breakeven_tariff, coins_per_day, payback_days, shutdown_price

hashrates = st.floats(1e9, 1e15)
powers = st.floats(10.0, 10_000.0)
tariffs = st.floats(0.001, 2.0)
difficulties = st.floats(1e6, 1e15)
subsidies = st.floats(0.1, 50.0)
fees = st.floats(0.0, 5.0)
pool_fees = st.floats(0.0, 0.1)
factors = st.floats(1.01, 10.0)


@given(hashrates, powers, tariffs, difficulties, subsidies, fees, pool_fees, factors)
def test_shutdown_price_monotone(h, p, t, d, s, f, pf, k):
    base = shutdown_price(h, p, t, d, s, f, pf)
    # rises with tariff and difficulty, falls with hashrate, rises with power
    assert shutdown_price(h, p, t * k, d, s, f, pf) > base
    assert shutdown_price(h, p, t, d * k, s, f, pf) > base
    assert shutdown_price(h * k, p, t, d, s, f, pf) < base
    assert shutdown_price(h, p * k, t, d, s, f, pf) > base
    # and falls when the block reward grows
    assert shutdown_price(h, p, t, d, s * k, f, pf) < base


@given(
    st.lists(
        st.tuples(hashrates, powers, tariffs, difficulties, subsidies, fees, pool_fees),
        min_size=1,
        max_size=20,
    )
)
def test_scalar_equals_array(rows):
    cols = [np.array(c) for c in zip(*rows, strict=True)]
    vector = shutdown_price(*cols)
    scalars = [shutdown_price(*row) for row in rows]
    np.testing.assert_allclose(vector, scalars, rtol=1e-14)
    np.testing.assert_allclose(
        coins_per_day(*cols[:1], *cols[3:]), [coins_per_day(r[0], *r[3:]) for r in rows], rtol=1e-14
    )


@given(hashrates, powers, tariffs, difficulties, subsidies, fees, pool_fees)
def test_shutdown_and_breakeven_tariff_are_inverse(h, p, t, d, s, f, pf):
    sp = shutdown_price(h, p, t, d, s, f, pf)
    assert np.isclose(breakeven_tariff(h, p, d, s, sp, f, pf), t, rtol=1e-9)


@given(st.floats(1.0, 1e5), st.floats(0.1, 100.0), st.floats(0.0, 50.0), st.floats(0.0, 0.2))
def test_payback_never_shorter_with_difficulty_growth(price, margin, cost, growth):
    flat = payback_days(price, cost + margin, cost)
    grown = payback_days(price, cost + margin, cost, growth)
    assert grown >= flat - 1e-9
