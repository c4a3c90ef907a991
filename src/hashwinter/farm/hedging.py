"""Hedging policies: short the expected production (or the power bill) and roll monthly.

:class:`HedgeShort` is the engine policy. At the close of each opening day of
its instrument (the first day of the run and every roll day, or a single
contract's entry day) it orders, per variant, path and owner, a short of

* ``production``: ``ratio ×`` the coins the fleet that is on (after the
  curtailment policies before it in the chain) is expected to mine over the
  next ``horizon_days``, at the current difficulty
  (``Σ_c on · held · coins_per_machine × steps_per_day × horizon``), or with
  ``retargets = n > 0`` at the difficulties of the next ``n`` retargets projected
  from the current epoch's pace and the hashrate trend (times the factor ``f`` of
  :mod:`hashwinter.farm.hedge_retarget`);
* ``power_bill``: coins worth ``ratio ×`` the power and management bill of
  the horizon at the last known price (the fiat revenue that pays the
  electricity is locked);
* ``none``: nothing (the unhedged baseline of a sweep).

The order goes to the instrument slot of its variant (``slot``, so an
instrument is a sweep axis like the ratio, the horizon and the roll day, which
selects the instrument with that roll day). The instrument closes the old
contract at the same day's close before filling the new one
(:class:`hashwinter.finance.instruments.HedgeContract`), so a hedge liquidated
in between is reopened only at the next roll. Owners that are broke do not
hedge.

Config classes (registered policy kinds, usable in ``[[policies]]``):
``hedge_production``, ``hedge_power_bill`` and ``no_hedge``; the farm file's
``[hedge]`` section (:class:`hashwinter.finance.HedgeConfig`, ``target`` naming
the same three) builds the same policy and instrument. :func:`build_hedge`
turns a config into both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from hashwinter.engine.actions import Actions
from hashwinter.engine.owners import OwnerGroups
from hashwinter.engine.policy import Observation
from hashwinter.engine.variants import as_variant_array, count_variants, take_variants
from hashwinter.errors import InputError
from hashwinter.farm.hedge_retarget import epoch_view, projection_factor
from hashwinter.farm.registry import PolicyContext, register_policy
from hashwinter.finance.config import HedgeConfig
from hashwinter.finance.funding import (
    AR1Funding,
    path_generators,
    rates_per_step,
    simulated_rates_per_step,
)
from hashwinter.finance.instruments import HedgeContract, roll_days
from hashwinter.units import SECONDS_PER_DAY

if TYPE_CHECKING:
    from hashwinter.engine.kernel.protocol import CompiledOrders

__all__ = [
    "HedgeShort",
    "NoHedgeConfig",
    "PowerBillHedgeConfig",
    "ProductionHedgeConfig",
    "build_hedge",
    "hedge_instrument",
    "hedge_policy",
    "hedge_windows",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Target = Literal["production", "power_bill", "none"]


@dataclasses.dataclass(frozen=True, init=False)
class HedgeShort:
    """Short a share of the next ``horizon_days``' production or power bill at each roll.

    Parameters
    ----------
    ratio : float or array_like (V,)
        Share hedged (0..1; above 1 only with ``allow_over_hedge``). [fraction]
    horizon_days : float or array_like (V,)
        Days of production (or power bill) hedged at each opening. [day]
    slot : int or array_like of int (V,)
        Instrument of the book each variant trades (index into the run's instruments).
    opens : array_like of bool (I, D)
        Days at whose close each instrument's hedge is opened (the first day and
        the roll days; its close days are the same roll days).
    target : {"production", "power_bill", "none"}
        What is hedged.
    allow_over_hedge : bool
        Permit ``ratio > 1``.
    retargets : int or array_like of int (V,)
        Retargets projected over the horizon (0: the current difficulty).
    network : (difficulty, blocks_per_day), arrays (P|1, D), optional
        The run's daily difficulty and blocks found, which the projection reads
        (required when ``retargets > 0``).

    """

    ratio: FloatArray
    horizon_days: FloatArray
    slot: npt.NDArray[np.int64]
    opens: BoolArray
    target: Target
    retargets: npt.NDArray[np.int64]
    network: tuple[FloatArray, FloatArray] | None

    def __init__(self, ratio: npt.ArrayLike, horizon_days: npt.ArrayLike,
                 slot: npt.ArrayLike, opens: npt.ArrayLike, target: Target = "production",
                 allow_over_hedge: bool = False, retargets: npt.ArrayLike = 0,
                 network: tuple[npt.ArrayLike, npt.ArrayLike] | None = None) -> None:
        r = as_variant_array(ratio, "hedge.ratio")
        if not np.all(np.isfinite(r)) or np.any(r < 0):
            raise InputError(f"must be >= 0 (got {float(np.min(r)):g})", field="hedge.ratio")
        if np.any(r > 1) and not allow_over_hedge:
            raise InputError(f"must be <= 1 unless allow_over_hedge = true (got "
                             f"{float(np.max(r)):g})", field="hedge.ratio")
        h = as_variant_array(horizon_days, "hedge.horizon_days")
        if not np.all(np.isfinite(h)) or np.any(h <= 0):
            raise InputError("must be > 0", field="hedge.horizon_days")
        s = as_variant_array(slot, "hedge.instrument", np.int64)
        o = np.atleast_2d(np.asarray(opens, dtype=bool))
        if np.any(s < 0) or np.any(s >= o.shape[0]):
            raise InputError(f"must be an instrument index 0 .. {o.shape[0] - 1}",
                             field="hedge.instrument")
        if target not in ("production", "power_bill", "none"):
            raise InputError(f"must be production, power_bill or none (got {target!r})",
                             field="hedge.target")
        n = as_variant_array(retargets, "hedge.projected_retargets", np.int64)
        if np.any(n < 0):
            raise InputError("must be >= 0", field="hedge.projected_retargets")
        net = None
        if network is not None:
            net = (np.atleast_2d(np.asarray(network[0], dtype=np.float64)),
                   np.atleast_2d(np.asarray(network[1], dtype=np.float64)))
        elif np.any(n > 0):
            raise InputError("a projected retarget needs the run's difficulty and blocks",
                             field="hedge.projected_retargets")
        object.__setattr__(self, "ratio", r)
        object.__setattr__(self, "horizon_days", h)
        object.__setattr__(self, "slot", s)
        object.__setattr__(self, "opens", o)
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "retargets", n)
        object.__setattr__(self, "network", net)
        count_variants({"ratio": r, "horizon_days": h, "slot": s, "retargets": n})

    @property
    def n_variants(self) -> int:
        """Number of variants ``V``."""
        return count_variants({"ratio": self.ratio, "horizon_days": self.horizon_days,
                               "slot": self.slot, "retargets": self.retargets})

    def init_state(self, shape: tuple[int, int, int]) -> None:
        """No state: the book's positions are the state."""
        return None

    def expected(self, obs: Observation, on: npt.ArrayLike) -> FloatArray:
        """Return the coins to short per unit of ratio and horizon day, (V|1, P, O). [coin/day]."""
        spd = round(SECONDS_PER_DAY / obs.step_seconds)
        running = np.asarray(on) * obs.installed
        if self.target == "production":
            per = running * obs.coins_per_machine
        else:
            per = running * obs.cost_per_machine / obs.price
        n_own = obs.cash.shape[-1] if obs.cash is not None else 1
        owner = obs.owner if obs.owner is not None else np.zeros(per.shape[-1], np.int64)
        if n_own == 1:
            per_owner = per.sum(axis=-1, keepdims=True)
        else:  # O(C), not a (C, O) product: a network has thousands of owners
            per_owner = OwnerGroups.of(owner, n_own).sum(per)
        return np.asarray(per_owner * spd, dtype=np.float64)

    def decide(self, obs: Observation, actions: Actions, state: Any) -> tuple[Actions, None]:
        """At the close of an opening day, order the short into each variant's slot."""
        spd = round(SECONDS_PER_DAY / obs.step_seconds)
        if self.target == "none" or (obs.step + 1) % spd != 0 or obs.positions is None:
            return actions, None
        due = self.opens[self.slot, obs.day]  # (V|1,)
        if not due.any():
            return actions, None
        per_day = self.expected(obs, actions.on)
        if self.target == "production" and self.network is not None and self.retargets.any():
            x1, g, r0, a = epoch_view(*self.network, obs.day)  # (P|1,)
            f = projection_factor(x1[None, :], g[None, :], r0[None, :], a[None, :],
                                  self.horizon_days[:, None], self.retargets[:, None])
            per_day = per_day * f[..., None]  # (V|1, P, O): coins at projected difficulties
        scale = (self.ratio * self.horizon_days * due).reshape(-1, 1, 1)
        short = -scale * per_day
        if obs.alive is not None:
            short = short * obs.alive
        n_ins = obs.positions.shape[-1]
        onehot = np.zeros((self.slot.size, n_ins))
        onehot[np.arange(self.slot.size), self.slot] = 1.0
        orders = short[..., None] * onehot[:, None, None, :]
        return actions.add_orders(orders), None

    def compiled_orders(self) -> CompiledOrders | None:
        """Return the orders for the kernel's book (None with projected retargets)."""
        from hashwinter.engine.kernel.protocol import CompiledOrders

        if self.target == "production" and self.network is not None and self.retargets.any():
            return None
        scale = self.ratio * self.horizon_days
        if self.target == "none":
            scale = np.zeros_like(scale)
        return CompiledOrders(scale=scale, slot=self.slot, opens=self.opens,
                              target=1 if self.target == "power_bill" else 0)

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> HedgeShort:
        """Return the policy restricted to some variants."""
        return take_variants(self, sel)


