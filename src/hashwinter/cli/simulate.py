"""``hashwinter simulate`` and ``hashwinter sweep``: Monte Carlo scenarios, locally or on Dask.

``simulate SCENARIO.toml`` runs one scenario; ``sweep SCENARIO.toml --grid
key=v1,v2 ...`` runs the Cartesian product of the grid (every point with the same
seeds). Work goes in chunks to a local process pool, or to a Dask cluster with
``--cluster tcp://HOST:8786``; the numbers do not depend on where they ran.
Outputs are written to ``--out`` only when the run has finished (Ctrl-C leaves
nothing behind).
"""

from __future__ import annotations

import datetime as dt
import enum
import time
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console

from hashwinter.errors import InputError, InputErrors
from hashwinter.parallel import atomic_output_dir, open_executor
from hashwinter.reports.html import page, table_html
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

__all__ = ["simulate_command", "sweep_command"]

_stdout = Console(highlight=False, soft_wrap=True)
_stderr = Console(stderr=True, highlight=False, soft_wrap=True)


class SummaryFormat(enum.StrEnum):
    """How the summary is printed."""

    table = "table"
    csv = "csv"
    json = "json"


ScenarioArg = Annotated[
    Path, typer.Argument(help="Scenario TOML file.", show_default=False, metavar="SCENARIO.toml")
]
PathsOpt = Annotated[
    int | None, typer.Option("--paths", help="Number of paths (overrides the file).", min=1)
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", help="Random seed (overrides the file).", min=0)
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Folder for summary, per-path tables and the HTML report."),
]
ClusterOpt = Annotated[
    str | None,
    typer.Option("--cluster", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786."),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers", help="Local processes (default: all CPUs); ignored with --cluster.", min=1
    ),
]
ChunkOpt = Annotated[
    int | None, typer.Option("--chunk-paths", help="Paths per chunk (overrides the file).", min=1)
]
ProgressOpt = Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar.")]
FormatOpt = Annotated[SummaryFormat, typer.Option("--format", help="Form of the printed summary.")]


def _overrides(paths: int | None, seed: int | None, chunk: int | None) -> dict[str, Any]:
    given = {"paths": paths, "seed": seed, "chunk_paths": chunk}
    return {k: v for k, v in given.items() if v is not None}


def _require_blockclock(loaded: LoadedScenario) -> None:
    if loaded.config.kind != "blockclock":
        raise InputError(
            "farm scenarios run on the engine: see docs/scenarios.md",
            field="network.mode",
            source=loaded.source,
        )


def _print_frame(frame: pd.DataFrame, fmt: SummaryFormat, title: str) -> None:
    if fmt is SummaryFormat.csv:
        _stdout.print(frame.to_csv(index=False, float_format="%.10g"), end="", markup=False)
    elif fmt is SummaryFormat.json:
        _stdout.print(frame.to_json(orient="records", indent=2), markup=False)
    else:
        _stdout.print(blockclock_table(frame, title=title))


def _meta(loaded: LoadedScenario, seconds: float, cluster: str | None) -> dict[str, Any]:
    c = loaded.config
    return {
        "scenario": c.name,
        "source": loaded.source,
        "paths": c.paths,
        "seed": c.seed,
        "chunk_paths": c.chunk_paths,
        "overrides": dict(loaded.overrides),
        "executor": cluster or "local processes",
        "seconds": round(seconds, 3),
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "config": c.model_dump(mode="json"),
    }


def simulate_command(
    scenario: ScenarioArg,
    paths: PathsOpt = None,
    seed: SeedOpt = None,
    out: OutOpt = None,
    cluster: ClusterOpt = None,
    workers: WorkersOpt = None,
    chunk_paths: ChunkOpt = None,
    progress: ProgressOpt = True,
    fmt: FormatOpt = SummaryFormat.table,
) -> None:
    """Run a Monte Carlo scenario and print its summary (block-clock studies: per rule)."""
    loaded = load_scenario(scenario, overrides=_overrides(paths, seed, chunk_paths))
    _require_blockclock(loaded)
    started = time.perf_counter()
    try:
        with open_executor(cluster, workers=workers) as executor:
            (result,) = run_blockclock([loaded], executor, progress=progress, console=_stderr)
        seconds = time.perf_counter() - started
        summary = blockclock_summary(result, loaded.config.report.thresholds_min)
        if out is not None:
            with atomic_output_dir(out) as staging:
                write_blockclock_outputs(
                    staging, result, summary, meta=_meta(loaded, seconds, cluster),
                    title=f"{loaded.config.name}: block times by retarget rule",
                    notes=_notes(loaded),
                )  # fmt: skip
    except KeyboardInterrupt:
        _stderr.print("hashwinter: interrupted; nothing written", markup=False)
        raise typer.Exit(130) from None
    c = loaded.config
    title = f"{c.name}: {c.paths:,} paths, seed {c.seed}, {seconds:.1f} s"
    _print_frame(summary, fmt, title)
    if out is not None and fmt is SummaryFormat.table:
        _stderr.print(f"wrote {out}/", markup=False)


