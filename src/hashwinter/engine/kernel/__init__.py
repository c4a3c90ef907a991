"""The compiled fast path of the engine (numba): the step loop fused for the common case.

* :mod:`~hashwinter.engine.kernel.protocol` — how a policy offers a compiled step
  (:class:`CompiledStep`, :class:`CompiledPolicy`); no numba import.
* :mod:`~hashwinter.engine.kernel.support` — whether a run can take the compiled
  path, and the reason it falls back to numpy.
* :mod:`~hashwinter.engine.kernel.policy_steps` — the compiled steps of
  ``ShutdownPricePolicy`` and ``AlwaysOn`` (one function for both).
* :mod:`~hashwinter.engine.kernel.loop` — the jitted loop (days → cohorts →
  variants, parallel over (variant block, path) pairs) and the hedge book's cell
  (:func:`~hashwinter.engine.kernel.loop.book_cell`, ``HedgeContract.settle`` of one
  position).
* :mod:`~hashwinter.engine.kernel.run` — arrays in, records out
  (:func:`run_compiled`).
* :mod:`~hashwinter.engine.kernel.trade_plan` (which trading rules the kernel takes, their
  merged :class:`~hashwinter.engine.kernel.protocol.CompiledTrades`; no numba),
  :mod:`~hashwinter.engine.kernel.trade_cells` (the sell, scrap and buy cells the trading
  loop inlines) and :mod:`~hashwinter.engine.kernel.trade_run` (their arrays and results).
* :mod:`~hashwinter.engine.kernel.network_loop` and
  :mod:`~hashwinter.engine.kernel.network_run` — the same for an endogenous network
  (its block clock in the loop; the per-day network rows as records).

:func:`hashwinter.engine.run` chooses the path (``engine="auto"|"numpy"|"compiled"``)
and reports it as ``RunResult.path`` and ``RunResult.fallback``. See docs/engine.md,
*Compiled path*. Only this package's loop, run, network_loop, network_run, policy_steps,
trade_cells and trade_run modules import numba.
"""

from hashwinter.engine.kernel.protocol import CompiledPolicy, CompiledStep

__all__ = ["CompiledPolicy", "CompiledStep"]
