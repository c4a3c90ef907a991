"""Whether a chain's trading rules can run on the kernel, and their merged terms (no numba).

A trading rule offers its part of :class:`~hashwinter.engine.kernel.protocol.CompiledTrades`
through ``compiled_trades()`` (None: not in this configuration). :func:`combine_trades`
merges a chain's parts and :func:`trade_reason` says why a run with trades falls back:
two rules of one kind, rules on different price tables, and what the kernel does not model
with trades yet (hosting fees, instruments, a purchase into a site shared with another
owner).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from hashwinter.engine.kernel.protocol import BUY_NONE, CompiledTrades
from hashwinter.engine.spec import EngineSpec

__all__ = ["combine_trades", "trade_reason"]

_SELL = ("sell_cohorts", "sell_fee", "sell_premium")
_SCRAP = ("scrap_cohorts", "scrap_margin")
_BUY = ("buy_mode", "buy_target", "buy_owner", "buy_fee", "buy_fixed_price", "payback_days",
        "max_per_day", "cash_reserve", "discount", "block_day", "block_count", "site", "slots",
        "watts", "meter_watts")
_FIELDS = {"sell": _SELL, "scrap": _SCRAP, "buy": _BUY}


def combine_trades(parts: Sequence[Any]) -> tuple[CompiledTrades | None, str | None]:
    """Return the merged trades of a chain's trading rules, or None and the reason.

    ``parts`` are the rules (each with ``compiled_trades()``), in chain order. Each kind
    (sell, scrap, buy) may come once: the numpy engine adds two rules' trades of one kind
    with the later one's price where the earlier traded nothing, which the kernel does not
    reproduce.
    """
    merged: dict[str, Any] = {}
    seen: dict[str, str] = {}
    base: CompiledTrades | None = None
    for rule in parts:
        name = type(rule).__name__
        part = rule.compiled_trades()
        if part is None:
            return None, f"trading rule {name} has no compiled step in this configuration"
        if not isinstance(part, CompiledTrades):
            return None, f"{name}.compiled_trades() did not return a CompiledTrades"
        if base is None:
            base = part
        elif not (part.market is base.market and part.keep is base.keep
                  and part.scrap is base.scrap):
            return None, "trading rules on different price tables have no compiled step yet"
        for kind in part.kinds:
            if kind in seen:
                return None, (f"two {kind} rules ({seen[kind]}, {name}) have no compiled "
                              "step (one rule of each kind)")
            seen[kind] = name
            merged.update({f: getattr(part, f) for f in _FIELDS[kind]})
    if base is None:
        return None, None
    return dataclasses.replace(base, kinds=tuple(seen), **merged), None


def trade_reason(spec: EngineSpec, trades: CompiledTrades, n_instruments: int) -> str | None:
    """Return why the kernel cannot run these trades on ``spec``, or None."""
    cohorts = spec.cohorts
    if n_instruments:
        return ("instruments with trading rules have no compiled step yet (the hedge's "
                "orders read the planned fleet)")
    if np.any(cohorts.hosting_fee != 0) or np.any(np.asarray(cohorts.host) >= 0):
        return "hosting fees with trading rules have no compiled step yet"
    n_c = cohorts.n
    if trades.market.shape[1:] != (n_c, spec.clock.n_days) or trades.scrap.shape != (n_c,):
        return "the trading rules' price table does not match the run's cohorts and days"
    if trades.market.shape[0] not in (1, spec.market.n_paths):
        return "the trading rules' price table does not match the run's paths"
    if trades.buy_mode != BUY_NONE:
        assert trades.site is not None
        target, owner = trades.buy_target, trades.buy_owner
        if not 0 <= target < n_c:
            return "a purchase into a cohort outside the run"
        if int(cohorts.owner[target]) != owner:
            return ("a purchase paid by another owner than the target cohort's has no "
                    "compiled step")
        site = int(trades.site[target])
        at_site = np.flatnonzero(trades.site == site)
        if site < 0 or np.any(cohorts.owner[at_site] != owner):
            return ("a purchase into a site shared with another owner has no compiled step "
                    "(owners run one after another in the kernel)")
    return None
