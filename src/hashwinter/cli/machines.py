"""``hashwinter machines``: what used machines are worth (the efficiency-tier price index)."""

from __future__ import annotations

import datetime as dt
import enum
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hashwinter.cli.consoles import stderr_console, stdout_console
from hashwinter.cli.flags import date_flag
from hashwinter.errors import InputError, InputErrors

if TYPE_CHECKING:
    import pandas as pd

    from hashwinter.assets.index import Tier
    from hashwinter.assets.response import PriceResponse

__all__ = ["machines_app"]

machines_app = typer.Typer(help="What used machines are worth: valuation and price index.",
                           no_args_is_help=True)


#: Config field -> the flag that sets it.
_FLAGS = {"tariff": "--tariff", "growth_scale": "--growth-scale",
          "discount_rate_per_year": "--discount-rate", "life_days": "--life-days",
          "liquidity": "--liquidity"}


class IndexFormat(enum.StrEnum):
    """Output forms of the index."""

    table = "table"
    csv = "csv"
    json = "json"


def _day(text: str, flag: str) -> dt.date:
    day = date_flag(text, flag)
    assert day is not None  # the flag is required
    return day


def _tiers(text: str | None, start: dt.date) -> tuple[Tier, ...]:
    import pandas as pd

    from hashwinter.assets.index import default_tiers, tiers_from

    if not text:
        return default_tiers(pd.Timestamp(start))
    try:
        bounds = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"must be J/TH bounds separated by commas (got {text!r})",
                         field="--tiers") from None
    try:
        return tiers_from(bounds)
    except InputError as exc:
        raise InputError(exc.message, field="--tiers") from None


def _history(start: dt.date, end: dt.date, currency: str, store: Path | None,
             lookback_days: int) -> pd.DataFrame:
    """Daily state from the store, ``lookback_days`` before ``start`` through ``end``."""
    import pandas as pd

    from hashwinter.data import network_states
    from hashwinter.data.store import opened

    first = start - dt.timedelta(days=lookback_days)
    with opened(store) as st:
        chain = st.chain("BTC")
    if len(chain) == 0:
        raise InputError("the store holds no BTC history (hashwinter data import ...)",
                         field="--store")
    stored_from = pd.Timestamp(chain["date"].min()).date()
    stored_to = pd.Timestamp(chain["date"].max()).date()
    if first < stored_from:
        raise InputError(f"needs {lookback_days} days of history before it; the store's BTC "
                         f"history starts on {stored_from}, so --from must be on or after "
                         f"{stored_from + dt.timedelta(days=lookback_days)}", field="--from")
    if end > stored_to:
        raise InputError(f"after the stored BTC history (ends {stored_to})", field="--to")
    days = pd.date_range(first, end, freq="D")
    states = network_states(days.date, store=store, currency=currency)
    return states[["price", "difficulty", "subsidy", "fees_per_block"]]


@machines_app.command("price-index")
def price_index_command(
    date_from: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    date_to: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
    tariff: Annotated[float, typer.Option(help="The buyer's power price per kWh in --currency.")],
    currency: Annotated[str, typer.Option(help="Currency of prices and the tariff.")] = "USD",
    tiers: Annotated[
        str | None,
        typer.Option(help="Tier bounds in J/TH, e.g. 25,38,68. Default: the 2018 tiers "
                     "(70,110,200) for periods before 2020, the public ones (25,38,68) after."),
    ] = None,
    growth_scale: Annotated[
        float,
        typer.Option(help="Projected difficulty growth as a multiple of the trailing year's."),
    ] = 1.0,
    discount_rate: Annotated[float, typer.Option(help="Discount rate per year.")] = 0.10,
    life_days: Annotated[
        float, typer.Option(help="Remaining life of a used machine [days].")
    ] = 730,
    liquidity: Annotated[float, typer.Option(help="Market price over value (1 = none).")] = 1.0,
    store: Annotated[
        Path | None, typer.Option(envvar="HASHWINTER_STORE", help="History store file (DuckDB).")
    ] = None,
    output_format: Annotated[
        IndexFormat, typer.Option("--format", help="table, csv or json.")
    ] = IndexFormat.table,
    chart: Annotated[
        Path | None, typer.Option(help="Write an HTML chart of the index to this file.")
    ] = None,
) -> None:
    """Print the used-machine price index by efficiency tier, per TH/s, for each day.

    Each model's value is its expected margins over the remaining life with the option to
    unplug (docs/assets.md), at the buyer's tariff, with difficulty projected from the
    trailing year; a tier's index is the median per TH/s of the catalog's models in it that
    were released by the day.
    """
    import numpy as np
    import pandas as pd
    from pydantic import ValidationError

    from hashwinter.assets.index import price_index
    from hashwinter.assets.inputs import valuation_inputs
    from hashwinter.assets.params import ValuationParams
    from hashwinter.hardware import default_catalog
    from hashwinter.validation import input_errors_from_validation

    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    if end < start:
        raise InputError(f"must not be before --from ({date_from})", field="--to")
    try:
        params = ValuationParams(tariff=tariff, growth_scale=growth_scale,
                                 discount_rate_per_year=discount_rate, life_days=life_days,
                                 liquidity=liquidity)
    except ValidationError as exc:
        errors = input_errors_from_validation(exc)
        for err in errors.errors:  # name the flag, not the config field
            err.field = _FLAGS.get(err.field or "", err.field)
        raise InputErrors(errors.errors) from None
    tier_list = _tiers(tiers, start)
    currency = currency.strip().upper()
    daily = _history(start, end, currency, store, lookback_days=366)
    inputs = valuation_inputs(daily).loc[pd.Timestamp(start):pd.Timestamp(end)]
    machines = default_catalog().machines(algorithm="sha256")
    index = price_index(machines, inputs, params, tier_list)
    index["date"] = pd.to_datetime(index["date"]).dt.date.astype(str)
    if chart is not None:
        _write_chart(index, chart, currency)
    if output_format is IndexFormat.json:
        rows = index.replace({np.nan: None}).to_dict(orient="records")
        sys.stdout.write(json.dumps(rows, allow_nan=False) + "\n")
    elif output_format is IndexFormat.csv:
        sys.stdout.write(index.to_csv(index=False))
    else:
        _print_table(index, currency)
    stderr_console().print(
        f"note: {len(inputs)} days, {len(machines)} models; value at {tariff:g} {currency}/kWh, "
        f"difficulty growth {growth_scale:g} x trailing year, {discount_rate:g}/year discount",
        markup=False)


