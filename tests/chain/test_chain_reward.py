import numpy as np
import pytest

from hashwinter.chain import (
    HALVING_INTERVAL,
    block_subsidy,
    estimate_date,
    estimate_height,
    halving_epoch,
    next_halving_height,
    subsidy_at,
    total_supply_sat,
)


def test_subsidy_at_epoch_boundaries():
    # Bitcoin Core src/test/validation_tests.cpp (block_subsidy_test): 50 BTC halving every
    # 210,000 blocks by an integer right shift.
    assert block_subsidy(0) == 5_000_000_000
    assert block_subsidy(209_999) == 5_000_000_000
    assert block_subsidy(210_000) == 2_500_000_000
    assert block_subsidy(420_000) == 1_250_000_000
    assert block_subsidy(630_000) == 625_000_000
    assert block_subsidy(840_000) == 312_500_000
    # The 33rd epoch is the last with a non-zero subsidy: 5e9 >> 32 == 1 sat.
    assert block_subsidy(32 * HALVING_INTERVAL) == 1
    assert block_subsidy(33 * HALVING_INTERVAL) == 0
    assert block_subsidy(64 * HALVING_INTERVAL) == 0
    assert block_subsidy(10**9) == 0


def test_total_supply_matches_core_subsidy_limit_test():
    # validation_tests.cpp subsidy_limit_test: sum == 2099999997690000 sat.
    assert total_supply_sat() == 2_099_999_997_690_000
    # Same sum by a plain loop over every epoch's first block.
    looped = sum(
        block_subsidy(h) * HALVING_INTERVAL for h in range(0, 14_000_000, HALVING_INTERVAL)
    )
    assert looped == 2_099_999_997_690_000


def test_subsidy_at_vectorized_equals_scalar():
    heights = np.array([0, 1, 209_999, 210_000, 549_000, 630_000, 6_720_000, 6_930_000, 13_440_000])
    expected = [block_subsidy(int(h)) / 1e8 for h in heights]
    np.testing.assert_array_equal(subsidy_at(heights), expected)


def test_subsidy_rejects_bad_heights():
    with pytest.raises(ValueError, match=">= 0"):
        block_subsidy(-1)
    with pytest.raises(TypeError):
        block_subsidy(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        subsidy_at([-1])


def test_halving_helpers():
    assert halving_epoch(549_000) == 2
    assert next_halving_height(549_000) == 630_000
    assert next_halving_height(630_000) == 840_000


def test_height_date_estimates_round_trip_near_anchor():
    import datetime as dt

    from hashwinter.chain import ANCHOR_BLOCK, KNOWN_BLOCKS

    # Beyond the last known block: 210,000 blocks * 600 s = 1458 days 8 h after block
    # 840,000 (2024-04-20 00:09:27).
    when = estimate_date(1_050_000)
    assert when == dt.datetime(2028, 4, 17, 8, 9, 27, tzinfo=dt.UTC)
    assert estimate_height(when) == 1_050_000
    # Exact at every known block, both ways.
    for height, time in KNOWN_BLOCKS:
        assert estimate_height(time) == height
        assert estimate_date(height) == time
    # An explicit anchor counts at the given interval from it.
    assert estimate_height(dt.date(2018, 11, 25), anchor=ANCHOR_BLOCK) == 555_887
    # 25 Nov 2018: Noda et al. start at height 551,442 that day.
    assert abs(estimate_height(dt.date(2018, 11, 25)) - 551_442) < 1_000


def test_height_estimates_follow_real_block_counts():
    import datetime as dt

    import pandas as pd

    from datafiles import shared_data_file

    # Coin Metrics' daily block counts (btc_daily.csv) summed from the day after the
    # 2016 halving (block 420,000, 2016-07-09 16:46 UTC) give the tip at each day's end.
    daily = pd.read_csv(shared_data_file("btc_daily.csv"), parse_dates=["date"])
    span = daily[(daily.date > "2016-07-09") & (daily.date < "2024-04-20")]
    tip = 420_000 + span.blk_cnt.cumsum()
    estimates = [estimate_height(d.date() + dt.timedelta(days=1)) for d in span.date]
    errors = (pd.Series(estimates, index=tip.index) - tip).abs()
    # Within ~8 days of blocks everywhere, ~2 days on average (a single 600-s anchor in
    # 2024 was ~4,400 blocks off in 2018).
    assert errors.max() < 1_200
    assert errors.mean() < 350
