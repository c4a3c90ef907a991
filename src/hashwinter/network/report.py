"""Outputs of a network run: tidy tables, a terminal summary and an HTML report.

Tables (CSV, units in column names; path 0 for the history price, the mean over paths
otherwise where said):

* ``network_daily.csv`` — per day and path: simulated hashrate [EH/s] and difficulty,
  the history's (``D 2^32 / 600``), the price [USD/BTC], and the expected block
  interval at the day's end (``D 2^32 / H``) [s] beside the history's (86,400 / blocks);
* ``network_fan.csv`` — per day: quantiles over the paths (5, 25, 50, 75, 95 %) of the
  simulated hashrate [EH/s] and difficulty, beside the history's;
* ``retargets.csv`` — per path, each simulated retarget: day, relative change, the
  difficulties before and after, the height, and under Bitcoin's rule the window's mean
  block time [s] (network.blocktimes; a per-block rule: the day's net change);
* ``block_times.csv`` — per day and path: blocks found and the mean time between them
  [s] (86,400 / blocks), beside the history's blocks;
* ``hashrate_by_region.csv``, ``hashrate_by_size.csv`` — per day, group: running
  hashrate [EH/s] (mean over paths);
* ``used_prices.csv`` — per day and tier: clearing price [USD/machine], machines
  traded and machines scrapped (path 0), and the tier machine's shutdown price at the
  median farm tariff [USD/BTC] and its daily margin at that price;
* ``electricity.csv`` — per day: the simulated fleet's consumption and the CBECI-style
  lower / best / upper bounds of the history [TWh/yr] (network.electricity);
* ``dry_season.csv`` (with ``[migration]``) — per day: machines of the hydro sites in
  their dry season running at a sister site, and off (dark at home, in transit, or
  unplugged there) (path 0);
* ``makers_daily.csv``, ``makers_quarterly.csv`` (with makers) — per day / quarter and
  maker: machines produced, sold (delivered), held as inventory and placed at host farms
  (at the day's or quarter's end), running (own and hosted), and revenue [USD] (path 0).

Every table is also written as Parquet (same stem, ``.parquet``).
"""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from hashwinter.chain import hashrate_from_difficulty
from hashwinter.economics.revenue import revenue_per_day
from hashwinter.hardware import default_catalog
from hashwinter.network.blocktimes import block_time_table, daily_blocks, retarget_table
from hashwinter.network.dynamics import NetworkRun
from hashwinter.network.electricity import electricity_bounds
from hashwinter.units import HASHES_PER_DIFFICULTY

__all__ = ["network_tables", "summary_lines", "write_outputs"]

_EXA = 1e18


def _daily(run: NetworkRun) -> pd.DataFrame:
    rec = run.record
    n_days, n_paths = rec.hashrate.shape
    dates = np.repeat(pd.DatetimeIndex(run.dates).date, n_paths)
    real_d = run.history["difficulty"].to_numpy(np.float64)
    return pd.DataFrame({
        "date": dates, "path": np.tile(np.arange(n_paths), n_days),
        "hashrate_ehs": rec.hashrate.ravel() / _EXA, "difficulty": rec.difficulty.ravel(),
        "history_hashrate_ehs": np.repeat(hashrate_from_difficulty(real_d), n_paths) / _EXA,
        "history_difficulty": np.repeat(real_d, n_paths),
        "price_usd": run.price.T.ravel(),
        "block_interval_s": (rec.difficulty * HASHES_PER_DIFFICULTY / rec.hashrate).ravel(),
        "history_block_interval_s": np.repeat(
            86400.0 / run.history["blocks"].to_numpy(np.float64), n_paths),
    })


#: Quantiles of the fan chart and table (5 .. 95 %).
FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Paths drawn one by one beside the fan (the rest are in the quantiles).
SAMPLE_PATHS = 3


