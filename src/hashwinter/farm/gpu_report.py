"""Jin Xin's three P&Ls in one report: the GPU cycle, holding the rigs, an ASIC farm.

A farm file with a ``gpu_cycle`` policy (docs/gpu.md) is run three times on the same
dates:

* **cycle** — the file as it is (Jin Xin's rule);
* **hold** — the same farm without the ``gpu_cycle`` entry and ``policy.kind =
  "always_on"``: the rigs held and mined throughout;
* **asic** — an ASIC farm of the same capital (``[policies.asic_leg]``): the cards'
  purchase cost (``count x unit_price`` of the fleet) buys ``floor(capital / unit_price)``
  machines of ``model`` on the same sites, tariffs and purchase date, mining ``coin``
  (BTC) on its real history; what is left of the capital stays in cash, always on.

Each leg's P&L over the window, in the farm currency::

    P&L = mining revenue - operating costs (power, fees, restarts, fixed costs)
          + card trading (machines sold - machines bought after the first purchase)
          + closing value of the machines held - capital

The closing value is what the machines held on the last day would fetch: cards at the
gamer price of the resale model less fees (their exit), ASICs at the assets valuation's
second-hand market price under the entry's ``[policies.valuation]``. With coins sold daily
the P&L equals ``cash_end - cash_start + closing value`` (a test checks it).

The **loss floor** the gamer market gives: ``capital - cards x min over the window of the
gamer price less fees`` — the most the fleet loses on its cards if it sells all of them
to gamers on the worst day, before any mining income. The **sensitivity** table reruns
the cycle (and revalues the held rigs) with one resale parameter changed at a time.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.assets.card_resale import CardResaleModel
from hashwinter.farm.config import FleetItem, LoadedFarm, PolicyConfig
from hashwinter.farm.gpu_cycle import AsicLegConfig, GpuCycleConfig, GpuCyclePolicy, gamer_series
from hashwinter.hardware import default_catalog

__all__ = [
    "SENSITIVITY",
    "GpuLegs",
    "asic_farm",
    "cycle_policy",
    "facts_table",
    "first_variant",
    "gamer_values",
    "gpu_cycle_entry",
    "gpu_legs",
    "hold_farm",
    "leg_pnl",
    "listed_thresholds",
    "pnl_table",
    "sensitivity_table",
    "threshold_sweep",
    "trade_counts",
]

FloatArray = npt.NDArray[np.float64]

#: The thresholds swept when the entry gives no lists: (required_surplus, bull_swap_per_day).
SWEEP: tuple[tuple[float, float], ...] = tuple(
    (rs, swap) for rs in (0.0, 0.05, 0.2) for swap in (0.0, 0.005, 0.01))
#: The entry's thresholds that take lists (variants).
THRESHOLDS = ("required_surplus", "exit_margin", "bull_premium", "miner_payback_days",
              "margin_horizon_days", "bull_swap_per_day")

#: One resale parameter changed at a time (the rest at the entry's values).
SENSITIVITY: tuple[tuple[str, float], ...] = (
    ("fraction_of_new", 0.5), ("fraction_of_new", 0.9), ("glut_discount", 0.0),
    ("glut_discount", 0.6), ("age_decay_per_year", 0.5), ("selling_fee", 0.2))


def gpu_cycle_entry(farm: LoadedFarm) -> GpuCycleConfig | None:
    """Return the farm's ``gpu_cycle`` policy entry, or None."""
    found = [p for p in farm.config.policies if isinstance(p, GpuCycleConfig)]
    return found[0] if found else None


def _with_policies(farm: LoadedFarm, policies: list[Any], **changes: Any) -> LoadedFarm:
    return dataclasses.replace(farm, config=farm.config.model_copy(
        update={"policies": policies, **changes}))


def listed_thresholds(entry: GpuCycleConfig) -> dict[str, list[float]]:
    """Return the entry's thresholds given as lists (its variants), by name."""
    out = {}
    for name in THRESHOLDS:
        value = getattr(entry, name)
        if isinstance(value, list):
            out[name] = [float(v) for v in value]
    return out


