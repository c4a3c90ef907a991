"""Whether a run can take the compiled path, and why not.

The compiled path covers the common case (docs/engine.md, *Compiled path*): the
exogenous (history) network of the main coin, one on/off policy with a compiled
step and trading rules with compiled trades (sell above value, scrap below value, buy by
payback or NPV, a block purchase: :mod:`~hashwinter.engine.kernel.trade_plan`),
optionally followed by a hedge policy with compiled orders
(:class:`~hashwinter.farm.hedging.HedgeShort`), the package's
:class:`~hashwinter.engine.treasury.Treasury`, totals and owner statistics as the
only recorders (and, with trading rules, the trade book
:class:`~hashwinter.farm.trading.paths.TradeRecorder`), instruments with a compiled book
(margined futures and perpetuals, no journal), no other coins. Anything
else runs on the numpy path; :func:`compiled_plan` returns the reason, which
``RunResult.fallback`` reports. Cheap tests come first, so that a run that falls
back never imports numba.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from hashwinter.engine.blocks import BlockNetwork
from hashwinter.engine.kernel.protocol import CompiledContract, CompiledOrders, CompiledStep
from hashwinter.engine.kernel.trade_plan import combine_trades, trade_reason
from hashwinter.engine.network import EndogenousNetwork, ExogenousNetwork
from hashwinter.engine.policy import Policies, Policy
from hashwinter.engine.positions import Instrument
from hashwinter.engine.recorders import OwnerStatsRecorder, TotalsRecorder
from hashwinter.engine.spec import EngineSpec
from hashwinter.engine.step import Recorder
from hashwinter.engine.treasury import Treasury

__all__ = ["AUTO_MIN_CELLS", "COMPILED_RECORDERS", "compiled_plan", "small_run_reason"]

#: Recorders whose records the kernel produces (the same values they would keep).
COMPILED_RECORDERS = (TotalsRecorder, OwnerStatsRecorder)
#: ``engine="auto"`` compiles only for runs of at least this many cohort-steps (steps ×
#: variants × paths × cohorts): the kernel compiles in about 7 s of CPU once per process,
#: and the numpy loop does 5e7 cohort-steps in 1-2 s; a smaller run (a backtest, a small
#: Monte Carlo, a test) is faster on numpy. ``engine="compiled"`` ignores it.
AUTO_MIN_CELLS = 50_000_000


def small_run_reason(cells: int) -> str | None:
    """Return why ``engine="auto"`` keeps a run of ``cells`` cohort-steps on numpy, or None."""
    if cells >= AUTO_MIN_CELLS:
        return None
    return (f"a small run ({cells:,} cohort-steps < {AUTO_MIN_CELLS:,}): compiling the kernel "
            "costs more than it saves (engine='compiled' forces it)")


def compiled_plan(
    spec: EngineSpec, policy: Policy, treasury: Treasury,
    recorders: Sequence[Recorder], instruments: Sequence[Instrument],
) -> tuple[CompiledStep | None, str | None]:
    """Return the policy's compiled step, or None and the reason the run falls back."""
    if spec.other_coins:
        return None, "other coins of the coin axis have no compiled step yet"
    all_parts = list(policy.parts) if isinstance(policy, Policies) else [policy]
    traders = [p for p in all_parts if hasattr(p, "compiled_trades")]
    if traders and type(spec.network) is EndogenousNetwork:
        return None, "trading rules on the endogenous network have no compiled step yet"
    if type(spec.network) is EndogenousNetwork:
        if instruments:
            return None, ("instruments on the endogenous network have no compiled book yet "
                          "(the hedge book runs in the exogenous network's loop)")
        # Its own loop, recorders and policy chains (kernel.network_run).
        from hashwinter.engine.kernel.network_run import endogenous_plan

        return endogenous_plan(spec, policy, treasury, recorders)
    if type(spec.network) is BlockNetwork:
        return None, ("the block-resolution network (Poisson blocks, or a per-block rule "
                      "such as cw-144) has no compiled step: the compiled network loop is "
                      "the expected-value clock with Bitcoin's rule")
    if spec.network is not None and type(spec.network) is not ExogenousNetwork:
        return None, f"network {type(spec.network).__name__} has no compiled step yet"
    if type(treasury) is not Treasury:
        return None, f"treasury {type(treasury).__name__} has no compiled step"
    for rec in recorders:
        book = getattr(rec, "kernel_trade_book", None)
        if book is not None and traders:
            reason = book()
            if reason is not None:
                return None, reason
            continue
        if type(rec) not in COMPILED_RECORDERS:
            return None, (f"recorder {type(rec).__name__} has no compiled form (the kernel "
                          "keeps totals and owner statistics, not every step's flows)")
    trades = None
    if traders:
        trades, reason = combine_trades(traders)
        if trades is not None:
            reason = trade_reason(spec, trades, len(instruments))
        if reason is not None:
            return None, reason
    parts = [p for p in all_parts if not hasattr(p, "compiled_trades")]
    n_parts = len(all_parts)
    hedge = None
    offer_orders = getattr(parts[-1], "compiled_orders", None) if parts else None
    if offer_orders is not None:
        hedge = parts.pop()  # a hedge reads the decisions of the policies before it
    if len(parts) > 1 or (hedge is None and not parts and trades is None):
        return None, (f"a chain of {n_parts} policies has no compiled step yet (one on/off "
                      "policy and trading rules, optionally followed by a hedge)")
    if any(hasattr(p, "compiled_orders") for p in parts):
        return None, "a hedge policy before the on/off policy has no compiled step"
    contracts: list[CompiledContract] = []
    orders: CompiledOrders | None = None
    if instruments:
        spot = np.broadcast_to(spec.market.price, (spec.market.n_paths, spec.clock.n_days))
        for ins in instruments:
            offer_book = getattr(ins, "compiled_contract", None)
            contract = None if offer_book is None else offer_book(spot, spec.clock.n_steps)
            if contract is None:
                return None, (f"instrument {ins.name!r} has no compiled book (the kernel "
                              "settles margined futures and perpetuals, without a journal)")
            contracts.append(contract)
        if hedge is not None and offer_orders is not None:
            orders = offer_orders()
            if orders is None:
                return None, (f"policy {type(hedge).__name__} has no compiled orders in this "
                              "configuration (projected retargets)")
            if np.any(orders.slot >= len(instruments)):
                return None, "a hedge slot beyond the run's instruments"
    if not parts:
        from hashwinter.engine.kernel.policy_steps import ALWAYS_ON_PARAMS, on_off_step

        # A hedge alone keeps every cohort on (its actions start from the last step's on).
        step = CompiledStep(on_off_step, ALWAYS_ON_PARAMS, np.zeros(0), "AlwaysOn")
        return dataclasses.replace(step, orders=orders, contracts=tuple(contracts),
                                   trades=trades), None
    part = parts[0]
    name = type(part).__name__
    offer = getattr(part, "compiled_step", None)
    if offer is None:
        return None, f"policy {name} has no compiled step (compiled_step)"
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a dependency
        return None, "numba is not installed"
    step = offer()
    if step is None:
        return None, f"policy {name} has no compiled step in this configuration"
    if not isinstance(step, CompiledStep):
        return None, f"policy {name}.compiled_step() did not return a CompiledStep"
    return dataclasses.replace(step, orders=orders, contracts=tuple(contracts),
                               trades=trades), None
