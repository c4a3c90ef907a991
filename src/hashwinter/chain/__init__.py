"""The protocol: block reward, halvings, difficulty, compact bits and the retarget rule."""

from hashwinter.chain.compact import (
    DIFFICULTY_1_TARGET,
    POW_LIMIT,
    bits_to_difficulty,
    bits_to_target,
    difficulty_to_bits,
    target_to_bits,
)
from hashwinter.chain.difficulty import (
    difficulty_from_hashrate,
    expected_block_interval,
    hashrate_from_difficulty,
    reward_per_hash,
)
from hashwinter.chain.retarget import (
    RETARGET_INTERVAL,
    TARGET_TIMESPAN_S,
    clamp_timespan,
    next_work_required,
    retarget_difficulty,
)
from hashwinter.chain.reward import (
    HALVING_INTERVAL,
    INITIAL_SUBSIDY_SAT,
    block_subsidy,
    halving_epoch,
    subsidy_at,
    total_supply_sat,
)
from hashwinter.chain.schedule import (
    ANCHOR_BLOCK,
    KNOWN_BLOCKS,
    KNOWN_HALVINGS,
    estimate_date,
    estimate_height,
    halving_height,
    next_halving_height,
)

__all__ = [
    "ANCHOR_BLOCK",
    "DIFFICULTY_1_TARGET",
    "HALVING_INTERVAL",
    "INITIAL_SUBSIDY_SAT",
    "KNOWN_BLOCKS",
    "KNOWN_HALVINGS",
    "POW_LIMIT",
    "RETARGET_INTERVAL",
    "TARGET_TIMESPAN_S",
    "bits_to_difficulty",
    "bits_to_target",
    "block_subsidy",
    "clamp_timespan",
    "difficulty_from_hashrate",
    "difficulty_to_bits",
    "estimate_date",
    "estimate_height",
    "expected_block_interval",
    "halving_epoch",
    "halving_height",
    "hashrate_from_difficulty",
    "next_halving_height",
    "next_work_required",
    "retarget_difficulty",
    "reward_per_hash",
    "subsidy_at",
    "target_to_bits",
    "total_supply_sat",
]
