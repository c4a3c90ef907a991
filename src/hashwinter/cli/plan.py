"""``hashwinter plan``: where each cohort's machines should stand, month by month."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from hashwinter.cli.consoles import stderr_console, stdout_console
from hashwinter.cli.flags import date_flag
from hashwinter.errors import InputError

__all__ = ["plan_command"]


class ViewKind(enum.StrEnum):
    """What the plan expects prices and difficulty to be."""

    history = "history"
    flat = "flat"


def plan_command(
    farm: Annotated[Path, typer.Argument(help="Farm file (TOML): the fleet and its sites.")],
    start: Annotated[str | None, typer.Option("--from", help="First day YYYY-MM-DD. "
                                              "Default: the farm file's start.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day YYYY-MM-DD. "
                                            "Default: the farm file's end.")] = None,
    sites: Annotated[Path | None, typer.Option(
        help="Sites file (TOML): more sites, capacity by month, risks, moving costs.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Folder for plan_*.csv and plan.html.")] = None,
    view: Annotated[ViewKind, typer.Option(
        help="history: the stored days of the horizon; flat: the --from day held constant.")
    ] = ViewKind.history,
    gap: Annotated[float, typer.Option(help="Relative MIP gap to stop at.")] = 0.01,
    time_limit: Annotated[float, typer.Option(help="Seconds HiGHS may run.")] = 120.0,
    store: Annotated[Path | None, typer.Option(
        envvar="HASHWINTER_STORE", help="History store file (DuckDB).")] = None,
    catalog: Annotated[list[Path] | None, typer.Option(
        help="User machine catalog (TOML or CSV) merged over the built-in one.")] = None,
    html: Annotated[bool, typer.Option("--html/--no-html", help="Write plan.html.")] = True,
) -> None:
    """Plan which site each cohort stands at, month by month, for the best expected margin.

    Expected margins net of moving costs (transport, reinstall, downtime) and
    expected risk losses (power cuts, fines, seizure), within every site's slots
    and MW in every month. Prints the plan; with --out writes it as CSV and HTML.
    Nothing is written if anything fails.
    """
    # Imported here, not at the top: `hashwinter --help` does not pay for scipy and HiGHS.
    import numpy as np

    from hashwinter.engine.history import market_from_store
    from hashwinter.farm import load_farm
    from hashwinter.hardware import default_catalog, load_catalog
    from hashwinter.planner import flat_view, solve_plan, view_from_market
    from hashwinter.planner.build import build_problem
    from hashwinter.ranges import check
    from hashwinter.reports.plan_report import plan_tables, write_plan_outputs
    from hashwinter.sites import load_sites
    from hashwinter.state import NetworkState

    first, last = date_flag(start, "--from"), date_flag(end, "--to")
    check("fraction", gap, field="--gap")
    if not time_limit > 0:
        raise InputError(f"must be > 0 s (got {time_limit:g})", field="--time-limit")
    machines = default_catalog()
    for path in catalog or []:
        machines = machines.merged_with(load_catalog(path))
    loaded = load_farm(farm, catalog=machines)
    sites_file = load_sites(sites) if sites is not None else None
    config = loaded.config
    first = first or config.start
    last = last or config.end
    if first is None:
        raise InputError("no start date: give --from or set start in the farm file",
                         field="--from")
    if last is None:
        raise InputError("no end date: give --to or set end in the farm file", field="--to")
    if last < first:
        raise InputError(f"{last} is before {first}", field="--to")
    currencies = {"USD", *(s.tariff.currency for s in config.sites)}
    if sites_file is not None:
        currencies |= {s.tariff.currency for s in sites_file.config.sites}
    market_end = last if view is ViewKind.history else first
    market = market_from_store(store, start=first, end=market_end, currency=config.currency,
                               extra_currencies=currencies, asset=config.coin,
                               start_field="--from", end_field="--to")
    if view is ViewKind.history:
        market_view = view_from_market(market)
    else:
        rates = {k: float(np.asarray(v)[0]) for k, v in market.fx_per_usd.items()}
        state = NetworkState(date=first, difficulty=float(market.difficulty[0, 0]),
                             subsidy=float(market.subsidy[0, 0]),
                             fees_per_block=float(market.fees_per_block[0, 0]),
                             price=float(market.price[0, 0]), currency=market.currency,
                             fx_per_usd=rates.get(market.currency, 1.0))
        market_view = flat_view(state, first, last, fx_per_usd=rates)
    problem = build_problem(loaded, market_view, sites=sites_file, start=first, end=last)
    plan = solve_plan(problem, mip_rel_gap=gap, time_limit=time_limit)
    console = stdout_console()
    for table in plan_tables(plan):
        console.print(table)
    if out is not None:
        err = stderr_console()
        for path in write_plan_outputs(plan, out, html_report=html):
            err.print(f"wrote {path}", markup=False)
