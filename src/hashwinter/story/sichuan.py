"""Section 7: Sichuan's dry season — the farms that move north, and those that unplug.

* examples/sichuan_hydro.toml: a hydro farm (S9, T9+, S7) on the built-in
  ``sichuan_hydro_2018`` tariff (0.08 CNY/kWh April–October, 0.28 November–March): which
  cohorts unplug when the dry season starts on 1 November;
* examples/shihezi_follow_plan.toml: Hu's farm following the planner's seasonal moves
  (examples/plans/shihezi_sichuan_2019_moves.csv: into Sichuan's hydro for the wet season,
  back north to Shihezi for the dry one) against the same farm staying put.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from hashwinter.reports.html import table_html
from hashwinter.story.charts import COLORS, styled
from hashwinter.story.context import StoryContext
from hashwinter.story.farms import run_file
from hashwinter.story.section import Section

__all__ = ["sichuan_section"]


def sichuan_section(ctx: StoryContext) -> Section:
    """Unplugged share per cohort around 1 Nov 2018; follow-the-plan against stay put."""
    sec = Section("sichuan", "7. Sichuan's dry season: the farms that move north, and those "
                  "that unplug")
    hydro = run_file(ctx.example("sichuan_hydro.toml"), ctx.store)
    c = hydro.cohorts.copy()
    c["date"] = pd.to_datetime(c["date"])
    c["off_share"] = c["unplugged_machines"] / c["installed_machines"].where(
        c["installed_machines"] > 0)
    sec.tables["hydro_cohorts"] = c[["date", "cohort", "installed_machines",
                                     "unplugged_machines", "off_share",
                                     "shutdown_price_cny_per_btc", "price_cny_per_btc"]]
    wet = c[c["date"] < "2018-11-01"].groupby("cohort", sort=False)["off_share"].mean()
    dry = c[c["date"] >= "2018-11-01"].groupby("cohort", sort=False)["off_share"].mean()
    plan = run_file(ctx.example("shihezi_follow_plan.toml"), ctx.store)
    comparison = plan.plan_comparison()
    sec.paragraphs += [
        "The story: hydropower is cheap in Sichuan's wet season; from late November farms fall "
        "back on dearer thermal power and more machines cross their shutdown price; machines "
        "migrate with the seasons.",
        "sichuan_hydro.toml (0.08 CNY/kWh to October, 0.28 from 1 November): the share of each "
        "cohort's machines unplugged, wet season (Sep–Oct) against dry (Nov–Dec): "
        + "; ".join(f"{name}: {wet.get(name, 0):.0%} → {dry.get(name, 0):.0%}"
                    for name in dry.index) + ".",
        "Hu's farm following the planner's moves (Shihezi → Sichuan hydro for the wet season of "
        "2019, back north for the dry one) against the same farm staying put at 0.28 "
        "(shihezi_follow_plan.toml, 1 Nov 2018 – 31 Dec 2019):",
    ]
    if comparison is not None:
        sec.tables["plan_comparison"] = comparison
        sec.html.append(table_html([str(c) for c in comparison.columns], [
            tuple(f"{v:,.0f}" if isinstance(v, float) else v for v in row)
            for row in comparison.itertuples(index=False)]))
    fig = go.Figure()
    for i, (name, g) in enumerate(c.groupby("cohort", sort=False)):
        fig.add_trace(go.Scatter(x=g["date"], y=g["off_share"] * 100, name=str(name),
                                 line=dict(color=COLORS[i], width=2)))
    fig.add_vline(x=pd.Timestamp("2018-11-01"), line=dict(color="#111111", dash="dash"))
    sec.figures.append(styled(fig, "Sichuan hydro farm: share of machines unplugged, % "
                              "(dry season from 1 Nov)", "% unplugged"))
    sec.sources += ["examples/sichuan_hydro.toml", "examples/shihezi_follow_plan.toml",
                    "examples/plans/shihezi_sichuan_2019_moves.csv",
                    "examples/sites/sichuan_wet_season.toml"]
    return sec