def first_variant(farm: LoadedFarm) -> LoadedFarm:
    """Return the farm with its cycle entry's threshold lists cut to their first value.

    A farm backtest reports one variant; the legs run this one and
    :func:`threshold_sweep` runs every variant. A farm without lists is returned as is.
    """
    entry = gpu_cycle_entry(farm)
    listed = listed_thresholds(entry) if entry is not None else {}
    if not listed:
        return farm
    assert entry is not None
    first = entry.model_copy(update={k: v[0] for k, v in listed.items()})
    return _with_policies(farm, [first if p is entry else p for p in farm.config.policies])


def hold_farm(farm: LoadedFarm) -> LoadedFarm:
    """Return the farm without its ``gpu_cycle`` entry, always on (the hold leg)."""
    kept = [p for p in farm.config.policies if not isinstance(p, GpuCycleConfig)]
    return _with_policies(farm, kept, policy=PolicyConfig(kind="always_on"))


def capital(farm: LoadedFarm) -> float:
    """Return the fleet's purchase cost: ``sum(count x unit_price)`` [farm currency]."""
    return float(sum(item.count * item.unit_price for item in farm.config.fleet))


def asic_farm(farm: LoadedFarm, leg: AsicLegConfig) -> tuple[LoadedFarm, int, float]:
    """Return the ASIC farm of the same capital, its machine count and the cash left over.

    The machines stand on the GPU farm's first site (its capacity lifted to hold them),
    bought on the GPU fleet's first purchase date at ``leg.unit_price``.
    """
    config = farm.config
    cap = capital(farm)
    count = math.floor(cap / leg.unit_price)
    if count < 1:
        from hashwinter.errors import InputError

        raise InputError(f"the GPU farm's capital ({cap:,.0f} {config.currency}) buys no "
                         f"{leg.model} at {leg.unit_price:,.0f}", field="policies.asic_leg")
    machine = default_catalog().get(leg.model)
    left = cap - count * leg.unit_price
    site = config.sites[0].model_copy(update={
        "capacity_slots": max(count, config.sites[0].capacity_slots),
        "capacity_mw": max(count * machine.power * config.sites[0].pue / 1e6 * 1.01,
                           config.sites[0].capacity_mw)})
    item = FleetItem(model=machine.model, count=count, site=site.name,
                     purchase_date=min(i.purchase_date for i in config.fleet),
                     unit_price=leg.unit_price, condition=leg.condition,
                     depreciation_years=config.fleet[0].depreciation_years)
    treasury = config.treasury.model_copy(
        update={"starting_cash": config.treasury.starting_cash + left})
    new = config.model_copy(update={
        "name": f"{config.name} (ASIC farm of the same capital)", "coin": leg.coin,
        "coins": [], "sites": [site, *config.sites[1:]], "fleet": [item], "policies": [],
        "policy": PolicyConfig(kind="always_on"), "treasury": treasury, "hedge": None})
    return dataclasses.replace(farm, config=new, machines=(machine,)), count, left


def cycle_policy(result: Any, entry: GpuCycleConfig) -> GpuCyclePolicy:
    """Return the cycle policy a leg ran (or, for a leg without one, the entry's on its run)."""
    policy = result.farm_run.policy
    for part in getattr(policy, "parts", (policy,)):
        if isinstance(part, GpuCyclePolicy):
            return part
    built = entry.build(result.farm_run.context)
    assert isinstance(built, GpuCyclePolicy)
    return built


def gamer_values(result: Any, entry: GpuCycleConfig) -> tuple[FloatArray, FloatArray]:
    """Return ``(gamer net, gamer buy)`` per card of cohort 0 on each day of a leg (path 0).

    :func:`hashwinter.farm.gpu_cycle.gamer_series` of the leg's cycle policy. [currency/card]
    """
    net, buy = gamer_series(cycle_policy(result, entry), result.farm_run.spec.market.price[:1])
    return net[0], buy[0]