def _fan(run: NetworkRun) -> pd.DataFrame:
    """Return per day the quantiles over the paths of hashrate [EH/s] and difficulty."""
    rec, hist = run.record, run.history
    real_d = hist["difficulty"].to_numpy(np.float64)
    out = pd.DataFrame({"date": pd.DatetimeIndex(run.dates).date,
                        "history_hashrate_ehs": hashrate_from_difficulty(real_d) / _EXA,
                        "history_difficulty": real_d})
    h = np.quantile(rec.hashrate, FAN_QUANTILES, axis=1) / _EXA  # (Q, T)
    d = np.quantile(rec.difficulty, FAN_QUANTILES, axis=1)
    for q, hq, dq in zip(FAN_QUANTILES, h, d, strict=True):
        out[f"hashrate_ehs_q{round(q * 100):02d}"] = hq
        out[f"difficulty_q{round(q * 100):02d}"] = dq
    return out


def _blocks(run: NetworkRun) -> np.ndarray:
    """Return the blocks found each day (T, P) (network.blocktimes)."""
    return daily_blocks(run.record.issuance, run.history["fees_per_block"].to_numpy(np.float64),
                        run.start_height)


def _retargets(run: NetworkRun) -> pd.DataFrame:
    return retarget_table(run.dates, run.record.difficulty, _blocks(run), run.start_height,
                          run.scenario.network.rule)


def _block_times(run: NetworkRun) -> pd.DataFrame:
    return block_time_table(run.dates, _blocks(run), run.history["blocks"].to_numpy(np.float64))


def _groups(run: NetworkRun, values: np.ndarray, names: tuple[str, ...],
            label: str) -> pd.DataFrame:
    mean = values.mean(axis=1) / _EXA  # (T, G)
    days = pd.DatetimeIndex(run.dates).date
    return pd.DataFrame({"date": np.repeat(days, len(names)),
                         label: np.tile(np.asarray(names, dtype=object), len(days)),
                         "hashrate_ehs": mean.ravel()})


def _used(run: NetworkRun) -> pd.DataFrame:
    pop, rec, hist = run.population, run.record, run.history
    tariff = float(np.median(pop.farm_tariff))
    pue = run.scenario.population.pue
    coins = np.asarray(revenue_per_day(pop.tier_hashrate[None, :],
                                       rec.difficulty[:, :1], hist["subsidy"].to_numpy()[:, None],
                                       1.0, hist["fees_per_block"].to_numpy()[:, None]))
    cost = pop.tier_power[None, :] * pue * 24 / 1000 * tariff
    shutdown = cost / coins
    margin = coins * run.price[0][:, None] - cost
    days = pd.DatetimeIndex(run.dates).date
    k = len(pop.tier_model)
    return pd.DataFrame({
        "date": np.repeat(days, k), "tier": np.tile(np.arange(k), len(days)),
        "model": np.tile(np.asarray(pop.tier_model, dtype=object), len(days)),
        "used_price_usd": rec.used_price[:, 0, :].ravel(),
        "machines_traded": rec.traded[:, 0, :].ravel(),
        "machines_scrapped": rec.scrapped[:, 0, :].ravel(),
        "shutdown_price_usd_per_btc": shutdown.ravel(),
        "margin_usd_per_day": margin.ravel(),
    })


def _electricity(run: NetworkRun) -> pd.DataFrame:
    hist = run.history
    machines = [m for m in default_catalog().machines(algorithm="sha256")
                if m.release is not None]
    real_h = hashrate_from_difficulty(hist["difficulty"].to_numpy(np.float64))
    rev = np.asarray(revenue_per_day(1.0, hist["difficulty"].to_numpy(np.float64),
                                     hist["subsidy"].to_numpy(np.float64),
                                     hist["price"].to_numpy(np.float64),
                                     hist["fees_per_block"].to_numpy(np.float64)))
    bounds = electricity_bounds(
        real_h, rev, run.dates, np.array([m.power / m.hashrate for m in machines]),
        np.array([np.datetime64(m.release, "D") for m in machines if m.release is not None]))
    # The running fleet's wall power (every tier, the makers' new models included), the
    # mean over paths, times the PUE, as TWh a year (8,766 h: the Julian year).
    twh = run.record.power.mean(axis=1) * run.scenario.population.pue * 8766 / 1e12
    out = pd.DataFrame({"date": pd.DatetimeIndex(run.dates).date, "simulated_twh_per_yr": twh})
    for name in ("lower", "best", "upper"):
        out[f"{name}_twh_per_yr"] = np.asarray(getattr(bounds, name))
    return out


