"""Jin Xin's GPU cycle as a policy: buy rigs cheap, mine above cost, exit to gamers.

Seed §7: buy second-hand rigs from liquidating miners; run them while the coin covers
costs with a small surplus; at the cost line stop and sell the cards to gamers; in a bull
market buy cards from gamers and sell rigs to miners. The machines of a cohort are cards
(a rig's platform is a per-card share of power, in the fleet item, and of resale value).

Each step, per variant, path and cohort, from what is known at the step's start:

* ``margin`` = revenue - cost of one card-day; ``gamer`` = what a card brings from gamers
  (:class:`~hashwinter.assets.card_resale.CardResaleModel`: new-card price, the card's age,
  the glut from the coin's drawdown, less selling fees); ``miners`` = what miners pay for
  a used rig, per card: the second-hand market price of the machines-as-assets valuation
  (:func:`hashwinter.farm.trading.prices.trade_tables`: the option-adjusted value of a
  card at a buyer's tariff x liquidity, floored at scrap) plus the platform's share — the
  farm file's default (``miner_price = "valuation"``); or, with ``miner_price =
  "payback"`` and for the bare policy without a table, ``max(margin, 0) x
  miner_payback_days + platform`` (ASSUMPTION: miners price a rig by its coin margin
  over a payback period);
* **exit to gamers** when ``revenue < cost x (1 + exit_margin)`` (the cost line): every
  card is sold at ``gamer``;
* **bull**: when ``miners >= gamer_buy x (1 + bull_premium)`` (``gamer_buy``: the gamer
  price before fees, what buying a card from a gamer costs): cards are bought from gamers
  at ``gamer_buy`` and as many of the held rigs' cards sold to miners at ``miners`` — at
  most ``bull_swap_per_day x`` the fleet item's count a day (ASSUMPTION: the depth of the
  used gamer market; without a limit the swap would repeat every day on the whole fleet),
  an emptied cohort refilling from gamers at the same pace;
* **buy rigs** when none are held, not a bull, the coin covers cost plus the surplus, and
  ``miners < gamer + max(margin, 0) x margin_horizon_days``: back to the fleet item's count
  at ``miners``;
* **run** every held card while ``revenue >= cost x (1 + required_surplus)``.

All thresholds take arrays over the variant axis (a sweep is one run).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from hashwinter.assets.card_resale import CardResaleModel, glut_index, new_price_series
from hashwinter.data import read_machine_prices
from hashwinter.engine.actions import Actions
from hashwinter.engine.policy import Observation, Policy
from hashwinter.engine.variants import (
    as_variant_array,
    count_variants,
    take_variants,
    to_engine_axis,
)
from hashwinter.errors import InputError, InputErrors
from hashwinter.farm.registry import PolicyContext, register_policy
from hashwinter.farm.trading.config import TradingValuation
from hashwinter.hardware import default_catalog
from hashwinter.units import SECONDS_PER_DAY

__all__ = ["AsicLegConfig", "GpuCycleConfig", "GpuCyclePolicy", "gamer_series"]

FloatArray = npt.NDArray[np.float64]


def gamer_series(policy: GpuCyclePolicy, close: npt.ArrayLike,
                 cohort: int = 0) -> tuple[FloatArray, FloatArray]:
    """Return ``(gamer net, gamer buy)`` of one cohort's card on each day, as the policy sees it.

    ``close`` (P|1, D) is the run's daily coin close; day ``d`` uses the close of day
    ``d - 1`` (day 0 its own) for the glut over ``glut_window_days`` closes, the age
    ``card_age_days + d``, the day's new-card price and (rental floor) the day's first
    step's tariff. Net is after the selling fee and floored by renting; buy is the gross
    gamer price. [currency/card], shaped (P|1, D). A loop over the policy's own daily
    decisions gives the same values (tests/farm/test_gpu_cycle.py).
    """
    price = np.atleast_2d(np.asarray(close, dtype=np.float64))
    seen = np.concatenate([price[:, :1], price[:, :-1]], axis=1)
    glut = glut_index(seen, policy.resale.glut_window_days)
    n_days = seen.shape[1]
    age = policy.card_age_days + np.arange(n_days, dtype=np.float64)
    new = (np.full(n_days, policy.new_card_price) if policy.new_price_table is None
           else policy.new_price_table[cohort])
    tariff: float | FloatArray = 0.0
    if policy.tariff_table is not None:
        steps = policy.tariff_table.shape[0] // n_days
        tariff = policy.tariff_table[::steps, cohort][:n_days]
    net = policy.resale.card_value(new, age, glut, card_power_w=policy.card_power_w[0, cohort],
                                   tariff=tariff)
    return net, policy.resale.gross_price(new, age, glut)


@dataclasses.dataclass(frozen=True, init=False)
class GpuCyclePolicy:
    """The cycle rule of the module docstring, vectorized over ``(V, P, C)``.

    Parameters
    ----------
    target : array_like (C,)
        Cards each cohort holds when full (the fleet item's count). [cards]
    new_card_price : float
        New-card retail price, in the run currency (without ``new_price_table``).
        [currency/card]
    card_age_days : float
        Age of the cards on the run's first day. [day]
    platform_per_card : float
        Resale value of a rig's platform per card (a miner pays it with the rig). [currency]
    resale : CardResaleModel
        The gamer-market model.
    required_surplus, exit_margin, bull_premium : float or array_like (V,)
        Run above ``cost x (1 + required_surplus)``; sell to gamers below
        ``cost x (1 + exit_margin)``; bull when miners pay ``1 + bull_premium`` times the
        gamer price. [fraction]
    miner_payback_days, margin_horizon_days : float or array_like (V,)
        Miners' payback for a used rig (without ``miner_table``); horizon of the expected
        mining margin in the buy rule. [day]
    bull_swap_per_day : float or array_like (V,)
        Cards swapped a day in a bull (bought from gamers, sold to miners), as a share of
        the target, rounded down to whole cards. [1/day]
    miner_table : array_like (P|1, C, D), optional
        Miners' price of one card on each day (the assets valuation's market price,
        :attr:`hashwinter.farm.trading.prices.TradeTables.market`); the platform's share
        is added to it. None: the payback rule. [currency/card]
    new_price_table : array_like (C, D), optional
        New-card price of each cohort's card on each day (users' quotes,
        :func:`hashwinter.assets.card_resale.new_price_series`); None: ``new_card_price``.
        [currency/card]
    card_power_w : array_like (C,), optional
        Each cohort's card power, for the rental floor's energy (default 0). [W]
    tariff_table : array_like (steps, C), optional
        Each cohort's energy price per step, for the rental floor (default 0). [currency/kWh]

    """

    target: FloatArray
    new_card_price: float
    card_age_days: float
    platform_per_card: float
    resale: CardResaleModel
    required_surplus: FloatArray
    exit_margin: FloatArray
    bull_premium: FloatArray
    miner_payback_days: FloatArray
    margin_horizon_days: FloatArray
    bull_swap_per_day: FloatArray
    miner_table: FloatArray | None
    new_price_table: FloatArray | None
    card_power_w: FloatArray
    tariff_table: FloatArray | None

    def __init__(self, target: npt.ArrayLike, *, new_card_price: float, card_age_days: float,
                 platform_per_card: float, resale: CardResaleModel,
                 required_surplus: npt.ArrayLike = 0.05, exit_margin: npt.ArrayLike = 0.0,
                 bull_premium: npt.ArrayLike = 0.3, miner_payback_days: npt.ArrayLike = 180.0,
                 margin_horizon_days: npt.ArrayLike = 90.0,
                 bull_swap_per_day: npt.ArrayLike = 0.01,
                 miner_table: npt.ArrayLike | None = None,
                 new_price_table: npt.ArrayLike | None = None,
                 card_power_w: npt.ArrayLike = 0.0,
                 tariff_table: npt.ArrayLike | None = None) -> None:
        arrays = {name: as_variant_array(value, f"policy.{name}") for name, value in (
            ("required_surplus", required_surplus), ("exit_margin", exit_margin),
            ("bull_premium", bull_premium), ("miner_payback_days", miner_payback_days),
            ("margin_horizon_days", margin_horizon_days),
            ("bull_swap_per_day", bull_swap_per_day))}
        count_variants(arrays)
        for name, arr in arrays.items():
            if not np.all(np.isfinite(arr)):
                raise InputError("must be finite", field=f"policy.{name}")
        if np.any(np.broadcast_arrays(arrays["exit_margin"], arrays["required_surplus"])[0]
                  > np.broadcast_arrays(arrays["exit_margin"], arrays["required_surplus"])[1]):
            raise InputError("must be <= required_surplus (stop running before selling)",
                             field="policy.exit_margin")
        for name in ("miner_payback_days", "margin_horizon_days", "bull_swap_per_day"):
            if np.any(arrays[name] < 0):
                raise InputError("must be >= 0", field=f"policy.{name}")
        # (1, C): per cohort, never taken for a variant subset (take_variants slices 1-d fields).
        object.__setattr__(self, "target", np.asarray(target, dtype=np.float64).reshape(1, -1))
        object.__setattr__(self, "new_card_price", float(new_card_price))
        object.__setattr__(self, "card_age_days", float(card_age_days))
        object.__setattr__(self, "platform_per_card", float(platform_per_card))
        object.__setattr__(self, "resale", resale)
        for name, arr in arrays.items():
            object.__setattr__(self, name, arr)
        table = None if miner_table is None else np.asarray(miner_table, dtype=np.float64)
        if table is not None and (table.ndim != 3 or not np.all(np.isfinite(table))):
            raise InputError("must be a finite (paths, cohorts, days) table",
                             field="policy.miner_table")
        object.__setattr__(self, "miner_table", table)
        for name, value in (("new_price_table", new_price_table),
                            ("tariff_table", tariff_table)):
            given: FloatArray | None = (None if value is None
                                        else np.asarray(value, dtype=np.float64))
            if given is not None and (given.ndim != 2 or not np.all(np.isfinite(given))
                                      or np.any(given < 0)):
                raise InputError("must be a finite, >= 0 (rows, cohorts) table",
                                 field=f"policy.{name}")
            object.__setattr__(self, name, given)
        # (1, C): per cohort, like the target.
        object.__setattr__(self, "card_power_w",
                           np.asarray(card_power_w, dtype=np.float64).reshape(1, -1))

    @property
    def n_variants(self) -> int:
        """Number of variants ``V``."""
        return count_variants({f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                               if f.name not in ("target", "resale", "new_card_price",
                                                 "card_age_days", "platform_per_card",
                                                 "miner_table", "new_price_table",
                                                 "card_power_w", "tariff_table")})

    def init_state(self, shape: tuple[int, int, int]) -> dict[str, Any]:
        """Return the last ``glut_window_days`` observed prices (the glut's running peak).

        A ring buffer of shape (window, P): the peak is its max, one reduction a step
        (stacking a list of the window's closes every step cost a quarter of a run).
        """
        return {"ring": None, "n": 0}

    def values(self, obs: Observation, state: dict[str, Any]) -> tuple[FloatArray, FloatArray,
                                                                        FloatArray, FloatArray]:
        """Return ``(margin per card-day, gamer net, gamer buy, miners' price)`` of the step."""
        price = np.asarray(obs.price, dtype=np.float64)  # (1, P, 1)
        ring = state["ring"]
        if ring is None:
            ring = state["ring"] = np.full((self.resale.glut_window_days, price.shape[1]),
                                           -np.inf)
        ring[state["n"] % ring.shape[0]] = price[0, :, 0]
        state["n"] += 1
        peak = ring.max(axis=0)[None, :, None]
        glut = np.clip(1.0 - price / peak, 0.0, 1.0)
        days = obs.step_seconds / SECONDS_PER_DAY
        margin = (obs.revenue_per_machine - obs.cost_per_machine) / days
        age = self.card_age_days + obs.day
        new: float | FloatArray = (self.new_card_price if self.new_price_table is None
                                   else self.new_price_table[:, obs.day])
        tariff = 0.0 if self.tariff_table is None else self.tariff_table[obs.step]
        gamer = self.resale.card_value(new, age, glut, card_power_w=self.card_power_w,
                                       tariff=tariff)
        gamer_buy = self.resale.gross_price(new, age, glut)
        if self.miner_table is not None:
            miners = self.miner_table[None, :, :, obs.day] + self.platform_per_card
        else:
            miners = np.maximum(margin, 0.0) * to_engine_axis(self.miner_payback_days) \
                + self.platform_per_card
        return margin, gamer, gamer_buy, miners

    def decide(self, obs: Observation, actions: Actions,
               state: dict[str, Any]) -> tuple[Actions, dict[str, Any]]:
        """Return the step's trades and on/off state (see the module docstring)."""
        margin, gamer, gamer_buy, miners = self.values(obs, state)
        rev, cost = obs.revenue_per_machine, obs.cost_per_machine
        shape = np.broadcast_shapes(actions.on.shape, margin.shape, miners.shape)
        held = np.broadcast_to(np.asarray(obs.installed, dtype=np.float64), shape)
        target = np.broadcast_to(self.target, shape)
        covers = rev >= cost * (1.0 + to_engine_axis(self.required_surplus))
        to_gamers = (held > 0) & (rev < cost * (1.0 + to_engine_axis(self.exit_margin)))
        bull = np.broadcast_to(miners >= gamer_buy * (1.0 + to_engine_axis(self.bull_premium)),
                               shape) & ~to_gamers
        depth = np.floor(target * to_engine_axis(self.bull_swap_per_day))  # whole cards
        to_miners = np.where(bull, np.minimum(held, depth), 0.0)
        # Refill from gamers at the market's depth, never above the target.
        from_gamers = np.where(bull, np.clip(target - held + to_miners, 0.0, depth), 0.0)
        empty = (held <= 0) & (target > 0)
        rigs_cheap = miners < gamer + np.maximum(margin, 0.0) * to_engine_axis(
            self.margin_horizon_days)
        from_miners = empty & ~bull & covers & rigs_cheap
        sell = np.where(to_gamers, held, to_miners)
        buy = np.where(from_miners, target, from_gamers)
        sell_price = np.broadcast_to(np.where(to_gamers, gamer, miners), shape)
        buy_price = np.broadcast_to(np.where(bull, gamer_buy, miners), shape)
        on = np.broadcast_to(covers, shape) & ~to_gamers
        out = actions.with_on(on).add_trades(sell=sell, sell_price=sell_price, buy=buy,
                                             buy_price=buy_price)
        return out, state

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> GpuCyclePolicy:
        """Return the policy restricted to some variants."""
        return take_variants(self, sel)


class AsicLegConfig(BaseModel):
    """The ASIC farm of the same capital the GPU report compares with (``[policies.asic_leg]``).

    Attributes
    ----------
    model : str
        Catalog ASIC (``"Antminer S9"``).
    unit_price : float
        Price of one machine on the GPU fleet's purchase date. [farm currency]
    coin : str
        Coin it mines (its history in the store). Default BTC.
    condition : {"new", "used"}

    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(min_length=1)
    unit_price: Annotated[float, Field(gt=0, le=1e6)]
    coin: str = "BTC"
    condition: Literal["new", "used"] = "new"


@register_policy
class GpuCycleConfig(BaseModel):
    """``kind = "gpu_cycle"``: Jin Xin's cycle (a ``[[policies]]`` entry; docs/gpu.md).

    Attributes
    ----------
    new_card_price : float or None
        New-card retail price in the farm currency (e.g. 330 USD, the RX 580 of July 2018
        in gpu_prices.csv). [currency/card]
    new_card_quotes : str or None
        A CSV of new-card price quotes in the machine-prices format (``hashwinter data
        import machine-prices``; ../shared/data/gpu_prices.csv reads as it is), relative to
        the farm file: each cohort's new-card price on a day is the latest quote of its
        model (aliases resolved), condition new, in the farm currency, on or before the day
        (before the first: the first; :func:`~hashwinter.assets.card_resale.new_price_series`).
        One of ``new_card_price`` and ``new_card_quotes`` is required.
    card_age_days : float
        Age of the cards at the start. [day]
    cards_per_rig : int
        Cards on one platform.
    platform_resale : float
        Resale value of one rig's platform. [currency/rig]
    resale : CardResaleModel
        Gamer-market parameters (``[policies.resale]``).
    miner_price : {"valuation", "payback"}
        How miners price a used rig: the machines-as-assets valuation's market price of a
        card under ``[policies.valuation]`` (the same tables the trading rules read), or
        the margin x ``miner_payback_days`` rule (ASSUMPTION; the bare policy's default).
    valuation : TradingValuation
        The valuation's assumptions (buyer's tariff, liquidity, volatility ...).
    asic_leg : AsicLegConfig or None
        The ASIC farm of the same capital for the three-P&L report
        (:mod:`hashwinter.farm.gpu_report`); not used by the policy.
    required_surplus, exit_margin, bull_premium, miner_payback_days, margin_horizon_days,
    bull_swap_per_day
        As :class:`GpuCyclePolicy`; a list sweeps them as variants.

    The rigs' platform (cards per rig, its resale) is the first ``[fleet.rig]`` table's
    when the farm has one, else ``cards_per_rig`` and ``platform_resale``.

    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["gpu_cycle"] = "gpu_cycle"
    new_card_price: Annotated[float, Field(gt=0, le=1e5)] | None = None
    new_card_quotes: str | None = Field(default=None, min_length=1)
    card_age_days: Annotated[float, Field(ge=0, le=3650)] = 365.0
    cards_per_rig: Annotated[int, Field(ge=1, le=64)] = 8
    platform_resale: Annotated[float, Field(ge=0, le=1e5)] = 100.0
    resale: CardResaleModel = Field(default_factory=CardResaleModel)
    required_surplus: float | list[float] = 0.05
    exit_margin: float | list[float] = 0.0
    bull_premium: float | list[float] = 0.3
    miner_payback_days: float | list[float] = 180.0
    margin_horizon_days: float | list[float] = 90.0
    bull_swap_per_day: float | list[float] = 0.01
    miner_price: Literal["valuation", "payback"] = "valuation"
    valuation: TradingValuation = Field(default_factory=TradingValuation)
    asic_leg: AsicLegConfig | None = None

    @field_validator("new_card_quotes")
    @classmethod
    def _quotes_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        context = info.context or {}
        if context.get("read_files") is False:
            raise ValueError("a quotes file cannot be read here (farm text from the web API "
                             "does not read the server's files)")
        path = Path(value)
        base = context.get("base_dir")
        if not path.is_absolute() and base is not None:
            path = Path(base) / path
        if not path.is_file():
            raise ValueError(f"no such quotes file: {path}")
        try:
            read_machine_prices(path)
        except (InputError, InputErrors) as exc:
            errors = exc.errors if isinstance(exc, InputErrors) else [exc]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise ValueError(f"{errors[0]}{more}") from None
        return str(path)

    @model_validator(mode="after")
    def _one_new_price(self) -> GpuCycleConfig:
        if (self.new_card_price is None) == (self.new_card_quotes is None):
            raise ValueError("give one of new_card_price and new_card_quotes")
        return self

    def new_price_table(self, context: PolicyContext) -> FloatArray | None:
        """Return each cohort's new-card price per day from ``new_card_quotes`` (or None).

        Raises :class:`InputError` (``field="new_card_quotes"``) when a cohort's model has
        no new-card quote in the farm currency.
        """
        if self.new_card_quotes is None:
            return None
        frame = read_machine_prices(self.new_card_quotes)
        catalog = default_catalog()
        names = []
        for model in frame["model"]:
            try:
                names.append(catalog.get(str(model)).model)
            except InputError:
                names.append("")  # a card the catalog does not know: not this farm's
        frame = frame.assign(catalog_model=names)
        frame = frame[(frame["condition"] == "new") & (frame["currency"] == context.currency)]
        days = context.clock.dates
        rows = []
        for model in context.cohorts.model:
            quotes = frame[frame["catalog_model"] == model]
            if quotes.empty:
                raise InputError(f"no new-card quote of {model} in {context.currency} in "
                                 f"{self.new_card_quotes}", field="new_card_quotes")
            rows.append(new_price_series(quotes["date"].to_numpy(dtype="datetime64[D]"),
                                         quotes["price"].to_numpy(dtype=np.float64), days))
        return np.stack(rows)

    def platform_per_card(self, context: PolicyContext | None = None) -> float:
        """Return the platform's resale value per card [currency/card] (see the class)."""
        farm = context.farm if context is not None else None
        rigs = [i.rig for i in farm.config.fleet if i.rig is not None] if farm else []
        if rigs:
            return rigs[0].platform_resale / rigs[0].cards
        return self.platform_resale / self.cards_per_rig

    def build(self, context: PolicyContext) -> Policy:
        """Return the engine policy for the farm's cohorts (their counts are the targets)."""
        table = (self.valuation.tables(context).market if self.miner_price == "valuation"
                 else None)
        return GpuCyclePolicy(
            context.cohorts.count, new_card_price=self.new_card_price or 0.0,
            new_price_table=self.new_price_table(context),
            card_power_w=context.cohorts.power, tariff_table=context.tariff,
            card_age_days=self.card_age_days,
            platform_per_card=self.platform_per_card(context), resale=self.resale,
            required_surplus=self.required_surplus, exit_margin=self.exit_margin,
            bull_premium=self.bull_premium, miner_payback_days=self.miner_payback_days,
            margin_horizon_days=self.margin_horizon_days,
            bull_swap_per_day=self.bull_swap_per_day, miner_table=table)
