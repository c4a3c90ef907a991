"""Turn a validated farm and a daily market into the engine's static inputs.

One fleet item becomes one cohort; sites give each cohort its tariff (a
``(steps, cohorts)`` table evaluated hour by hour and converted into the farm's
currency at each day's FX rate), PUE, uptime and fees; the farm is the run's
single owner, with its fixed monthly costs spread over the days of each month
and its site capex paid on their dates. The engine runs in the farm's currency;
reports convert at the edge.

Owners: the farm (``[treasury]``'s balances) and every ``[[owners]]`` entry; a
fleet item's machines belong to its ``owner`` (default the farm); a site's
``host`` receives the hosting fees of the machines at it and pays its fixed
costs and capex (default: the farm pays them, and the hosting fees go outside).
Policies: ``[policy]`` then each ``[[policies]]`` entry, built through the
policy registry (:mod:`hashwinter.farm.registry`). An entry whose config has a
``cohort_slots`` method (a migration plan, :mod:`hashwinter.farm.follow_plan`)
gets the empty cohorts it asks for, after the fleet's: a fleet item's machines
at another site (``"slot"``) or on the road to it (``"transit"``, no hosting
fee), with that site's tariff, PUE, uptime and fees; the policy context says
each cohort's fleet item and role. A trading rule's purchases ask for empty
cohorts of a model at a site (``"purchase"``, fleet item -1), after the slots.
"""

from __future__ import annotations

import calendar
import collections
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hashwinter.chain.coins import coin_algorithm
from hashwinter.energy import TieredTariff
from hashwinter.engine import (
    Clock,
    Cohorts,
    DailyMarket,
    EngineSpec,
    Owners,
    Policies,
    Policy,
    Resolution,
    Treasury,
)
from hashwinter.engine.positions import Instrument
from hashwinter.errors import InputError
from hashwinter.farm.config import FarmConfig, FleetItem, LoadedFarm, SiteConfig
from hashwinter.farm.hedging import build_hedge
from hashwinter.farm.registry import CohortSlots, PolicyContext
from hashwinter.finance.config import HedgeConfig
from hashwinter.hardware import Machine
from hashwinter.tomlfile import TomlLines
from hashwinter.units import (
    HOURS_PER_DAY,
    JULIAN_YEAR_DAYS,
    SECONDS_PER_HOUR,
    WATTS_PER_KILOWATT,
)

__all__ = [
    "FarmRun",
    "build_farm_run",
    "farm_window",
    "hedged_treasury",
    "needed_currencies",
    "resolve_window",
    "site_tariff_table",
]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class FarmRun:
    """A farm ready to run: engine inputs plus what the reports need.

    Attributes
    ----------
    farm : LoadedFarm
        The validated farm.
    spec : EngineSpec
        Engine inputs (owners: the farm, then ``[[owners]]``).
    policy : Policy
        ``[policy]`` and the ``[[policies]]`` after it (a :class:`Policies` chain).
    treasury : Treasury
        Coin-sale rules from ``[treasury]``.
    depreciation : ndarray (days,)
        Straight-line depreciation of machines and site capex per day. [farm currency]
    depreciation_by_owner : ndarray (days, owners)
        The same per owner (machines to their owner, site capex to the site's host).
        [farm currency]
    context : PolicyContext or None
        What the policies were built from (cohorts, their fleet items and roles).
    book_value_start, book_value_end : float
        Undepreciated value of what was bought, at the start and end. [farm currency]
    instruments : tuple of Instrument
        The position book's contracts (the hedges' instruments, in slot order).
    unhedged_treasury : Treasury or None
        The treasury of the same farm without its hedge (the hedge may keep the
        hedged coins until it closes); None without a hedge.

    """

    farm: LoadedFarm
    spec: EngineSpec
    policy: Policy
    treasury: Treasury
    depreciation: FloatArray
    book_value_start: float
    book_value_end: float
    depreciation_by_owner: FloatArray | None = None
    context: PolicyContext | None = None
    instruments: tuple[Instrument, ...] = ()
    unhedged_treasury: Treasury | None = None

    @property
    def in_transit(self) -> npt.NDArray[np.bool_]:
        """Which cohorts hold machines on their way to a site (C,)."""
        role = self.context.role if self.context is not None else ()
        return np.array([r == "transit" for r in role] if role else
                        [False] * self.spec.cohorts.n, dtype=bool)


