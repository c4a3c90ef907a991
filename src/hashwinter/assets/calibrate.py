"""Fit the valuation to observed machine prices, and report the error per observation.

The free parameter is the buyer's projection of difficulty, ``growth_scale``
times the trailing year's growth (:class:`~hashwinter.assets.params.ValuationParams`);
the other assumptions (tariff, discount rate, life, liquidity) are the user's.
Only observations dated before ``fit_before`` are fitted (least squares on log
prices over a grid, then refined); every observation, fitted or not, gets its
model value and log error, so the quotes of the period checked are out-of-sample.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from hashwinter.assets.market import market_values
from hashwinter.assets.params import ValuationParams
from hashwinter.errors import InputError
from hashwinter.hardware import Catalog

__all__ = ["Calibration", "fit_growth_scale"]


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
        Assumptions; its ``growth_scale`` is replaced by the fit.
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
    fit_rows = [r for r in rows if r[1] < cutoff]
    if not fit_rows:
        raise InputError(f"no observation of a known model before {fit_before}",
                         field="observations")
    machines = sorted({r[2].model: r[2] for r in rows}.values(), key=lambda m: m.model)
    position = {m.model: k for k, m in enumerate(machines)}
    obs_dates = sorted({r[1] for r in rows})
    sub = inputs.loc[obs_dates]
    col = {d: k for k, d in enumerate(obs_dates)}
    mi = np.array([position[r[2].model] for r in rows])
    di = np.array([col[r[1]] for r in rows])
    observed = np.array([r[3] for r in rows])
    in_sample = np.array([r[1] < cutoff for r in rows])

    def errors(scale: float) -> np.ndarray:
        p = params.model_copy(update={"growth_scale": float(scale)})
        values = market_values(machines, sub, p)[mi, di]
        with np.errstate(divide="ignore"):
            return np.log(np.maximum(values, 1e-300) / observed)

    def loss(scale: float) -> float:
        return float(np.mean(errors(scale)[in_sample] ** 2))

    candidates = np.arange(0.0, 3.0001, 0.02) if grid is None else np.asarray(grid, float)
    best = float(min(candidates, key=loss))
    if grid is None:  # refine around the grid's best
        fine = np.clip(np.arange(best - 0.02, best + 0.0201, 0.001), 0.0, 5.0)
        best = float(min(fine, key=loss))
    fitted_params = params.model_copy(update={"growth_scale": best})
    err = errors(best)
    table = pd.DataFrame({
        "date": [r[1] for r in rows], "model": [r[2].model for r in rows],
        "observed": observed, "fitted": observed * np.exp(err), "log_error": err,
        "in_sample": in_sample,
    })
    return Calibration(
        params=fitted_params, table=table,
        skipped=pd.DataFrame(skipped, columns=["date", "model", "price", "reason"]),
        rmse_log_in_sample=float(np.sqrt(np.mean(err[in_sample] ** 2))),
    )
