"""A network at block resolution inside the engine's steps: Poisson blocks, any retarget rule.

Each path of each variant mines its own sequence of blocks. A block's interval
is drawn when the previous block is found, ``Exp(1) · D · 2^32 / H``, with
``H`` the network's hashrate then: the run's running cohorts plus the rest of
the world's hash supply of the expected revenue of a hash at that moment
(``price · reward / (D · 2^32)``). The block belongs to the engine step in which
it is found; when it is found the retarget rule
(:class:`hashwinter.blockclock.rules.RetargetRule`: Bitcoin's 2016-block rule,
cw-144, ...; one per variant, or one for all) sets the next block's difficulty
and, if the network carries its own price (:class:`BlockPrice`), the price
moves over the interval by an exact GBM step. Cohort flows stay per step: the
run's cohorts earn ``h · Σ reward_b / H_b`` over the blocks ``b`` found in the
step (their expected share of each block).

The block loop inside a step goes round by round: in each round every path
whose pending block falls in the step finds it (all paths at once, a few dozen
array operations; paths without a block that round are left as they are).
Random numbers are keyed by block number and path
(:class:`hashwinter.engine.blockdraws.BlockDraws`), so variants share them; with an
int or ``SeedSequence`` seed each path draws from its own stream (the seed's child of
the path's index), so the paths cut into chunks (:meth:`BlockNetwork.take_paths`) draw
what they draw in the whole run. With ``expected=True`` there are no draws: every
interval is its expected value ``D · 2^32 / H`` (a block-resolution clock for per-block
rules such as cw-144, without the Poisson noise).
The network records per-path block statistics (count, sum and sum of squares
of intervals, the longest), stops a path after ``max_blocks`` blocks or once
its next block would start after ``horizon_s``, and keeps a trace every
``trace_every`` blocks: the block-time studies of docs/scenarios.md are a mode
of the engine (:func:`hashwinter.engine.blockstudy.simulate_blocks`).

State arrays are ``(V, P)``; the only Python loop inside a step is over rounds
(a step of a day holds about 144 blocks per path), never over variants or paths.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from hashwinter.blockclock.rules import PathTracker, RetargetRule
from hashwinter.chain import HALVING_INTERVAL, subsidy_at
from hashwinter.engine.blockdraws import BlockDraws
from hashwinter.engine.clock import Clock
from hashwinter.engine.network import NetworkStep
from hashwinter.errors import InputError
from hashwinter.network.supply import HashSupply, SigmoidSupply, sigmoid_bound
from hashwinter.units import HASHES_PER_DIFFICULTY, SECONDS_PER_DAY, TARGET_BLOCK_INTERVAL_S

__all__ = ["BlockNetwork", "BlockPrice", "BlockState", "BlockTrace"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_ERAS = 70
#: Rounds of paths in lockstep whose times are kept to find the step boundaries they crossed.
_WINDOW = 32
#: Subsidy of each halving era, and the coins issued before each era starts.
_ERA_SUBSIDY = subsidy_at(np.arange(_ERAS, dtype=np.int64) * HALVING_INTERVAL)
_ERA_CUMULATIVE = np.concatenate([[0.0], np.cumsum(_ERA_SUBSIDY * HALVING_INTERVAL)])


def _subsidy(height: IntArray) -> FloatArray:
    return np.asarray(_ERA_SUBSIDY[np.minimum(height // HALVING_INTERVAL, _ERAS - 1)])


def _issued_before(height: IntArray) -> FloatArray:
    """Return the coins of subsidy issued by blocks ``0 .. height - 1`` [coin]."""
    era = np.minimum(height // HALVING_INTERVAL, _ERAS - 1)
    return np.asarray(_ERA_CUMULATIVE[era] + (height - era * HALVING_INTERVAL) * _ERA_SUBSIDY[era])


@dataclasses.dataclass(frozen=True)
class BlockPrice:
    """A price the network moves block by block: a GBM from ``s0``.

    Attributes
    ----------
    s0 : float
        Price at the start. [currency/coin]
    mu_per_day, sigma_per_day : float
        Drift [1/day] and volatility [1/sqrt(day)]; over an interval of ``dt``
        seconds the log price moves by ``(mu - sigma²/2)·dt/86400 + sigma·sqrt(dt/86400)·z``.

    """

    s0: float
    mu_per_day: float = 0.0
    sigma_per_day: float = 0.0


@dataclasses.dataclass
class BlockTrace:
    """Snapshots every ``every`` blocks of each path, arrays (V, P, K) of float32.

    Snapshot ``k`` covers blocks ``k·every .. min((k+1)·every, max_blocks) - 1`` of the
    run; it is taken when a path finds the last of them, or, for a path that stops
    (horizon) inside it, with the blocks it counted there. NaN where a path counted
    none.

    Attributes
    ----------
    height : ndarray of int (K,)
        Height of each snapshot's last block. [blocks]
    interval_s : ndarray
        Mean interval of the snapshot's blocks. [s]
    time_s, difficulty, hashrate, price : ndarray
        After the snapshot's last block: its time [s], the difficulty then in
        force, the hashrate that mined it [H/s], the price [currency/coin].

    """

    every: int
    height: IntArray
    interval_s: npt.NDArray[np.float32]
    time_s: npt.NDArray[np.float32]
    difficulty: npt.NDArray[np.float32]
    hashrate: npt.NDArray[np.float32]
    price: npt.NDArray[np.float32]
    taken: IntArray  # snapshots taken per path (V, P)
    since_count: IntArray  # count and total of intervals at the last snapshot (V, P)
    since_total: FloatArray
    due: IntArray  # count at which each path's next snapshot is due (V, P)


@dataclasses.dataclass
class BlockBook:
    """What each path's network was at each step boundary, for a network that runs ahead.

    Row ``k`` of the ``(K + 1, V·P)`` tables is the state at the start of step ``k``
    (row ``K``: the run's end): blocks found before it, the pending block's
    difficulty and the hashrate mining it.
    """

    count: IntArray
    difficulty: FloatArray
    hashrate: FloatArray
    next_boundary: FloatArray  # time of each path's next row not yet written (V·P,) [s]
    written: IntArray  # rows written per path (V·P,)


@dataclasses.dataclass
class BlockState:
    """Per-path state of a :class:`BlockNetwork`, arrays (V, P), updated in place.

    Attributes
    ----------
    difficulty : ndarray
        Difficulty of the pending block. [dimensionless]
    last_time, next_time : ndarray
        When the last block was found, and when the pending one will be (since
        the run's start; infinite once the path has stopped). [s]
    interval : ndarray
        The pending block's interval. [s]
    price : ndarray
        The network's price (its own GBM, or the engine's last known price). [currency/coin]
    count, sumsq_s2, longest_s : ndarray
        Blocks found, sum of the squares of their intervals, the longest. [-], [s²], [s]
        (Their sum is ``last_time``: the run starts at 0.)
    stopped : ndarray of bool
        Paths that found their last block (``max_blocks``, or the horizon).
    trace : BlockTrace or None
        Snapshots, if the network keeps them.
    book : BlockBook or None
        The steps' record of a network that runs ahead.
    started : bool
        Whether the first intervals were drawn (at the first step, with its fleet).

    """

    difficulty: FloatArray
    last_time: FloatArray
    next_time: FloatArray
    interval: FloatArray
    price: FloatArray
    count: IntArray
    sumsq_s2: FloatArray
    longest_s: FloatArray
    stopped: npt.NDArray[np.bool_]
    start_height: int
    trackers: list[tuple[slice, PathTracker]]
    draws: BlockDraws
    draw_index: IntArray  # flat index of each path's pending block in the draws (V·P,)
    trace: BlockTrace | None
    # The pending block's hashrate term: h_max / H (sigmoid supply, no fleet) or H [H/s].
    pending: FloatArray
    share: FloatArray  # reward / H of the pending block [coin/(H/s)], once a fleet mines
    reward: FloatArray  # reward of each path's pending block [coin]
    coef: FloatArray  # reward / 2^32, times -k for the fused sigmoid [coin (/ (H/s·s))]
    fused: bool  # pending holds h_max / H (no fleet has mined yet)
    last_term: FloatArray  # the pending term of each stopped path's last block
    book: BlockBook | None = None
    headroom: int = 0
    started: bool = False
    fee: float = 0.0  # fees of the blocks found in the current step [coin per block]

    @classmethod
    def concat_paths(cls, parts: Sequence[BlockState]) -> BlockState:
        """Join the states of runs on consecutive chunks of paths (axis 1), in order.

        The per-path statistics and the trace are joined; the run's internals (rule
        trackers, draws, the book of a network that ran ahead) are not: the joined
        state is read, not stepped further.
        """
        first = parts[0]

        def cat(name: str, of: list[object]) -> npt.NDArray[np.generic]:
            return np.concatenate([getattr(p, name) for p in of], axis=1)

        names = ("difficulty", "last_time", "next_time", "interval", "price", "count",
                 "sumsq_s2", "longest_s", "stopped", "pending", "share", "reward", "coef",
                 "last_term")
        trace = first.trace
        if trace is not None:
            traces: list[object] = [p.trace for p in parts]
            joined_trace: dict[str, Any] = {
                f: cat(f, traces) for f in ("interval_s", "time_s", "difficulty", "hashrate",
                                            "price", "taken", "since_count", "since_total",
                                            "due")}
            trace = dataclasses.replace(trace, **joined_trace)
        joined: dict[str, Any] = {f: cat(f, list(parts)) for f in names}
        return dataclasses.replace(first, **joined, trace=trace, trackers=[], book=None,
                                   draw_index=np.zeros(0, dtype=np.int64))

    @property
    def total_s(self) -> FloatArray:
        """Sum of the intervals of the blocks found: the last one's time [s]."""
        return self.last_time

    @property
    def height(self) -> IntArray:
        """Height of each path's pending block [blocks]."""
        return np.asarray(self.start_height + self.count)