def trade_counts(result: Any, entry: GpuCycleConfig) -> dict[str, float]:
    """Return cards sold to gamers / to miners and bought from gamers / miners (path 0).

    A trade is the gamers' when its price per card is the day's gamer price (net for a
    sale, before fees for a purchase), else the miners'. [cards]
    """
    daily = result.ledger.daily_cohort()
    sold = np.asarray(daily["sold"][:, 0, 0], dtype=np.float64).sum(axis=1)
    bought = np.asarray(daily["bought"][:, 0, 0], dtype=np.float64).sum(axis=1)
    proceeds = np.asarray(daily["sale_proceeds"][:, 0, 0], dtype=np.float64).sum(axis=1)
    n_days = len(sold)
    cost = result.ledger.trade("buy_cost")[:, 0, 0].reshape(n_days, -1).sum(axis=1)
    net, buy = gamer_values(result, entry)
    per_sale = np.divide(proceeds, sold, out=np.zeros(n_days), where=sold > 0)
    per_buy = np.divide(cost, bought, out=np.zeros(n_days), where=bought > 0)
    gamer_sale = np.isclose(per_sale, net, rtol=1e-9)
    gamer_buy = np.isclose(per_buy, buy, rtol=1e-9)
    return {"sold_to_gamers": float(sold[gamer_sale].sum()),
            "sold_to_miners": float(sold[~gamer_sale].sum()),
            "bought_from_gamers": float(bought[gamer_buy].sum()),
            "bought_from_miners": float(bought[~gamer_buy].sum()),
            "gamer_sale_proceeds": float(proceeds[gamer_sale].sum())}


def leg_pnl(result: Any, closing_per_machine: FloatArray, cap: float) -> dict[str, float]:
    """Return a leg's P&L by source (the module docstring's formula) [farm currency].

    ``closing_per_machine`` (C,) is what one machine of each cohort fetches on the last day;
    ``cap`` what the leg's first fleet cost (for the ASIC leg its machines, not the cash
    left over, which is neither spent nor earned).
    """
    s = result.summary
    held = np.asarray(result.run.held, dtype=np.float64)[0, 0]  # (C,) path 0, variant 0
    closing = float((held * closing_per_machine).sum())
    costs = s.power_cost + s.management_fees + s.hosting_fees + s.restart_costs \
        + s.fixed_costs + s.site_capex
    trading = s.machine_sales - (s.machine_capex - cap)
    out = {"mining_revenue": s.revenue, "operating_costs": -costs,
           "mining_margin": s.revenue - costs, "card_trading": trading,
           "closing_value": closing, "capital": -cap}
    out["pnl"] = out["mining_margin"] + trading + closing - cap
    out["machines_end"] = float(held.sum())
    return out


@dataclasses.dataclass(frozen=True)
class GpuLegs:
    """The three legs of :func:`gpu_legs` and the figures of the report.

    Attributes
    ----------
    cycle, hold, asic : BacktestResult
        The legs (module docstring).
    entry : GpuCycleConfig
        The farm's cycle entry (its resale model's parameters are the report's).
    capital : float
        The GPU fleet's purchase cost, the ASIC farm's too (machines + cash left). [currency]
    asic_count : int
        ASICs bought. [machines]
    asic_cash : float
        Capital left over after buying them, kept as cash. [currency]
    pnl : dict of str to dict
        Each leg's :func:`leg_pnl`.
    trades : dict of str to float
        The cycle's :func:`trade_counts`.
    cards : float
        Cards of the fleet. [cards]
    gamer_low : float
        The lowest gamer price less fees over the window. [currency/card]
    loss_floor : float
        ``capital - cards x gamer_low``. [currency]
    sensitivity : pandas.DataFrame or None
        :func:`sensitivity_table`.
    sweep : pandas.DataFrame or None
        :func:`threshold_sweep`.

    """

    cycle: Any
    hold: Any
    asic: Any
    entry: GpuCycleConfig
    capital: float
    asic_count: int
    asic_cash: float
    pnl: dict[str, dict[str, float]]
    trades: dict[str, float]
    cards: float
    gamer_low: float
    loss_floor: float
    sensitivity: pd.DataFrame | None = None
    sweep: pd.DataFrame | None = None