def _funding(config: HedgeConfig, context: PolicyContext) -> FloatArray | None:
    """Return the funding rate of each step for a perpetual (None for other contracts)."""
    if config.instrument != "perpetual" or config.target == "none":
        return None  # no position is ever opened without a target: no rates needed
    clock = context.clock
    funding = config.funding
    if funding.source == "constant":
        step_hours = 24.0 / clock.steps_per_day
        return np.full(clock.n_steps, funding.rate * step_hours / funding.interval_hours)
    if funding.source == "ar1":
        # Every path of the run draws its own funding (a Monte Carlo chunk's seed, the
        # config's seed, the path's index): (steps, P), the same on a path for every farm.
        model = AR1Funding(funding.mean, funding.phi, funding.sigma, funding.interval_hours,
                           funding.cap)
        n_paths = context.market.n_paths if context.market is not None else 1
        return simulated_rates_per_step(model, clock.dates, clock.steps_per_day,
                                        path_generators(context.seed, funding.seed, n_paths))
    history = context.funding.get(funding.symbol.upper()) if context.funding else None
    if history is None:
        raise InputError(f"no funding rates for {funding.symbol!r} in the store (import them "
                         "with 'hashwinter data import funding FILE.csv')",
                         field="hedge.funding.symbol")
    return rates_per_step(history, clock.dates, clock.steps_per_day)


