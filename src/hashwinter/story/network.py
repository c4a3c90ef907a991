"""Section 8: the network, simulated against history; who absorbed whom; the makers.

Hashrate and difficulty, hashrate by farm size, used-machine prices, electricity bounds.

The run is ``hashwinter network examples/network/winter_2018.toml`` (1,000 farms x 6 tiers on
the real price path, Bitcoin's retarget rule; :func:`hashwinter.network.dynamics.run_network`
and its tables, :func:`hashwinter.network.report.network_tables`) with the farm count of the
scale: 1,000 at ``full``, :data:`CI_FARMS` at ``ci`` (the same machines in fewer, larger
farms). The makers (Bitmain, Canaan) are simulated by the network model where the scenario has
them (``makers_daily`` / ``makers_quarterly`` tables); their reported figures from makers.csv
are tabled beside.

"What if": the population of :data:`CI_FARMS` farms on geometric Brownian price paths from the
1 Oct 2018 price (the scenario's volatility, 0.8 a year; seed the run's), :data:`GBM_PATHS`
of them per scale, for the spread of hashrate and of the early-December retarget. The fan
keeps the small population at both scales: on GBM paths the run cost ~35 s a path at 1,000
farms against ~2 s at 150 on this machine (load ~8, benchmarks/RESULTS.md); more paths say more
about a spread than more farms do.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hashwinter.network.config import MigrationConfig
from hashwinter.reports.html import table_html
from hashwinter.story.charts import COLORS, styled
from hashwinter.story.context import StoryContext
from hashwinter.story.section import Measure, Section

__all__ = ["CI_FARMS", "network_section", "retarget_near"]

CI_FARMS = 150
#: GBM price paths of the "what if" run, per scale.
GBM_PATHS = {"ci": 3, "full": 20}
#: The retarget the story's "−14.8 % in a month" refers to (the real one: −15.1 %, block
#: 554,400 on 3 Dec 2018); a simulated retarget within this many days of it is that one.
STORY_RETARGET, WINDOW_DAYS = pd.Timestamp("2018-12-03"), 7


def retarget_near(retargets: pd.DataFrame, day: pd.Timestamp = STORY_RETARGET,
                  window_days: int = WINDOW_DAYS) -> tuple[pd.Timestamp, float] | None:
    """Path 0's simulated retarget closest to ``day`` within ``window_days``: (date, change)."""
    r = retargets[retargets["path"] == 0].copy()
    r["gap"] = (pd.to_datetime(r["date"]) - day).abs()
    r = r[r["gap"] <= pd.Timedelta(days=window_days)].sort_values("gap")
    if r.empty:
        return None
    return pd.Timestamp(r["date"].iloc[0]), float(r["change"].iloc[0])


def _spread(changes: list[float], paths: int) -> str:
    """Describe the retargets of the paths: median and range, and paths without one."""
    if not changes:
        return f"no path retargets within a week of 3 Dec ({paths} paths)"
    s = pd.Series(changes)
    none = paths - len(changes)
    return (f"median {s.median():+.1%}, from {s.min():+.1%} to {s.max():+.1%} over "
            f"{len(changes)} paths" + (f" ({none} without a retarget within a week)"
                                       if none else ""))


def _makers_line(tables: dict[str, pd.DataFrame]) -> str:
    """Describe the simulated makers' quarters (or say the scenario has none)."""
    q = tables.get("makers_quarterly")
    if q is None or q.empty:
        return ("Makers: the scenario simulates none; their reported sales and results, from "
                "makers.csv, are tabled after the charts.")
    parts = [f"{r.maker} {r.quarter}: {r.sold:,.0f} machines sold of {r.produced:,.0f} made, "
             f"{r.inventory_end:,.0f} in stock at the end" for r in q.itertuples()]
    return ("Makers, simulated (sell in a bull market, mine in a bear market): "
            + "; ".join(parts) + ". Their reported figures (makers.csv) are tabled after the "
            "charts.")