def _gpu_closing(result: Any, entry: GpuCycleConfig) -> FloatArray:
    policy = cycle_policy(result, entry)
    close = result.farm_run.spec.market.price[:1]
    return np.array([float(gamer_series(policy, close, c)[0][0, -1])
                     for c in range(result.farm_run.spec.cohorts.n)])


def _asic_closing(result: Any, entry: GpuCycleConfig) -> FloatArray:
    table = entry.valuation.tables(result.farm_run.context).market  # (P|1, C, D)
    return np.asarray(table[0, :, -1], dtype=np.float64)


def gpu_legs(farm: LoadedFarm, run: Callable[[LoadedFarm], Any], *,
             sensitivity: Sequence[tuple[str, float]] = SENSITIVITY) -> GpuLegs:
    """Run the three legs with ``run`` (a farm -> BacktestResult on the same window).

    Raises :class:`~hashwinter.errors.InputError` when the farm has no ``gpu_cycle`` entry
    or the entry no ``asic_leg``.
    """
    from hashwinter.errors import InputError

    entry = gpu_cycle_entry(farm)
    if entry is None or entry.asic_leg is None:
        raise InputError("the three-leg report needs a gpu_cycle entry with an asic_leg",
                         field="policies")
    listed = listed_thresholds(entry)
    farm = first_variant(farm)
    entry = gpu_cycle_entry(farm)
    assert entry is not None and entry.asic_leg is not None
    cap = capital(farm)
    cycle, hold = run(farm), run(hold_farm(farm))
    asic_loaded, count, left = asic_farm(farm, entry.asic_leg)
    asic = run(asic_loaded)
    pnl = {"cycle": leg_pnl(cycle, _gpu_closing(cycle, entry), cap),
           "hold": leg_pnl(hold, _gpu_closing(hold, entry), cap),
           "asic": leg_pnl(asic, _asic_closing(asic, entry), cap - left)}
    cards = float(sum(item.count for item in farm.config.fleet))
    net, _ = gamer_values(cycle, entry)
    low = float(net.min())
    table = sensitivity_table(farm, entry, run, hold, cap, sensitivity) if sensitivity else None
    sweep = threshold_sweep(cycle, entry, cap, pnl["hold"]["pnl"], listed or None)
    return GpuLegs(cycle, hold, asic, entry, cap, count, left, pnl, trade_counts(cycle, entry),
                   cards, low, cap - cards * low, table, sweep)


def threshold_sweep(cycle: Any, entry: GpuCycleConfig, cap: float, hold_pnl: float,
                    variants: dict[str, list[float]] | None = None) -> pd.DataFrame:
    """Return the cycle's P&L for each variant of its thresholds, in one engine run.

    ``variants`` maps threshold names to equal-length lists (the entry's own lists; default
    :data:`SWEEP` over ``required_surplus`` x ``bull_swap_per_day``). The cycle leg's spec
    and treasury are rerun with the policy on the variant axis; a variant's P&L is its cash
    at the end less the cash at the start, plus its coins at the last close and its cards
    at the last day's gamer net price (the legs' definition, coins sold daily or not).
    Columns: the thresholds, ``cycle_pnl``, ``hold_pnl`` (the "without"), ``difference``,
    ``cards_end`` [currency, cards].
    """
    from hashwinter.engine import run

    if variants is None:
        variants = {"required_surplus": [v[0] for v in SWEEP],
                    "bull_swap_per_day": [v[1] for v in SWEEP]}
    fr = cycle.farm_run
    swept = entry.model_copy(update=variants)
    policy = swept.build(fr.context)
    others = [p for p in getattr(fr.policy, "parts", (fr.policy,))
              if not isinstance(p, GpuCyclePolicy)]
    if others:
        from hashwinter.engine import Policies

        policy = Policies([*others, policy])
    res = run(fr.spec, policy, fr.treasury, engine="numpy")
    held = np.asarray(res.held, dtype=np.float64)[:, 0, :]  # (V, C), path 0
    closing = held @ _gpu_closing(cycle, entry)
    price_end = float(fr.spec.market.price[0, -1])
    start = float(fr.spec.owners.starting_cash.sum()
                  + fr.spec.owners.starting_coins.sum() * fr.spec.market.price[0, 0])
    end = res.cash[:, 0, :].sum(axis=1) + res.coins[:, 0, :].sum(axis=1) * price_end
    frame = pd.DataFrame({name: np.broadcast_to(np.asarray(v, dtype=np.float64),
                                                closing.shape) for name, v in variants.items()})
    frame["cycle_pnl"] = end - start + closing
    frame["hold_pnl"] = hold_pnl
    frame["difference"] = frame["cycle_pnl"] - hold_pnl
    frame["cards_end"] = held.sum(axis=1)
    return frame


