"""Turn validated scenario sections into the objects that simulate them.

Price processes, hash supply functions, retarget rules and difficulty
projections are built here; windows of history are read from the history
store or a CSV file and handed to the processes' ``fit`` classmethods.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from hashwinter.blockclock import BitcoinRule, RetargetRule, RollingWindowRule
from hashwinter.errors import InputError
from hashwinter.market import GBM, BlockBootstrap, MertonJumpDiffusion, RegimeSwitching
from hashwinter.market.base import PriceProcess
from hashwinter.network import (
    ConstantGrowthDifficulty,
    HashSupply,
    LinearSupply,
    RetargetBootstrap,
    SigmoidSupply,
)
from hashwinter.scenario.config import (
    RULE_NAME,
    BootstrapPrice,
    ExogenousNetwork,
    GBMPrice,
    HistoryWindow,
    LinearSupplySpec,
    MertonPrice,
    PriceSpec,
    RegimesPrice,
    SigmoidSupplySpec,
)
from hashwinter.units import TRADING_DAYS_PER_YEAR

__all__ = [
    "build_difficulty_projection",
    "build_price",
    "build_rules",
    "build_supply",
    "load_history",
]


def load_history(window: HistoryWindow, *, base_dir: Path | None = None, field: str) -> pd.Series:
    """Read ``window.column`` between ``start`` and ``end`` (inclusive) as a daily Series.

    Parameters
    ----------
    window : HistoryWindow
        Where to read from and which days.
    base_dir : Path, optional
        Folder relative CSV paths are resolved against (the scenario's folder).
    field : str
        Dotted field of the window in the scenario, for error messages.

    Returns
    -------
    pandas.Series
        Values indexed by date, in time order, without missing days' NaN.

    """
    if window.source == "csv":
        assert window.path is not None  # checked by the model
        path = Path(window.path)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            frame = pd.read_csv(path, parse_dates=[window.date_column])
        except FileNotFoundError:
            raise InputError(f"no such file: {path}", field=f"{field}.path") from None
        except ValueError as exc:
            raise InputError(f"cannot read {path}: {exc}", field=f"{field}.path") from None
        if window.column not in frame.columns:
            raise InputError(
                f"{path} has no column {window.column!r} (columns: {', '.join(frame.columns)})",
                field=f"{field}.column",
            )
        series = frame.set_index(window.date_column)[window.column].sort_index()
        series = series.loc[pd.Timestamp(window.start) : pd.Timestamp(window.end)]
    else:
        from hashwinter.data import network_states  # the store is optional until used

        days = pd.date_range(window.start, window.end, freq="D")
        # A scenario's price window has market.currency here (config fills it in);
        # difficulty windows carry none and read USD (difficulty has no currency).
        states = network_states(days, store=window.path, currency=window.currency or "USD")
        if window.column not in states.columns:
            raise InputError(
                f"the store has no column {window.column!r}; use price, price_usd or difficulty",
                field=f"{field}.column",
            )
        series = states[window.column]
    series = series.dropna()
    if series.size < 3:
        raise InputError(
            f"holds {series.size} values between {window.start} and {window.end}",
            field=field,
        )
    return series


def _gbm(spec: GBMPrice, base_dir: Path | None) -> GBM:
    if spec.fit is not None:
        fitted = GBM.fit(load_history(spec.fit, base_dir=base_dir, field="price.fit"))
        mu, sigma, s0 = fitted.mu, fitted.sigma, fitted.s0
    else:
        mu = sigma = s0 = math.nan
    if spec.mu_per_day is not None:
        mu = spec.mu_per_day
    elif spec.mu_annual is not None:
        mu = spec.mu_annual / TRADING_DAYS_PER_YEAR
    if spec.sigma_per_day is not None:
        sigma = spec.sigma_per_day
    elif spec.sigma_annual is not None:
        sigma = spec.sigma_annual / math.sqrt(TRADING_DAYS_PER_YEAR)
    if spec.s0 is not None:
        s0 = spec.s0
    return GBM(s0=s0, mu=mu, sigma=sigma)


def build_price(spec: PriceSpec, *, base_dir: Path | None = None) -> PriceProcess:
    """Return the price process a ``[price]`` section describes (fitting it if asked).

    Explicit parameters override fitted ones, so a window can set the volatility
    while ``mu_per_day = 0`` removes the window's drift.
    """
    if isinstance(spec, GBMPrice):
        return _gbm(spec, base_dir)
    if isinstance(spec, BootstrapPrice):
        history = load_history(spec.fit, base_dir=base_dir, field="price.fit")
        boot = BlockBootstrap.fit(history, block_length=min(spec.block_days, history.size - 1))
        if spec.s0 is not None:
            boot = BlockBootstrap(s0=spec.s0, returns=boot.returns, block_length=boot.block_length)
        return boot
    if isinstance(spec, MertonPrice):
        values = {
            "s0": spec.s0,
            "mu": spec.mu_per_day,
            "sigma": spec.sigma_per_day,
            "jump_rate": spec.jump_rate_per_day,
            "jump_mean": spec.jump_mean,
            "jump_std": spec.jump_std,
        }
        if spec.fit is not None:
            fitted = MertonJumpDiffusion.fit(
                load_history(spec.fit, base_dir=base_dir, field="price.fit")
            )
            values = {k: (v if v is not None else getattr(fitted, k)) for k, v in values.items()}
        return MertonJumpDiffusion(**values)  # type: ignore[arg-type]
    assert isinstance(spec, RegimesPrice)
    values_r = {
        "s0": spec.s0,
        "mu_bull": spec.mu_bull_per_day,
        "mu_bear": spec.mu_bear_per_day,
        "sigma_bull": spec.sigma_bull_per_day,
        "sigma_bear": spec.sigma_bear_per_day,
        "p_bull_to_bear": spec.p_bull_to_bear,
        "p_bear_to_bull": spec.p_bear_to_bull,
    }
    if spec.fit is not None:
        fitted_r = RegimeSwitching.fit(load_history(spec.fit, base_dir=base_dir, field="price.fit"))
        values_r = {k: (v if v is not None else getattr(fitted_r, k)) for k, v in values_r.items()}
    return RegimeSwitching(**values_r, start=spec.start)  # type: ignore[arg-type]


def build_supply(spec: SigmoidSupplySpec | LinearSupplySpec) -> HashSupply:
    """Return the hash supply function of a ``[network.supply]`` section (EH units in)."""
    if isinstance(spec, SigmoidSupplySpec):
        return SigmoidSupply.from_eh_units(
            spec.h_max_ehs, spec.k_per_usd_per_eh, spec.r0_usd_per_eh, spec.floor
        )
    h_max = spec.h_max_ehs if spec.h_max_ehs is not None else math.inf
    if h_max <= spec.h_min_ehs:
        raise InputError("must be > h_min_ehs", field="network.supply.h_max_ehs")
    return LinearSupply.from_eh_units(
        spec.intercept_ehs, spec.slope_ehs_per_usd_per_eh, spec.h_min_ehs, h_max
    )


def build_rules(names: list[str]) -> list[RetargetRule]:
    """Return retarget rules from names: ``"bitcoin"`` or ``"cw-N"`` (a rolling window of N)."""
    rules: list[RetargetRule] = []
    for i, name in enumerate(names):
        match = RULE_NAME.match(name)
        if match is None:
            raise InputError(f"unknown rule {name!r}", field=f"network.rules[{i}]")
        rules.append(BitcoinRule() if match[2] is None else RollingWindowRule(window=int(match[2])))
    return rules


def build_difficulty_projection(
    spec: ExogenousNetwork, *, base_dir: Path | None = None
) -> ConstantGrowthDifficulty | RetargetBootstrap:
    """Return the exogenous difficulty projection of a ``[network]`` section."""
    if spec.projection == "growth":
        assert spec.difficulty is not None  # checked by the model
        return ConstantGrowthDifficulty(
            d0=spec.difficulty, monthly_growth=spec.monthly_growth, step_days=spec.step_days
        )
    assert spec.fit is not None
    window = (
        spec.fit.model_copy(update={"column": "difficulty"})
        if spec.fit.column == "price"
        else spec.fit
    )
    boot = RetargetBootstrap.fit(
        load_history(window, base_dir=base_dir, field="network.fit"), block_length=spec.block_length
    )
    if spec.difficulty is not None:
        boot = RetargetBootstrap(
            d0=spec.difficulty, ratios=boot.ratios, block_length=boot.block_length
        )
    return boot
