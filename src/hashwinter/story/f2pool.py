"""Section 2: the F2Pool-style table on 25 November and 4 December 2018 at 0.28 / 0.40.

Each day's state (difficulty in force, subsidy, the 7-day mean fees per block, the close in
CNY) comes from the store as ``hashwinter shutdown --date DAY --currency CNY`` reads it;
the table is :func:`hashwinter.economics.table.shutdown_table` with the CLI's 2 % pool fee.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from hashwinter.hardware import default_catalog
from hashwinter.reports.html import table_html
from hashwinter.story.context import StoryContext
from hashwinter.story.section import Measure, Section

__all__ = ["MODELS", "POOL_FEE", "TARIFFS", "f2pool_section", "shutdown_rows"]

#: The story's machines (the T9 as named, and the T9+ figures.csv grades).
MODELS = ("Antminer S7", "Antminer T9", "Antminer T9+", "AvalonMiner 741", "WhatsMiner M3",
          "Antminer S9")
#: Shihezi's preferential tariff and a small farm's, CNY/kWh.
TARIFFS = (0.28, 0.40)
DAYS = (dt.date(2018, 11, 25), dt.date(2018, 12, 4))
#: The pool fee of ``hashwinter shutdown`` (its default). [fraction]
POOL_FEE = 0.02
#: The set figures.csv checks on 25 Nov at 0.40: under water, and above it.
UNDER_WATER, ABOVE_WATER = ("Antminer S7", "Antminer T9+", "AvalonMiner 741",
                            "WhatsMiner M3"), ("Antminer S9",)


def shutdown_rows(ctx: StoryContext, day: dt.date) -> pd.DataFrame:
    """Return the shutdown table of :data:`MODELS` x :data:`TARIFFS` on ``day`` (CNY)."""
    from hashwinter.data.network import load_network_state
    from hashwinter.economics.table import shutdown_table

    state = load_network_state(day, "CNY", store_path=ctx.store)
    machines = [default_catalog().get(m) for m in MODELS]
    table = shutdown_table([m.model for m in machines],
                           np.array([m.hashrate for m in machines]),
                           np.array([m.power for m in machines]), TARIFFS, state,
                           pool_fee=POOL_FEE)
    table.insert(0, "date", day.isoformat())
    table["difficulty"] = state.difficulty
    return table


def f2pool_section(ctx: StoryContext) -> Section:
    """Which of the story's machines are under water, and by how much, on both days."""
    sec = Section("f2pool", "2. The F2Pool table: 25 November and 4 December 2018")
    tables = [shutdown_rows(ctx, day) for day in DAYS]
    both = pd.concat(tables, ignore_index=True)
    sec.tables["shutdown"] = both
    sec.paragraphs.append(
        "Shutdown price (关机价) of each machine: the coin price at which a day's coins pay "
        "exactly its power, at 0.28 CNY/kWh (Shihezi) and 0.40 (a small farm), on the day's "
        "difficulty, subsidy and fees from the store, with a 2 % pool fee — the table of "
        "`hashwinter shutdown --date DAY --currency CNY -t 0.28 -t 0.4`. A negative margin is "
        "a machine under water; \"price / shutdown − 1\" says by how much.")
    for day, table in zip(DAYS, tables, strict=True):
        price = float(table["price"].iloc[0])
        sec.html.append(f"<h3>{day:%d %B %Y}: BTC {price:,.0f} CNY, difficulty "
                        f"{float(table['difficulty'].iloc[0]):.4g}</h3>")
        rows = [(r.model, f"{r.tariff:.2f}", f"{r.revenue_per_day:,.2f}",
                 f"{r.power_cost_per_day:,.2f}", f"{r.margin_per_day:+,.2f}",
                 f"{r.shutdown_price:,.0f}", f"{r.price_to_shutdown:+.0%}",
                 "above water" if r.above_shutdown else "UNDER WATER")
                for r in table.itertuples()]
        sec.html.append(table_html(
            ("machine", "tariff CNY/kWh", "revenue CNY/day", "power CNY/day", "margin CNY/day",
             "shutdown price CNY/BTC", "price / shutdown − 1", "verdict"), rows))
    nov25 = tables[0]
    at40 = nov25[nov25["tariff"] == 0.40].set_index("model")
    holds = bool((at40.loc[list(UNDER_WATER), "margin_per_day"] <= 0).all()
                 and (at40.loc[list(ABOVE_WATER), "margin_per_day"] > 0).all())
    src = ("store state of 2018-11-25 (btc_daily.csv, usd_cny_daily.csv); asic_miners "
           "catalog; economics.table.shutdown_table, pool fee 2 %")
    margin = {str(k): float(v) for k, v in at40["margin_per_day"].items()}
    sec.measures["s9_shutdown_nov25"] = Measure(
        float(at40["shutdown_price"].to_numpy(np.float64)[at40.index == "Antminer S9"][0]), src,
        "pool fee 2 % (the shutdown command's default), PUE 1, fees = 7-day mean per block")
    under = ", ".join(f"{m} {margin[m]:+.2f}" for m in UNDER_WATER)
    sec.measures["old_models_under_water"] = Measure(
        1.0 if holds else 0.0, src, "",
        text=f"{'holds' if holds else 'does not hold'}: {under}; S9 "
             f"{margin['Antminer S9']:+.2f} CNY/day")
    sec.sources.append(src)
    return sec
