"""The block-level clock: one block at a time, all paths (and all rules) at once.

For each block, on every path: the miners see the coin price and the difficulty,
so the expected revenue per hash ``R = price * reward / (D * 2^32)``; the hash
supply function turns it into a hashrate ``H``; the block takes
``Exp(1) * D * 2^32 / H`` seconds; the price moves over that interval as a GBM;
the retarget rule then sets the next block's difficulty. The loop runs over
blocks; every operation inside is vectorized over ``(rules, paths)``.

All rules of a run share the same random numbers (the same exponential draw for
block ``h`` of path ``p``, the same normal for its price move), so differences
between rules are not sampling noise: this is how Noda, Okumura & Hashimoto
compare algorithms too (one set of price paths and exponentials for all rules).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from hashwinter.blockclock.result import BlockClockResult
from hashwinter.blockclock.rules import RetargetRule
from hashwinter.chain import reward_per_hash, subsidy_at
from hashwinter.errors import InputError
from hashwinter.market.gbm import GBM
from hashwinter.network.supply import HashSupply, SigmoidSupply, sigmoid_bound
from hashwinter.units import HASHES_PER_DIFFICULTY, SECONDS_PER_DAY, TARGET_BLOCK_INTERVAL_S

__all__ = ["DRAW_CHUNK_BLOCKS", "simulate_blocks"]

FloatArray = npt.NDArray[np.float64]

#: Blocks whose random numbers are drawn at once: per chunk, an exponential
#: array ``(chunk, n_paths)`` then a standard-normal one. Part of the contract
#: that makes a seed reproduce a run.
DRAW_CHUNK_BLOCKS: int = 64


def _check_inputs(
    rules: Sequence[RetargetRule],
    supply: HashSupply,
    n_paths: int,
    n_blocks: int,
    d0: float,
    start_height: int,
    fees_per_block: float,
    prehistory_interval_s: float,
    horizon_s: float | None,
    trace_every: int | None,
) -> None:
    if not rules:
        raise InputError("needs at least one retarget rule", field="rules")
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise InputError(f"rule names must be unique (got {names})", field="rules")
    for value, field, minimum in (
        (n_paths, "n_paths", 1),
        (n_blocks, "n_blocks", 1),
        (start_height, "start_height", 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
            raise InputError(f"must be a whole number >= {minimum} (got {value!r})", field=field)
    if trace_every is not None and (
        isinstance(trace_every, bool) or not isinstance(trace_every, int) or trace_every < 1
    ):
        raise InputError(f"must be a whole number >= 1 (got {trace_every!r})", field="trace_every")
    if not (np.isfinite(d0) and d0 >= 1.0):
        raise InputError(f"must be a finite number >= 1 (got {d0!r})", field="d0")
    if not (np.isfinite(fees_per_block) and fees_per_block >= 0):
        raise InputError(f"must be >= 0 (got {fees_per_block!r})", field="fees_per_block")
    if not (np.isfinite(prehistory_interval_s) and prehistory_interval_s > 0):
        raise InputError(
            f"must be > 0 (got {prehistory_interval_s!r})", field="prehistory_interval_s"
        )
    if horizon_s is not None and not horizon_s > 0:
        raise InputError(f"must be > 0 (got {horizon_s!r})", field="horizon_s")
    # Supply functions are non-decreasing in revenue: the least hashrate is at R = 0.
    if not float(np.min(supply(np.zeros(1)))) > 0:
        raise InputError(
            "hash supply must stay > 0 at zero revenue (raise h_min), "
            "or block intervals become infinite",
            field="supply",
        )


def _snapshot_counted(
    k: int,
    bucket_sum: FloatArray,
    bucket_n: FloatArray,
    end_time: FloatArray,
    end_d: FloatArray,
    end_h: FloatArray,
    end_px: FloatArray,
    h_max: float,
    fused: bool,
    tr_interval: npt.NDArray[np.float32],
    tr_time: npt.NDArray[np.float32],
    tr_d: npt.NDArray[np.float32],
    tr_h: npt.NDArray[np.float32],
    tr_px: npt.NDArray[np.float32],
) -> None:
    """Record snapshot ``k`` from the counted blocks only (runs with a horizon).

    A path that counted blocks in the snapshot shows its mean counted interval [s]
    and its time [s], difficulty, hashrate [H/s] and price after its last counted
    block; a path that counted none is NaN throughout.
    """
    counted = bucket_n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        tr_interval[:, :, k] = np.where(counted, bucket_sum / bucket_n, np.nan)
        hashrate = h_max / end_h if fused else end_h
    tr_time[:, :, k] = np.where(counted, end_time, np.nan)
    tr_d[:, :, k] = np.where(counted, end_d, np.nan)
    tr_h[:, :, k] = np.where(counted, hashrate, np.nan)
    tr_px[:, :, k] = np.where(counted, end_px, np.nan)


def simulate_blocks(
    rules: Sequence[RetargetRule],
    supply: HashSupply,
    price: GBM,
    *,
    n_paths: int,
    n_blocks: int,
    d0: float,
    start_height: int = 0,
    fees_per_block: float = 0.0,
    prehistory_interval_s: float = TARGET_BLOCK_INTERVAL_S,
    horizon_s: float | None = None,
    trace_every: int | None = None,
    rng: np.random.Generator | None = None,
    draws: tuple[FloatArray, FloatArray] | None = None,
) -> BlockClockResult:
    """Simulate ``n_blocks`` blocks on ``n_paths`` paths under each rule.

    Parameters
    ----------
    rules : sequence of RetargetRule
        Difficulty adjustment algorithms to compare (e.g. ``BitcoinRule()``,
        ``RollingWindowRule()``); all start from the same state and share draws.
    supply : HashSupply
        Hashrate [H/s] as a function of expected revenue per hash [currency per hash].
    price : GBM
        Price process: ``price.s0`` at time 0, then stepped exactly over each block
        interval with ``price.mu`` [1/day] and ``price.sigma`` [1/sqrt(day)]
        (``price.dt_days`` is not used: the step is the block interval).
    n_paths : int
        Independent paths.
    n_blocks : int
        Blocks per path (the most, with a horizon).
    d0 : float
        Difficulty of the first block. [dimensionless]
    start_height : int, default 0
        Height of the first block: sets the subsidy (halvings) and where the first
        block falls in Bitcoin's 2016-block window.
    fees_per_block : float, default 0
        Fees added to the subsidy in the miners' reward. [coin per block]
    prehistory_interval_s : float, default 600
        Spacing assumed for the blocks before the run (the rules look back). [s]
    horizon_s : float, optional
        Count only blocks that start before this time, and stop once every path
        has passed it (Noda et al. stop at 12,096 * 10 minutes). [s]
    trace_every : int, optional
        Record a snapshot every this many blocks (memory: 5 floats per path,
        rule and snapshot).
    rng : numpy.random.Generator, optional
        Source of randomness: per chunk of :data:`DRAW_CHUNK_BLOCKS` blocks an
        ``(chunk, n_paths)`` array of standard exponentials, then one of standard
        normals. Required unless ``draws`` is given.
    draws : tuple of ndarray, optional
        ``(exponentials, normals)``, each ``(n_blocks, n_paths)``: explicit random
        numbers instead of ``rng`` (for tests against independent loops).

    Returns
    -------
    BlockClockResult
        Per-path statistics for each rule (and the trace, if asked).

    """
    _check_inputs(
        rules, supply, n_paths, n_blocks, d0, start_height, fees_per_block,
        prehistory_interval_s, horizon_s, trace_every,
    )  # fmt: skip
    if draws is None and rng is None:
        raise InputError("give rng (or explicit draws)", field="rng")
    if draws is not None and (
        draws[0].shape != (n_blocks, n_paths) or draws[1].shape != (n_blocks, n_paths)
    ):
        raise InputError(f"each must be shaped ({n_blocks}, {n_paths})", field="draws")

    n_rules = len(rules)
    shape = (n_rules, n_paths)
    heights = start_height + np.arange(n_blocks, dtype=np.int64)
    # Reward per hash at difficulty 1: revenue per hash = price * this / D.
    reward_scaled = reward_per_hash(1.0, subsidy_at(heights) + fees_per_block)

    d = np.full(shape, float(d0))
    px = np.full(shape, float(price.s0))
    t = np.zeros(shape)
    trackers = [
        rule.start(d[r].copy(), start_height, prehistory_interval_s) for r, rule in enumerate(rules)
    ]
    count = np.zeros(shape, dtype=np.int64)
    total = np.zeros(shape)
    sumsq = np.zeros(shape)
    longest = np.zeros(shape)
    end_time = np.zeros(shape)
    end_d = d.copy()
    end_px = px.copy()

    every = trace_every or 0
    n_snap = -(-n_blocks // every) if every else 0
    snap_shape = (n_rules, n_paths, n_snap)
    # Heights come from the layout alone, never from how far the loop got: runs
    # over different paths (chunks) stop at different blocks but must agree here.
    tr_height = (
        start_height + np.minimum((np.arange(n_snap, dtype=np.int64) + 1) * every, n_blocks) - 1
    )
    tr_interval = np.full(snap_shape, np.nan, dtype=np.float32)
    tr_time = np.zeros(snap_shape, dtype=np.float32)
    tr_d = np.zeros(snap_shape, dtype=np.float32)
    tr_h = np.zeros(snap_shape, dtype=np.float32)
    tr_px = np.zeros(snap_shape, dtype=np.float32)
    bucket_sum = np.zeros(shape)
    bucket_n = np.zeros(shape)
    # With a horizon, a snapshot shows each path as of its last counted block in
    # the snapshot (like end_*), NaN if it counted none: a path's trace then never
    # depends on how long other paths (in the same chunk) kept the loop going.
    end_h = np.zeros(shape)

    # Price step over dt seconds: exp(a * dt + b * sqrt(dt) * z).
    a = (price.mu - 0.5 * price.sigma**2) / SECONDS_PER_DAY
    b = price.sigma / np.sqrt(SECONDS_PER_DAY)
    rev = np.empty(shape)
    dt = np.empty(shape)
    tmp = np.empty(shape)
    tmp2 = np.empty(shape)
    moves = price.mu != 0.0 or price.sigma != 0.0
    hashrate = np.empty(shape)
    # The sigmoid supply (the usual case) is fused into the interval: with
    # x = -k (R - r0), H = h_max / (1 + e^x), so dt = E (2^32 / h_max) D (1 + e^x),
    # three array operations fewer per block than hashrate then interval.
    fused = isinstance(supply, SigmoidSupply)
    if fused:
        assert isinstance(supply, SigmoidSupply)
        bound = sigmoid_bound(supply.floor)
        k_sig, kr0 = supply.k, supply.k * supply.r0
        h_max = supply.h_max
        exp_scale = HASHES_PER_DIFFICULTY / h_max
    else:
        h_max, exp_scale = 0.0, 1.0
    active = np.ones(shape, dtype=bool)
    use_horizon = horizon_s is not None
    horizon = float(horizon_s) if horizon_s is not None else np.inf
    exp_chunk = norm_chunk = np.empty((0, n_paths))
    blocks_run = 0

    for i in range(n_blocks):
        j = i % DRAW_CHUNK_BLOCKS
        if j == 0:
            if draws is not None:
                exp_chunk = draws[0][i : i + DRAW_CHUNK_BLOCKS]
                norm_chunk = draws[1][i : i + DRAW_CHUNK_BLOCKS]
            else:
                assert rng is not None
                size = (min(DRAW_CHUNK_BLOCKS, n_blocks - i), n_paths)
                exp_chunk = rng.standard_exponential(size)
                norm_chunk = rng.standard_normal(size)
            # Scaled once per chunk: b * z multiplies sqrt(dt) in the price step.
            if draws is not None:
                exp_chunk, norm_chunk = exp_chunk.copy(), norm_chunk.copy()  # keep the caller's
            norm_chunk *= b
            if fused:
                exp_chunk *= exp_scale
            if use_horizon:
                np.less(t, horizon, out=active)
                if not active.any():
                    break
        height = start_height + i
        if use_horizon and j != 0:
            np.less(t, horizon, out=active)

        if fused:
            np.divide(px, d, out=rev)
            rev *= -k_sig * reward_scaled[i]
            rev += kr0  # x = -k (R - r0)
            # Only the floor side of the clip matters: it keeps exp() finite and some
            # hashrate alive; the ceiling (share 1 - floor) is 1 to within 1e-15.
            np.minimum(rev, bound, out=rev)
            np.exp(rev, out=rev)
            rev += 1.0  # = h_max / H
            np.multiply(rev, d, out=dt)
            dt *= exp_chunk[j]
        else:
            np.multiply(px, reward_scaled[i], out=rev)
            rev /= d
            supply.fill(rev, hashrate)
            np.multiply(d, HASHES_PER_DIFFICULTY, out=dt)
            dt *= exp_chunk[j]
            dt /= hashrate
        t += dt

        if use_horizon:
            count += active
            np.add(total, dt, out=total, where=active)
            np.square(dt, out=tmp)
            np.add(sumsq, tmp, out=sumsq, where=active)
            np.maximum(longest, dt, out=longest, where=active)
            np.copyto(end_time, t, where=active)
            if n_snap:
                np.add(bucket_sum, dt, out=bucket_sum, where=active)
                bucket_n += active
        else:
            # total equals t here (both start at 0): it is copied after the loop.
            np.square(dt, out=tmp)
            sumsq += tmp
            np.maximum(longest, dt, out=longest)
            if n_snap:
                bucket_sum += dt

        if moves:
            # The price moves over the block's interval (exact GBM step).
            np.sqrt(dt, out=tmp)
            tmp *= norm_chunk[j]
            np.multiply(dt, a, out=tmp2)
            tmp += tmp2
            np.exp(tmp, out=tmp)
            px *= tmp

        for r, tracker in enumerate(trackers):
            new = tracker.after_block(height, t[r], d[r])
            if new is not None:
                d[r] = new
        if use_horizon:
            np.copyto(end_d, d, where=active)
            np.copyto(end_px, px, where=active)
            if n_snap:
                # Fused: rev holds h_max / H; H is taken at snapshot time.
                np.copyto(end_h, rev if fused else hashrate, where=active)

        blocks_run = i + 1
        if n_snap and (blocks_run % every == 0 or blocks_run == n_blocks):
            k = (blocks_run - 1) // every
            if use_horizon:
                _snapshot_counted(
                    k, bucket_sum, bucket_n, end_time, end_d, end_h, end_px, h_max, fused,
                    tr_interval, tr_time, tr_d, tr_h, tr_px,
                )  # fmt: skip
            else:
                with np.errstate(invalid="ignore", divide="ignore"):
                    tr_interval[:, :, k] = bucket_sum / float((blocks_run - 1) % every + 1)
                tr_time[:, :, k] = t
                tr_d[:, :, k] = d
                tr_h[:, :, k] = h_max / rev if fused else hashrate
                tr_px[:, :, k] = px
            bucket_sum[...] = 0.0
            bucket_n[...] = 0.0

    if not use_horizon:
        count[...] = blocks_run
        total[...] = t
        end_time[...] = t
        end_d[...] = d
        end_px[...] = px
    elif n_snap and blocks_run < n_blocks:
        # Stopped early at a draw-chunk boundary: every path is past the horizon.
        # The snapshot in progress (if any) gets the blocks it counted; later ones are
        # NaN (no path counted a block there).
        k_next = 0
        if blocks_run > 0 and blocks_run % every != 0:
            k = (blocks_run - 1) // every
            _snapshot_counted(
                k, bucket_sum, bucket_n, end_time, end_d, end_h, end_px, h_max, fused,
                tr_interval, tr_time, tr_d, tr_h, tr_px,
            )  # fmt: skip
            k_next = k + 1
        elif blocks_run > 0:
            k_next = blocks_run // every
        for arr in (tr_interval, tr_time, tr_d, tr_h, tr_px):
            arr[:, :, k_next:] = np.nan

    return BlockClockResult(
        rules=tuple(rule.name for rule in rules),
        start_height=start_height,
        n_blocks=n_blocks,
        count=count,
        total_s=total,
        sumsq_s2=sumsq,
        max_interval_s=longest,
        end_time_s=end_time,
        end_difficulty=end_d,
        end_price=end_px,
        trace_height=tr_height,
        trace_interval_s=tr_interval,
        trace_time_s=tr_time,
        trace_difficulty=tr_d,
        trace_hashrate=tr_h,
        trace_price=tr_px,
    )