def _makers(run: NetworkRun) -> tuple[pd.DataFrame, pd.DataFrame]:
    rec = run.record
    names = [m.name for m in run.scenario.makers.maker]
    days = pd.DatetimeIndex(run.dates)
    frames = []
    for i, name in enumerate(names):
        frames.append(pd.DataFrame({
            "date": days, "maker": name, "produced": rec.produced[:, 0, i],
            "sold": rec.delivered[:, 0, i], "inventory": rec.inventory[:, 0, i],
            "hosted": rec.hosted[:, 0, i],
            "running": rec.maker_running[:, 0, i], "revenue_usd": rec.maker_revenue[:, 0, i]}))
    daily = pd.concat(frames, ignore_index=True)
    daily["quarter"] = daily["date"].dt.to_period("Q").astype(str)
    quarterly = daily.groupby(["maker", "quarter"], sort=False).agg(
        produced=("produced", "sum"), sold=("sold", "sum"), revenue_usd=("revenue_usd", "sum"),
        inventory_end=("inventory", "last"), hosted_end=("hosted", "last"),
        running_end=("running", "last"),
        days=("date", "size")).reset_index()
    daily["date"] = daily["date"].dt.date
    return daily.drop(columns="quarter"), quarterly


def _dry_season(run: NetworkRun) -> pd.DataFrame:
    rec = run.record
    return pd.DataFrame({"date": pd.DatetimeIndex(run.dates).date,
                         "machines_running_at_sister_sites": rec.dry_running[:, 0],
                         "machines_off_in_dry_season": rec.dry_off[:, 0]})


def network_tables(run: NetworkRun) -> dict[str, pd.DataFrame]:
    """Return the run's tidy tables by file stem (see the module docstring)."""
    pop = run.population
    extra = {}
    if pop.n_makers:
        extra = dict(zip(("makers_daily", "makers_quarterly"), _makers(run), strict=True))
    if run.scenario.migration.enabled:
        extra["dry_season"] = _dry_season(run)
    return {**extra,
        "network_daily": _daily(run),
        "network_fan": _fan(run),
        "retargets": _retargets(run),
        "block_times": _block_times(run),
        "hashrate_by_region": _groups(run, run.record.by_region, pop.regions, "region"),
        "hashrate_by_size": _groups(run, run.record.by_size, run.size_labels, "farm_size"),
        "used_prices": _used(run),
        "electricity": _electricity(run),
    }


def summary_lines(run: NetworkRun) -> list[str]:
    """Return the terminal summary: population, November's fall, retargets, trades."""
    pop, rec = run.population, run.record
    dates = pd.DatetimeIndex(run.dates)
    h = pd.Series(rec.hashrate[:, 0], index=dates).rolling(7).mean()
    makers = f" + {pop.n_makers} makers" if pop.n_makers else ""
    lines = [f"{run.scenario.name}: {pop.n_farms - pop.n_makers} farms{makers} x "
             f"{pop.tier_hashrate.size} tiers "
             f"= {pop.cohort_owner.size} cohorts, {pop.farm_machines.sum() / 1e6:.2f} M machines, "
             f"{pop.hashrate / _EXA:.1f} EH/s on {dates[0].date()} "
             f"(regions from the map of {pop.map_month})",
             f"paths: {rec.hashrate.shape[1]}; days: {len(dates)}; blocks "
             f"{run.scenario.network.blocks}, retarget rule {run.scenario.network.rule}"]
    nov = (pd.Timestamp("2018-11-01"), pd.Timestamp("2018-11-30"))
    if nov[0] >= dates[6] and nov[1] <= dates[-1]:
        lines.append(f"7-day-mean hashrate 1 -> 30 Nov 2018 (path 0): "
                     f"{h[nov[1]] / h[nov[0]] - 1:+.1%}")
    ret = _retargets(run)
    ret0 = ret[ret["path"] == 0]
    if run.scenario.network.rule == "bitcoin":
        lines.append("retargets (path 0): " + ", ".join(
            f"{d:%d %b %Y} {c:+.1%}" for d, c in zip(ret0["date"], ret0["change"], strict=True)))
    else:
        lines.append(f"difficulty changes every block ({run.scenario.network.rule}); day "
                     f"changes (path 0) from {ret0['change'].min():+.1%} to "
                     f"{ret0['change'].max():+.1%}" if len(ret0) else "no difficulty change")
    gaps = 86400.0 / _blocks(run)
    lines.append(f"mean time between blocks: {gaps.mean():.0f} s over days and paths "
                 f"(days of path 0 from {gaps[:, 0].min():.0f} to {gaps[:, 0].max():.0f} s)")
    dry = rec.dry_running[:, 0] + rec.dry_off[:, 0]
    if (dry > 0).any():
        # The day the most hydro machines were in their dry season (all sites dark).
        peak = int(np.argmax(dry))
        lines.append(f"dry season (path 0): on {dates[peak].date()} "
                     f"{rec.dry_running[peak, 0]:,.0f} hydro machines run at sister sites, "
                     f"{rec.dry_off[peak, 0]:,.0f} are off (dark, in transit or unplugged)")
    broke = int((run.result.broke_step >= 0).sum())
    lines.append(f"machines traded: {np.nansum(rec.traded[:, 0]):,.0f}, scrapped: "
                 f"{rec.scrapped[:, 0].sum():,.0f} (path 0); farms broke (all paths): {broke}")
    for i, m in enumerate(run.scenario.makers.maker):
        lines.append(f"{m.name}: sold {rec.delivered[:, 0, i].sum():,.0f} machines "
                     f"({rec.maker_revenue[:, 0, i].sum() / 1e6:,.0f} M USD), inventory at the "
                     f"end {rec.inventory[-1, 0, i]:,.0f}"
                     + (f", hosted {rec.hosted[-1, 0, i]:,.0f}" if m.hosted_slots else "")
                     + " (path 0)")
    return lines