def _observed(config: HedgeConfig, context: PolicyContext) -> FloatArray | None:
    """Return observed contract prices per day (basis kind 'data'), else None."""
    if config.basis.kind != "data" or config.instrument == "perpetual" or config.target == "none":
        return None
    symbol = str(config.basis.symbol).upper()
    frame = context.futures.get(symbol) if context.futures else None
    if frame is None:
        raise InputError(f"no futures prices for {symbol!r} in the store",
                         field="hedge.basis.symbol")
    if context.currency.upper() != "USD":
        raise InputError("observed futures prices are in USD: use a USD farm, or a basis "
                         "model", field="hedge.basis.kind")
    from hashwinter.finance.basis import prices_on

    return np.asarray(prices_on(context.clock.dates, frame["date"].to_numpy("datetime64[D]"),
                                frame["price"].to_numpy(np.float64), symbol=symbol,
                                field="hedge.basis.symbol"), dtype=np.float64)


def _basis_path(config: HedgeConfig, context: PolicyContext) -> FloatArray | None:
    """Return the momentum basis per day and path (D, P) from the run's spot, else None."""
    if config.basis.kind != "momentum" or config.instrument == "perpetual":
        return None
    if context.market is None:
        raise InputError("the momentum basis needs the run's price paths",
                         field="hedge.basis.kind")
    from hashwinter.finance.basis import MomentumBasis

    b = config.basis
    model = MomentumBasis(base=b.annual, beta=b.beta, window_days=b.window_days,
                          floor=b.floor, cap=b.cap)
    spot = np.atleast_2d(np.asarray(context.market.price, dtype=np.float64))  # (P, D)
    return np.ascontiguousarray(model.annual_basis(spot).T)  # (D, P): time on the last axis


def hedge_windows(config: HedgeConfig, context: PolicyContext) -> tuple[BoolArray, BoolArray]:
    """Return (opening days, close days) of the config's contract over the run's days."""
    dates = np.asarray(context.clock.dates, dtype="datetime64[D]")
    if config.entry is not None or config.expiry is not None:
        if config.entry is None or config.expiry is None:
            raise InputError("a single contract needs both entry and expiry",
                             field="hedge.entry" if config.entry is None else "hedge.expiry")
        for name, date in (("entry", config.entry), ("expiry", config.expiry)):
            if not dates[0] <= np.datetime64(date, "D") <= dates[-1]:
                raise InputError(f"{date} is outside the run ({dates[0]} to {dates[-1]})",
                                 field=f"hedge.{name}")
        return dates == np.datetime64(config.entry, "D"), dates == np.datetime64(config.expiry,
                                                                                  "D")
    close = roll_days(dates, config.roll_day)
    opens = close.copy()
    opens[0] = True
    return opens, close


