"""The compiled path of an endogenous network: what it covers, and the run.

:func:`endogenous_plan` says whether a run on an
:class:`~hashwinter.engine.network.EndogenousNetwork` can take the compiled loop of
:mod:`hashwinter.engine.kernel.network_loop` (``support.compiled_plan`` asks it), and
:func:`run_endogenous` runs it (``kernel.run.run_compiled`` hands it the run).

Covered: a per-day rest of the world (a table, not a :class:`RestOfWorld` model),
Bitcoin's window rule, one policy with a compiled step, or the package's on/off step
followed by a restart delay (a policy offering ``compiled_restart_delay()``, e.g.
``network.restart.MinimumOffTime``); the :class:`Treasury`; planned installs and their
capex, fixed costs, site capex, restart costs and management fees; daily and hourly
steps. Recorders: those that offer the per-day form of :class:`CompiledDaysRecorder`
(the network's rows and the running hashrate per group of cohorts). Not covered (numpy
runs): hosting fees, a rest-of-world model, other rules, totals and owner-statistics
recorders (``TotalsRecorder`` sums are kept by the exogenous loop only).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numba
import numpy as np
import numpy.typing as npt

from hashwinter.blockclock.rules import BitcoinRule
from hashwinter.chain.retarget import TARGET_TIMESPAN_S
from hashwinter.engine.kernel.protocol import CompiledStep
from hashwinter.engine.network import EndogenousNetwork, EndogenousState
from hashwinter.engine.policy import Policies, Policy
from hashwinter.engine.spec import EngineSpec
from hashwinter.engine.step import Recorder, RunMeta
from hashwinter.engine.treasury import Treasury

if TYPE_CHECKING:
    from hashwinter.engine.run import RunResult

__all__ = ["CompiledDaysRecorder", "DayGroups", "MarketStep", "endogenous_plan", "run_endogenous",
           "share_checks", "tariff_rows"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@runtime_checkable
class CompiledDaysRecorder(Protocol):
    """A recorder the endogenous kernel fills with per-day network rows.

    ``compiled_groups(hashrate)`` (``hashrate``: each cohort's effective hashrate per
    machine [H/s]) returns ``(C, G0)`` group indices, ``(C, G0)`` weights and the number
    ``G`` of groups: column ``g`` of cohort ``c`` adds ``weight[c, g]`` per running machine
    (e.g. its hashrate [H/s] or its power [W]) to group ``group[c, g]``; the columns share
    one axis of groups. None when this configuration has no compiled form. After the run
    ``load_compiled_days(rows, groups)`` gets ``rows`` — ``hashrate``, ``difficulty``
    (network hashrate [H/s] and difficulty at each day's last step), ``issuance``,
    ``mined``, ``sold``, ``forced_sold`` (the day's coins) — shaped (D, P) of variant 0,
    and ``groups`` (D, P, G): each group's sum over the running machines of variant 0,
    mean over the day's steps.
    """

    def compiled_groups(self, hashrate: FloatArray) -> tuple[IntArray, FloatArray, int] | None:
        """Return the group indices and weights (C, G0) and the number of groups, or None."""
        ...

    def load_compiled_days(self, rows: dict[str, FloatArray], groups: FloatArray) -> None:
        """Take the run's per-day rows."""
        ...


def tariff_rows(spec: EngineSpec) -> tuple[FloatArray, IntArray]:
    """Return the tariff's distinct rows (U, C) [currency/kWh] and each step's row (T,).

    A new row wherever a step's differs from the last: a run's tariff changes on few
    steps (e.g. with the season), and streaming a (T, C) table was a third of the
    endogenous loop's memory traffic.
    """
    from hashwinter.engine.kernel.run import _c

    tariff = np.asarray(spec.tariff, dtype=np.float64)
    changed = np.concatenate([[True], np.any(tariff[1:] != tariff[:-1], axis=1)])
    return _c(tariff[changed]), _c(np.cumsum(changed) - 1, np.int64)


@dataclasses.dataclass(frozen=True)
class DayGroups:
    """The groups the kernels sum per day for the recorders that offer them.

    ``recorders`` (the :class:`CompiledDaysRecorder` of the run), ``group`` and
    ``weight`` (C, G0) their columns side by side, ``offsets`` (R + 1,) and ``sizes``
    (R,) where each recorder's groups lie on the shared axis of ``n_groups`` groups.
    """

    recorders: Sequence[CompiledDaysRecorder]
    group: IntArray
    weight: FloatArray
    offsets: IntArray
    sizes: list[int]

    @property
    def n_groups(self) -> int:
        """Groups on the shared axis (at least 1, for an array's sake)."""
        return max(int(self.offsets[-1]), 1)

    @classmethod
    def of(cls, recorders: Sequence[Recorder], hashing: FloatArray) -> DayGroups:
        """Collect the groups of ``recorders`` (``hashing``: the kernel's, per machine)."""
        from hashwinter.engine.kernel.run import _c

        n_coh = hashing.shape[-1]
        days_recs = [r for r in recorders if isinstance(r, CompiledDaysRecorder)]
        offered = [r.compiled_groups(hashing) for r in days_recs]
        group_cols = [np.asarray(g[0], np.int64).reshape(n_coh, -1) for g in offered if g]
        weights = [np.asarray(g[1], np.float64).reshape(n_coh, -1) for g in offered if g]
        sizes = [int(g[2]) for g in offered if g]
        offsets = np.cumsum([0, *sizes]).astype(np.int64)
        group = _c(np.concatenate([g + off for g, off in zip(group_cols, offsets, strict=False)]
                                  + [np.zeros((n_coh, 0), np.int64)], axis=1), np.int64)
        weight = _c(np.concatenate([*weights, np.zeros((n_coh, 0))], axis=1))
        return cls(days_recs, group, weight, offsets, sizes)

    def load(self, rows: dict[str, Any], day_groups: FloatArray) -> None:
        """Hand each recorder the run's rows and its groups' sums (D, P, G)."""
        for rec, off, n_g in zip(self.recorders, self.offsets[:-1], self.sizes, strict=True):
            rec.load_compiled_days(rows, day_groups[:, :, off:off + n_g].copy())


def share_checks(checks: FloatArray, checker: Any, cash_flows: FloatArray,
                 coin_flows: FloatArray) -> None:
    """Raise on the kernel's network checks; hand the checker their figures and the flows.

    ``checks`` (W, >= 4): per work item the largest hashrate share, the largest excess
    of coins mined over issuance x share, and of its violation (network_loop's columns).
    """
    from hashwinter.engine.checks import _REL, ConservationError

    max_share = float(checks[:, 0].max())
    if max_share > 1 + _REL:
        raise ConservationError(f"the cohorts hold {max_share:.3g} of the network "
                                "hashrate: more than the whole network")
    if float(checks[:, 2].max()) > 0:
        raise ConservationError("cohorts mined more coins than issuance times their "
                                "hashrate share")
    checker.max_share = max_share
    checker.max_excess = float(checks[:, 1].max())
    checker.cash_flows = cash_flows
    checker.coin_flows = coin_flows


def _restart_step(policy: Policy) -> tuple[CompiledStep | None, str | None]:
    """Return the combined step of a chain (on/off step, restart delay), or the reason not."""
    from hashwinter.engine.kernel.loop import on_off_step
    from hashwinter.engine.kernel.network_loop import on_off_min_off_step

    parts = policy.parts if isinstance(policy, Policies) else [policy]
    if len(parts) > 2:
        return None, f"a chain of {len(parts)} policies has no compiled step yet"
    first = parts[0]
    offer = getattr(first, "compiled_step", None)
    if offer is None:
        return None, f"policy {type(first).__name__} has no compiled step (compiled_step)"
    step = offer()
    if not isinstance(step, CompiledStep):
        return None, f"policy {type(first).__name__} has no compiled step in this configuration"
    if len(parts) == 1 and step.function is not on_off_step:
        return step, None
    delay = 0.0
    if len(parts) == 2:
        gate = getattr(parts[1], "compiled_restart_delay", None)
        if gate is None or step.function is not on_off_step:
            return None, (f"a chain of {type(first).__name__} and {type(parts[1]).__name__} "
                          "has no compiled step")
        delay = float(gate())
    params = np.concatenate([step.params, np.full((step.params.shape[0], 1), delay)], axis=1)
    return CompiledStep(on_off_min_off_step, params, np.zeros(1),
                        " + ".join(type(p).__name__ for p in parts)), None


@dataclasses.dataclass(frozen=True)
class MarketStep(CompiledStep):
    """The compiled step of a network run with machine trades (kernel.network_market).

    ``params`` and ``function`` are the on/off step with the restart delay
    (``network_loop.on_off_min_off_step``, one variant); ``market`` and ``makers`` the
    trading policies of the chain (None: not in it).
    """

    market: Any = None
    makers: Any = None


def _market_plan(spec: EngineSpec, parts: list[Policy],
                 treasury: Treasury) -> tuple[CompiledStep | None, str | None]:
    """Return the compiled step of a chain with the market or the makers, or why not.

    The chain is an on/off policy with a compiled step, the restart delay (optional),
    the second-hand market without shipping (optional) and the makers (optional), in
    that order, one variant, daily steps.
    """
    from hashwinter.engine.kernel.network_loop import on_off_min_off_step
    from hashwinter.engine.kernel.policy_steps import on_off_step
    from hashwinter.engine.treasury import OwnerTreasury
    from hashwinter.network.makers import MakerPolicy
    from hashwinter.network.trading import SecondHandMarket

    if spec.clock.steps_per_day != 1:
        return None, "the market's compiled step runs daily steps only (it clears once a step)"
    if type(treasury) not in (Treasury, OwnerTreasury) or treasury.n_variants != 1:
        return None, (f"treasury {type(treasury).__name__} with {treasury.n_variants} variants "
                      "has no compiled step with the market (one variant)")
    if np.any(spec.cohorts.restart_cost > 0):
        return None, "restart costs with machine trades have no compiled step yet"
    rest = list(parts)
    first = rest.pop(0)
    offer = getattr(first, "compiled_step", None)
    step = offer() if offer is not None else None
    if not isinstance(step, CompiledStep) or step.function is not on_off_step:
        return None, (f"policy {type(first).__name__} has no compiled on/off step before the "
                      "market")
    if step.params.shape[0] != 1:
        return None, "the market's compiled step runs one variant"
    delay = 0.0
    if rest and hasattr(rest[0], "compiled_restart_delay"):
        delay = float(rest.pop(0).compiled_restart_delay())  # type: ignore[attr-defined]
    market: SecondHandMarket | None = None
    makers: MakerPolicy | None = None
    if rest and isinstance(rest[0], SecondHandMarket):
        market = rest[0]
        rest.pop(0)
        if market.ship_days > 0:
            return None, ("a shipping delay (market.ship_days > 0) has no compiled step yet "
                          "(trades settle the day they clear on the kernel)")
        if market.dark is not None:
            return None, ("the dry season's dark sites (market.dark, from [migration]) have "
                          "no compiled step yet")
    if rest and isinstance(rest[0], MakerPolicy):
        makers = rest[0]
        rest.pop(0)
        if market is None:
            return None, "makers without the second-hand market have no compiled step"
    if rest:
        names = ", ".join(type(p).__name__ for p in parts)
        return None, (f"a chain of {names} has no compiled step (on/off, restart delay, "
                      "SecondHandMarket, MakerPolicy, in that order)")
    params = np.concatenate([step.params, np.full((1, 1), delay)], axis=1)
    return MarketStep(on_off_min_off_step, params, np.zeros(1),
                      " + ".join(type(p).__name__ for p in parts), market=market,
                      makers=makers), None


def endogenous_plan(
    spec: EngineSpec, policy: Policy, treasury: Treasury, recorders: Sequence[Recorder],
) -> tuple[CompiledStep | None, str | None]:
    """Return the compiled step of an endogenous run, or None and why it falls back."""
    from hashwinter.network.makers import MakerPolicy
    from hashwinter.network.trading import SecondHandMarket

    network = spec.network
    assert isinstance(network, EndogenousNetwork)
    if not isinstance(network.rest_of_world, np.ndarray):
        return None, "a RestOfWorld model has no compiled step (a per-day table has)"
    if type(network.rule) is not BitcoinRule:
        return None, f"retarget rule {network.rule.name!r} has no compiled step"
    if np.any(spec.cohorts.hosting_fee) or np.any(np.asarray(spec.cohorts.host) >= 0):
        return None, "hosting fees have no compiled step with an endogenous network yet"
    for rec in recorders:
        groups = getattr(rec, "compiled_groups", None)
        if (groups is None or not isinstance(rec, CompiledDaysRecorder)
                or groups(spec.cohorts.effective_hashrate) is None):
            return None, (f"recorder {type(rec).__name__} has no compiled form with an "
                          "endogenous network (the kernel keeps the network's days)")
    parts = list(policy.parts) if isinstance(policy, Policies) else [policy]
    if any(isinstance(p, SecondHandMarket | MakerPolicy) for p in parts):
        return _market_plan(spec, parts, treasury)
    if type(treasury) is not Treasury:
        return None, f"treasury {type(treasury).__name__} has no compiled step"
    return _restart_step(policy)


def run_endogenous(
    spec: EngineSpec, step: CompiledStep, treasury: Treasury, scale: FloatArray, n_var: int,
    meta: RunMeta, recorders: Sequence[Recorder], progress: Callable[[int], None] | None,
    check: bool,
) -> RunResult:
    """Run ``spec`` (an endogenous network) on the compiled path (arguments: ``run_compiled``)."""
    from hashwinter.engine.checks import _REL, ConservationChecker
    from hashwinter.engine.kernel import network_loop as nl
    from hashwinter.engine.kernel.run import CohortTables, _c, _variant_blocks
    from hashwinter.engine.network_days import DAY_ROWS
    from hashwinter.engine.run import RunResult
    from hashwinter.engine.treasury import BROKE_TOLERANCE

    if isinstance(step, MarketStep):
        from hashwinter.engine.kernel.network_trades import run_market

        return run_market(spec, step, treasury, scale, n_var, meta, recorders, progress, check)
    network = spec.network
    assert isinstance(network, EndogenousNetwork)
    clock, cohorts, owners = spec.clock, spec.cohorts, spec.owners
    n_paths, n_coh, n_own, n_steps = spec.market.n_paths, cohorts.n, owners.n, clock.n_steps
    n_days, spd, dt = clock.n_days, clock.steps_per_day, clock.step_seconds

    tables = CohortTables.of(spec)
    hashing, cohort_f, cohort_i = tables.hashing, tables.cohort_f, tables.cohort_i
    start_step, count = tables.start_step, tables.count
    owner_t = _c(np.stack([owners.site_capex, owners.fixed_costs]))
    tariff, tariff_row = tariff_rows(spec)
    variant_f = _c(np.stack([np.broadcast_to(scale, (n_var,)),
                             np.broadcast_to(treasury.hodl_ratio, (n_var,))]))
    cover = _c(np.broadcast_to(treasury.sell_to_cover, (n_var,)), np.bool_)
    params = _c(np.broadcast_to(step.params.T, (step.params.shape[1], n_var)))
    n_state = step.initial_state.size
    policy_state = _c(np.broadcast_to(step.initial_state[:, None, None, None],
                                      (n_state, n_paths, n_coh, n_var)))
    price = _c(np.broadcast_to(spec.market.price, (n_paths, n_days)))
    fees = _c(np.asarray(network.fees_per_block))
    rest = _c(np.asarray(network.rest_of_world))
    st = network.init_state(n_var, n_paths)
    net = _c(np.stack([np.broadcast_to(a, (n_var, n_paths)).T for a in (
        st.difficulty, st.height, st.window_elapsed, st.retargets.astype(np.float64))]))
    rule = network.rule
    assert isinstance(rule, BitcoinRule)
    span_factor = (rule.interval - 1) / rule.interval

    groups = DayGroups.of(recorders, hashing)
    day_rows = np.zeros((nl.N_DAY, n_days, n_paths, n_var))
    day_groups = np.zeros((n_days, n_paths, groups.n_groups))

    on = np.ones((n_paths, n_coh, n_var), dtype=np.bool_)
    cash = _c(np.broadcast_to(owners.starting_cash[None, :, None], (n_paths, n_own, n_var)))
    coins = _c(np.broadcast_to(owners.starting_coins[None, :, None], cash.shape))
    alive = np.ones(cash.shape, dtype=np.bool_)
    alive_prev = np.ones(cash.shape, dtype=np.bool_)
    broke_step = np.full(cash.shape, -1, dtype=np.int64)
    flows = np.zeros((2, *cash.shape))
    n_blocks = _variant_blocks(n_var, n_paths)
    checks = np.zeros((n_blocks * n_paths, 4))
    checks[:, 1:3] = -np.inf

    for rec in recorders:
        rec.begin(meta)
    loop_fn = nl.endogenous_loop_for(step.function)
    # Calls over chunks of days only to report progress (the state carries over between
    # calls): the first day alone, then 64 days at a time (a caller timing steps 2 .. D
    # from the first report, as benchmarks/bench_network.py does, sees them all).
    bounds = [0, n_days] if progress is None else sorted({0, *range(1, n_days, 64), n_days})
    # No more threads than work items: an idle thread of the pool would only make each
    # call wait for it (on a shared machine, a scheduler slice of ~5 ms a call, measured).
    threads = numba.get_num_threads()
    numba.set_num_threads(max(1, min(threads, n_blocks * n_paths)))
    try:
        for first_day, last_day in itertools.pairwise(bounds):
            loop_fn(params, policy_state, first_day * spd, last_day * spd, spd, dt, n_blocks,
                    price, fees, rest, net, network.window, span_factor, float(TARGET_TIMESPAN_S),
                    tables.owner_order, tables.owner_start, cohort_f, cohort_i,
                    groups.group, groups.weight, tariff, tariff_row,
                    tables.capex_steps, owner_t, variant_f, cover,
                    on, alive_prev, cash, coins, alive, broke_step,
                    flows, checks, check, day_rows, day_groups, BROKE_TOLERANCE, _REL)
            if progress is not None:
                progress(last_day * spd)
    finally:
        numba.set_num_threads(threads)
    if float(checks[:, 3].max()) > 0:
        from hashwinter.errors import InputError

        raise InputError(f"hashrate too large: more than {nl.MAX_SEGMENTS:,} retargets in "
                         "one step", field="rest_of_world")

    rows = {name: np.ascontiguousarray(day_rows[k, :, :, 0]) for k, name in enumerate(DAY_ROWS)}
    groups.load(rows, day_groups)

    def vpo(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """(P, O, V) -> (V, P, O)."""
        return np.ascontiguousarray(np.moveaxis(a, -1, 0))

    cash_v, coins_v, broke_v = vpo(cash), vpo(coins), vpo(broke_step)
    checker = ConservationChecker(meta, enabled=check)
    if check:
        share_checks(checks, checker, vpo(flows[0]), vpo(flows[1]))
    shape = (n_var, n_paths, n_coh)
    held = np.broadcast_to(np.where(start_step <= n_steps - 1, count, 0.0), shape)
    report = checker.finish(cash_v, coins_v, held)
    state = EndogenousState(difficulty=np.ascontiguousarray(net[0].T),
                            height=np.ascontiguousarray(net[1].T),
                            window_elapsed=np.ascontiguousarray(net[2].T),
                            retargets=np.ascontiguousarray(net[3].T).astype(np.int64))
    return RunResult(meta=meta, records=[rec.finish() for rec in recorders], cash=cash_v,
                     coins=coins_v, broke_step=broke_v, checks=report, held=held,
                     positions=np.zeros((n_var, n_paths, n_own, 0)), network_state=state,
                     path="compiled")
