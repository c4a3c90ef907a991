"""``hashwinter backtest``: replay a farm file through the stored history."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hashwinter.cli.consoles import stderr_console, stdout_console
from hashwinter.cli.flags import date_flag

if TYPE_CHECKING:
    from hashwinter.farm.build import FarmRun

__all__ = ["backtest_command"]


class LedgerFormat(enum.StrEnum):
    """Forms of the daily ledgers written to --out."""

    csv = "csv"
    parquet = "parquet"
    both = "both"


class StepResolution(enum.StrEnum):
    """Step lengths."""

    auto = "auto"
    day = "day"
    hour = "hour"


def backtest_command(
    farm: Annotated[
        Path, typer.Argument(help="Farm file (TOML), e.g. examples/lao_luo_a741.toml.")
    ],
    start: Annotated[
        str | None,
        typer.Option("--from", help="First day YYYY-MM-DD. Default: the farm file's start."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day YYYY-MM-DD. Default: the farm file's end.")
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="Report currency, e.g. USD. Default: the farm's currency.")
    ] = None,
    store: Annotated[
        Path | None, typer.Option(envvar="HASHWINTER_STORE", help="History store file (DuckDB).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the daily ledgers, summary.json and report.html."),
    ] = None,
    ledger_format: Annotated[
        LedgerFormat, typer.Option("--format", help="Ledger files: csv, parquet or both.")
    ] = LedgerFormat.both,
    resolution: Annotated[
        StepResolution,
        typer.Option(
            help="Steps: auto (hours only when a tariff changes within a day), day, hour."
        ),
    ] = StepResolution.auto,
    catalog: Annotated[
        list[Path] | None,
        typer.Option(help="User machine catalog (TOML or CSV) merged over the built-in one."),
    ] = None,
    html: Annotated[bool, typer.Option("--html/--no-html", help="Write report.html.")] = True,
    against: Annotated[
        list[Path] | None,
        typer.Option("--against", help="Another farm file run on the same window and shown "
                     "side by side (repeatable): the legs of a decision, e.g. "
                     "examples/lao_luo_stored.toml against examples/lao_luo_sold.toml."),
    ] = None,
    memory: Annotated[
        str | None,
        typer.Option("--memory-limit", show_default=False,
                     help="Memory the run may plan to use, e.g. 8G (default: env "
                     "HASHWINTER_MEMORY_LIMIT, else half of what this process may use)."),
    ] = None,
) -> None:
    """Replay a farm through real history: what it mined, earned, paid, and when it unplugged.

    Prints the totals and one line per cohort.

    With --out, writes the daily ledgers, a summary and a self-contained HTML report.

    Nothing is written if anything fails.
    """
    # Imported here, not at the top: `hashwinter --help` does not pay for pandas and numpy.
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from hashwinter.energy.currency import normalize_currency
    from hashwinter.farm import backtest_from_store, load_farm
    from hashwinter.farm.build import farm_window
    from hashwinter.farm.gpu_report import (
        facts_table,
        first_variant,
        gpu_cycle_entry,
        gpu_legs,
        pnl_table,
    )
    from hashwinter.farm.trading.book import (
        TRADING_KINDS,
        trading_comparison,
        without_trading,
    )
    from hashwinter.hardware import default_catalog, load_catalog
    from hashwinter.reports.backtest_report import (
        cohort_table,
        comparison_table,
        hedge_table,
        hosting_table,
        owner_table,
        plan_comparison_table,
        summary_table,
        trading_table,
        write_backtest_outputs,
    )
    from hashwinter.resources import guard_backtest, memory_limit

    first, last = date_flag(start, "--from"), date_flag(end, "--to")
    machines = default_catalog()
    for path in catalog or []:
        machines = machines.merged_with(load_catalog(path))
    # A gpu_cycle entry's threshold lists: the backtest runs the first, the GPU report all.
    full = load_farm(farm, catalog=machines)
    loaded = first_variant(full)
    # Every leg is loaded (validated) before anything runs: a bad one exits 2, nothing written.
    others = [load_farm(path, catalog=machines) for path in against or []]
    config = loaded.config
    report = normalize_currency(currency, field="--currency") if currency else None
    first, last = farm_window(config, first, last, fields=("--from", "--to"))
    limit = memory_limit(memory)

    legs = 2 if any(getattr(p, "kind", None) == "follow_plan" for p in config.policies) else 1
    legs += config.hedge is not None  # the unhedged leg (not run for the stay-put leg)
    legs += any(getattr(p, "kind", None) in TRADING_KINDS for p in config.policies)

    def guard(run: FarmRun) -> None:
        # A farm that follows a plan keeps the ledgers of both legs (follow, stay put),
        # one with a hedge that of its unhedged leg too.
        guard_backtest(cohorts=run.spec.cohorts.n * legs, steps=run.spec.clock.n_steps,
                       limit=limit)

    err = stderr_console()
    late = [f"fleet[{i}] ({item.purchase_date})" for i, item in enumerate(config.fleet)
            if item.purchase_date > last]
    if late:
        # Documented (docs/farms.md): a purchase after the window is not an error (a
        # shorter --to over a farm that buys later is a normal question), but it is said.
        err.print(f"note: bought after the window's last day {last}, not in this backtest: "
                  + ", ".join(late), markup=False)
    after = [r for p in config.policies if getattr(p, "kind", None) == "follow_plan"
             for r in p.rows if str(r.month) > last.isoformat()[:7]]
    if after:
        err.print(f"note: {len(after)} move{'s' if len(after) > 1 else ''} of the plan "
                  f"{'are' if len(after) > 1 else 'is'} after the window's last day {last}, "
                  "not applied", markup=False)
    # A bar only on a terminal: piped or captured, it would leave an empty line on stderr.
    with Progress(TextColumn("[bold]backtest[/] {task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} steps"), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(loaded.config.name, total=None)
        result = backtest_from_store(
            loaded, store, start=first, end=last, currency=report,
            resolution=resolution.value, fields=("--from", "--to"), check_run=guard,
            progress=lambda done, total: bar.update(task, completed=done, total=total))
    console = stdout_console()
    console.print(summary_table(result))
    console.print(cohort_table(result))
    comparison = plan_comparison_table(result)
    if comparison is not None:
        console.print(comparison)
    owners = owner_table(result)
    if owners is not None:
        console.print(owners)
    hosted = hosting_table(result)
    if hosted is not None:
        console.print(hosted)
    hedged = hedge_table(result)
    if hedged is not None:
        console.print(hedged)
    trading = trading_table(result)
    base = None
    if trading is not None:
        console.print(trading)
        plain = without_trading(loaded)
        if plain is not None:
            # The "without" leg: the same farm, history and window, no trading rule.
            base = backtest_from_store(plain, store, start=first, end=last, currency=report,
                                       resolution=resolution.value, fields=("--from", "--to"),
                                       check_run=guard)
            console.print(comparison_table(trading_comparison(
                {"with trading": result, "without": base}),
                "With the trading rules against the same farm without them"))
    gpu = gpu_cycle_entry(loaded)
    if gpu is not None and gpu.asic_leg is not None:
        # Jin Xin's three P&Ls (docs/gpu.md): the cycle, the rigs held, an ASIC farm of the
        # same capital, on the same window; the cycle leg is rerun with the others.
        gpu_run = gpu_legs(full, lambda f: backtest_from_store(
            f, store, start=first, end=last, currency=report, resolution=resolution.value,
            fields=("--from", "--to"), check_run=guard))
        console.print(comparison_table(pnl_table(gpu_run), "GPU cycle against holding the rigs "
                                       "and against an ASIC farm of the same capital (P&L)"))
        console.print(comparison_table(facts_table(gpu_run), "GPU fleet, card trades, the "
                                       "gamer floor and the resale model (ASSUMPTIONS)"))
        if gpu_run.sweep is not None:
            # Shares in percent: the table prints two decimals.
            shown = gpu_run.sweep.copy()
            for col in [c for c in shown.columns if c in ("required_surplus", "exit_margin",
                                                           "bull_premium", "bull_swap_per_day")]:
                shown = shown.rename(columns={col: f"{col} [%]"})
                shown[f"{col} [%]"] = gpu_run.sweep[col] * 100
            console.print(comparison_table(shown, "The cycle's thresholds as variants (one "
                                           "run) against holding the rigs"))
        if gpu_run.sensitivity is not None:
            console.print(comparison_table(gpu_run.sensitivity, "P&L with one resale parameter "
                                           "changed"))
    legs_frame = None
    if others:
        side = {config.name: result}
        if base is not None:
            side[f"{config.name}, without trading"] = base
        for path, other in zip(against or [], others, strict=True):
            name = other.config.name if other.config.name not in side else (
                f"{other.config.name} ({path.name})")
            side[name] = backtest_from_store(
                other, store, start=first, end=last, currency=report,
                resolution=resolution.value, fields=("--from", "--to"), check_run=guard)
        legs_frame = trading_comparison(side)
        console.print(comparison_table(legs_frame, f"Side by side, {first} to {last}"))
    if out is not None:
        files = write_backtest_outputs(result, out, ledger_format=ledger_format.value,
                                       html_report=html)
        if legs_frame is not None:
            legs_frame.to_csv(out / "legs.csv", index=False)
            files = [*files, out / "legs.csv"]
        for path in files:
            err.print(f"wrote {path}", markup=False)