def farm_window(
    config: FarmConfig, start: object = None, end: object = None, *,
    fields: tuple[str, str] = ("start", "end"),
) -> tuple[dt.date, dt.date]:
    """Return the window: explicit dates, else the farm file's (before any history is read).

    Raises
    ------
    InputError
        Naming ``fields[0]``/``fields[1]`` when a date is missing or the end is before the start.

    """
    first = start if start is not None else config.start
    last = end if end is not None else config.end
    if first is None:
        raise InputError("no start date: give --from or set start in the farm file",
                         field=fields[0])
    if last is None:
        raise InputError("no end date: give --to or set end in the farm file", field=fields[1])
    a = np.datetime64(str(first), "D").astype(dt.date)
    b = np.datetime64(str(last), "D").astype(dt.date)
    if b < a:
        raise InputError(f"{b} is before the start {a}", field=fields[1])
    return a, b


def needed_currencies(config: FarmConfig, report: str | None = None) -> set[str]:
    """Return the currencies a run of this farm needs FX for (farm, tariffs, report, USD)."""
    return {config.currency, "USD", *(s.tariff.currency for s in config.sites),
            *((report,) if report else ())}


def resolve_window(
    config: FarmConfig, market: DailyMarket, start: object = None, end: object = None
) -> tuple[dt.date, dt.date]:
    """Return the backtest window: explicit dates, else the farm file's, checked against history.

    Raises
    ------
    InputError
        ``field="start"``/``"end"`` when a date is missing or outside the market's days.

    """
    first = start if start is not None else config.start
    last = end if end is not None else config.end
    if first is None:
        raise InputError("no start date: give --from or set start in the farm file",
                         field="start")
    if last is None:
        raise InputError("no end date: give --to or set end in the farm file", field="end")
    a = np.datetime64(str(first), "D")
    b = np.datetime64(str(last), "D")
    have = f"{market.dates[0]} .. {market.dates[-1]}"
    errors = []
    if not market.dates[0] <= a <= market.dates[-1]:
        errors.append(InputError(f"{a} is outside the stored history ({have})", field="start"))
    if not market.dates[0] <= b <= market.dates[-1]:
        errors.append(InputError(f"{b} is outside the stored history ({have})", field="end"))
    if b < a:
        errors.append(InputError(f"{b} is before the start {a}", field="end"))
    if errors:
        from hashwinter.errors import InputErrors

        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return a.astype(dt.date), b.astype(dt.date)


def _hourly_times(dates: npt.NDArray[np.datetime64]) -> npt.NDArray[np.datetime64]:
    hours = np.arange(HOURS_PER_DAY) * SECONDS_PER_HOUR
    return dates.astype("datetime64[s]")[:, None] + hours[None, :].astype("timedelta64[s]")


def site_tariff_table(
    config: FarmConfig, farm: LoadedFarm, market: DailyMarket, site_index: int
) -> FloatArray:
    """Return a site's energy price for every hour of the market's days, in the farm currency.

    A tiered tariff is priced at its average price for the month's full-load
    consumption of the whole fleet of the site (every machine running).

    Returns
    -------
    ndarray (days, 24)
        Price per kWh at the meter. [farm currency/kWh]

    """
    site = config.sites[site_index]
    pairs = zip(config.fleet, farm.machines, strict=True)
    watts = sum(item.count * m.power for item, m in pairs if item.site == site.name)
    return _tariff_table(site, float(watts), market)


def _tariff_table(site: SiteConfig, watts: float, market: DailyMarket) -> FloatArray:
    """Return ``site``'s price per kWh for every hour of the days (tiered: at ``watts`` [W])."""
    tariff = site.tariff
    times = _hourly_times(market.dates)
    if isinstance(tariff, TieredTariff):
        days_in_month = np.array([calendar.monthrange(d.year, d.month)[1]
                                  for d in market.dates.astype(dt.date)], dtype=np.float64)
        monthly = (watts * site.pue * site.uptime / WATTS_PER_KILOWATT * HOURS_PER_DAY
                   * days_in_month)[:, None]
        price = tariff.price_per_kwh(times, monthly_kwh=monthly, basis="average")
    else:
        price = tariff.price_per_kwh(times)
    factor = market.fx_to_run(tariff.currency)  # tariff currency -> farm currency, per day
    return np.asarray(price, dtype=np.float64) * factor[:, None]


