"""Treasury rules by hand: sell daily, HODL ratio, sell to cover, forced sales, going broke."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from hashwinter.engine import Treasury, treasury_step
from hashwinter.errors import InputError


def step(treasury, *, cash, coins=0.0, mined=1.0, opex=0.0, other=0.0, price=100.0):
    shape = (np.size(treasury.hodl_ratio), 1, 1)
    full = lambda x: np.full(shape, float(x))  # noqa: E731
    return treasury_step(treasury, cash=full(cash), coins=full(coins),
                         alive=np.ones(shape, bool), mined=full(mined),
                         operating_cost=full(opex), other_cost=full(other),
                         price=np.full((1, 1, 1), price))


def test_sell_daily_sells_every_mined_coin():
    s = step(Treasury.from_strategy("sell_daily"), cash=10, mined=0.5, opex=20)
    assert_allclose(s.sold, 0.5)
    assert_allclose(s.cash, 10 + 50 - 20)
    assert_allclose(s.coins, 0)


def test_hodl_ratio_keeps_its_share():
    s = step(Treasury.from_strategy("hodl", 0.3), cash=100, mined=1.0, opex=10)
    assert_allclose(s.sold, 0.7)
    assert_allclose(s.coins, 0.3)
    assert_allclose(s.cash, 100 + 70 - 10)


def test_sell_to_cover_sells_only_the_power_bill():
    s = step(Treasury.from_strategy("sell_to_cover"), cash=5, mined=1.0, opex=30, other=4)
    assert_allclose(s.sold, 0.3)  # 30 / 100 per coin
    assert_allclose(s.cash, 5 + 30 - 30 - 4)
    assert_allclose(s.coins, 0.7)
    assert not s.broke_now.any()


def test_forced_sales_then_broke():
    # Cash 10, bill 60, nothing sold as planned (HODL 1), 0.3 coins held + 0.1 mined:
    # the forced sale of all 0.4 coins raises 40; cash ends at 10 - 60 + 40 = -10: broke.
    s = step(Treasury(1.0), cash=10, coins=0.3, mined=0.1, opex=60)
    assert_allclose(s.forced_sold, 0.4)
    assert_allclose(s.coins, 0.0)
    assert_allclose(s.cash, -10.0)
    assert s.broke_now.all()
    # With 0.6 coins held, selling 0.5 covers the gap of 50 exactly: the farm survives.
    s = step(Treasury(1.0), cash=10, coins=0.6, mined=0.1, opex=60)
    assert_allclose(s.forced_sold, 0.5)
    assert_allclose(s.coins, 0.2)
    assert abs(float(s.cash[0, 0, 0])) < 1e-9
    assert not s.broke_now.any()


def test_variant_axis_of_treasury():
    t = Treasury([0.0, 0.5, 1.0], [False, False, True])
    s = step(t, cash=0, mined=1.0, opex=20)
    assert_allclose(s.sold[:, 0, 0], [1.0, 0.5, 0.2])
    assert t.n_variants == 3
    assert t.take_variants(slice(1, 3)).hodl_ratio.tolist() == [0.5, 1.0]


@pytest.mark.parametrize("bad", [-0.1, 1.5, np.nan])
def test_bad_hodl_ratio(bad):
    with pytest.raises(InputError, match="hodl_ratio"):
        Treasury(bad)


def test_unknown_strategy():
    with pytest.raises(InputError, match="strategy"):
        Treasury.from_strategy("moon")  # type: ignore[arg-type]


def test_owner_treasury_is_each_owners_own_treasury():
    """Rules per owner (hodl 0 / 1 / 0.5, the last selling to cover): every field of the
    step equals the plain Treasury of that owner's habit run on that owner's column."""
    from hashwinter.engine import OwnerTreasury

    rng = np.random.default_rng(7)
    shape = (2, 3, 3)  # variants, paths, owners
    args = dict(cash=rng.uniform(-50, 200, shape), coins=rng.uniform(0, 2, shape),
                alive=rng.uniform(size=shape) > 0.2, mined=rng.uniform(0, 1, shape),
                operating_cost=rng.uniform(0, 120, shape), other_cost=rng.uniform(0, 30, shape),
                price=rng.uniform(50, 150, (1, 3, 1)))
    hodl, cover = [0.0, 1.0, 0.5], [False, False, True]
    got = treasury_step(OwnerTreasury(hodl, cover), **args)
    for o in range(3):
        one = {k: (v if k == "price" else v[:, :, o:o + 1]) for k, v in args.items()}
        want = treasury_step(Treasury(hodl[o], cover[o]), **one)
        for name in ("cash", "coins", "sold", "forced_sold", "proceeds", "broke_now"):
            assert_allclose(getattr(got, name)[:, :, o:o + 1], getattr(want, name),
                            rtol=1e-15, err_msg=f"{name}, owner {o}")
    assert OwnerTreasury(hodl, cover).n_variants == 1


def test_owner_treasury_refuses_bad_rules():
    from hashwinter.engine import OwnerTreasury

    with pytest.raises(InputError, match="between 0 and 1"):
        OwnerTreasury([0.5, 1.5], [False, False])
    with pytest.raises(InputError, match="one length"):
        OwnerTreasury([0.5, 1.0], [False])
