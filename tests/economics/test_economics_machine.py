import numpy as np
import pytest

from hashwinter.economics import (
    breakeven_efficiency,
    breakeven_tariff,
    coins_per_day,
    energy_per_day,
    hashprice,
    margin_per_day,
    power_cost_per_day,
    revenue_per_day,
    shutdown_price,
)

D_2018_11_25 = 6_653_303_141_406.0


def test_viabtc_worked_example_shutdown_price():
    # ViaBTC's published example (shared with us in issue 2): S19, 95 TH/s, 3,250 W,
    # $0.077/kWh, difficulty 17.62e12, subsidy 6.25 BTC plus fees of 1.3 % of it
    # -> shutdown price $8,744.27. Required within 0.5 %.
    sp = shutdown_price(95e12, 3250, 0.077, 17.62e12, 6.25, 6.25 * 0.013)
    assert sp == pytest.approx(8744.27, rel=0.005)


def test_coins_per_day_by_hand():
    # DESIGN.md: H * 86400 / (D * 2^32) * (subsidy + fees). S9 13.5 TH/s on 25 Nov 2018:
    # 13.5e12 * 86400 / (6.6533e12 * 4294967296) = 4.08179e-5 blocks/day, * 12.76 BTC.
    hand = 13.5e12 * 86400 / (D_2018_11_25 * 4294967296) * 12.76
    assert coins_per_day(13.5e12, D_2018_11_25, 12.5, 0.26) == pytest.approx(hand, rel=1e-12)
    assert hand == pytest.approx(5.2084e-4, rel=1e-4)
    # A 2 % pool fee takes 2 %.
    assert coins_per_day(13.5e12, D_2018_11_25, 12.5, 0.26, 0.02) == pytest.approx(hand * 0.98)


def test_s9_near_shutdown_on_25_nov_2018():
    # The story: on 25 Nov 2018 the coin price (~25,000-27,400 CNY) neared "the shutdown price
    # of the S9". At F2Pool's benchmark tariff of 0.38 CNY/kWh (mining_power_prices.csv) with a
    # 13.5 TH/s, 1,323 W S9, 2 % pool fee:
    sp = shutdown_price(13.5e12, 1323, 0.38, D_2018_11_25, 12.5, 0.26, pool_fee=0.02)
    # 1.323 kW * 24 h * 0.38 = 12.066 CNY/day over 5.1042e-4 BTC/day = 23,640 CNY/BTC.
    assert sp == pytest.approx(1.323 * 24 * 0.38 / (5.2084e-4 * 0.98), rel=1e-3)
    assert 20_000 < sp < 27_400


def test_costs_and_margin_by_hand():
    assert energy_per_day(1323) == pytest.approx(31.752)
    assert energy_per_day(1323, pue=1.1) == pytest.approx(34.9272)
    assert power_cost_per_day(1323, 0.28) == pytest.approx(8.89056)
    assert margin_per_day(14.0, 8.89056, 1.0) == pytest.approx(4.10944)


def test_revenue_and_hashprice_consistent():
    rev = revenue_per_day(13.5e12, D_2018_11_25, 12.5, 27_400, 0.26)
    assert rev == pytest.approx(coins_per_day(13.5e12, D_2018_11_25, 12.5, 0.26) * 27_400)
    assert hashprice(D_2018_11_25, 12.5, 27_400, 0.26) * 13.5 == pytest.approx(rev)


def test_breakeven_tariff_inverts_shutdown_price():
    sp = shutdown_price(
        13.5e12, 1323, 0.28, D_2018_11_25, 12.5, 0.26, 0.02, daily_fees=1.5, pue=1.05
    )
    t = breakeven_tariff(
        13.5e12, 1323, D_2018_11_25, 12.5, sp, 0.26, 0.02, daily_fees=1.5, pue=1.05
    )
    assert t == pytest.approx(0.28)


def test_breakeven_efficiency_is_the_machine_at_its_shutdown_price():
    # A machine exactly at break-even efficiency has shutdown price == price.
    price, tariff = 27_400.0, 0.28
    e = breakeven_efficiency(tariff, D_2018_11_25, 12.5, price, 0.26)
    assert shutdown_price(1e12, e, tariff, D_2018_11_25, 12.5, 0.26) == pytest.approx(price)
    # By hand: hashprice 27,400 * 5.2084e-4 / 13.5 = 1.0571 CNY per TH/s-day over
    # 24 / 1000 * 0.28 = 0.00672 CNY per W-day: 157.3 J/TH. An S9 (98 J/TH) was well above
    # water at Shihezi's 0.28 that day; an AvalonMiner 741 (1,150 W / 7.3 TH/s = 157.5 J/TH)
    # sat right at the line, and below it at a small farm's 0.40.
    assert e == pytest.approx(27_400 * 5.2084e-4 / 13.5 / 0.00672, rel=1e-4)


def test_vectorized_equals_loop():
    rng = np.random.default_rng(7)
    h = rng.uniform(1e12, 200e12, 50)
    p = rng.uniform(300, 4000, 50)
    t = rng.uniform(0.01, 0.6, 50)
    d = rng.uniform(1e12, 1e14, 50)
    got = shutdown_price(h, p, t, d, 6.25, 0.2, 0.02, 0.5, 1.1)
    loop = [
        (pi / 1000 * 24 * ti * 1.1 + 0.5) / (hi * 86400 / (di * 2**32) * 6.45 * 0.98)
        for hi, pi, ti, di in zip(h, p, t, d, strict=True)
    ]
    np.testing.assert_allclose(got, loop, rtol=1e-12)


def test_broadcasting_shapes():
    out = shutdown_price(
        np.array([13.5e12, 95e12])[:, None],
        np.array([1323, 3250])[:, None],
        np.array([0.1, 0.2, 0.3])[None, :],
        D_2018_11_25,
        12.5,
    )
    assert out.shape == (2, 3)
    assert isinstance(shutdown_price(13.5e12, 1323, 0.28, D_2018_11_25, 12.5), float)