def _notes(loaded: LoadedScenario) -> list[str]:
    c = loaded.config
    notes = [
        f"{c.paths:,} paths, seed {c.seed}, chunks of {c.chunk_paths} paths "
        "(chunk i uses child i of numpy SeedSequence(seed); all rules share the draws).",
        "Mean and std: over paths, of each path's mean and sample standard deviation of "
        "block intervals; share over X min: paths with at least one longer interval "
        "(Noda, Okumura & Hashimoto's statistics).",
    ]
    if c.description:
        notes.insert(0, c.description)
    return notes


def sweep_command(
    scenario: ScenarioArg,
    grid: Annotated[
        list[str],
        typer.Option("--grid", help="key=v1,v2,... (dotted key of the scenario file); repeatable."),
    ],
    paths: PathsOpt = None,
    seed: SeedOpt = None,
    out: OutOpt = None,
    cluster: ClusterOpt = None,
    workers: WorkersOpt = None,
    chunk_paths: ChunkOpt = None,
    progress: ProgressOpt = True,
    fmt: FormatOpt = SummaryFormat.table,
) -> None:
    """Run a scenario over a grid of parameter values (same seeds at every point)."""
    axes = parse_grid(grid)
    base = _overrides(paths, seed, chunk_paths)
    points = grid_overrides(axes)
    loaded: list[LoadedScenario] = []
    problems = []
    for point in points:
        try:
            loaded.append(load_scenario(scenario, overrides={**base, **point}))
        except InputErrors as exc:
            problems.extend(exc.errors)
    if problems:
        unique = {str(e): e for e in problems}
        raise InputErrors(list(unique.values()))
    for item in loaded:
        _require_blockclock(item)
    started = time.perf_counter()
    try:
        with open_executor(cluster, workers=workers) as executor:
            results = run_blockclock(loaded, executor, progress=progress, console=_stderr)
        seconds = time.perf_counter() - started
        thresholds = loaded[0].config.report.thresholds_min
        frames = []
        for point, result in zip(points, results, strict=True):
            summary = blockclock_summary(result, thresholds)
            for key, value in reversed(point.items()):
                summary.insert(0, key, value if not isinstance(value, list) else str(value))
            frames.append(summary)
        table = pd.concat(frames, ignore_index=True)
        if out is not None:
            with atomic_output_dir(out) as staging:
                table.to_csv(staging / "sweep.csv", index=False, float_format="%.10g")
                meta = _meta(loaded[0], seconds, cluster)
                meta["grid"] = {k: v for k, v in axes}
                meta["overrides"] = base
                table.to_json(staging / "sweep.json", orient="records", indent=2)
                (staging / "meta.json").write_text(
                    pd.Series(meta).to_json(indent=2, default_handler=str), encoding="utf-8"
                )
                rows = [[f"{v:.4g}" if isinstance(v, float) else str(v) for v in r]
                        for r in table.itertuples(index=False)]  # fmt: skip
                (staging / "report.html").write_text(
                    page(f"{loaded[0].config.name}: sweep",
                         f"<h1>{loaded[0].config.name}: sweep of {len(points)} points</h1>"
                         + table_html(list(table.columns), rows)),
                    encoding="utf-8",
                )  # fmt: skip
    except KeyboardInterrupt:
        _stderr.print("hashwinter: interrupted; nothing written", markup=False)
        raise typer.Exit(130) from None
    c = loaded[0].config
    title = (
        f"{c.name}: {len(points)} grid points x {c.paths:,} paths, seed {c.seed}, {seconds:.1f} s"
    )
    if fmt is SummaryFormat.table:
        _stdout.print(_sweep_table(table, [k for k, _ in axes], title))
        if out is not None:
            _stderr.print(f"wrote {out}/", markup=False)
    else:
        _print_frame(table, fmt, title)


def _sweep_table(table: pd.DataFrame, keys: list[str], title: str) -> Any:
    from rich.table import Table

    over = [c for c in table.columns if c.startswith("share_over_")]
    out = Table(title=title, title_justify="left")
    for k in keys:
        out.add_column(k)
    out.add_column("rule")
    for head in ("mean min", "std min", *[f">{c[11:-3]}m" for c in over]):
        out.add_column(head, justify="right")
    for row in table.to_dict(orient="records"):
        out.add_row(
            *[str(row[k]) for k in keys],
            str(row["rule"]),
            f"{row['mean_block_time_min']:.2f}",
            f"{row['std_block_time_min']:.2f}",
            *[f"{100 * row[c]:.1f} %" for c in over],
        )
    return out
