"""What ``hashwinter simulate`` and ``sweep`` do (their options: :mod:`hashwinter.cli.simulate`).

Imported only when one of them runs: numpy, pandas and the engine load here, not
at ``hashwinter --help``. A Ctrl-C propagates (outputs are staged, so nothing is
left behind); :func:`hashwinter.cli.app.main` says so in one line and exits 130.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from rich.table import Table

from hashwinter.cli.consoles import stderr_console, stdout_console
from hashwinter.cli.simulate import SummaryFormat
from hashwinter.errors import InputError, InputErrors
from hashwinter.farm import load_farm
from hashwinter.parallel import atomic_output_dir, default_workers, open_executor
from hashwinter.reports.finite import dumps, finite_frame
from hashwinter.reports.html import page, table_html
from hashwinter.resources import Plan, guard_blockclock_run, guard_farm_run, memory_limit
from hashwinter.scenario import (
    LoadedScenario,
    blockclock_summary,
    blockclock_table,
    grid_overrides,
    load_scenario,
    parse_grid,
    run_blockclock,
    write_blockclock_outputs,
)
from hashwinter.scenario.config import BlockClockNetwork
from hashwinter.scenario.farmreport import (
    compact_money,
    farm_paybacks,
    farm_summary,
    farm_tables,
    owner_cash_summary,
    owner_cash_table,
    plan_comparison,
    plan_table,
    write_farm_outputs,
)
from hashwinter.scenario.farmrun import run_farm_sweep, run_farms
from hashwinter.scenario.variants import split_axes

__all__ = ["simulate", "sweep"]

_stdout = stdout_console()
_stderr = stderr_console()


#: Scenario keys set by flags, and the flag an error in them names.
_FLAGS = {"paths": "--paths", "seed": "--seed", "chunk_paths": "--chunk-paths"}


def _overrides(paths: int | None, seed: int | None, chunk: int | None) -> dict[str, Any]:
    given = {"paths": paths, "seed": seed, "chunk_paths": chunk}
    return {k: v for k, v in given.items() if v is not None}


def _farm_cohorts(loaded: LoadedScenario) -> list[int]:
    """Return the fleet items per farm of a scenario (a missing file counts 1; it fails later)."""
    counts = []
    for ref in loaded.config.farms:
        path = Path(ref.file)
        path = path if path.is_absolute() else loaded.base_dir / path
        if not path.is_file():
            counts.append(1)
            continue
        farm = load_farm(path).config
        plans = [p for p in farm.policies if getattr(p, "kind", None) == "follow_plan"]
        # A plan adds a slot and a road cohort per fleet item and site it names (at most),
        # and its farm runs twice (follow the plan, stay put).
        sites = {s for p in plans for r in p.rows for s in (r.from_site, r.to_site)}
        n = len(farm.fleet) * (1 + 2 * len(sites))
        counts.extend([n, n] if plans else [n])
    return counts


def _resource_plan(
    scenarios: Sequence[LoadedScenario], workers: int | None, cluster: str | None,
    memory: str | None,
) -> Plan:
    """Estimate the memory of the run from its shapes; refuse it, or run fewer chunks at once.

    With a Dask cluster the chunks run elsewhere: only the results, gathered here,
    are counted.
    """
    limit = memory_limit(memory)
    asked = 1 if cluster is not None else (workers or default_workers())
    c = scenarios[0].config
    net = c.network
    if isinstance(net, BlockClockNetwork):
        rules = [len(item.config.network.rules)  # type: ignore[union-attr]
                 for item in scenarios]
        plan = guard_blockclock_run(
            paths=c.paths, blocks=net.blocks, rules=rules, trace_every=net.trace_every,
            chunk_paths=c.chunk_paths, workers=asked, limit=limit)  # fmt: skip
    else:
        days = max(2, round(c.horizon_days or 2))
        plan = guard_farm_run(
            paths=c.paths, days=days, cohorts=_farm_cohorts(scenarios[0]),
            chunk_paths=c.chunk_paths, workers=asked, limit=limit, points=len(scenarios),
        )  # fmt: skip
    if plan.note is not None:
        _stderr.print(f"note: {plan.note}", markup=False)
    return plan


def _where(cluster: str | None, workers: int | None) -> str:
    """Say where the chunks ran, for meta.json."""
    if cluster is not None:
        return cluster
    return "this process" if workers == 1 else f"{workers} local processes"


def _meta(loaded: LoadedScenario, seconds: float, where: str) -> dict[str, Any]:
    c = loaded.config
    return {
        "scenario": c.name,
        "source": loaded.source,
        "paths": c.paths,
        "seed": c.seed,
        "chunk_paths": c.chunk_paths,
        "overrides": dict(loaded.overrides),
        "executor": where,
        "seconds": round(seconds, 3),
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "config": c.model_dump(mode="json"),
    }


def _print_frame(frame: pd.DataFrame, fmt: SummaryFormat) -> None:
    if fmt is SummaryFormat.csv:
        text = finite_frame(frame).to_csv(index=False, float_format="%.10g")
        _stdout.print(text, end="", markup=False)
    else:
        _stdout.print(dumps(frame.to_dict(orient="records"), indent=2, default=str), markup=False)


def _blockclock_notes(loaded: LoadedScenario) -> list[str]:
    c = loaded.config
    notes = [
        f"{c.paths:,} paths, seed {c.seed}, chunks of {c.chunk_paths} paths (chunk i uses "
        "child i of numpy SeedSequence(seed)); all rules share the draws.",
        "Mean and std: over paths, of each path's mean and sample standard deviation of "
        "block intervals; share over X min: paths with at least one longer interval "
        "(Noda, Okumura & Hashimoto's statistics).",
    ]
    return [c.description, *notes] if c.description else notes


def _farm_notes(loaded: LoadedScenario) -> list[str]:
    c = loaded.config
    notes = [
        f"{c.paths:,} paths, seed {c.seed}, chunks of {c.chunk_paths} paths; every farm sees "
        "the same price paths.",
        "P&L: change of equity (cash + coins at the day's price) since the start, capex paid "
        "in the window included. VaR and CVaR are losses (positive = money lost).",
        "Broke: cash below zero after forced coin sales (the engine's rule); the probability "
        "counts paths broke by each day.",
        "Payback of a fleet item: first day its cumulative operating margin (mined coins at "
        "the day's price minus power, management, hosting and restart costs) covers its cost.",
    ]
    return [c.description, *notes] if c.description else notes


def simulate(
    scenario: Path,
    *,
    paths: int | None,
    seed: int | None,
    out: Path | None,
    cluster: str | None,
    workers: int | None,
    chunk_paths: int | None,
    progress: bool,
    fmt: SummaryFormat,
    memory: str | None,
) -> None:
    """Run ``hashwinter simulate`` (see :func:`hashwinter.cli.simulate.simulate_command`)."""
    loaded = load_scenario(scenario, overrides=_overrides(paths, seed, chunk_paths),
                           flags=_FLAGS)
    c = loaded.config
    plan = _resource_plan([loaded], workers, cluster, memory)
    workers = plan.workers if cluster is None else workers
    started = time.perf_counter()
    with open_executor(cluster, workers=workers) as executor:
        if c.kind == "farm":
            farms = run_farms(loaded, executor, progress=progress, console=_stderr)
        else:
            (result,) = run_blockclock([loaded], executor, progress=progress, console=_stderr)
    seconds = time.perf_counter() - started
    meta = _meta(loaded, seconds, _where(cluster, workers))
    if c.kind == "farm":
        levels = c.report.var_levels
        summary = farm_summary(farms, levels)
        if out is not None:
            with atomic_output_dir(out) as staging:
                write_farm_outputs(
                    staging, farms, levels, meta=meta, notes=_farm_notes(loaded),
                    title=f"{c.name}: {c.paths:,} paths from {c.start}",
                )  # fmt: skip
    else:
        summary = blockclock_summary(result, c.report.thresholds_min)
        if out is not None:
            with atomic_output_dir(out) as staging:
                write_blockclock_outputs(
                    staging, result, summary, meta=meta, notes=_blockclock_notes(loaded),
                    title=f"{c.name}: block times by retarget rule",
                )  # fmt: skip
    if fmt is not SummaryFormat.table:
        _print_frame(summary, fmt)
        return
    if c.kind == "farm":
        title = (
            f"{c.name}: {c.paths:,} paths x {round(c.horizon_days or 0)} days from {c.start}, "
            f"seed {c.seed}, {seconds:.1f} s"
        )
        for table in farm_tables(summary, farm_paybacks(farms), c.report.var_levels, title):
            _stdout.print(table)
        comparison = plan_comparison(farms)
        if comparison is not None:
            _stdout.print(plan_table(comparison))
        owners = owner_cash_summary(farms)
        if owners is not None:
            _stdout.print(owner_cash_table(owners))
        from hashwinter.scenario.tradereport import trading_comparison, trading_table

        traded = trading_comparison(farms)
        if traded is not None:
            _stdout.print(trading_table(traded))
    else:
        _stdout.print(
            blockclock_table(
                summary, f"{c.name}: {c.paths:,} paths, seed {c.seed}, {seconds:.1f} s"
            )
        )
    if out is not None:
        _stderr.print(f"wrote {out}/", markup=False)


def sweep(
    scenario: Path,
    grid: list[str],
    *,
    paths: int | None,
    seed: int | None,
    out: Path | None,
    cluster: str | None,
    workers: int | None,
    chunk_paths: int | None,
    progress: bool,
    fmt: SummaryFormat,
    memory: str | None,
) -> None:
    """Run ``hashwinter sweep`` (see :func:`hashwinter.cli.simulate.sweep_command`)."""
    axes = parse_grid(grid)
    base = _overrides(paths, seed, chunk_paths)
    input_axes, variant_axes = split_axes(axes)
    points = grid_overrides(input_axes)
    variant_points = grid_overrides(variant_axes)
    loaded: list[LoadedScenario] = []
    problems: list[InputError] = []
    for point in points:
        try:
            flags = {k: f for k, f in _FLAGS.items() if k in base and k not in point}
            loaded.append(load_scenario(scenario, overrides={**base, **point}, flags=flags))
        except InputErrors as exc:
            problems.extend(exc.errors)
    if problems:
        raise InputErrors(list({str(e): e for e in problems}.values()))
    kinds = {item.config.kind for item in loaded}
    if len(kinds) > 1:
        raise InputError(
            "grid points mix farm and block-clock scenarios", field="network.mode", source="--grid"
        )
    if variant_axes and kinds != {"farm"}:
        raise InputError("farm.* keys need a farm scenario", field=variant_axes[0][0],
                         source="--grid")
    plan = _resource_plan(_largest(loaded), workers, cluster, memory)
    workers = plan.workers if cluster is None else workers
    started = time.perf_counter()
    frames = []
    comparisons: list[pd.DataFrame | None] = []
    with open_executor(cluster, workers=workers) as executor:
        if kinds == {"farm"}:
            sweep = run_farm_sweep(loaded, variant_axes, executor, progress=progress,
                                   console=_stderr)
            frames = [
                farm_summary(farms, item.config.report.var_levels)
                for variants, item in zip(sweep, loaded, strict=True)
                for farms in variants
            ]
            # Farms that follow a plan run both legs at every point: compare them there.
            comparisons = [plan_comparison(farms) for variants in sweep for farms in variants]
            points = [{**point, **vpoint} for point in points for vpoint in variant_points]
        else:
            results = run_blockclock(loaded, executor, progress=progress, console=_stderr)
            frames = [
                blockclock_summary(r, item.config.report.thresholds_min)
                for r, item in zip(results, loaded, strict=True)
            ]
    seconds = time.perf_counter() - started
    for point, frame in zip(points, frames, strict=True):
        for key, value in reversed(point.items()):
            frame.insert(0, key, value)
    table = pd.concat(frames, ignore_index=True)
    legs = [c.assign(**{k: [v] * len(c) for k, v in point.items()})[[*point, *c.columns]]
            for point, c in zip(points, comparisons, strict=False) if c is not None]
    plan_frame = pd.concat(legs, ignore_index=True) if legs else None
    if out is not None:
        with atomic_output_dir(out) as staging:
            _write_sweep(staging, table, loaded[0], axes, base, seconds,
                         _where(cluster, workers), len(points))
            if plan_frame is not None:
                finite_frame(plan_frame).to_csv(staging / "plan_comparison.csv",
                                                index=False, float_format="%.10g")
    if fmt is not SummaryFormat.table:
        _print_frame(table, fmt)
        return
    c = loaded[0].config
    runs = f" ({len(loaded)} runs)" if len(loaded) != len(points) else ""
    title = (
        f"{c.name}: {len(points)} grid points{runs} x {c.paths:,} paths, seed {c.seed}, "
        f"{seconds:.1f} s"
    )
    keys = [k for k, _ in axes]
    if kinds == {"farm"}:
        level = _level_key(c.report.var_levels[0])
        shown = [*keys, "farm", "pnl_mean", "pnl_q5", "p_loss", f"var_{level}", f"cvar_{level}",
                 "ruin_end"]  # fmt: skip
        percent = {"p_loss", "ruin_end"}
    else:
        over = [col for col in table.columns if col.startswith("share_over_")]
        shown = [*keys, "rule", "mean_block_time_min", "std_block_time_min", *over]
        percent = set(over)
    _stdout.print(_grid_table(table, shown, set(keys), percent, title))
    if plan_frame is not None:
        _stdout.print(_grid_table(
            plan_frame, [*keys, "farm", "figure", "follow_plan", "stay_put", "difference",
                         "p_follow_higher"], set(keys), {"p_follow_higher"},
            "Follow the plan against stay put (means over paths)"))
    if out is not None:
        _stderr.print(f"wrote {out}/", markup=False)


def _largest(loaded: list[LoadedScenario]) -> list[LoadedScenario]:
    """Return the grid points, the one with the largest shape first (the guard reads it)."""
    def size(item: LoadedScenario) -> float:
        c = item.config
        net = c.network
        length = net.blocks if isinstance(net, BlockClockNetwork) else (c.horizon_days or 0)
        return float(c.paths) * length

    return sorted(loaded, key=size, reverse=True)


def _level_key(level: float) -> str:
    return f"{level * 100:g}".replace(".", "_")


def _grid_table(
    table: pd.DataFrame, shown: Sequence[str], keys: set[str], percent: set[str], title: str
) -> Table:
    out = Table(title=title, title_justify="left")
    for col in shown:
        out.add_column(col, justify="left" if col in keys or col in ("farm", "rule") else "right")
    for row in table.to_dict(orient="records"):
        cells = []
        for col in shown:
            value = row[col]
            if col in keys or not isinstance(value, float):
                cells.append(str(value))
            elif col in percent:
                cells.append(f"{value:.1%}")
            elif abs(value) >= 1000:
                cells.append(compact_money(value))
            else:
                cells.append(f"{value:.2f}")
        out.add_row(*cells)
    return out


def _write_sweep(
    staging: Path,
    table: pd.DataFrame,
    first: LoadedScenario,
    axes: list[tuple[str, list[Any]]],
    base: dict[str, Any],
    seconds: float,
    where: str,
    n_points: int,
) -> None:
    finite_frame(table).to_csv(staging / "sweep.csv", index=False, float_format="%.10g")
    (staging / "sweep.json").write_text(
        dumps(table.to_dict(orient="records"), indent=2, default=str), encoding="utf-8")
    meta = _meta(first, seconds, where)
    meta["grid"] = dict(axes)
    meta["overrides"] = base
    (staging / "meta.json").write_text(dumps(meta, indent=2, default=str), encoding="utf-8")
    rows = [
        [f"{v:.4g}" if isinstance(v, float) else str(v) for v in r]
        for r in table.itertuples(index=False)
    ]
    name = first.config.name
    body = f"<h1>{name}: sweep of {n_points} points</h1>" + table_html(list(table.columns), rows)
    (staging / "report.html").write_text(page(f"{name}: sweep", body), encoding="utf-8")