def _makers(ctx: StoryContext) -> pd.DataFrame:
    return pd.read_csv(ctx.data_file("makers.csv"))


#: The days the dry-season sentence reads: before it, ten days in, at November's end.
DRY_SEASON_DAYS = ("2018-10-31", "2018-11-10", "2018-11-30")


def _dry_season_line(by_region: pd.DataFrame, migration: MigrationConfig) -> str:
    """Describe the origin's running hashrate and its destinations' on DRY_SEASON_DAYS."""
    rows = by_region[by_region["path"] == 0] if "path" in by_region else by_region
    table = rows.pivot_table(index="date", columns="region", values="hashrate_ehs")
    table.index = pd.to_datetime(table.index)
    days = [pd.Timestamp(d) for d in DRY_SEASON_DAYS]
    origin, north = migration.origin, [r for r in migration.destinations if r in table]
    if (not migration.enabled or origin not in table
            or not all(d in table.index for d in days)):
        return "The run moves no farm in the dry season ([migration] is off)."
    values = table.reindex(index=days, columns=[origin, *north]).to_numpy(float)
    home, away = values[:, 0].tolist(), values[:, 1:].sum(axis=1).tolist()
    share = ("the map's share" if migration.sister_share is None
             else f"a share {migration.sister_share:g}")
    return (f"{origin}'s dry season in the network ([migration]: its hydro-only sites lose "
            f"their power from 1 November; {share} of them move to a sister site with "
            f"{migration.transit_days} days in transit, the rest go dark and "
            f"{'sell' if migration.dark_sites_sell else 'wait for the water'}): "
            f"{origin}'s running hashrate " + " → ".join(f"{v:.1f}" for v in home)
            + f" EH/s and {' + '.join(north)}'s " + " → ".join(f"{v:.1f}" for v in away)
            + " EH/s on " + ", ".join(f"{d:%d %b}" for d in days) + ".")


def _dry_counts_line(dry: pd.DataFrame | None) -> str:
    """Describe the dry season's machines that moved and that are off, on DRY_SEASON_DAYS."""
    if dry is None or dry.empty:
        return ""
    index = pd.DatetimeIndex(pd.to_datetime(dry["date"]))
    moved = pd.Series(dry["machines_running_at_sister_sites"].to_numpy(float), index=index)
    off = pd.Series(dry["machines_off_in_dry_season"].to_numpy(float), index=index)
    days = [pd.Timestamp(d) for d in DRY_SEASON_DAYS if pd.Timestamp(d) in index]
    if not days:
        return ""
    return ("The farms that move north, and those that unplug: hydro machines in their dry "
            "season running at a sister site / off (dark, in transit or unplugged) "
            + ", ".join(f"{moved[d]:,.0f} / {off[d]:,.0f} on {d:%d %b}" for d in days)
            + " (path 0).")


def _scrapped_line(used: pd.DataFrame, scrap_after_days: float | None) -> str:
    """Describe the machines the run scrapped, by model (path 0)."""
    if scrap_after_days is None:
        return "The run scraps no machine (market.scrap_after_days is not set)."
    by_model = used.groupby("model", sort=False)["machines_scrapped"].sum()
    by_model = by_model[by_model > 0.5].sort_values(ascending=False)
    if by_model.empty:
        return (f"No machine was off {scrap_after_days:g} days and unsold: the run scrapped "
                "nothing.")
    return (f"Scrapped (off {scrap_after_days:g} days in a row and unsold, at the scrap "
            "floor; the story's M3s became \"a pile of scrap copper and iron\"): "
            + ", ".join(f"{n:,.0f} {m}" for m, n in by_model.items()) + " (path 0).")


