"""Fit the valuation to observed machine prices, and report the error per observation.

The free parameters are the buyer's projection of difficulty
(:class:`~hashwinter.assets.params.ValuationParams`): ``growth_scale`` times the
trailing year's growth (:func:`fit_growth_scale`), or the break-even projection's
``entry_cost_per_kwh`` and ``relaxation_days`` (:func:`fit_break_even`); the other
assumptions (tariff, discount rate, life, liquidity, and the response of difficulty to the
price, fitted on daily history by :func:`hashwinter.assets.response.fit_price_response`)
are the user's.
Only observations dated before ``fit_before`` are fitted (least squares on log
prices over a grid, then refined); every observation, fitted or not, gets its
model value and log error, so the quotes of the period checked are out-of-sample.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from hashwinter.assets.market import market_values
from hashwinter.assets.params import ValuationParams
from hashwinter.errors import InputError
from hashwinter.hardware import Catalog

__all__ = ["Calibration", "fit_break_even", "fit_growth_scale", "quote_observations"]


@dataclasses.dataclass(frozen=True)
class Calibration:
    """A fitted valuation and how it does on each observation.

    Attributes
    ----------
    params : ValuationParams
        The assumptions with the fitted ``growth_scale``.
    table : pandas.DataFrame
        One row per usable observation: ``date``, ``model``, ``observed``, ``fitted``
        [currency], ``log_error`` (ln fitted / observed), ``in_sample``.
    skipped : pandas.DataFrame
        Observations that could not be valued (unknown model, date outside the inputs).
    rmse_log_in_sample : float
        Root mean squared log error on the fitted rows.

    """

    params: ValuationParams
    table: pd.DataFrame
    skipped: pd.DataFrame
    rmse_log_in_sample: float


@dataclasses.dataclass(frozen=True)
class _Rows:
    """The usable observations, indexed for one vectorized valuation per candidate."""

    machines: list[Any]
    dates: pd.DataFrame
    model_index: np.ndarray
    date_index: np.ndarray
    observed: np.ndarray
    in_sample: np.ndarray
    table_dates: list[pd.Timestamp]
    skipped: pd.DataFrame

    def errors(self, params: ValuationParams) -> np.ndarray:
        """Return ln(model value / observed) of every row under ``params``."""
        values = market_values(self.machines, self.dates, params)[self.model_index,
                                                                  self.date_index]
        with np.errstate(divide="ignore"):
            return np.log(np.maximum(values, 1e-300) / self.observed)

    def loss(self, params: ValuationParams) -> float:
        """Mean squared log error on the rows dated before the cutoff."""
        return float(np.mean(self.errors(params)[self.in_sample] ** 2))

    def calibration(self, params: ValuationParams) -> Calibration:
        """Return the fitted ``params`` with their per-observation table."""
        err = self.errors(params)
        table = pd.DataFrame({
            "date": self.table_dates, "model": [self.machines[k].model
                                                for k in self.model_index],
            "observed": self.observed, "fitted": self.observed * np.exp(err),
            "log_error": err, "in_sample": self.in_sample,
        })
        return Calibration(params=params, table=table, skipped=self.skipped,
                           rmse_log_in_sample=float(np.sqrt(np.mean(err[self.in_sample] ** 2))))


def _rows(observations: pd.DataFrame, inputs: pd.DataFrame, catalog: Catalog,
          fit_before: dt.date) -> _Rows:
    dates = pd.to_datetime(observations["date"])
    rows, skipped = [], []
    for i, (day, name, price) in enumerate(zip(dates, observations["model"],
                                               observations["price"], strict=True)):
        try:
            machine = catalog.get(str(name))
        except InputError:
            skipped.append((day, name, price, "unknown model"))
            continue
        if day not in inputs.index:
            skipped.append((day, name, price, "date outside the inputs"))
            continue
        rows.append((i, day, machine, float(price)))
    cutoff = pd.Timestamp(fit_before)
    if not any(r[1] < cutoff for r in rows):
        raise InputError(f"no observation of a known model before {fit_before}",
                         field="observations")
    machines = sorted({r[2].model: r[2] for r in rows}.values(), key=lambda m: m.model)
    position = {m.model: k for k, m in enumerate(machines)}
    obs_dates = sorted({r[1] for r in rows})
    col = {d: k for k, d in enumerate(obs_dates)}
    return _Rows(
        machines=machines, dates=inputs.loc[obs_dates],
        model_index=np.array([position[r[2].model] for r in rows]),
        date_index=np.array([col[r[1]] for r in rows]),
        observed=np.array([r[3] for r in rows]),
        in_sample=np.array([r[1] < cutoff for r in rows]),
        table_dates=[r[1] for r in rows],
        skipped=pd.DataFrame(skipped, columns=["date", "model", "price", "reason"]),
    )


def fit_growth_scale(
    observations: pd.DataFrame,
    inputs: pd.DataFrame,
    catalog: Catalog,
    params: ValuationParams,
    *,
    fit_before: dt.date,
    grid: np.ndarray | None = None,
) -> Calibration:
    """Fit ``growth_scale`` on the observations dated before ``fit_before``.

    Parameters
    ----------
    observations : pandas.DataFrame
        ``date``, ``model`` and ``price`` [currency of ``inputs``] (e.g. the store's
        machine prices in that currency).
    inputs : pandas.DataFrame
        Daily valuation inputs (:func:`hashwinter.assets.inputs.valuation_inputs`).
    catalog : Catalog
        Resolves model names (aliases allowed).
    params : ValuationParams
        Assumptions; its ``growth_scale`` is replaced by the fit (and its
        ``difficulty_model`` set to ``"trailing"``).
    fit_before : datetime.date
        Only earlier observations are fitted.
    grid : ndarray, optional
        Candidate scales (default 0 to 3 by 0.02, then refined to 0.001).

    Returns
    -------
    Calibration

    Raises
    ------
    InputError
        No observation before ``fit_before`` can be valued.

    """
    rows = _rows(observations, inputs, catalog, fit_before)
    base = params.model_copy(update={"difficulty_model": "trailing"})

    def loss(scale: float) -> float:
        return rows.loss(base.model_copy(update={"growth_scale": float(scale)}))

    candidates = np.arange(0.0, 3.0001, 0.02) if grid is None else np.asarray(grid, float)
    best = float(min(candidates, key=loss))
    if grid is None:  # refine around the grid's best
        fine = np.clip(np.arange(best - 0.02, best + 0.0201, 0.001), 0.0, 5.0)
        best = float(min(fine, key=loss))
    return rows.calibration(base.model_copy(update={"growth_scale": best}))


#: Relaxation times tried by :func:`fit_break_even`. [day]
RELAXATION_GRID_DAYS = (15.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 270.0, 365.0)


def fit_break_even(
    observations: pd.DataFrame,
    inputs: pd.DataFrame,
    catalog: Catalog,
    params: ValuationParams,
    *,
    fit_before: dt.date,
) -> Calibration:
    """Fit the break-even projection on the observations dated before ``fit_before``.

    Least squares on log prices over ``entry_cost_per_kwh`` (70 log-spaced values from
    0.01 to 10 currency units per kWh, then refined to 0.2 % of the best at each
    relaxation time) and ``relaxation_days`` (:data:`RELAXATION_GRID_DAYS`); the
    other assumptions (``reference_j_per_th``, tariff, discount rate, life) are the
    user's. Arguments and result as in :func:`fit_growth_scale`.
    """
    rows = _rows(observations, inputs, catalog, fit_before)
    base = params.model_copy(update={"difficulty_model": "break_even"})

    def loss(cost: float, tau: float) -> float:
        return rows.loss(base.model_copy(update={"entry_cost_per_kwh": float(cost),
                                                 "relaxation_days": float(tau)}))

    coarse = np.geomspace(0.01, 10.0, 70)
    best: list[tuple[float, float, float]] = []
    for tau in RELAXATION_GRID_DAYS:  # refine the cost at every relaxation time: they trade off
        losses = [loss(c, tau) for c in coarse]
        c0 = float(coarse[int(np.argmin(losses))])
        fine = c0 * (1.0 + np.arange(-0.06, 0.0601, 0.002))
        losses = [loss(c, tau) for c in fine]
        k = int(np.argmin(losses))
        best.append((losses[k], float(fine[k]), tau))
    _, cost, tau = min(best)
    return rows.calibration(base.model_copy(update={"entry_cost_per_kwh": cost,
                                                    "relaxation_days": float(tau)}))


def quote_observations(prices: pd.DataFrame, currency: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the store's machine prices as fit observations, and the rows left out.

    ``prices`` is the store's ``machine_prices`` table (``HistoryStore.machine_prices``).
    A quote dated to a month is read as that month's 15th; a quote in another currency
    than ``currency``, or dated only to a year, is left out (with the reason). Returns
    ``(observations, left_out)``: ``date``, ``model``, ``price``, ``condition`` and
    ``date``, ``model``, ``price``, ``reason``.
    """
    rows, left = [], []
    for r in prices.to_dict(orient="records"):
        day = pd.Timestamp(str(r["date"]))
        if str(r["currency"]).upper() != currency.upper():
            left.append((day, r["model"], r["price"],
                         f"in {r['currency']}, not {currency.upper()}"))
        elif r["date_precision"] == "year":
            left.append((day, r["model"], r["price"], "dated to a year only"))
        else:
            if r["date_precision"] == "month":
                day = day.replace(day=15)
            rows.append((day, r["model"], float(r["price"]), r["condition"]))
    return (pd.DataFrame(rows, columns=["date", "model", "price", "condition"]),
            pd.DataFrame(left, columns=["date", "model", "price", "reason"]))
