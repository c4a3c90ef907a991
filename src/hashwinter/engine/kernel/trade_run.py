"""The kernel's machine trades: arrays in (:func:`trade_arrays`), counts out (trade_results).

:func:`trade_arrays` packs a :class:`~hashwinter.engine.kernel.protocol.CompiledTrades` and
the opening books of a trade ledger recorder into the loop's ``trade`` argument
(:mod:`hashwinter.engine.kernel.trade_cells` documents the rows); without trades it returns
placeholders of the same types, so that the loop's signature is one. After the run,
:func:`trade_results` turns the trade state into the machines held at the end, the counts
the conservation check compares them with, and the per-owner totals the numpy
:class:`~hashwinter.engine.recorders.TotalsRecorder` keeps when a run trades.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt

from hashwinter.engine.kernel import trade_cells as tc
from hashwinter.engine.kernel.protocol import CompiledTrades

__all__ = ["TradeArrays", "trade_arrays", "trade_results"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass
class TradeArrays:
    """The loop's ``trade`` tuple and what :func:`trade_results` needs of it."""

    on: bool
    args: tuple[Any, ...]
    book: Any = None  # the trade ledger recorder (None: none)

    @property
    def state(self) -> FloatArray:
        """The trade state (N_TS, P, C, V)."""
        return self.args[0]

    @property
    def day_figures(self) -> FloatArray:
        """The trade ledger's per-day figures of the current chunk (days, V, P, N_FIG)."""
        return self.args[6]


def _placeholders() -> tuple[Any, ...]:
    return (np.zeros((tc.N_TS, 1, 1, 1)), np.zeros((2, 1, 1, 1)), np.zeros((tc.N_TF, 1)),
            np.zeros((tc.N_TV, 1)), np.zeros(tc.N_TSC), np.zeros(0, np.int64),
            np.zeros((1, 1, 1, tc.N_FIG)), np.zeros(1, np.int64))


def trade_arrays(trades: CompiledTrades | None, n_var: int, n_paths: int, n_coh: int,
                 n_items: int, buffer_days: int, n_steps: int,
                 book_recorder: Any = None) -> TradeArrays:
    """Return the loop's trade arguments (placeholders when ``trades`` is None).

    ``book_recorder`` is a :class:`~hashwinter.farm.trading.paths.TradeRecorder` whose
    opening books (undepreciated cost, book value, life) the kernel's books start from;
    then the kernel writes its per-day figures into a ``buffer_days`` buffer.
    """
    if trades is None:
        return TradeArrays(False, _placeholders())
    state = np.zeros((tc.N_TS, n_paths, n_coh, n_var))
    tr_f = np.zeros((tc.N_TF, n_coh))
    tr_f[tc.TF_SELL] = trades.sell_cohorts
    assert trades.scrap_cohorts is not None
    tr_f[tc.TF_SCRAP] = trades.scrap_cohorts
    tr_f[tc.TF_SCRAP_VALUE] = trades.scrap
    if trades.meter_watts is not None:
        tr_f[tc.TF_METER_W] = trades.meter_watts
    if book_recorder is not None:
        cost, book, life = book_recorder.opening_books()
        state[tc.TS_COST] = np.broadcast_to(np.asarray(cost, dtype=np.float64)[:, None],
                                            (n_paths, n_coh, n_var))
        state[tc.TS_BOOK] = np.broadcast_to(np.asarray(book, dtype=np.float64)[:, None],
                                            (n_paths, n_coh, n_var))
        life = np.asarray(life, dtype=np.float64)
        tr_f[tc.TF_PER_DAY] = np.divide(1.0, life, out=np.zeros(n_coh), where=life > 0)
    tr_v = np.zeros((tc.N_TV, n_var))
    for row, arr in ((tc.TV_PREMIUM, trades.sell_premium), (tc.TV_MARGIN, trades.scrap_margin),
                     (tc.TV_PAYBACK, trades.payback_days), (tc.TV_MAX_DAY, trades.max_per_day),
                     (tc.TV_RESERVE, trades.cash_reserve), (tc.TV_DISCOUNT, trades.discount)):
        tr_v[row] = np.broadcast_to(arr, (n_var,))
    tr_s = np.zeros(tc.N_TSC)
    tr_s[tc.TSC_SELL_FEE] = trades.sell_fee
    tr_s[tc.TSC_MODE] = trades.buy_mode
    tr_s[tc.TSC_TARGET] = trades.buy_target
    tr_s[tc.TSC_OWNER] = trades.buy_owner
    tr_s[tc.TSC_BUY_FEE] = trades.buy_fee
    tr_s[tc.TSC_FIXED] = trades.buy_fixed_price
    tr_s[tc.TSC_BLOCK_DAY] = trades.block_day
    tr_s[tc.TSC_BLOCK_COUNT] = trades.block_count
    tr_s[tc.TSC_BOOK] = 1.0 if book_recorder is not None else 0.0
    tr_s[tc.TSC_N_STEPS] = n_steps
    members = np.zeros(0, np.int64)
    if trades.buy_mode >= 0:
        assert trades.site is not None and trades.slots is not None
        assert trades.watts is not None
        s = int(trades.site[trades.buy_target])
        tr_s[tc.TSC_SLOTS] = trades.slots[s]
        tr_s[tc.TSC_WATTS] = trades.watts[s]
        members = np.flatnonzero(trades.site == s).astype(np.int64)
    prices = np.ascontiguousarray(np.stack([trades.market, trades.keep]))
    day_shape = (buffer_days, n_var, n_paths, tc.N_FIG) if book_recorder is not None else (
        1, 1, 1, tc.N_FIG)
    args = (state, prices, tr_f, tr_v, tr_s, members, np.zeros(day_shape),
            np.zeros(n_items, np.int64))
    return TradeArrays(True, args, book_recorder)


def trade_results(arrays: TradeArrays, planned_end: FloatArray, owner: npt.NDArray[np.int64],
                  n_own: int) -> tuple[FloatArray, FloatArray, dict[str, FloatArray]]:
    """Return machines held at the end (V, P, C), the traded change (V, P, C) and owner totals.

    The change is bought − sold − scrapped per cohort (the conservation check compares the
    held counts with the planned fleet plus it); the owner totals (V, P, O) are
    ``bought``, ``sold_machines`` and ``scrapped`` when any rule issued a trade (the numpy
    recorder's keys), empty otherwise.
    """
    st = np.moveaxis(arrays.state, -1, 1)  # (N_TS, V, P, C)
    held = planned_end + st[tc.TS_DH]
    change = st[tc.TS_BOUGHT] - st[tc.TS_SOLD] - st[tc.TS_SCRAPPED]
    totals: dict[str, FloatArray] = {}
    if arrays.args[7].any():
        group = np.zeros((owner.size, n_own))
        group[np.arange(owner.size), owner] = 1.0
        for key, row in (("bought", tc.TS_BOUGHT), ("sold_machines", tc.TS_SOLD),
                         ("scrapped", tc.TS_SCRAPPED)):
            totals[key] = st[row] @ group
    return np.ascontiguousarray(held), np.ascontiguousarray(change), totals
