"""Compact ``nBits`` encoding of 256-bit targets, and difficulty from a target.

Mirrors ``arith_uint256::SetCompact`` / ``GetCompact`` in Bitcoin Core's
``src/arith_uint256.cpp``: a one-byte size (in bytes) and a 23-bit mantissa with
a sign bit at 0x00800000.
"""

from __future__ import annotations

__all__ = [
    "DIFFICULTY_1_TARGET",
    "POW_LIMIT",
    "bits_to_difficulty",
    "bits_to_target",
    "difficulty_to_bits",
    "target_to_bits",
]

#: Mainnet proof-of-work limit (``consensus.powLimit``): 2^224 - 1.
POW_LIMIT: int = (1 << 224) - 1
#: The target of difficulty 1, i.e. compact 0x1d00ffff = 0xffff * 2^208.
DIFFICULTY_1_TARGET: int = 0xFFFF << 208

_SIGN_BIT = 0x00800000
_MANTISSA_MASK = 0x007FFFFF


def bits_to_target(bits: int) -> int:
    """Decode compact ``bits`` into the full target (``SetCompact``).

    Raises
    ------
    ValueError
        If the encoding is negative or overflows 256 bits, which Core rejects.

    """
    if not 0 <= bits <= 0xFFFFFFFF:
        raise ValueError(f"compact bits must fit in 32 bits, got {bits:#x}")
    size = bits >> 24
    word = bits & _MANTISSA_MASK
    # As SetCompact: for sizes <= 3 the mantissa is shifted first, and the sign bit
    # only counts if something of the mantissa is left (0x01803456 decodes to 0).
    if size <= 3:
        word >>= 8 * (3 - size)
        target = word
    else:
        target = word << (8 * (size - 3))
    if word != 0 and bits & _SIGN_BIT:
        raise ValueError(f"compact bits {bits:#010x} encode a negative target")
    overflow = word != 0 and (
        size > 34 or (word > 0xFF and size > 33) or (word > 0xFFFF and size > 32)
    )
    if overflow:
        raise ValueError(f"compact bits {bits:#010x} overflow 256 bits")
    return target


def target_to_bits(target: int) -> int:
    """Encode a non-negative target as compact bits (``GetCompact``)."""
    if target < 0:
        raise ValueError("target must be >= 0")
    size = (target.bit_length() + 7) // 8
    if size <= 3:
        compact = target << (8 * (3 - size))
    else:
        compact = target >> (8 * (size - 3))
    # The mantissa is signed: if its top bit would be set, move one byte into the size.
    if compact & _SIGN_BIT:
        compact >>= 8
        size += 1
    return compact | (size << 24)


def bits_to_difficulty(bits: int) -> float:
    """Return the difficulty of compact ``bits`` as Bitcoin Core's ``GetDifficulty`` does.

    Core (``src/rpc/blockchain.cpp``) reads the 24-bit mantissa *unsigned*, as a
    double, and scales ``0xffff / mantissa`` by 256 once per byte of size below or
    above 29 (the size of the difficulty-1 target 0x1d00ffff). It is a reporting
    function, not consensus: bits whose sign bit is set (which ``bits_to_target``
    rejects) still have a difficulty here, and for sizes below 3 the mantissa's
    low bytes count although ``SetCompact`` drops them. For every valid,
    non-negative encoding of size >= 3 it equals ``DIFFICULTY_1_TARGET / target``.

    Parameters
    ----------
    bits : int
        Compact target, 0 .. 0xffffffff. [dimensionless]

    Returns
    -------
    float
        Difficulty. [dimensionless]

    Raises
    ------
    ValueError
        If ``bits`` does not fit in 32 bits or its mantissa is zero (Core divides
        by zero there).

    Examples
    --------
    >>> bits_to_difficulty(0x1D00FFFF)
    1.0
    >>> round(bits_to_difficulty(0x1CF88F6F), 6)  # negative as a target; Core: 1.029916
    1.029916

    """
    if not 0 <= bits <= 0xFFFFFFFF:
        raise ValueError(f"compact bits must fit in 32 bits, got {bits:#x}")
    shift = bits >> 24
    mantissa = bits & 0x00FFFFFF
    if mantissa == 0:
        raise ValueError(f"compact bits {bits:#010x} have a zero mantissa: no difficulty")
    # Core's loop, step by step: multiplying by 256 is exact in binary floating
    # point, so the only rounding is the one division, as in Core.
    difficulty = float(0xFFFF) / float(mantissa)
    while shift < 29:
        difficulty *= 256.0
        shift += 1
    while shift > 29:
        difficulty /= 256.0
        shift -= 1
    return difficulty


def difficulty_to_bits(difficulty: float) -> int:
    """Return the compact bits whose difficulty is closest to ``difficulty``.

    Compact encoding keeps 23 bits of mantissa, so the difficulty of the result is
    within about 1 part in 2^15 to 2^23 of the input; the difficulty of real block
    bits (``bits_to_difficulty(b)``) maps back to ``b`` exactly.
    """
    if not difficulty > 0:
        raise ValueError(f"difficulty must be > 0, got {difficulty}")
    # Exact rational arithmetic on integers: target = D1 / difficulty, rounded.
    numerator, denominator = float(difficulty).as_integer_ratio()
    target = min((DIFFICULTY_1_TARGET * denominator + numerator // 2) // numerator, POW_LIMIT)
    # GetCompact truncates the target; the next mantissa step up may be closer.
    below = target_to_bits(target)
    size = below >> 24
    step = 1 << (8 * (size - 3)) if size > 3 else 1
    above = target_to_bits(min(bits_to_target(below) + step, POW_LIMIT))
    candidates = [b for b in (below, above) if bits_to_target(b) > 0]
    return min(candidates, key=lambda b: abs(bits_to_difficulty(b) - difficulty))