def _with_resale(farm: LoadedFarm, resale: CardResaleModel) -> LoadedFarm:
    policies = [p.model_copy(update={"resale": resale}) if isinstance(p, GpuCycleConfig)
                else p for p in farm.config.policies]
    return _with_policies(farm, policies)


def sensitivity_table(farm: LoadedFarm, entry: GpuCycleConfig, run: Callable[[LoadedFarm], Any],
                      hold: Any, cap: float,
                      changes: Sequence[tuple[str, float]] = SENSITIVITY) -> pd.DataFrame:
    """Return the cycle's and the hold leg's P&L with one resale parameter changed per row.

    The first row is the entry's own model. The hold leg is not rerun (its mining does not
    depend on the gamer market): only its closing value changes. Columns: ``parameter``,
    ``value``, ``cycle_pnl``, ``hold_pnl``, ``cards_sold_to_gamers``, ``gamer_low``
    [currency, cards, currency/card].
    """
    rows = []
    for name, value in (("(as given)", math.nan), *changes):
        resale = entry.resale if name == "(as given)" else entry.resale.model_copy(
            update={name: value})
        e = entry.model_copy(update={"resale": resale})
        res = run(_with_resale(farm, resale))
        net, _ = gamer_values(res, e)
        rows.append({
            "parameter": name,
            "value": value,
            "cycle_pnl": leg_pnl(res, _gpu_closing(res, e), cap)["pnl"],
            "hold_pnl": leg_pnl(hold, _gpu_closing(hold, e), cap)["pnl"],
            "cards_sold_to_gamers": trade_counts(res, e)["sold_to_gamers"],
            "gamer_low": float(net.min())})
    frame = pd.DataFrame(rows)
    return frame


def pnl_table(legs: GpuLegs) -> pd.DataFrame:
    """Return the three P&Ls side by side: one row per figure, one column per leg."""
    names = ("mining_revenue", "operating_costs", "mining_margin", "card_trading",
             "closing_value", "capital", "pnl", "machines_end")
    return pd.DataFrame({"figure": names,
                         **{leg: [legs.pnl[leg][n] for n in names]
                            for leg in ("cycle", "hold", "asic")}})


def facts_table(legs: GpuLegs) -> pd.DataFrame:
    """Return the report's figures besides the P&Ls: fleet, trades, the floor, the model.

    One row per figure (``figure``, ``value``): cards, capital, ASICs and cash left, the
    cycle's cards by market, the gamers' lowest price and the loss floor, then the resale
    model's parameters as given (all ASSUMPTIONS).
    """
    rows = [("fleet cards", legs.cards),
            ("fleet hashrate MH/s", legs.cards * legs.cycle.farm_run.spec.cohorts.hashrate[0]
             / 1e6),
            ("capital", legs.capital), ("ASICs of the same capital", float(legs.asic_count)),
            ("ASIC farm cash left over", legs.asic_cash),
            *((k.replace("_", " "), v) for k, v in legs.trades.items()),
            ("gamer price low, net of fees / card", legs.gamer_low),
            ("loss floor (capital - cards x gamer low)", legs.loss_floor),
            *((f"resale.{k}", float(v)) for k, v in legs.entry.resale.model_dump().items())]
    return pd.DataFrame({"figure": [r[0] for r in rows], "value": [r[1] for r in rows]})