def _print_table(index: pd.DataFrame, currency: str) -> None:
    import pandas as pd
    from rich.table import Table

    wide = index.pivot(index="date", columns="tier", values="price_per_th")
    order = list(dict.fromkeys(index["tier"]))
    table = Table(title=f"Used-machine price index [{currency} per TH/s]")
    table.add_column("date")
    for tier in order:
        table.add_column(tier, justify="right")
    for day, row in wide[order].iterrows():
        table.add_row(str(day), *("-" if pd.isna(v) else f"{v:,.2f}" for v in row))
    stdout_console().print(table)


def _write_chart(index: pd.DataFrame, path: Path, currency: str) -> None:
    import plotly.graph_objects as go

    from hashwinter.reports.html import figure_div, page

    fig = go.Figure()
    for tier, part in index.groupby("tier", sort=False):
        fig.add_scatter(x=part["date"], y=part["price_per_th"], name=str(tier), mode="lines")
    fig.update_layout(yaxis_title=f"{currency} per TH/s", xaxis_title="date",
                      title="Used-machine price index by efficiency tier")
    html_text = page("Used-machine price index", figure_div(fig))
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_text(html_text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write: {exc.strerror}", field="--chart") from None


def _fit_response(start: dt.date, before: dt.date, store: Path | None) -> PriceResponse:
    """Fit difficulty's response to the USD price on the store's BTC days in [start, before)."""
    import pandas as pd

    from hashwinter.assets.response import fit_price_response
    from hashwinter.data import network_states
    from hashwinter.data.store import opened

    with opened(store) as st:
        chain = st.chain("BTC")
    stored_from = pd.Timestamp(chain["date"].min()).date() if len(chain) else None
    if stored_from is None or start < stored_from:
        raise InputError(f"before the stored BTC history (starts {stored_from})",
                         field="--response-from")
    days = pd.date_range(start, before - dt.timedelta(days=1), freq="D")
    states = network_states(days.date, store=store, currency="USD")
    try:
        return fit_price_response(states, start=start, before=before)
    except InputError as exc:
        raise InputError(exc.message, field="--response-from") from None


class Projection(enum.StrEnum):
    """The buyer's projection of difficulty (docs/assets.md, "Calibration")."""

    trailing = "trailing"
    break_even = "break-even"


@machines_app.command("calibrate")
def calibrate_command(
    fit_before: Annotated[str, typer.Option(help="Fit only quotes dated before this day.")],
    tariff: Annotated[float, typer.Option(help="The buyer's power price per kWh in --currency.")],
    currency: Annotated[str, typer.Option(help="Currency of the quotes fitted.")] = "CNY",
    projection: Annotated[
        Projection, typer.Option(help="trailing (growth scale x the trailing year) or "
                                 "break-even (difficulty relaxes to where the marginal "
                                 "machine earns an all-in entry cost).")
    ] = Projection.break_even,
    model: Annotated[
        str | None, typer.Option(help="Only quotes whose model contains this text.")
    ] = None,
    discount_rate: Annotated[float, typer.Option(help="Discount rate per year.")] = 0.10,
    life_days: Annotated[
        float, typer.Option(help="Remaining life of a used machine [days].")
    ] = 730,
    price_response: Annotated[
        bool, typer.Option("--price-response", help="Difficulty follows the future price: fit "
                           "its elasticity and lag on the store's BTC history (USD) from "
                           "--response-from to --fit-before (docs/assets.md).")
    ] = False,
    response_from: Annotated[
        str, typer.Option(help="First day of the price-response fit (YYYY-MM-DD).")
    ] = "2014-01-01",
    store: Annotated[
        Path | None, typer.Option(envvar="HASHWINTER_STORE", help="History store file (DuckDB).")
    ] = None,
    output_format: Annotated[
        IndexFormat, typer.Option("--format", help="table, csv or json.")
    ] = IndexFormat.table,
) -> None:
    """Fit the valuation to the stored machine prices dated before --fit-before.

    Quotes come from the store (hashwinter data import machine-prices FILE, data
    add-machine-price); every quote, fitted or not, gets the model's value and its log
    error, so the later ones are out-of-sample checks.
    """
    import numpy as np
    import pandas as pd
    from pydantic import ValidationError

    from hashwinter.assets.calibrate import fit_break_even, fit_growth_scale, quote_observations
    from hashwinter.assets.inputs import valuation_inputs
    from hashwinter.assets.params import ValuationParams
    from hashwinter.data.store import opened
    from hashwinter.hardware import default_catalog
    from hashwinter.validation import input_errors_from_validation

    cutoff = _day(fit_before, "--fit-before")
    try:
        params = ValuationParams(tariff=tariff, discount_rate_per_year=discount_rate,
                                 life_days=life_days)
    except ValidationError as exc:
        errors = input_errors_from_validation(exc)
        for err in errors.errors:
            err.field = _FLAGS.get(err.field or "", err.field)
        raise InputErrors(errors.errors) from None
    currency = currency.strip().upper()
    with opened(store) as st:
        prices = st.machine_prices(model)
    obs, left = quote_observations(prices, currency)
    if obs.empty:
        raise InputError(f"the store holds no machine price in {currency}"
                         + (f" for {model!r}" if model else "")
                         + " (hashwinter data import machine-prices FILE)", field="--store")
    first = obs["date"].min().date()
    last = obs["date"].max().date()
    daily = _history(first, last, currency, store, lookback_days=366)
    inputs = valuation_inputs(daily)
    response = None
    if price_response:
        response = _fit_response(_day(response_from, "--response-from"), cutoff, store)
        params = params.model_copy(update={"price_elasticity": response.elasticity,
                                           "price_lag_days": response.lag_days})
    fit = fit_break_even if projection is Projection.break_even else fit_growth_scale
    try:
        cal = fit(obs[["date", "model", "price"]], inputs, default_catalog(), params,
                  fit_before=cutoff)
    except InputError as exc:
        if exc.field != "observations":
            raise
        raise InputError(exc.message, field="--fit-before") from None
    table = cal.table.assign(date=pd.to_datetime(cal.table["date"]).dt.date.astype(str))
    p = cal.params
    fitted = (f"entry cost {p.entry_cost_per_kwh:.4g} {currency}/kWh, relaxation "
              f"{p.relaxation_days:g} days" if projection is Projection.break_even
              else f"growth scale {p.growth_scale:.4g}")
    if response is not None:
        fitted += (f"; difficulty follows the price with elasticity {response.elasticity:.3f} "
                   f"after {response.lag_days:g} days (R2 {response.r_squared:.2f}, "
                   f"{response_from} to {cutoff})")
    if output_format is IndexFormat.json:
        doc = {"params": p.model_dump(), "rmse_log_in_sample": cal.rmse_log_in_sample,
               "price_response": None if response is None else {
                   "elasticity": response.elasticity, "lag_days": response.lag_days,
                   "trend_per_year": response.trend_per_year,
                   "r_squared": response.r_squared, "n": response.n},
               "observations": table.replace({np.nan: None}).to_dict(orient="records")}
        sys.stdout.write(json.dumps(doc, allow_nan=False) + "\n")
    elif output_format is IndexFormat.csv:
        sys.stdout.write(table.to_csv(index=False))
    else:
        from rich.table import Table

        out = Table(title=f"Calibration before {cutoff}: {fitted}; in-sample RMSE (log) "
                    f"{cal.rmse_log_in_sample:.3f}", title_justify="left")
        for head in ("date", "model", f"observed [{currency}]", f"fitted [{currency}]",
                     "log error", "in sample"):
            out.add_column(head, justify="left" if head in ("date", "model") else "right")
        for r in table.to_dict(orient="records"):
            out.add_row(str(r["date"]), str(r["model"]), f"{r['observed']:,.0f}",
                        f"{r['fitted']:,.0f}", f"{r['log_error']:+.2f}",
                        "yes" if r["in_sample"] else "")
        stdout_console().print(out)
    skipped = len(cal.skipped) + len(left)
    stderr_console().print(
        f"note: {fitted}; {int(cal.table['in_sample'].sum())} quotes fitted, "
        f"{len(cal.table) - int(cal.table['in_sample'].sum())} checked out of sample, "
        f"{skipped} left out (unknown model, other currency or a year-only date)",
        markup=False)