def _days_in_month(dates: npt.NDArray[np.datetime64]) -> FloatArray:
    months = dates.astype("datetime64[M]")
    return ((months + 1).astype("datetime64[D]") - months.astype("datetime64[D]")).astype(
        np.float64)


def _straight_line(
    dates: npt.NDArray[np.datetime64], paid: dt.date, amount: float, years: float
) -> tuple[FloatArray, float, float]:
    """Daily depreciation over ``dates``, and book value before the first and after the last day."""
    life_days = years * JULIAN_YEAR_DAYS  # a life in years counts Julian years
    per_day = amount / life_days
    age = (dates - np.datetime64(paid, "D")).astype(np.float64)  # days since purchase
    # Each day is charged for the part of it inside the life, so a life of 365.25 days
    # charges 365 whole days and a quarter: the sum over the life is the amount.
    covered = np.clip(np.minimum(age + 1.0, life_days) - np.maximum(age, 0.0), 0.0, 1.0)
    daily = per_day * covered
    start_age = float(age[0])
    end_age = float(age[-1]) + 1.0
    before = amount - per_day * np.clip(start_age, 0.0, life_days) if start_age >= 0 else 0.0
    after = amount - per_day * np.clip(end_age, 0.0, life_days) if end_age > 0 else 0.0
    return daily, float(before), float(after)


def _unique_labels(labels: list[str]) -> list[str]:
    """Make cohort labels unique in the ledger: ``"<label> #<index>"`` for repeats.

    In order, a label still held by a later cohort gets its index appended, so every
    repeat but the last is renamed (``a, a, a`` -> ``a #0, a #1, a``); a renamed label
    counts as held from then on. O(N): a running count of the labels as they stand.
    """
    out = list(labels)
    held = collections.Counter(out)
    for i, label in enumerate(out):
        if held[label] > 1:
            held[label] -= 1
            out[i] = f"{label} #{i}"
            held[out[i]] += 1
    return out


