"""Benchmark: the history store — importing the full BTC history, reading it back vectorized.

Goals (issue 3): importing the full BTC history (~5,700 days of btc_daily.csv) < 1 s;
``network_states`` for all stored dates in one vectorized call < 50 ms. Also timed:
the same import again (an upsert of every row), the read in CNY through stored FX,
and the per-day ``network_state`` loop the vectorized call replaces (a 100-day
subset, scaled), whose values must equal the vectorized ones (asserted).

Run: python benchmarks/bench_history.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from _shared import best_of, machine, shared_data_file
from hashwinter.data import HistoryStore, import_file, network_state, network_states

IMPORT_GOAL_S = 1.0
READ_GOAL_S = 0.050


def main() -> int:
    btc = shared_data_file("btc_daily.csv")
    fx = shared_data_file("usd_cny_daily.csv")
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(1_000))

        def fresh_import() -> object:
            # A new, empty store each time: creation and migration are part of the cost.
            return import_file("coinmetrics", btc, store=Path(tmp) / f"s{next(counter)}.duckdb")

        t_import, report = best_of(5, fresh_import)
        store = Path(tmp) / "main.duckdb"
        import_file("coinmetrics", btc, store=store)
        import_file("ecb", fx, store=store)
        t_upsert, _ = best_of(5, lambda: import_file("coinmetrics", btc, store=store))

        with HistoryStore.open(store) as st:
            days = st.query("SELECT date FROM chain_daily WHERE asset = 'BTC' ORDER BY date")[
                "date"].to_numpy()
            t_read, frame = best_of(20, lambda: network_states(days, store=st))
            fx_days = days[(days >= np.datetime64("2014-01-02"))
                           & (days <= np.datetime64("2025-12-31"))]
            t_read_cny, cny = best_of(20, lambda: network_states(fx_days, store=st,
                                                                 currency="CNY"))
            sub = days[-100:]
            t_loop, states = best_of(1, lambda: [network_state(d, store=st) for d in sub])
        t_read_path, _ = best_of(5, lambda: network_states(days, store=store))

    assert len(frame) == len(days) == report.rows["chain_daily"]  # type: ignore[attr-defined]
    tail = frame.iloc[-100:].iterrows()
    for state, (_, row) in zip(states, tail, strict=True):  # type: ignore[call-overload]
        assert (state.difficulty, state.subsidy, state.fees_per_block, state.price) == (
            row["difficulty"], row["subsidy"], row["fees_per_block"], row["price"])
    loop_scaled = t_loop * len(days) / len(sub)

    rows = report.rows  # type: ignore[attr-defined]
    print(f"machine: {machine()}")
    print(f"import btc_daily.csv into a new store ({rows['chain_daily']:,} days, "
          f"{sum(rows.values()):,} rows): {t_import * 1e3:.0f} ms "
          f"(goal < {IMPORT_GOAL_S * 1e3:.0f} ms) "
          f"{'met' if t_import < IMPORT_GOAL_S else 'MISSED'}")
    print(f"re-import (upsert of every row): {t_upsert * 1e3:.0f} ms")
    print(f"network_states, {len(days):,} dates, USD, open store: {t_read * 1e3:.1f} ms "
          f"(goal < {READ_GOAL_S * 1e3:.0f} ms) {'met' if t_read < READ_GOAL_S else 'MISSED'}")
    print(f"network_states, {len(fx_days):,} dates, CNY via FX, open store: "
          f"{t_read_cny * 1e3:.1f} ms ({len(cny):,} rows)")
    print(f"network_states, {len(days):,} dates, opening the store by path: "
          f"{t_read_path * 1e3:.1f} ms")
    print(f"per-day network_state loop: {t_loop / len(sub) * 1e3:.1f} ms/day, "
          f"{loop_scaled:.1f} s scaled to {len(days):,} days -> {loop_scaled / t_read:,.0f}x")
    ok = t_import < IMPORT_GOAL_S and t_read < READ_GOAL_S
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