def network_section(ctx: StoryContext) -> Section:
    """Run the network: its tables, charts, hashrate_fall_month and canaan_ipo_target."""
    from hashwinter.network.config import load_network_scenario
    from hashwinter.network.dynamics import run_network
    from hashwinter.network.report import network_tables, summary_lines

    path = ctx.example("network/winter_2018.toml")
    scenario, _ = load_network_scenario(path)
    farms = scenario.population.farms if ctx.scale == "full" else CI_FARMS
    scenario = scenario.model_copy(update={
        "population": scenario.population.model_copy(update={"farms": farms, "seed": ctx.seed})})
    run = run_network(scenario, ctx.data_dir, n_paths=1)
    tables = network_tables(run)
    gbm = run_network(scenario.model_copy(update={
        "price": scenario.price.model_copy(update={"kind": "gbm", "seed": ctx.seed}),
        "population": scenario.population.model_copy(update={"farms": CI_FARMS,
                                                             "seed": ctx.seed})}),
        ctx.data_dir, n_paths=GBM_PATHS[ctx.scale])
    fan = network_tables(gbm)
    fan_daily, fan_ret = fan["network_daily"], fan["retargets"]
    dec = [retarget_near(fan_ret[fan_ret["path"] == p].assign(path=0))
           for p in range(GBM_PATHS[ctx.scale])]
    sec = Section("network", "8. The network: hashrate, difficulty, who absorbed whom, makers")
    sec.tables.update(tables)
    sec.tables["gbm_daily"] = fan_daily
    sec.tables["gbm_retargets"] = fan_ret
    near = retarget_near(tables["retargets"])
    daily = tables["network_daily"]
    d0 = daily[daily["path"] == 0]
    sec.paragraphs += [
        "The story: network hashrate fell 14.8 % in a month, \"which also means difficulty fell "
        "14.8 %\"; big, low-cost farms absorb the small ones; the makers sell machines in a "
        "bull market and mine in a bear market.",
        f"The run (winter_2018.toml, {farms:,} farms at this scale, the real price path, "
        "Bitcoin's retarget rule): " + " ".join(summary_lines(run)),
        (f"The simulated retarget nearest 3 Dec 2018 is on {near[0]:%d %b} at {near[1]:+.1%} "
         "(history: −15.1 % on 3 Dec)." if near else
         "No simulated retarget falls within a week of 3 Dec 2018."),
        f"What if the price had wandered instead ({CI_FARMS} farms, {GBM_PATHS[ctx.scale]} GBM "
        "paths, volatility "
        f"{scenario.price.volatility:g} a year, seed {ctx.seed}): the early-December retarget "
        + _spread([d[1] for d in dec if d is not None], len(dec)) + ".",
        _makers_line(tables),
        _dry_season_line(tables["hashrate_by_region"], scenario.migration),
        _scrapped_line(tables["used_prices"], scenario.market.scrap_after_days),
    ]
    counts = _dry_counts_line(tables.get("dry_season"))
    if counts:
        sec.paragraphs.append(counts)
    makers = _makers(ctx)
    shown = makers[makers["metric"].isin(("revenue", "units_delivered", "net_profit",
                                          "ipo_target"))]
    sec.tables["makers_reported"] = shown
    sec.after.append(table_html(("maker", "from", "to", "metric", "value", "unit"), [
        (r.maker, r.period_start, r.period_end, r.metric, f"{r.value:,.1f}", r.unit)
        for r in shown.itertuples()]))
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True,
                        subplot_titles=("Hashrate [EH/s]", "Difficulty"))
    fig.add_trace(go.Scatter(x=d0["date"], y=d0["hashrate_ehs"], name="simulated",
                             line=dict(color=COLORS[0], width=2)), 1, 1)
    fig.add_trace(go.Scatter(x=d0["date"], y=d0["history_hashrate_ehs"], name="history",
                             line=dict(color="#111111", width=2)), 1, 1)
    fig.add_trace(go.Scatter(x=d0["date"], y=d0["difficulty"], showlegend=False,
                             line=dict(color=COLORS[0], width=2)), 2, 1)
    fig.add_trace(go.Scatter(x=d0["date"], y=d0["history_difficulty"], showlegend=False,
                             line=dict(color="#111111", width=2)), 2, 1)
    sec.figures.append(styled(fig, "Hashrate and difficulty: simulated against history",
                              height=520))
    f = go.Figure()
    for p, g in fan_daily.groupby("path"):
        f.add_trace(go.Scatter(x=g["date"], y=g["hashrate_ehs"], mode="lines",
                               line=dict(color="rgba(0,114,178,0.35)", width=1),
                               name="GBM paths", showlegend=bool(p == 0)))
    f.add_trace(go.Scatter(x=d0["date"], y=d0["hashrate_ehs"], name="on the real price",
                           line=dict(color=COLORS[5], width=2)))
    f.add_trace(go.Scatter(x=d0["date"], y=d0["history_hashrate_ehs"], name="history",
                           line=dict(color="#111111", width=2)))
    sec.figures.append(styled(f, "What if: hashrate on GBM price paths", "EH/s"))
    region = tables["hashrate_by_region"]
    f = go.Figure()
    for i, (name, g) in enumerate(region.groupby("region", sort=False)):
        f.add_trace(go.Scatter(x=g["date"], y=g["hashrate_ehs"], name=str(name),
                               stackgroup="one", line=dict(color=COLORS[i % len(COLORS)])))
    sec.figures.append(styled(f, "Sichuan's dry season: running hashrate by region", "EH/s"))
    size = tables["hashrate_by_size"]
    f = go.Figure()
    for i, (name, g) in enumerate(size.groupby("farm_size", sort=False)):
        f.add_trace(go.Scatter(x=g["date"], y=g["hashrate_ehs"], name=str(name),
                               stackgroup="one", line=dict(color=COLORS[i])))
    sec.figures.append(styled(f, "Who absorbed whom: running hashrate by farm size", "EH/s"))
    el = tables["electricity"]
    f = go.Figure()
    for i, c in enumerate(("lower_twh_per_yr", "best_twh_per_yr", "upper_twh_per_yr",
                           "simulated_twh_per_yr")):
        f.add_trace(go.Scatter(x=el["date"], y=el[c], name=c.replace("_twh_per_yr", ""),
                               line=dict(color=COLORS[i], dash="solid" if i == 3 else "dot")))
    sec.figures.append(styled(f, "Electricity: simulated fleet against the CBECI-style bounds",
                              "TWh per year"))
    md = tables.get("makers_daily")
    if md is not None and not md.empty:
        f = make_subplots(rows=2, cols=1, shared_xaxes=True, subplot_titles=(
            "Makers' sales [machines/day]", "Makers' inventory [machines]"))
        for i, (maker, g) in enumerate(md.groupby("maker", sort=False)):
            f.add_trace(go.Scatter(x=g["date"], y=g["sold"], name=str(maker),
                                   line=dict(color=COLORS[i])), 1, 1)
            f.add_trace(go.Scatter(x=g["date"], y=g["inventory"], showlegend=False,
                                   line=dict(color=COLORS[i])), 2, 1)
        sec.figures.append(styled(f, "The makers, simulated: sales and inventory", height=480))
    ipo = makers[(makers["maker"] == "Canaan") & (makers["metric"] == "ipo_target")]
    ipo = ipo.sort_values("period_start")
    src = f"examples/network/winter_2018.toml ({farms} farms); network.run_network"
    sec.measures["hashrate_fall_month"] = Measure(
        near[1] if near else float("nan"), src,
        "the simulated retarget nearest 2018-12-03 (within 7 days), path 0",
        text=f"{near[1]:+.3f} on {near[0]:%Y-%m-%d}" if near else "no retarget near 3 Dec")
    sec.measures["canaan_ipo_target"] = Measure(
        float(ipo["value"].iloc[-1] / ipo["value"].iloc[0]), "makers.csv (ipo_target rows)",
        "latest / earliest Canaan ipo_target row")
    sec.sources += [str(path), "makers.csv", "hashrate_share_by_region.csv",
                    "mining_power_prices.csv"]
    return sec