def build_farm_run(
    farm: LoadedFarm,
    market: DailyMarket,
    *,
    start: object = None,
    end: object = None,
    resolution: Resolution | str = "auto",
    funding: Mapping[str, Any] | None = None,
    futures: Mapping[str, Any] | None = None,
    hedge: bool = True,
    other_coins: Mapping[str, DailyMarket] | None = None,
    seed: np.random.SeedSequence | None = None,
) -> FarmRun:
    """Build the engine inputs of a farm over a window of market history.

    Parameters
    ----------
    farm : LoadedFarm
        A validated farm (:func:`hashwinter.farm.load_farm`).
    market : DailyMarket
        Daily history covering the window, any currency with FX to the farm's.
    start, end : date or str, optional
        Window (default: the farm file's ``start``/``end``).
    resolution : {"auto", "day", "hour"}
        Step length; ``"auto"`` steps in hours only when a site's tariff changes
        within a day and the policy can unplug (else daily steps give the same
        numbers).
    funding : mapping of str to FundingHistory, optional
        Funding rates of perpetuals by symbol (a hedge on a perpetual with
        ``funding.source = "data"`` needs its symbol's).
    futures : mapping of str to DataFrame, optional
        Observed futures prices (``date``, ``price``) by symbol (``basis.kind = "data"``).
    hedge : bool, default True
        Build the hedges; False builds the same farm unhedged (the comparison leg).
    other_coins : mapping of str to DailyMarket, optional
        History of each ``[[coins]]`` entry by ticker, covering the window
        (:func:`hashwinter.farm.backtest.coin_history` reads them from the store).
    seed : numpy.random.SeedSequence, optional
        The run's seed sequence (a Monte Carlo chunk's): what policies draw at build
        time (a hedge's AR(1) funding per path) is seeded from it.

    Returns
    -------
    FarmRun

    """
    config = farm.config
    first, last = resolve_window(config, market, start, end)
    window = market.in_currency(config.currency).window(first, last)
    tables = [site_tariff_table(config, farm, window, j) for j in range(len(config.sites))]
    requests = _slot_requests(farm, window.dates)
    extra_sites = [site for request in requests for site in request.sites]
    for site in extra_sites:
        # A site beyond the farm file's: a tiered tariff is priced at its full power.
        tables.append(_tariff_table(site, site.capacity_mw * 1e6 / site.pue, window))
    all_sites = [*config.sites, *extra_sites]
    if resolution == "auto":
        varies = any(bool(np.any(np.ptp(t, axis=1) > 0)) for t in tables)
        can_unplug = config.policy.kind != "always_on" or bool(config.policies)
        resolution = "hour" if varies and can_unplug else "day"
    if resolution not in ("day", "hour"):
        raise InputError(f"must be auto, day or hour (got {resolution!r})", field="resolution")
    clock = Clock(window.dates, 1 if resolution == "day" else HOURS_PER_DAY)
    spd = clock.steps_per_day
    # Names to indices once (first of a name wins, as config.site and owner_index do):
    # looking each cohort up in a list made setup quadratic in the number of cohorts.
    site_of: dict[str, int] = {}
    for j, site in enumerate(all_sites):
        site_of.setdefault(site.name, j)
    owner_of: dict[str, int] = {}
    for j, name in enumerate(config.owner_names):
        owner_of.setdefault(name, j)
    n_fleet = len(config.fleet)
    slots = [slot for request in requests for slot in request.slots]
    purchases = [p for request in requests for p in request.purchases]
    item_of = [*range(n_fleet), *(i for i, _, _ in slots)]
    role = [*(["fleet"] * n_fleet), *(r for _, _, r in slots)]
    fleet = [config.fleet[i] for i in item_of]
    machines = [farm.machines[i] for i in item_of]
    site_index = [site_of[item.site] if item.site in site_of else config.site(item.site)[0]
                  for item in config.fleet]  # fmt: skip
    site_index += [site_of[name] for _, name, _ in slots]
    for machine, name in purchases:
        # An empty cohort that a trading policy's purchases fill (never bought by the plan).
        item_of.append(-1)
        role.append("purchase")
        fleet.append(FleetItem.model_construct(
            model=machine.model, count=0, site=name, purchase_date=first, unit_price=0.0,
            condition="used", depreciation_years=3.0, label=None, owner=None))
        machines.append(machine)
        site_index.append(site_of[name])
    # Per-site tariff per step: the mean over each step's hours.
    per_step = [t.reshape(clock.n_days, spd, HOURS_PER_DAY // spd).mean(axis=2).reshape(-1)
                for t in tables]
    tariff = np.stack([per_step[j] for j in site_index], axis=1)

    names = [
        item.label or f"{item.count:,} × {machine.model} @ {item.site} ({item.purchase_date})"
        for item, machine in zip(config.fleet, farm.machines, strict=True)
    ]
    names += [f"{names[i]} → {name} (in transit)" if r == "transit" else f"{names[i]} @ {name}"
              for i, name, r in slots]
    names += [f"{machine.model} @ {name} (bought)" for machine, name in purchases]
    labels = _unique_labels(names)
    start_step, capex_step = [], []
    for item, r in zip(fleet, role, strict=True):
        step = clock.first_step_on_or_after(item.purchase_date)
        start_step.append(step)
        # Slots are never bought: moves fill them with machines bought elsewhere.
        capex_step.append(step if r == "fleet" and first <= item.purchase_date <= last else -1)
    sites = [all_sites[j] for j in site_index]
    transit = np.array([r == "transit" for r in role])
    pol = config.policy
    cohorts = Cohorts(
        label=tuple(labels),
        model=tuple(m.model for m in machines),
        site=tuple(f"→ {s.name}" if r == "transit" else s.name
                   for s, r in zip(sites, role, strict=True)),
        hashrate=np.array([m.hashrate for m in machines]),
        power=np.array([m.power for m in machines]),
        count=np.array([item.count if r == "fleet" else 0 for item, r in
                        zip(fleet, role, strict=True)], dtype=np.float64),
        owner=np.array([owner_of[item.owner] if item.owner in owner_of
                        else config.owner_index(item.owner) for item in fleet],
                       dtype=np.int64),
        start_step=np.array(start_step),
        capex_step=np.array(capex_step),
        unit_price=np.array([item.unit_price for item in fleet]),
        uptime=np.array([s.uptime for s in sites]),
        pue=np.array([s.pue for s in sites]),
        pool_fee=np.full(len(fleet), config.pool_fee),
        management_fee=np.array([s.management_fee_per_machine_day for s in sites]),
        # Machines on the road rent no slot; they pay at the site once they arrive.
        hosting_fee=np.where(transit, 0.0, [s.hosting_fee_per_machine_day for s in sites]),
        restart_cost=np.full(len(fleet), pol.restart_cost_per_machine),
        host=np.array([-1 if s.host is None or t else config.owner_index(s.host)
                       for s, t in zip(sites, transit, strict=True)], dtype=np.int64),
    )
    _check_share(cohorts, window, clock)

    n_own = len(config.owner_names)
    monthly = np.zeros(n_own)
    for site_config in config.sites:
        monthly[config.owner_index(site_config.host)] += site_config.fixed_costs_per_month
    fixed_day = monthly[None, :] / _days_in_month(clock.dates)[:, None]
    fixed = np.repeat(fixed_day / spd, spd, axis=0)
    site_capex = np.zeros((clock.n_steps, n_own))
    by_owner = np.zeros((clock.n_days, n_own))
    book_start = book_end = 0.0
    for site_config in config.sites:
        for capex in site_config.capex:
            if first <= capex.date <= last:
                payer = config.owner_index(site_config.host)
                site_capex[clock.first_step_on_or_after(capex.date), payer] += capex.amount
            daily, before, after = _straight_line(clock.dates, capex.date, capex.amount,
                                                  capex.depreciation_years)
            by_owner[:, config.owner_index(site_config.host)] += daily
            book_start += before
            book_end += after
    for fleet_item in config.fleet:
        daily, before, after = _straight_line(clock.dates, fleet_item.purchase_date,
                                              fleet_item.count * fleet_item.unit_price,
                                              fleet_item.depreciation_years)
        by_owner[:, config.owner_index(fleet_item.owner)] += daily
        book_start += before
        book_end += after
    owners = Owners(
        names=config.owner_names,
        starting_cash=np.array([config.treasury.starting_cash,
                                *(o.starting_cash for o in config.owners)]),
        starting_coins=np.array([config.treasury.starting_coins,
                                 *(o.starting_coins for o in config.owners)]),
        fixed_costs=fixed,
        site_capex=site_capex,
    )
    others = _coin_axis(config, machines, other_coins or {}, first, last)
    if others:
        algorithms = [coin_algorithm(c.coin) for c in config.coins]
        cohorts = dataclasses.replace(cohorts, other_hashrate=np.array(
            [[m.rate(a)[0] if m.mines(a) else 0.0 for m in machines] for a in algorithms]))
    spec = EngineSpec(clock=clock, market=window, cohorts=cohorts, owners=owners, tariff=tariff,
                      other_coins=others)
    context = PolicyContext(cohorts=cohorts, clock=clock, owner_names=config.owner_names,
                            currency=config.currency, funding=dict(funding or {}),
                            futures=dict(futures or {}), fleet_item=tuple(item_of),
                            role=tuple(role), farm=farm, market=window,
                            tariff=tariff, seed=seed)
    entries = [*config.policies, *([config.hedge] if config.hedge is not None else [])]
    entries = [e for e in entries if hedge or not isinstance(e, HedgeConfig)]
    n_slots = sum(isinstance(e, HedgeConfig) for e in entries)
    instruments: list[Instrument] = []
    hedges: list[HedgeConfig] = []
    try:
        parts: list[Policy] = [pol.build(context)]
        for entry in entries:
            if isinstance(entry, HedgeConfig):
                part, contracts = build_hedge(entry, context, len(instruments), n_slots)
                instruments.extend(contracts)
                hedges.append(entry)
                parts.append(part)
            else:
                parts.append(entry.build(context))
    except InputError as exc:  # what only the run can check (a full site): give it file:line
        raise _located_in_file(exc, farm) from None
    policy: Policy = parts[0] if len(parts) == 1 else Policies(parts)
    unhedged = Treasury.from_strategy(config.treasury.strategy, config.treasury.hodl_ratio)
    treasury = hedged_treasury(config.treasury.strategy, config.treasury.hodl_ratio, hedges)
    return FarmRun(farm, spec, policy, treasury, by_owner.sum(axis=1), book_start, book_end,
                   by_owner, context, tuple(instruments), unhedged if hedges else None)


def _located_in_file(error: InputError, farm: LoadedFarm) -> InputError:
    """Return ``error`` with the farm file and its field's line, when it has neither."""
    if error.source is not None or farm.source is None or error.field is None:
        return error
    try:
        text = Path(farm.source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return InputError(error.message, field=error.field, source=farm.source)
    return InputError(error.message, field=error.field, source=farm.source,
                      line=TomlLines(text).line(error.field))


def _coin_axis(config: FarmConfig, machines: Sequence[Machine],
               markets: Mapping[str, DailyMarket], first: dt.date,
               last: dt.date) -> tuple[DailyMarket, ...]:
    """Return the ``[[coins]]`` markets over the window, in the farm's currency and order."""
    out = []
    for i, entry in enumerate(config.coins):
        market = markets.get(entry.coin)
        if market is None:
            raise InputError(f"no {entry.coin} history was given to the run",
                             field=f"coins[{i}].coin")
        if market.coin.upper() != entry.coin:
            raise InputError(f"the market given for {entry.coin} holds {market.coin}",
                             field=f"coins[{i}].coin")
        out.append(market.in_currency(config.currency).window(first, last))
    if out and not any(m.mines(coin_algorithm(c.coin))
                       for m in machines for c in config.coins):
        raise InputError("no fleet model can mine any of these coins", field="coins")
    return tuple(out)


def hedged_treasury(strategy: str, hodl_ratio: float, hedges: Sequence[HedgeConfig]) -> Treasury:
    """Return the treasury of a farm with hedges.

    The story's rule: with ``sell_hedged_at_close`` a production hedge's share of the
    mined coins is kept and sold (delivered) when the hedge closes, the rest sold daily
    as before (a ``sell_daily`` treasury becomes ``hodl`` of the hedged share). The
    share is ``ratio × min(1, horizon_days / period)``, the period between rolls counted
    as 30 days (or a single contract's life): a hedge of 15 days' production rolled
    monthly covers half the month's coins, one of 60 days all of them (the rest of its
    delivery is bought at the close). Other strategies are kept as they are.
    """
    kept = [h.ratio * min(1.0, h.horizon_days / _hedge_period_days(h)) for h in hedges
            if h.sell_hedged_at_close and h.target == "production"]
    if kept and strategy == "sell_daily":
        return Treasury(min(1.0, sum(kept)), False)
    return Treasury.from_strategy(strategy, hodl_ratio)  # type: ignore[arg-type]


def _hedge_period_days(hedge: HedgeConfig) -> float:
    """Return the days between a hedge's opening and its close (30 for a monthly roll)."""
    if hedge.entry is not None and hedge.expiry is not None:
        return float((hedge.expiry - hedge.entry).days)
    return 30.0


def _slot_requests(farm: LoadedFarm, dates: npt.NDArray[np.datetime64]) -> list[CohortSlots]:
    """Ask each ``[[policies]]`` entry that moves machines which empty cohorts it needs."""
    out = []
    for i, entry in enumerate(farm.config.policies):
        hook = getattr(entry, "cohort_slots", None)
        if callable(hook):
            try:
                out.append(hook(farm, dates, f"policies[{i}]"))
            except InputError as exc:  # checked against the run (what a fleet item holds)
                raise _located_in_file(exc, farm) from None
    return out


def _check_share(cohorts: Cohorts, market: DailyMarket, clock: Clock) -> None:
    """Refuse a farm bigger than the historical network (its share of issuance would exceed 1)."""
    installed = cohorts.installed(clock.n_steps)[:: clock.steps_per_day]  # (days, C)
    farm = installed @ cohorts.effective_hashrate
    network = market.network_hashrate.min(axis=0)
    over = farm > network
    if over.any():
        day = int(np.flatnonzero(over)[0])
        raise InputError(
            f"the fleet ({farm[day] / 1e18:.3g} EH/s) exceeds the whole network's hashrate "
            f"({network[day] / 1e18:.3g} EH/s) on {clock.dates[day]}; history cannot hold it",
            field="fleet")