def _html(run: NetworkRun, tables: dict[str, pd.DataFrame]) -> str:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from hashwinter.reports.html import figure_div, page

    daily = tables["network_daily"]
    fan = tables["network_fan"]
    n_paths = int(daily["path"].max()) + 1
    figs = []
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True,
                        subplot_titles=("Hashrate [EH/s]", "Difficulty"))
    if n_paths > 1:
        # A fan (5-95 % and 25-75 % of the paths, the median), not a line per path: a
        # thousand paths would make the page unreadable and tens of MB.
        for row, stem in ((1, "hashrate_ehs"), (2, "difficulty")):
            for lo, hi, shade in (("05", "95", 0.15), ("25", "75", 0.3)):
                fig.add_trace(go.Scatter(x=fan["date"], y=fan[f"{stem}_q{hi}"], mode="lines",
                                         line={"width": 0}, showlegend=False), row, 1)
                fig.add_trace(go.Scatter(
                    x=fan["date"], y=fan[f"{stem}_q{lo}"], mode="lines", line={"width": 0},
                    fill="tonexty", fillcolor=f"rgba(31,119,180,{shade})",
                    name=f"simulated {lo}-{hi} %", showlegend=row == 1), row, 1)
            fig.add_trace(go.Scatter(x=fan["date"], y=fan[f"{stem}_q50"], mode="lines",
                                     line={"color": "rgb(31,119,180)"}, name="median",
                                     showlegend=row == 1), row, 1)
    for p in range(min(n_paths, SAMPLE_PATHS) if n_paths > 1 else 1):
        grp = daily[daily["path"] == p]
        show = p == 0
        fig.add_trace(go.Scatter(x=grp["date"], y=grp["hashrate_ehs"], mode="lines",
                                 line={"width": 1, "color": "rgba(214,39,40,0.5)"
                                       if n_paths > 1 else "rgb(31,119,180)"},
                                 name="path" if n_paths > 1 else "simulated",
                                 showlegend=bool(show)), 1, 1)
        fig.add_trace(go.Scatter(x=grp["date"], y=grp["difficulty"], mode="lines",
                                 line={"width": 1, "color": "rgba(214,39,40,0.5)"
                                       if n_paths > 1 else "rgb(31,119,180)"},
                                 showlegend=False), 2, 1)
    first = daily[daily["path"] == 0]
    fig.add_trace(go.Scatter(x=first["date"], y=first["history_hashrate_ehs"], name="history",
                             line={"color": "black"}), 1, 1)
    fig.add_trace(go.Scatter(x=first["date"], y=first["history_difficulty"],
                             line={"color": "black"}, showlegend=False), 2, 1)
    figs.append(fig)
    ret = tables["retargets"]
    figs.append(go.Figure(go.Bar(x=ret["date"], y=ret["change"] * 100),
                          layout={"title": "Retargets [%]"}))
    f = go.Figure(layout={"title": "Block times [s] (path 0)"})
    times = tables["block_times"]
    times = times[times["path"] == 0]
    f.add_trace(go.Scatter(x=times["date"], y=times["mean_block_time_s"],
                           name="simulated (86,400 / blocks of the day)"))
    f.add_trace(go.Scatter(x=first["date"], y=first["block_interval_s"],
                           name="simulated, expected at the day's end (D 2^32 / H)",
                           line={"dash": "dot"}))
    f.add_trace(go.Scatter(x=first["date"], y=first["history_block_interval_s"],
                           name="history (86,400 / blocks)", line={"color": "black"}))
    figs.append(f)
    if "makers_daily" in tables:
        md = tables["makers_daily"]
        f = make_subplots(rows=2, cols=1, shared_xaxes=True,
                          subplot_titles=("Makers' sales [machines/day]",
                                          "Makers' inventory and machines running"))
        for name, grp in md.groupby("maker", sort=False):
            f.add_trace(go.Scatter(x=grp["date"], y=grp["sold"], name=f"{name} sold"), 1, 1)
            f.add_trace(go.Scatter(x=grp["date"], y=grp["inventory"],
                                   name=f"{name} inventory"), 2, 1)
            f.add_trace(go.Scatter(x=grp["date"], y=grp["running"], name=f"{name} running",
                                   line={"dash": "dot"}), 2, 1)
            if grp["hosted"].any():
                f.add_trace(go.Scatter(x=grp["date"], y=grp["hosted"],
                                       name=f"{name} hosted"), 2, 1)
        figs.append(f)
    for key, col in (("hashrate_by_region", "region"), ("hashrate_by_size", "farm_size")):
        t = tables[key]
        f = go.Figure(layout={"title": f"Running hashrate by {col.replace('_', ' ')} [EH/s]"})
        for name, grp in t.groupby(col):
            f.add_trace(go.Scatter(x=grp["date"], y=grp["hashrate_ehs"], name=str(name),
                                   stackgroup="one"))
        figs.append(f)
    used = tables["used_prices"]
    f = make_subplots(rows=2, cols=1, shared_xaxes=True,
                      subplot_titles=("Used price [USD/machine]",
                                      "Shutdown price at the median tariff [USD/BTC]"))
    for model, grp in used.groupby("model"):
        f.add_trace(go.Scatter(x=grp["date"], y=grp["used_price_usd"], name=str(model),
                               mode="markers+lines"), 1, 1)
        f.add_trace(go.Scatter(x=grp["date"], y=grp["shutdown_price_usd_per_btc"],
                               name=str(model), showlegend=False), 2, 1)
    f.add_trace(go.Scatter(x=first["date"], y=first["price_usd"], name="BTC price",
                           line={"color": "black"}), 2, 1)
    figs.append(f)
    el = tables["electricity"]
    f = go.Figure(layout={"title": "Electricity [TWh/yr]"})
    for c in ("lower_twh_per_yr", "best_twh_per_yr", "upper_twh_per_yr",
              "simulated_twh_per_yr"):
        f.add_trace(go.Scatter(x=el["date"], y=el[c], name=c.replace("_twh_per_yr", "")))
    figs.append(f)
    summary = "".join(f"<p>{escape(line)}</p>" for line in summary_lines(run))
    return page(f"hashwinter network: {run.scenario.name}",
                summary + "".join(figure_div(f) for f in figs))


def write_outputs(run: NetworkRun, out: Path) -> list[Path]:
    """Write the tables (CSV and Parquet), and the HTML report, into ``out``; return the files.

    Everything is built in memory first, then written (a failure writes nothing).
    """
    tables = network_tables(run)
    html = _html(run, tables)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False)
        frame.to_parquet(out / f"{name}.parquet", index=False)
        written += [path, out / f"{name}.parquet"]
    report = out / "report.html"
    report.write_text(html, encoding="utf-8")
    written.append(report)
    (out / "run.txt").write_text(
        f"written {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n" + "\n".join(summary_lines(run))
        + "\n", encoding="utf-8")
    return written
