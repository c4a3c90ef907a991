from fractions import Fraction

import numpy as np
import pytest

from hashwinter.chain import (
    DIFFICULTY_1_TARGET,
    POW_LIMIT,
    TARGET_TIMESPAN_S,
    bits_to_difficulty,
    bits_to_target,
    difficulty_from_hashrate,
    difficulty_to_bits,
    expected_block_interval,
    hashrate_from_difficulty,
    next_work_required,
    retarget_difficulty,
    target_to_bits,
)

# Bitcoin Core src/test/pow_tests.cpp: (first block time, last block time, last bits) -> bits.
CORE_VECTORS = [
    ("get_next_work", 1261130161, 1262152739, 0x1D00FFFF, 0x1D00D86A),
    ("get_next_work_pow_limit", 1231006505, 1233061996, 0x1D00FFFF, 0x1D00FFFF),
    ("get_next_work_lower_limit_actual", 1279008237, 1279297671, 0x1C05A3F4, 0x1C0168FD),
    ("get_next_work_upper_limit_actual", 1263163443, 1269211443, 0x1C387F6F, 0x1D00E1FD),
]


@pytest.mark.parametrize(("name", "first", "last", "bits", "expected"), CORE_VECTORS)
def test_next_work_required_core_vectors(name, first, last, bits, expected):
    assert next_work_required(bits, first, last) == expected, name


def test_compact_round_trips_core_examples():
    # arith_uint256_tests.cpp / pow_tests: 0x1d00ffff is the difficulty-1 target.
    assert bits_to_target(0x1D00FFFF) == DIFFICULTY_1_TARGET
    assert bits_to_difficulty(0x1D00FFFF) == 1.0
    assert target_to_bits(POW_LIMIT) == 0x1D00FFFF
    # SetCompact examples from arith_uint256_tests.cpp
    assert bits_to_target(0x01123456) == 0x12
    assert bits_to_target(0x02123456) == 0x1234
    assert bits_to_target(0x04123456) == 0x12345600
    assert target_to_bits(0x12) == 0x01120000
    assert target_to_bits(0x80) == 0x02008000
    assert target_to_bits(0x12345600) == 0x04123456
    with pytest.raises(ValueError, match="negative"):
        bits_to_target(0x04923456)
    with pytest.raises(ValueError, match="overflow"):
        bits_to_target(0xFF123456)


def test_set_compact_shifts_before_the_sign_check():
    # arith_uint256_tests.cpp (bignum_SetCompact): these decode to 0, not negative.
    for bits in (0x00923456, 0x01803456, 0x02800056, 0x00000000, 0x00123456):
        assert bits_to_target(bits) == 0, hex(bits)
    assert bits_to_target(0x03800000) == 0  # mantissa 0 with the sign bit: zero, not negative


# Bitcoin Core src/test/blockchain_tests.cpp (get_difficulty_for_*): GetDifficulty of these bits,
# compared as Core's DoubleEquals does: |difficulty - expected| < 0.00001 (absolute).
CORE_DIFFICULTY_VECTORS = [
    (0x1F111111, 0.000001),
    (0x1EF88F6F, 0.000016),
    (0x1DF88F6F, 0.004023),
    (0x1CF88F6F, 1.029916),
    (0x12345678, 5913134931067755359633408.0),
]


@pytest.mark.parametrize(("bits", "expected"), CORE_DIFFICULTY_VECTORS)
def test_bits_to_difficulty_core_vectors(bits, expected):
    assert abs(bits_to_difficulty(bits) - expected) < 0.00001


def test_getdifficulty_reads_the_mantissa_unsigned_but_the_decoder_stays_strict():
    # 0x1cf88f6f has the sign bit set: SetCompact calls it negative (consensus rejects it),
    # GetDifficulty divides 0xffff by the unsigned 0xf88f6f.
    with pytest.raises(ValueError, match="negative"):
        bits_to_target(0x1CF88F6F)
    assert bits_to_difficulty(0x1CF88F6F) == 0xFFFF / 0xF88F6F * 256  # size 28: one byte up
    with pytest.raises(ValueError, match="zero mantissa"):
        bits_to_difficulty(0x1D000000)
    with pytest.raises(ValueError, match="32 bits"):
        bits_to_difficulty(1 << 32)


@pytest.mark.parametrize("bits", [0x1D00FFFF, 0x1C0168FD, 0x172A4E2F, 0x04123456, 0x03123456,
                                  0x1F7FFFFF, 0x20000001, 0x12345678])
def test_bits_to_difficulty_is_the_rounded_exact_ratio(bits):
    # Exact rational value 0xffff / mantissa * 256^(29 - size), rounded once to a float;
    # for valid non-negative bits of size >= 3 that is also difficulty-1 target / target.
    size, mantissa = bits >> 24, bits & 0xFFFFFF
    exact = Fraction(0xFFFF, mantissa) * Fraction(256) ** (29 - size)
    assert bits_to_difficulty(bits) == float(exact)
    if not mantissa & 0x800000:
        assert bits_to_difficulty(bits) == DIFFICULTY_1_TARGET / bits_to_target(bits)


@pytest.mark.parametrize("bits", [0x1D00FFFF, 0x1D00D86A, 0x1C0168FD, 0x1D00E1FD, 0x1C05A3F4,
                                  0x1C387F6F, 0x172A4E2F, 0x17034219])