@dataclasses.dataclass(frozen=True, eq=False)
class BlockNetwork:
    """A block-resolution network (see the module docstring).

    Parameters
    ----------
    clock : Clock
        The run's steps.
    difficulty : float
        Difficulty of the first block. [dimensionless]
    height : int
        Height of the first block. [blocks]
    supply : HashSupply
        The rest of the world's hashrate [H/s] from the expected revenue of a hash
        [currency per hash].
    rule : RetargetRule or sequence of RetargetRule
        Any rule of :mod:`hashwinter.blockclock.rules`, or one per variant (the
        run's variant axis is then the rules').
    seed : int, numpy.random.SeedSequence or numpy.random.Generator
        Seed of the block draws (an exponential and a normal per path and block,
        in chunks of :data:`~hashwinter.engine.blockdraws.DRAW_CHUNK_BLOCKS` blocks).
        An int or a ``SeedSequence``: path ``p`` draws from its own generator, the
        seed's child ``p`` (``SeedSequence(entropy, spawn_key=(..., p))``), so a path's
        blocks do not depend on the paths beside it (chunks over paths). A
        ``Generator``: one stream for all the paths, ``(chunk, n_paths)`` arrays (the
        block-clock studies' layout); such a network cannot be cut into chunks.
    price : BlockPrice, optional
        The network's own block-by-block price; by default the engine's last
        known price (the previous day's close, held within the day).
    fees_per_block : float or ndarray (n_steps,), default 0
        Fees of a block found in each step (one value, or one per step of ``clock``;
        per step needs ``ahead=False``). [coin per block]
    max_blocks : int, optional
        Blocks per path after which the path's network stops (a block-time study
        of N blocks); the run's cohorts then earn nothing.
    horizon_s : float, optional
        A path stops once its next block would start at or after this time, so
        only blocks started before it count. [s]
    trace_every : int, optional
        Keep a :class:`BlockTrace` snapshot every this many blocks (needs
        ``max_blocks``).
    prehistory_interval_s : float, default 600
        Spacing of the blocks before the run, for the rule's look-back. [s]
    draws : tuple of ndarray, optional
        Explicit ``(exponentials, normals)``, each ``(blocks, paths)``, instead of
        the seed (tests against independent loops).
    ahead : bool, default False
        No machine of the run mines here (a block-time study; the run's fleet
        must stay at zero hashrate): nothing the steps bring changes the blocks,
        so at the first step every path finds all its blocks (needs ``price`` and
        ``max_blocks``), one block per live path a round, as a block clock does
        (paths at different paces do not hold each other up within a day), and
        each block is booked into its step; the steps then report the book.
    expected : bool, default False
        No draws: every interval is its expected value ``D · 2^32 / H`` and a price of
        its own does not diffuse (the blocks of an expected-value clock, one by one,
        for per-block retarget rules).
    path_index : ndarray of int (P,), optional
        Index of each of the run's paths in the whole run, whose streams it draws
        (set by :meth:`take_paths`; default ``0 .. P - 1``).

    """

    clock: Clock
    difficulty: float
    height: int
    supply: HashSupply
    rule: RetargetRule | Sequence[RetargetRule]
    seed: int | np.random.SeedSequence | np.random.Generator = 0
    price: BlockPrice | None = None
    fees_per_block: float | FloatArray = 0.0
    max_blocks: int | None = None
    horizon_s: float | None = None
    trace_every: int | None = None
    prehistory_interval_s: float = TARGET_BLOCK_INTERVAL_S
    draws: tuple[FloatArray, FloatArray] | None = None
    ahead: bool = False
    expected: bool = False
    path_index: IntArray | None = None
    endogenous: bool = dataclasses.field(default=True, init=False)

    def __post_init__(self) -> None:
        if not np.isfinite(self.difficulty) or self.difficulty < 1.0:
            raise InputError(f"must be a finite number >= 1 (got {self.difficulty!r})",
                             field="difficulty")
        if self.height < 0:
            raise InputError("must be >= 0", field="height")
        if self.max_blocks is not None and self.max_blocks < 1:
            raise InputError("must be >= 1", field="max_blocks")
        if self.horizon_s is not None and not self.horizon_s > 0:
            raise InputError(f"must be > 0 (got {self.horizon_s!r})", field="horizon_s")
        if self.trace_every is not None and (self.trace_every < 1 or self.max_blocks is None):
            raise InputError("must be >= 1, with max_blocks", field="trace_every")
        fees = np.asarray(self.fees_per_block, dtype=np.float64)
        if not (np.all(np.isfinite(fees)) and np.all(fees >= 0)):
            raise InputError(f"must be >= 0 (got {self.fees_per_block!r})",
                             field="fees_per_block")
        if fees.ndim > 1 or (fees.ndim == 1 and fees.shape[0] != self.clock.n_steps):
            raise InputError(f"must be one value or one per step ({self.clock.n_steps})",
                             field="fees_per_block")
        if fees.ndim == 1 and self.ahead:
            raise InputError("fees per step need a network stepped with the run (ahead=False)",
                             field="fees_per_block")
        if self.path_index is not None:
            index = np.asarray(self.path_index)
            if index.ndim != 1 or index.dtype.kind not in "iu" or np.any(index < 0):
                raise InputError("must be whole numbers >= 0, one per path", field="path_index")
        if not (np.isfinite(self.prehistory_interval_s) and self.prehistory_interval_s > 0):
            raise InputError(f"must be > 0 (got {self.prehistory_interval_s!r})",
                             field="prehistory_interval_s")
        if self.price is not None and (not self.price.s0 > 0 or self.price.sigma_per_day < 0):
            raise InputError("s0 must be > 0 and sigma >= 0", field="price")
        if self.ahead and (self.price is None or self.max_blocks is None):
            raise InputError("a network that runs ahead needs its own price and max_blocks",
                             field="ahead")
        names = [r.name for r in self.rules]
        if not names or len(set(names)) != len(names):
            raise InputError(f"needs rules with distinct names (got {names})", field="rule")
        # Supply functions are non-decreasing in revenue: the least hashrate is at R = 0.
        if not float(np.min(self.supply(np.zeros(1)))) > 0:
            raise InputError("hash supply must stay > 0 at zero revenue (raise h_min), "
                             "or block intervals become infinite", field="supply")

    @property
    def rules(self) -> tuple[RetargetRule, ...]:
        """The rules, one per variant (or one for all)."""
        if isinstance(self.rule, Sequence):
            return tuple(self.rule)
        return (self.rule,)

    @property
    def n_variants(self) -> int:
        """Variants the network needs: one per rule when it has several, else any (1)."""
        return len(self.rules)

    @property
    def _fusable(self) -> bool:
        return isinstance(self.supply, SigmoidSupply)

    def init_state(self, n_variants: int, n_paths: int) -> BlockState:
        """Return the state before the first block, shaped (V, P)."""
        rules = self.rules
        if len(rules) > 1 and len(rules) != n_variants:
            raise InputError(f"{len(rules)} rules need {len(rules)} variants (got {n_variants})",
                             field="rule")
        shape = (n_variants, n_paths)
        n = n_variants * n_paths
        d0 = np.full(shape, float(self.difficulty))
        if len(rules) == 1:
            trackers = [(slice(0, n), rules[0].start(d0.reshape(-1).copy(), self.height,
                                                     self.prehistory_interval_s))]
        else:
            trackers = [
                (slice(v * n_paths, (v + 1) * n_paths),
                 rule.start(d0[v].copy(), self.height, self.prehistory_interval_s))
                for v, rule in enumerate(rules)
            ]
        rng: np.random.Generator | None = None
        streams = None
        if self.draws is not None or self.expected:
            pass
        elif isinstance(self.seed, np.random.Generator):
            rng = self.seed
        else:
            streams = self._streams(n_paths)
        exp_scale = (HASHES_PER_DIFFICULTY / self.supply.h_max  # type: ignore[attr-defined]
                     if self._fusable else 1.0)
        sigma = self.price.sigma_per_day if self.price is not None else 0.0
        draws = BlockDraws(rng, n_paths, self.max_blocks, exp_scale,
                           sigma / np.sqrt(SECONDS_PER_DAY), self.draws, streams=streams,
                           unit=self.expected and self.draws is None)
        s0 = self.price.s0 if self.price is not None else np.nan
        zeros = np.zeros(shape)
        trace = None
        if self.trace_every is not None:
            assert self.max_blocks is not None
            every = self.trace_every
            k = -(-self.max_blocks // every)
            heights = self.height + np.minimum((np.arange(k) + 1) * every, self.max_blocks) - 1
            nan = np.full((*shape, k), np.nan, dtype=np.float32)
            trace = BlockTrace(
                every=every, height=heights.astype(np.int64), interval_s=nan,
                time_s=nan.copy(), difficulty=nan.copy(), hashrate=nan.copy(),
                price=nan.copy(), taken=np.zeros(shape, dtype=np.int64),
                since_count=np.zeros(shape, dtype=np.int64), since_total=zeros.copy(),
                due=np.full(shape, min(every, self.max_blocks), dtype=np.int64))
        reward = np.full(shape, float(_subsidy(np.array([self.height]))[0]) + self._fee(0))
        book = None
        if self.ahead:
            rows = self.clock.n_steps + 1
            book = BlockBook(count=np.zeros((rows, n), dtype=np.int64),
                             difficulty=np.full((rows, n), float(self.difficulty)),
                             hashrate=np.zeros((rows, n)),
                             next_boundary=np.full(n, self.clock.step_seconds),
                             written=np.ones(n, dtype=np.int64))
        return BlockState(
            difficulty=d0, last_time=zeros.copy(), next_time=np.full(shape, np.inf),
            interval=zeros.copy(), price=np.full(shape, s0),
            count=np.zeros(shape, dtype=np.int64),
            sumsq_s2=zeros.copy(), longest_s=zeros.copy(),
            stopped=np.zeros(shape, dtype=bool), start_height=self.height, trackers=trackers,
            draws=draws, draw_index=np.tile(np.arange(n_paths, dtype=np.int64), n_variants),
            trace=trace, pending=zeros.copy(), share=zeros.copy(), reward=reward,
            coef=self._coef(reward, fused=self._fusable), fused=self._fusable,
            last_term=zeros.copy(), book=book, fee=self._fee(0),
        )

    def _streams(self, n_paths: int) -> list[np.random.Generator]:
        """Return each path's generator: the seed's child of the path's index."""
        seq = self.seed if isinstance(self.seed, np.random.SeedSequence) else (
            np.random.SeedSequence(self.seed))  # type: ignore[arg-type]
        index = (np.arange(n_paths, dtype=np.int64) if self.path_index is None
                 else np.asarray(self.path_index, dtype=np.int64))
        if index.size != n_paths:
            raise InputError(f"has {index.size} paths, the run {n_paths}", field="path_index")
        return [np.random.Generator(np.random.SFC64(np.random.SeedSequence(
            seq.entropy, spawn_key=(*seq.spawn_key, int(p))))) for p in index]

    def _fee(self, step: int) -> float:
        """Return the fees of a block found in ``step`` [coin per block]."""
        fees = np.asarray(self.fees_per_block, dtype=np.float64)
        return float(fees) if fees.ndim == 0 else float(fees[min(step, fees.size - 1)])

    def _coef(self, reward: FloatArray, *, fused: bool) -> FloatArray:
        scaled = reward / HASHES_PER_DIFFICULTY
        if fused:
            return np.asarray(-self.supply.k * scaled)  # type: ignore[attr-defined]
        return np.asarray(scaled)

    def hashrate(self, st: BlockState) -> FloatArray:
        """Return the network hashrate the pending intervals were drawn with, (V, P) [H/s].

        A path that has stopped shows the hashrate that mined its last block.
        """
        term = np.where(st.stopped, st.last_term, st.pending)
        if st.fused:
            return np.asarray(self.supply.h_max / term)  # type: ignore[attr-defined]
        return term

    def observe(self, state: object, step: int) -> FloatArray:
        """Return expected coins per H/s in ``step`` at the pending block's difficulty."""
        st: BlockState = state  # type: ignore[assignment]
        return self.clock.step_seconds * st.reward / (st.difficulty * HASHES_PER_DIFFICULTY)

    def _set_rewards(self, st: BlockState) -> int:
        """Set each pending block's reward; return rounds before any path's reward changes."""
        height = st.start_height + st.count.reshape(-1)
        st.reward.reshape(-1)[:] = _subsidy(height) + st.fee
        st.coef.reshape(-1)[:] = self._coef(st.reward.reshape(-1), fused=st.fused)
        to_halving = (height // HALVING_INTERVAL + 1) * HALVING_INTERVAL - height
        return int(to_halving.min())

    def _cover_draws(self, st: BlockState) -> None:
        """Hold the draws of every live path's pending block; set the headroom."""
        count = st.count.reshape(-1)
        live = ~st.stopped.reshape(-1)
        furthest = int(count.max())
        slowest = int(count[live].min()) if live.any() else furthest
        dropped = st.draws.cover(furthest + 1, slowest)
        if dropped:
            st.draw_index -= dropped * st.draws.n_paths
        st.headroom = st.draws.headroom(furthest)

    def _redraw(self, st: BlockState, found: npt.NDArray[np.bool_] | None,
                farm: FloatArray | None, exact: bool, work: tuple[FloatArray, FloatArray],
                schedule: bool = True, block: int | None = None) -> None:
        """Draw the pending interval of the paths ``found`` (None: all; their last block is found).

        With ``exact`` every path is recomputed in place: the others' inputs (price,
        difficulty, draw, reward; no fleet) are unchanged, so they get the same numbers.
        ``schedule`` sets when the pending blocks will be found (not needed running ahead);
        ``block``: the pending block's number when all paths drawing are at the same one.
        """
        d, px = st.difficulty.reshape(-1), st.price.reshape(-1)
        pending, interval = st.pending.reshape(-1), st.interval.reshape(-1)
        shape = st.difficulty.shape
        # Draws per path, shared by the variants: a row (lockstep) or gathered per path.
        e = (st.draws.row(block)[0] if block is not None
             else st.draws.exp.take(st.draw_index, mode="clip").reshape(shape))
        rev, new = (pending, interval) if exact else work
        if st.fused:
            sup: SigmoidSupply = self.supply  # type: ignore[assignment]
            np.divide(px, d, out=rev)
            rev *= st.coef.reshape(-1)
            rev += sup.k * sup.r0  # x = -k (R - r0)
            # Only the floor side of the clip matters: it keeps exp() finite and some
            # hashrate alive; the ceiling (share 1 - floor) is 1 to within 1e-15.
            np.minimum(rev, sigmoid_bound(sup.floor), out=rev)
            np.exp(rev, out=rev)
            rev += 1.0  # h_max / H
            np.multiply(rev, d, out=new)
            new.reshape(shape)[...] *= e
        else:
            hashrate = rev
            np.multiply(px, st.coef.reshape(-1), out=rev)
            rev /= d
            self.supply.fill(rev.copy(), hashrate)
            if farm is not None:
                hashrate += farm
            if self._fusable:  # draws scaled by 2^32 / h_max
                np.multiply(d.reshape(shape), e, out=new.reshape(shape))
                new *= self.supply.h_max  # type: ignore[attr-defined]
            else:
                np.multiply(d, HASHES_PER_DIFFICULTY, out=new)
                new.reshape(shape)[...] *= e
            with np.errstate(divide="ignore"):
                new /= hashrate
            if farm is not None:
                share = st.reward.reshape(-1) / hashrate
                if found is None:
                    st.share.reshape(-1)[:] = share
                else:
                    np.copyto(st.share.reshape(-1), share, where=found)
        if not exact:
            if found is None:
                pending[:] = rev
                interval[:] = new
            else:
                np.copyto(pending, rev, where=found)
                np.copyto(interval, new, where=found)
        if schedule:
            nxt = st.next_time.reshape(-1)
            if found is None:
                np.add(st.last_time.reshape(-1), interval, out=nxt)
            else:
                np.add(st.last_time.reshape(-1), interval, out=nxt, where=found)

    def advance(
        self, state: object, step: int, farm_hashrate: FloatArray,
        price: FloatArray | None = None, running: FloatArray | None = None,
    ) -> tuple[BlockState, NetworkStep]:
        """Find every block of the step, round by round; return what the cohorts earned."""
        st: BlockState = state  # type: ignore[assignment]
        shape = st.difficulty.shape
        n = st.difficulty.size
        farm_full = np.broadcast_to(np.asarray(farm_hashrate, dtype=np.float64), shape)
        has_farm = bool(np.any(farm_full > 0))
        if self.ahead:
            if has_farm:
                raise InputError("a block network that runs ahead (a block-time study) "
                                 "cannot carry the run's machines", field="farm_hashrate")
            if not st.started:
                self._set_rewards(st)
                self._cover_draws(st)
                self._redraw(st, np.ones(n, dtype=bool), None, False, (np.empty(n), np.empty(n)))
                st.started = True
                assert st.book is not None
                st.book.hashrate[0] = st.pending.reshape(-1)
                self._rounds(st, None, None, True)
            return st, self._booked(st, step)
        if st.started and np.ndim(self.fees_per_block) == 1:
            # This step's fees: every block found in it (the pending ones, drawn in an
            # earlier step, included) pays them, and the fleet's share follows.
            st.fee = self._fee(step)
            self._set_rewards(st)
            if not st.fused:
                with np.errstate(divide="ignore"):
                    st.share[...] = st.reward / st.pending
        if has_farm and st.fused:
            # A fleet mines from now on: the pending term becomes the hashrate itself.
            st.pending[...] = self.supply.h_max / st.pending  # type: ignore[attr-defined]
            with np.errstate(divide="ignore"):  # (paths not stopped hold 0: not read)
                st.last_term[...] = self.supply.h_max / st.last_term  # type: ignore[attr-defined]
            st.share[...] = st.reward / st.pending
            st.fused = False
            st.coef[...] = self._coef(st.reward, fused=False)
        farm = farm_full.reshape(-1) if has_farm else None
        if self.price is None:
            if price is None:
                raise InputError("a BlockNetwork without its own price needs the engine's",
                                 field="price")
            st.price[...] = np.broadcast_to(np.asarray(price, dtype=np.float64)[None, :], shape)
        if not st.started:
            self._set_rewards(st)
            self._cover_draws(st)
            self._redraw(st, np.ones(n, dtype=bool), farm, False, (np.empty(n), np.empty(n)))
            st.started = True
        elif farm is not None:
            self._rescale(st, step, farm)
        count_before = st.count.reshape(-1).copy()
        step_end = (step + 1) * self.clock.step_seconds
        rho = self._rounds(st, step_end, farm, self.price is not None and st.fused)
        blocks = st.count.reshape(-1) - count_before
        heights = st.start_height + count_before
        issuance = (_issued_before(heights + blocks) - _issued_before(heights)
                    + st.fee * blocks).reshape(shape)
        # The hashrate whose share of the step's issuance the cohorts' coins are.
        if rho is not None:
            rho_vp = rho.reshape(shape)
            with np.errstate(divide="ignore", invalid="ignore"):
                seen = np.where(rho_vp > 0, issuance / rho_vp, self.hashrate(st))
        else:
            rho_vp = np.zeros(shape)
            seen = self.hashrate(st)
        return st, NetworkStep(reward_per_hash=rho_vp, issuance=issuance, network_hashrate=seen,
                               difficulty=st.difficulty.copy(),
                               height=st.height.astype(np.float64))

    def _rescale(self, st: BlockState, step: int, farm: FloatArray) -> None:
        """Move each live path's pending block to the hashrate of this step's start.

        The pending block was drawn with the previous step's hashrate ``H0``; what is
        left of its work, ``(next - now) · H0`` hashes, takes ``(next - now) · H0 / H1``
        at this step's ``H1`` (the fleet, and the outside supply at the price now). For
        exponential intervals this is exact in distribution (memoryless); it also makes
        the block pay the fleet its share at ``H1``. Paths whose hashrate is unchanged
        are left bit for bit.
        """
        d, px = st.difficulty.reshape(-1), st.price.reshape(-1)
        rev = px * st.coef.reshape(-1) / d  # not fused: coef = reward / 2^32
        hashrate = np.empty_like(rev)
        self.supply.fill(rev, hashrate)
        hashrate += farm
        pending = st.pending.reshape(-1)
        change = ~st.stopped.reshape(-1) & (hashrate != pending)
        if not change.any():
            return
        now = step * self.clock.step_seconds
        nxt, last = st.next_time.reshape(-1), st.last_time.reshape(-1)
        moved = now + (nxt - now) * (pending / hashrate)
        np.copyto(nxt, moved, where=change)
        np.copyto(st.interval.reshape(-1), nxt - last, where=change)
        np.copyto(st.share.reshape(-1), st.reward.reshape(-1) / hashrate, where=change)
        np.copyto(pending, hashrate, where=change)

    def _rounds(self, st: BlockState, step_end: float | None, farm: FloatArray | None,
                exact: bool) -> FloatArray | None:
        """Find blocks round by round, each path at most one a round.

        Until ``step_end`` [s] (the paths whose pending block falls before it), or,
        with None, every live path each round until all have stopped (running
        ahead: the live paths move in lockstep, block ``r`` of each in round ``r``,
        and each block is booked into its step). Returns the step's reward per
        hash of the fleet (None without a fleet).
        """
        n = st.difficulty.size
        shape = st.difficulty.shape
        d, t, nxt = st.difficulty.reshape(-1), st.last_time.reshape(-1), st.next_time.reshape(-1)
        interval, px, count = st.interval.reshape(-1), st.price.reshape(-1), st.count.reshape(-1)
        sumsq, longest = st.sumsq_s2.reshape(-1), st.longest_s.reshape(-1)
        stopped = st.stopped.reshape(-1)
        lockstep = step_end is None
        rho = np.zeros(n) if farm is not None else None
        moves = self.price is not None and (self.price.sigma_per_day > 0
                                            or self.price.mu_per_day != 0)
        a = 0.0
        if self.price is not None:
            mu, sigma = self.price.mu_per_day, self.price.sigma_per_day
            a = (mu - 0.5 * sigma**2) / SECONDS_PER_DAY
        until_stop = (self.max_blocks - int(count.max()) if self.max_blocks is not None
                      else np.iinfo(np.int64).max)
        horizon = self.horizon_s if self.horizon_s is not None else np.inf
        may_pass_horizon = self.horizon_s is not None and (step_end is None or step_end >= horizon)
        until_halving = self._set_rewards(st)
        book = st.book
        window = (tuple(np.empty((_WINDOW, n)) for _ in range(3))
                  if book is not None and lockstep else None)
        every = st.trace.every if st.trace is not None else 0
        found_buf = np.empty(n, dtype=bool)
        crossed = np.empty(n, dtype=bool)
        dt_buf, tmp, tmp2 = np.empty(n), np.empty(n), np.empty(n)
        work = (np.empty(n), np.empty(n))
        paths = st.draws.n_paths
        any_stopped = bool(stopped.any())
        first_count = int(count.max())
        rounds = 0
        while True:
            found: npt.NDArray[np.bool_] | None = found_buf
            if step_end is not None:
                np.less_equal(nxt, step_end, out=found_buf)
                if not found_buf.any():
                    break
            elif any_stopped:
                np.logical_not(stopped, out=found_buf)
                if not found_buf.any():
                    break
            else:
                found = None  # every path finds its block this round
            rounds += 1
            if found is None:
                dt = interval
            else:
                # Paths without a block this round add 0 s (and so keep their price).
                dt = np.multiply(interval, found, out=dt_buf)
            t += dt
            if window is not None:
                # Running ahead, boundaries are found a window of rounds at a time.
                slot = (rounds - 1) % _WINDOW
                window[0][slot] = t
                window[1][slot] = d
                window[2][slot] = st.pending.reshape(-1)
                if slot == _WINDOW - 1:
                    self._book_window(st, window, slot + 1, first_count + rounds - 1 - slot)
            elif book is not None:
                np.greater_equal(t, book.next_boundary, out=crossed)
                if crossed.any():
                    self._book_crossings(st, crossed)
            np.square(dt, out=tmp)
            sumsq += tmp
            np.maximum(longest, dt, out=longest)
            if rho is not None:
                assert found is not None
                np.multiply(st.share.reshape(-1), found, out=tmp)
                rho += tmp
            if moves:
                # The price moves over the block's interval (exact GBM step).
                np.sqrt(dt, out=tmp)
                if lockstep:
                    tmp.reshape(shape)[...] *= st.draws.row(first_count + rounds - 1)[1]
                else:
                    tmp *= st.draws.normal.take(st.draw_index, mode="clip")
                np.multiply(dt, a, out=tmp2)
                tmp += tmp2
                np.exp(tmp, out=tmp)
                px *= tmp
            # Running ahead, the live paths are all at block first_count + rounds - 1.
            for where, tracker in st.trackers:
                tracker.after_blocks(None if found is None else found[where],
                                     first_count + rounds - 1 if lockstep else count[where],
                                     t[where], d[where])
            if found is None:
                count += 1
            else:
                count += found
            if every and (not lockstep or (first_count + rounds) % every == 0
                          or first_count + rounds == self.max_blocks):
                due = count == st.trace.due.reshape(-1)  # type: ignore[union-attr]
                self._snapshot(st, due if found is None else due & found)
            if rounds >= until_stop or (may_pass_horizon and float(t.max()) >= horizon):
                stop = (count >= (self.max_blocks or np.iinfo(np.int64).max)) | (t >= horizon)
                if found is not None:
                    stop &= found
                else:
                    stop &= ~stopped
                if stop.any():
                    if window is not None and (rounds - 1) % _WINDOW != _WINDOW - 1:
                        slot = (rounds - 1) % _WINDOW
                        self._book_window(st, window, slot + 1, first_count + rounds - 1 - slot)
                    self._stop(st, stop)
                    any_stopped = True
            if not lockstep:  # (in lockstep the draws are read by row)
                np.add(st.draw_index, paths, out=st.draw_index, where=found)
            st.headroom -= 1
            if st.headroom < 0:
                self._cover_draws(st)
            if rounds >= until_halving:
                until_halving = rounds + self._set_rewards(st)
            if lockstep:
                if first_count + rounds < st.draws.end:  # else every path has stopped
                    self._redraw(st, found, farm, exact, work, schedule=False,
                                 block=first_count + rounds)
            else:
                assert found is not None
                self._redraw(st, found & ~stopped, farm, exact, work)
        if window is not None and rounds and (rounds - 1) % _WINDOW != _WINDOW - 1:
            slot = (rounds - 1) % _WINDOW
            self._book_window(st, window, slot + 1, first_count + rounds - 1 - slot)
        return rho

    def _stop(self, st: BlockState, stop: npt.NDArray[np.bool_]) -> None:
        """Stop the paths ``stop`` (their last block is found); close their snapshot."""
        st.stopped.reshape(-1)[stop] = True
        st.next_time.reshape(-1)[stop] = np.inf
        st.last_term.reshape(-1)[stop] = st.pending.reshape(-1)[stop]
        if st.book is not None:
            # Every later step boundary sees the path as it stopped.
            book = st.book
            cols = np.flatnonzero(stop)
            later = np.arange(book.count.shape[0])[:, None] >= book.written[cols][None, :]
            for table, value in ((book.count, st.count.reshape(-1)[cols]),
                                 (book.difficulty, st.difficulty.reshape(-1)[cols]),
                                 (book.hashrate, st.pending.reshape(-1)[cols])):
                table[:, cols] = np.where(later, value[None, :], table[:, cols])
            book.written[cols] = book.count.shape[0]
            book.next_boundary[cols] = np.inf
        if st.trace is not None:
            trace = st.trace
            open_ = stop & (st.count.reshape(-1) > trace.since_count.reshape(-1))
            self._snapshot(st, open_)
            # Later snapshots stay NaN: the path counted no block there.
            trace.due.reshape(-1)[stop] = -1

    def _snapshot(self, st: BlockState, where: npt.NDArray[np.bool_]) -> None:
        """Record the snapshot in progress of the paths ``where`` (their block just found)."""
        trace = st.trace
        assert trace is not None
        if not where.any():
            return
        rows = np.flatnonzero(where)
        k = trace.taken.reshape(-1)[rows]
        count = st.count.reshape(-1)[rows]
        total = st.total_s.reshape(-1)[rows]
        n_in = count - trace.since_count.reshape(-1)[rows]
        n_snap = trace.interval_s.shape[-1]
        cells = rows * n_snap + k
        trace.interval_s.reshape(-1)[cells] = (total - trace.since_total.reshape(-1)[rows]) / n_in
        trace.time_s.reshape(-1)[cells] = st.last_time.reshape(-1)[rows]
        trace.difficulty.reshape(-1)[cells] = st.difficulty.reshape(-1)[rows]
        pending = st.pending.reshape(-1)[rows]
        hashrate = self.supply.h_max / pending if st.fused else pending  # type: ignore[attr-defined]
        trace.hashrate.reshape(-1)[cells] = hashrate
        trace.price.reshape(-1)[cells] = st.price.reshape(-1)[rows]
        trace.taken.reshape(-1)[rows] = k + 1
        trace.since_count.reshape(-1)[rows] = count
        trace.since_total.reshape(-1)[rows] = total
        assert self.max_blocks is not None
        trace.due.reshape(-1)[rows] = np.minimum(count + trace.every, self.max_blocks)

    def _hashrate_at(self, st: BlockState, rows: npt.NDArray[np.int64] | int) -> FloatArray:
        """Return the hashrate of the pending (or just found) block of flat paths ``rows`` [H/s]."""
        pending = st.pending.reshape(-1)[rows]
        if st.fused:
            return np.asarray(self.supply.h_max / pending)  # type: ignore[attr-defined]
        return np.asarray(pending)

    def _book_crossings(self, st: BlockState, crossed: npt.NDArray[np.bool_]) -> None:
        """Write the step boundaries the block just found on ``crossed`` paths came after.

        Called before the block is counted and the rule moves: a boundary sees the
        blocks found before it, the block's difficulty and the term of its hashrate.
        """
        book = st.book
        assert book is not None
        step_s = self.clock.step_seconds
        last_row = book.count.shape[0] - 1
        t, count = st.last_time.reshape(-1), st.count.reshape(-1)
        d, pending = st.difficulty.reshape(-1), st.pending.reshape(-1)
        cols = np.flatnonzero(crossed)
        while cols.size:  # one boundary each, unless a block took longer than a step
            row = book.written[cols]
            book.count[row, cols] = count[cols]
            book.difficulty[row, cols] = d[cols]
            book.hashrate[row, cols] = pending[cols]
            row += 1
            book.written[cols] = row
            book.next_boundary[cols] += step_s
            if row.max() > last_row:
                done = cols[row > last_row]  # the run's end is written: nothing after it
                book.next_boundary[done] = np.inf
            cols = cols[t[cols] >= book.next_boundary[cols]]

    def _book_window(self, st: BlockState, window: tuple[FloatArray, ...], rows: int,
                     first_block: int) -> None:
        """Write the step boundaries crossed in the last ``rows`` rounds of paths in lockstep.

        ``window`` holds, per round, every path's time after its block (number
        ``first_block`` + round), that block's difficulty and hashrate term.
        """
        book = st.book
        assert book is not None
        times, difficulty, pending = (w[:rows] for w in window)
        step_s = self.clock.step_seconds
        last_row = book.count.shape[0] - 1
        now = times[-1]
        cols = np.flatnonzero(now >= book.next_boundary)
        while cols.size:  # one boundary each, unless the window spans more than a step
            boundary = book.next_boundary[cols]
            k = np.argmax(times[:, cols] >= boundary[None, :], axis=0)  # the first round past it
            row = book.written[cols]
            book.count[row, cols] = first_block + k
            book.difficulty[row, cols] = difficulty[k, cols]
            book.hashrate[row, cols] = pending[k, cols]
            row += 1
            book.written[cols] = row
            book.next_boundary[cols] += step_s
            if row.max() > last_row:
                book.next_boundary[cols[row > last_row]] = np.inf
            cols = cols[now[cols] >= book.next_boundary[cols]]

    def _booked(self, st: BlockState, step: int) -> NetworkStep:
        """Step ``step`` of a network that ran ahead, read from its book."""
        book = st.book
        assert book is not None
        shape = st.difficulty.shape
        before, after = book.count[step], book.count[step + 1]
        blocks = after - before
        heights = st.start_height + before
        issuance = (_issued_before(heights + blocks) - _issued_before(heights)
                    + st.fee * blocks).reshape(shape)
        hashrate = book.hashrate[step + 1]  # the term of the pending block's hashrate
        if st.fused:
            hashrate = self.supply.h_max / hashrate  # type: ignore[attr-defined]
        return NetworkStep(reward_per_hash=np.zeros(shape), issuance=issuance,
                           network_hashrate=hashrate.reshape(shape),
                           difficulty=book.difficulty[step + 1].reshape(shape),
                           height=(st.start_height + after).astype(np.float64).reshape(shape))

    def take_paths(self, paths: slice | npt.NDArray[np.int64]) -> BlockNetwork:
        """Return the network of some of the run's paths, with those paths' draws.

        Explicit draws are sliced; a seed's paths keep their streams (``path_index``),
        so the chunks of a run find the blocks the whole run finds on their paths.

        Raises
        ------
        InputError
            A network seeded with a ``Generator`` (one stream for all paths: a chunk
            cannot draw its paths' numbers alone); a slice without an end.

        """
        if self.draws is not None:
            e, z = (np.asarray(a, dtype=np.float64) for a in self.draws)
            return dataclasses.replace(self, draws=(e[:, paths], z[:, paths]))
        if self.expected:
            return self  # no draws: every path is alike
        if isinstance(self.seed, np.random.Generator):
            raise InputError("a block network seeded with a Generator draws all its paths "
                             "from one stream and cannot be cut into chunks of paths: give "
                             "an int or a SeedSequence", field="seed")
        if self.path_index is not None:
            index = np.asarray(self.path_index, dtype=np.int64)[paths]
        elif isinstance(paths, slice):
            if paths.stop is None or (paths.start or 0) < 0 or paths.stop < 0:
                raise InputError("a slice of paths needs explicit, non-negative bounds",
                                 field="paths")
            index = np.arange(paths.stop, dtype=np.int64)[paths]
        else:
            index = np.asarray(paths, dtype=np.int64).reshape(-1)
        return dataclasses.replace(self, path_index=index)