def hedge_instrument(config: HedgeConfig, context: PolicyContext,
                     close_days: npt.ArrayLike | None = None) -> HedgeContract:
    """Return the contract of a ``[hedge]`` config over the run (its close days by default)."""
    close = hedge_windows(config, context)[1] if close_days is None else np.asarray(close_days)
    return HedgeContract(
        kind=config.instrument, close_days=close, inverse_perpetual=config.inverse_perpetual,
        leverage=config.leverage, maintenance_margin=config.maintenance_margin,
        # The contract's one trading rate: what the roll's orders pay (docs/hedging.md).
        taker_fee=config.taker_fee if config.orders == "taker" else config.maker_fee,
        settlement_fee=config.settlement_fee, liquidation_fee=config.liquidation_fee,
        basis_per_year=config.basis.annual if config.basis.kind == "constant" else 0.0,
        observed_prices=_observed(config, context), basis_path=_basis_path(config, context),
        funding=_funding(config, context),
        default_probability=config.default_probability, recovery=config.recovery,
        deliver_at_close=config.sell_hedged_at_close,
        name=f"{config.instrument} (roll day {config.roll_day})")


def build_hedge(config: HedgeConfig, context: PolicyContext, first_slot: int = 0,
                n_slots: int | None = None) -> tuple[HedgeShort, list[HedgeContract]]:
    """Return the policy and the instrument of a hedge config.

    Parameters
    ----------
    config : HedgeConfig
        A validated ``[hedge]`` section (or a registered hedge policy entry).
    context : PolicyContext
        The run (clock, currency, funding history and futures prices of the store).
    first_slot : int
        Index of this hedge's instrument among the run's instruments.
    n_slots : int, optional
        Instruments of the run (default ``first_slot + 1``).

    """
    opens, _ = hedge_windows(config, context)
    instrument = hedge_instrument(config, context)
    n = first_slot + 1 if n_slots is None else n_slots
    table = np.zeros((n, opens.size), dtype=bool)
    table[first_slot] = opens
    return hedge_policy(config, first_slot, table, context), [instrument]


def hedge_policy(config: HedgeConfig, slot: int, opens: npt.ArrayLike,
                 context: PolicyContext) -> HedgeShort:
    """Return the policy of a hedge config trading instrument ``slot`` (opening days (I, D))."""
    # Every variant carries the same network (a sweep stacks the policies of its points).
    network = None
    if context.market is not None:
        network = (context.market.difficulty, context.market.blocks_per_day)
    return HedgeShort(config.ratio, config.horizon_days, slot, opens, config.target,
                      allow_over_hedge=config.allow_over_hedge,
                      retargets=config.projected_retargets, network=network)


class _HedgePolicyBase(HedgeConfig):
    """A hedge as a ``[[policies]]`` entry: the ``[hedge]`` fields and a kind."""

    def build(self, context: PolicyContext) -> HedgeShort:
        """Return the engine policy (its instrument in slot 0; see :func:`build_hedge`)."""
        return build_hedge(self, context)[0]

    def build_hedge(self, context: PolicyContext, first_slot: int = 0,
                    n_slots: int | None = None) -> tuple[HedgeShort, list[HedgeContract]]:
        """Return the policy and its instrument (the farm builder collects the instruments)."""
        return build_hedge(self, context, first_slot, n_slots)


@register_policy
class ProductionHedgeConfig(_HedgePolicyBase):
    """Short ``ratio`` of the next ``horizon_days``' expected production, rolled monthly.

    A fixed hedge ratio is this policy with ``ratio`` below 1.
    """

    kind: Literal["hedge_production"]
    target: Literal["production"] = "production"


@register_policy
class PowerBillHedgeConfig(_HedgePolicyBase):
    """Short coins worth ``ratio`` of the next ``horizon_days``' power bill, rolled monthly."""

    kind: Literal["hedge_power_bill"]
    target: Literal["power_bill"] = "power_bill"


@register_policy
class NoHedgeConfig(_HedgePolicyBase):
    """No hedge (the baseline leg of a comparison); the instrument defaults to the perpetual."""

    kind: Literal["no_hedge"]
    target: Literal["none"] = "none"
    instrument: Literal["linear_future", "inverse_future", "perpetual",
                        "forward"] = "perpetual"


def hedge_configs(config: Any) -> Sequence[HedgeConfig]:
    """Return the hedge configs of a farm config: its ``[[policies]]`` hedges and ``[hedge]``."""
    found: list[HedgeConfig] = [p for p in config.policies if isinstance(p, HedgeConfig)]
    if getattr(config, "hedge", None) is not None:
        found.append(config.hedge)
    return found


def funding_symbols(config: Any) -> set[str]:
    """Return the perpetual symbols whose history a farm's hedges read from the store."""
    return {h.funding.symbol.upper() for h in hedge_configs(config)
            if h.instrument == "perpetual" and h.funding.source == "data"}


def futures_symbols(config: Any) -> set[str]:
    """Return the futures symbols whose observed prices a farm's hedges read."""
    return {str(h.basis.symbol).upper() for h in hedge_configs(config)
            if h.basis.kind == "data" and h.instrument != "perpetual"}