def test_difficulty_to_bits_round_trips_real_bits(bits):
    # The difficulty of real block bits maps back to the same bits (the float difficulty
    # rounds, so a truncating conversion would land one mantissa step low).
    assert difficulty_to_bits(bits_to_difficulty(bits)) == bits


def test_difficulty_of_the_2018_winter_block():
    # 5,646,403,851,534.7 (Coin Metrics DiffMean, 2018-12-04): to compact bits and back keeps
    # the 23-bit mantissa, so within 2^-15.
    d = 5_646_403_851_534.7
    assert bits_to_difficulty(difficulty_to_bits(d)) == pytest.approx(d, rel=2**-15)


def test_hashrate_difficulty_inverse():
    # DESIGN.md: hashrate = D * 2^32 / 600. 6.653e12 -> 47.63 EH/s on 25 Nov 2018.
    h = hashrate_from_difficulty(6_653_303_141_406)
    assert h == pytest.approx(6_653_303_141_406 * 2**32 / 600)
    assert h / 1e18 == pytest.approx(47.626, abs=1e-3)
    assert difficulty_from_hashrate(h) == pytest.approx(6_653_303_141_406)
    assert expected_block_interval(1.0, 2**32 / 600) == pytest.approx(600.0)


def test_retarget_difficulty_clamps_and_matches_compact_rule():
    t = TARGET_TIMESPAN_S
    np.testing.assert_allclose(
        retarget_difficulty([100.0, 100.0, 100.0], [t / 2, t * 10, t / 10]), [200.0, 25.0, 400.0]
    )
    # Never below difficulty 1 (the proof-of-work limit).
    assert retarget_difficulty(1.0, 4 * t)[()] == 1.0
    # The float rule agrees with the compact rule to the compact rounding.
    for _, first, last, bits, expected in CORE_VECTORS:
        float_rule = retarget_difficulty(bits_to_difficulty(bits), last - first)[()]
        assert float_rule == pytest.approx(bits_to_difficulty(expected), rel=2**-15)


def test_retarget_2018_12_03_minus_15_percent():
    # The 2018-12-03 retarget: 6,653,303,141,406 -> 5,646,403,851,534.7 (btc_daily.csv, the
    # DiffMean either side): -15.13 %, so the window took T / (1 - 0.1513) = 16.5 days.
    old, new = 6_653_303_141_406.0, 5_646_403_851_534.7
    span = TARGET_TIMESPAN_S * old / new
    assert retarget_difficulty(old, span)[()] == pytest.approx(new)
    assert new / old - 1 == pytest.approx(-0.1513, abs=5e-4)


def test_reward_per_hash_by_hand():
    # 25 Nov 2018 (DESIGN.md's formula): 12.5 + 0.26 BTC over 6,653,303,141,406 x 2^32
    # hashes = 12.76 / 2.857572e22 = 4.46533e-22 BTC per hash; an S9 (13.5 TH/s) then earns
    # 13.5e12 x 86,400 x 4.46533e-22 = 5.20837e-4 BTC a day.
    from hashwinter.chain import reward_per_hash

    per_hash = reward_per_hash(6_653_303_141_406, 12.76)
    assert float(per_hash) == pytest.approx(12.76 / (6_653_303_141_406 * 4_294_967_296),
                                            rel=1e-15, abs=0.0)
    assert float(per_hash) == pytest.approx(4.46533e-22, rel=1e-5, abs=0.0)
    assert float(13.5e12 * 86_400 * per_hash) == pytest.approx(5.20837e-4, rel=1e-5, abs=0.0)
    # Vectorized: broadcasts difficulty (2,) against rewards (3, 1).
    out = reward_per_hash(np.array([1.0, 2.0]), np.array([[1.0], [2.0], [4.0]]))
    assert out.shape == (3, 2)
    np.testing.assert_array_equal(out * 2**32, [[1.0, 0.5], [2.0, 1.0], [4.0, 2.0]])


def test_every_reward_per_hash_user_agrees_with_it():
    # One formula (issue 10): coins per day, revenue per hash, the engine's exogenous
    # network and the valuation of a machine all give H x t x reward_per_hash.
    from hashwinter.assets.valuation import option_adjusted_value
    from hashwinter.chain import reward_per_hash
    from hashwinter.economics import coins_per_day
    from hashwinter.network import revenue_per_hash

    d, reward = 6_653_303_141_406.0, 12.76
    per_hash = float(reward_per_hash(d, reward))
    assert coins_per_day(13.5e12, d, 12.5, 0.26) == pytest.approx(13.5e12 * 86_400 * per_hash,
                                                                  rel=1e-15, abs=0.0)
    assert float(revenue_per_hash(3946.85, d, reward)) == pytest.approx(3946.85 * per_hash,
                                                                        rel=1e-15, abs=0.0)
    # No volatility, drift, growth, discount, power or halving: a one-day life is worth
    # one day's coins at the price (the option to unplug is worth nothing at zero cost).
    value = option_adjusted_value(
        hashrate=13.5e12, power=0.0, price=3946.85, difficulty=d, subsidy=12.5, tariff=0.0,
        fees_per_block=0.26, pool_fee=0.0, sigma_per_day=0.0, drift_per_day=0.0,
        difficulty_growth_per_year=0.0, discount_rate_per_year=0.0, life_days=1.0,
        step_days=1.0, days_to_halving=1e9, scrap_value=0.0)
    assert float(value) == pytest.approx(13.5e12 * 86_400 * per_hash * 3946.85, rel=1e-12)
