"""Farm files: sites, fleet, treasury and policy, validated field by field.

A farm is a TOML file (see docs/farms.md and examples/). :func:`load_farm`
reads it and reports **every** problem at once, each with its dotted field and
``file:line``: schema errors from pydantic (``sites[1].tariff.price: must be >
0``) and cross-field errors (an unknown machine model with the nearest names,
a fleet item naming a site that does not exist, a site over its capacity in
slots or in MW). Nothing is built from a file with a problem.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from hashwinter.chain.coins import COIN_ALGORITHM, coin_algorithm
from hashwinter.energy import Tariff, example_tariff, tariff_to_dict
from hashwinter.energy.currency import CurrencyCode
from hashwinter.engine import Policy
from hashwinter.errors import InputError, InputErrors
from hashwinter.farm.policies import AlwaysOn, ShutdownPricePolicy
from hashwinter.farm.registry import PolicyContext, register_policy, validate_policy_entry
from hashwinter.finance.config import HedgeConfig
from hashwinter.hardware import Catalog, Machine, default_catalog
from hashwinter.hardware.rig import Rig, mining_as
from hashwinter.ranges import InRange, get_range
from hashwinter.tomlfile import locate, read_toml
from hashwinter.units import JULIAN_YEAR_DAYS
from hashwinter.validation import ConfigModel, input_errors_from_validation

__all__ = [
    "CapexItem",
    "FarmConfig",
    "FleetItem",
    "LoadedFarm",
    "OwnerConfig",
    "PolicyConfig",
    "RigConfig",
    "SiteConfig",
    "TreasuryConfig",
    "farm_from_dict",
    "load_farm",
]

# Every number of a farm is checked against the one registry of plausible ranges
# (hashwinter.ranges, docs/glossary.md): a unit slip or a 1e18 is refused at load,
# with its field and line, before a float ledger is asked to balance it to the cent.
Fraction = Annotated[float, InRange("fraction")]
Money = Annotated[float, InRange("money_amount")]
Years = Annotated[float, InRange("life_years")]
PerMachineDay = Annotated[float, InRange("money_per_machine_day")]


def _named_tariff(value: object) -> object:
    """Replace the name of a built-in example tariff by its table."""
    if isinstance(value, str):
        try:
            return tariff_to_dict(example_tariff(value))
        except InputError as exc:
            raise ValueError(exc.message) from None
    return value


_Model = ConfigModel  # frozen, unknown keys are errors (hashwinter.validation)


class CapexItem(_Model):
    """An investment of a site other than machines (a substation, a building).

    Attributes
    ----------
    name : str
        What was bought.
    date : datetime.date
        When it was paid; inside a backtest window it is a cash outflow that day.
    amount : float
        Price. [farm currency]
    depreciation_years : float
        Straight-line depreciation period (accounting only, not cash). [years]

    """

    name: str = Field(min_length=1)
    date: dt.date
    amount: Money
    depreciation_years: Years = 10.0


class SiteConfig(_Model):
    """A site: where machines stand, what power costs there, and what it can hold.

    Attributes
    ----------
    name : str
        Unique name, referenced by fleet items.
    region : str or None
        Free text (``"Xinjiang"``).
    capacity_slots : int
        Machines the site can hold. [machines]
    capacity_mw : float
        Power the site can draw at the meter (machines × PUE). [MW]
    tariff : tariff
        Any tariff kind (``{kind = "flat", price = 0.28, currency = "CNY"}``)
        or the name of a built-in example (``"sichuan_hydro_2018"``).
    pue : float
        Meter energy over machine energy. [dimensionless, >= 1]
    uptime : float
        Share of time running machines hash and draw power. [fraction]
    management_fee_per_machine_day : float
        Staff and maintenance per running machine and day. [farm currency]
    hosting_fee_per_machine_day : float
        Slot rent per installed machine and day (paid whether running or not). [farm currency]
    fixed_costs_per_month : float
        Rent, staff, security: paid every month whatever runs. [farm currency]
    capex : list of CapexItem
        Investments of the site.
    host : str or None
        Owner of the farm file (``[[owners]]``, or the farm itself by its name)
        that owns the site: it receives the hosting fees of machines of other
        owners and pays the site's fixed costs and capex. None: the farm owns
        the site and its hosting fees are paid to someone outside the file.

    """

    name: str = Field(min_length=1)
    region: str | None = None
    capacity_slots: Annotated[int, Field(ge=1, strict=True), InRange("machine_count")]
    capacity_mw: Annotated[float, InRange("site_capacity_mw")]
    tariff: Annotated[Tariff, BeforeValidator(_named_tariff)]
    pue: Annotated[float, InRange("pue")] = 1.0
    uptime: Annotated[float, Field(gt=0), InRange("fraction")] = 1.0
    management_fee_per_machine_day: PerMachineDay = 0.0
    hosting_fee_per_machine_day: PerMachineDay = 0.0
    fixed_costs_per_month: Annotated[float, InRange("money_per_month")] = 0.0
    capex: list[CapexItem] = Field(default_factory=list)
    host: str | None = Field(default=None, min_length=1)



class RigConfig(_Model):
    """The rigs a fleet item's graphics cards stand on (``[fleet.rig]``; docs/gpu.md).

    Attributes
    ----------
    cards : int
        Cards per rig (>= 1).
    platform_power_w : float
        Draw of one rig's frame, board, CPU, risers and PSU losses beyond its cards.
        ASSUMPTION default 60 (:data:`hashwinter.hardware.rig.DEFAULT_PLATFORM_POWER_W`). [W]
    platform_resale : float
        What one rig's platform fetches when the rig is broken up. ASSUMPTION default 100
        (USD, :data:`hashwinter.hardware.rig.DEFAULT_PLATFORM_RESALE_USD`). [farm currency]

    """

    cards: Annotated[int, Field(ge=1, le=64, strict=True)]
    platform_power_w: Annotated[float, Field(ge=0, le=10_000, allow_inf_nan=False)] = 60.0
    platform_resale: Annotated[float, InRange("machine_price")] = 100.0


class FleetItem(_Model):
    """A purchase of identical machines: one cohort of the engine.

    Attributes
    ----------
    model : str
        Catalog model or alias (``"Antminer S9"``, ``"蚂蚁S9"``, ``"A741"``).
    count : int
        Machines bought. [machines]
    site : str
        Name of the site they stand at.
    purchase_date : datetime.date
        Day they were bought and installed.
    unit_price : float
        Price per machine. [farm currency]
    condition : {"new", "used"}
        Bought new or second-hand.
    depreciation_years : float
        Straight-line depreciation period (accounting only). [years]
    label : str or None
        Display name of the cohort (default: model, site and date).
    owner : str or None
        Owner of the machines (an ``[[owners]]`` name); default the farm.
    rig : RigConfig or None
        For graphics cards: the rigs they stand on. ``count`` and ``unit_price`` are
        then per card (the engine's machines are the cards), each card drawing its
        share of the platform's power.

    """

    model: str = Field(min_length=1)
    count: Annotated[int, Field(ge=1, strict=True), InRange("machine_count")]
    site: str = Field(min_length=1)
    purchase_date: dt.date
    unit_price: Annotated[float, InRange("machine_price")] = 0.0
    condition: Literal["new", "used"] = "new"
    depreciation_years: Years = 3.0
    label: str | None = None
    owner: str | None = Field(default=None, min_length=1)
    rig: RigConfig | None = None


class OwnerConfig(_Model):
    """An owner other than the farm itself (a hosting client, a second treasury).

    Attributes
    ----------
    name : str
        Unique name, referenced by ``fleet[].owner`` and ``sites[].host``.
    starting_cash : float
        Cash at the start. [farm currency]
    starting_coins : float
        Coins held at the start. [coin]

    Every owner follows the farm's ``[treasury]`` rules with its own balances.

    """

    name: str = Field(min_length=1)
    starting_cash: Annotated[float, InRange("money_balance")] = 0.0
    starting_coins: Annotated[float, InRange("coins")] = 0.0


class TreasuryConfig(_Model):
    """What the farm does with mined coins, and its opening balances.

    Attributes
    ----------
    strategy : {"sell_daily", "hodl", "sell_to_cover"}
        Sell every coin daily; keep ``hodl_ratio`` of them; or keep them and
        sell only what pays the power bill and fees.
    hodl_ratio : float
        Share of mined coins kept under ``"hodl"``. [fraction]
    starting_cash : float
        Cash at the start of the backtest. [farm currency]
    starting_coins : float
        Coins held at the start. [coin]

    """

    strategy: Literal["sell_daily", "hodl", "sell_to_cover"] = "sell_daily"
    hodl_ratio: Fraction = 1.0
    starting_cash: Annotated[float, InRange("money_balance")] = 0.0
    starting_coins: Annotated[float, InRange("coins")] = 0.0


@register_policy
class PolicyConfig(_Model):
    """When machines are unplugged (the built-in kinds ``always_on`` and ``shutdown_price``).

    Attributes
    ----------
    kind : {"always_on", "shutdown_price"}
        Run everything; or unplug below the shutdown price with hysteresis.
    off_below : float
        Unplug when ``price / shutdown_price - 1`` falls below this. [fraction]
    on_above : float
        Plug back in when it rises above this (>= ``off_below``). [fraction]
    min_margin_per_machine_day : float
        Also unplug when the margin per machine-day is below this. [farm currency]
    restart_cost_per_machine : float
        Cost of switching one machine back on. [farm currency]

    """

    kind: Literal["always_on", "shutdown_price"] = "always_on"
    off_below: Annotated[float, InRange("margin_ratio")] = 0.0
    on_above: Annotated[float, InRange("margin_ratio")] = 0.0
    min_margin_per_machine_day: Annotated[float, InRange("margin_per_machine_day")] = 0.0
    restart_cost_per_machine: Annotated[float, InRange("machine_price")] = 0.0

    @field_validator("on_above")
    @classmethod
    def _hysteresis(cls, value: float, info: ValidationInfo) -> float:
        off = info.data.get("off_below")
        if off is not None and value < off:
            raise ValueError(f"must be >= off_below ({off:g}): switch back on above the "
                             "level that switches off")
        return value

    def build(self, context: PolicyContext) -> Policy:
        """Return the engine policy of this table."""
        if self.kind == "always_on":
            return AlwaysOn()
        return ShutdownPricePolicy(self.off_below, self.on_above, self.min_margin_per_machine_day)


def _ticker(value: object) -> object:
    """Upper-case a coin ticker and check hashwinter knows its algorithm."""
    if not isinstance(value, str):
        return value
    ticker = value.strip().upper()
    try:
        coin_algorithm(ticker)
    except InputError as exc:  # an unknown coin, naming the known ones
        raise ValueError(exc.message) from None
    return ticker


class CoinConfig(_Model):
    """A coin besides the farm's main one that its machines may mine (``[[coins]]``).

    Attributes
    ----------
    coin : str
        Ticker; its daily history (price, difficulty, issuance, fees) must be in
        the history store for the backtest window (``hashwinter data import``).

    The farm's ``pool_fee`` applies on every coin. A fleet item mines the coin at its
    model's hashrate when the model runs the
    coin's algorithm, and cannot mine it otherwise (hashrate 0: never chosen).

    """

    coin: Annotated[str, BeforeValidator(_ticker)]


class FarmConfig(_Model):
    """A whole farm file.

    Attributes
    ----------
    name : str
        Farm name.
    currency : str
        Currency of every money amount in the file (tariffs carry their own).
    coin : str
        Main coin (a ticker of :data:`hashwinter.chain.coins.COIN_ALGORITHM` whose
        history is in the store): the treasury holds and sells it, hedges are on it.
    coins : list of CoinConfig
        More coins the fleet may mine (the market's coin axis): a policy such as
        ``most_profitable_coin`` picks each cohort's coin every step; their coins
        are sold the day they are mined.
    pool_fee : float
        Share of the reward kept by the pool. [fraction]
    start, end : datetime.date or None
        Default backtest window (the CLI's ``--from``/``--to`` override it).
    sites : list of SiteConfig
    fleet : list of FleetItem
    treasury : TreasuryConfig
    policy : PolicyConfig
    policies : list of registered policy configs
        More policies applied after ``policy``, in order, each adding to the
        action bundle (trades, hedges, moves); any kind registered with
        :func:`hashwinter.farm.register_policy`, or a plugin named by
        ``plugin = "module:ConfigClass"``.
    owners : list of OwnerConfig
        Owners besides the farm (whose balances are in ``[treasury]``).
    hedge : HedgeConfig or None
        A hedging programme (docs/hedging.md): its policy runs after every
        other policy, and its contract joins the run's position book.
    description : str or None
        Free text (where the figures come from).

    """

    name: str = Field(min_length=1)
    description: str | None = None
    currency: CurrencyCode
    coin: Annotated[str, BeforeValidator(_ticker)] = "BTC"
    coins: list[CoinConfig] = Field(default_factory=list)
    pool_fee: Annotated[float, Field(lt=1), InRange("fraction")] = 0.0
    start: dt.date | None = None
    end: dt.date | None = None
    sites: list[SiteConfig] = Field(min_length=1)
    fleet: list[FleetItem] = Field(min_length=1)
    treasury: TreasuryConfig = TreasuryConfig()
    policy: PolicyConfig = PolicyConfig()
    policies: list[Annotated[Any, BeforeValidator(validate_policy_entry)]] = Field(
        default_factory=list)
    owners: list[OwnerConfig] = Field(default_factory=list)
    hedge: HedgeConfig | None = None

    @property
    def coin_tickers(self) -> tuple[str, ...]:
        """The coin axis: the main coin, then ``[[coins]]`` in order."""
        return (self.coin, *(c.coin for c in self.coins))

    @property
    def owner_names(self) -> tuple[str, ...]:
        """Every owner: the farm first, then ``[[owners]]``."""
        return (self.name, *(o.name for o in self.owners))

    def owner_index(self, name: str | None) -> int:
        """Return the index of an owner (None: the farm)."""
        return 0 if name is None else self.owner_names.index(name)

    def site(self, name: str) -> tuple[int, SiteConfig]:
        """Return the index and config of the site called ``name``."""
        for i, s in enumerate(self.sites):
            if s.name == name:
                return i, s
        raise InputError(f"no site named {name!r}", field="site")


@dataclasses.dataclass(frozen=True)
class LoadedFarm:
    """A validated farm with its machines resolved from the catalog.

    Attributes
    ----------
    config : FarmConfig
        The validated file.
    machines : tuple of Machine
        The catalog entry of each fleet item, in order.
    source : str or None
        File the farm came from.

    """

    config: FarmConfig
    machines: tuple[Machine, ...]
    source: str | None = None


def _check_cross_fields(data: Mapping[str, Any], catalog: Catalog) -> list[InputError]:
    """Check what pydantic cannot: models, site references, capacities (raw data, defensively)."""
    errors: list[InputError] = []
    raw_sites, raw_fleet = data.get("sites"), data.get("fleet")
    sites: list[Any] = raw_sites if isinstance(raw_sites, list) else []
    fleet: list[Any] = raw_fleet if isinstance(raw_fleet, list) else []
    names: dict[str, int] = {}
    for i, site in enumerate(sites):
        name = site.get("name") if isinstance(site, Mapping) else None
        if isinstance(name, str):
            if name in names:
                errors.append(InputError(f"site name {name!r} is used twice (also sites"
                                         f"[{names[name]}])", field=f"sites[{i}].name"))
            names.setdefault(name, i)
    slots = [0] * len(sites)
    watts = [0.0] * len(sites)
    members: list[list[int]] = [[] for _ in sites]
    for i, item in enumerate(fleet):
        if not isinstance(item, Mapping):
            continue
        machine = None
        model = item.get("model")
        if isinstance(model, str) and model:
            try:
                machine = catalog.get(model)
            except InputError as exc:
                errors.append(InputError(exc.message, field=f"fleet[{i}].model"))
        site_name = item.get("site")
        j = names.get(site_name) if isinstance(site_name, str) else None
        if isinstance(site_name, str) and j is None:
            known = ", ".join(repr(n) for n in names) or "none"
            errors.append(InputError(f"no site named {site_name!r} (sites: {known})",
                                     field=f"fleet[{i}].site"))
        count = item.get("count")
        if j is not None and isinstance(count, int) and not isinstance(count, bool) and count > 0:
            slots[j] += count
            members[j].append(i)
            if machine is not None:
                watts[j] += count * (machine.power + _platform_share(item.get("rig")))
    for j, site in enumerate(sites):
        if not isinstance(site, Mapping):
            continue
        who = ", ".join(f"fleet[{i}]" for i in members[j])
        cap = site.get("capacity_slots")
        if isinstance(cap, int) and not isinstance(cap, bool) and cap > 0 and slots[j] > cap:
            errors.append(InputError(
                f"the fleet needs {slots[j]:,} slots ({who}); the site has {cap:,}",
                field=f"sites[{j}].capacity_slots"))
        mw = site.get("capacity_mw")
        pue = site.get("pue", 1.0)
        if (isinstance(mw, int | float) and not isinstance(mw, bool) and mw > 0
                and isinstance(pue, int | float) and pue >= 1):
            need = watts[j] * pue / 1e6
            if need > mw * (1 + 1e-12):
                errors.append(InputError(
                    f"the fleet draws {need:,.2f} MW at the meter (PUE {pue:g}; {who}); "
                    f"the site has {mw:g} MW", field=f"sites[{j}].capacity_mw"))
    errors += _coin_problems(data, fleet, catalog)
    owner_names = [data.get("name")]
    raw_owners = data.get("owners")
    for i, owner in enumerate(raw_owners if isinstance(raw_owners, list) else []):
        name = owner.get("name") if isinstance(owner, Mapping) else None
        if isinstance(name, str):
            if name in owner_names:
                errors.append(InputError(f"owner name {name!r} is used twice (the farm's "
                                         "own name counts)", field=f"owners[{i}].name"))
            owner_names.append(name)
    known_owners = ", ".join(repr(n) for n in owner_names if isinstance(n, str))
    for kind, rows, key in (("fleet", fleet, "owner"), ("sites", sites, "host")):
        for i, row in enumerate(rows):
            named = row.get(key) if isinstance(row, Mapping) else None
            if isinstance(named, str) and named not in owner_names:
                errors.append(InputError(f"no owner named {named!r} (owners: {known_owners})",
                                         field=f"{kind}[{i}].{key}"))
    start, end = data.get("start"), data.get("end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        errors.append(InputError(f"{end} is before start {start}", field="end"))
    return errors


def _platform_share(rig: object) -> float:
    """Return a card's share of its rig's platform power [W] (0 without a valid rig table)."""
    if not isinstance(rig, Mapping):
        return 0.0
    cards, power = rig.get("cards"), rig.get("platform_power_w", 60.0)
    if isinstance(cards, bool) or not isinstance(cards, int) or cards < 1:
        return 0.0
    if isinstance(power, bool) or not isinstance(power, int | float) or power < 0:
        return 0.0
    return float(power) / cards


def _coin_problems(data: Mapping[str, Any], fleet: list[Any],
                   catalog: Catalog) -> list[InputError]:
    """Return the errors of coins named twice and of fleet models that cannot mine the main coin."""
    errors: list[InputError] = []
    main = data.get("coin", "BTC")
    main = main.strip().upper() if isinstance(main, str) else None
    seen = {main: "coin"}
    raw = data.get("coins")
    for i, entry in enumerate(raw if isinstance(raw, list) else []):
        coin = entry.get("coin") if isinstance(entry, Mapping) else None
        if isinstance(coin, str):
            ticker = coin.strip().upper()
            if ticker in seen:
                errors.append(InputError(f"{ticker} is already mined ({seen[ticker]})",
                                         field=f"coins[{i}].coin"))
            seen.setdefault(ticker, f"coins[{i}]")
    raw_policies = data.get("policies")
    for i, entry in enumerate(raw_policies if isinstance(raw_policies, list) else []):
        if (isinstance(entry, Mapping) and entry.get("kind") == "most_profitable_coin"
                and len(seen) == 1):
            errors.append(InputError("the farm mines one coin: list the others in [[coins]]",
                                     field=f"policies[{i}].kind"))
    algorithm = COIN_ALGORITHM.get(main) if main else None
    if algorithm is None:
        return errors
    for i, item in enumerate(fleet):
        model = item.get("model") if isinstance(item, Mapping) else None
        if not isinstance(model, str) or not model:
            continue
        try:
            machine = catalog.get(model)
        except InputError:
            continue  # reported with the other model errors
        if not machine.mines(algorithm):
            # A card with no hashrate for the coin: refused by algorithm, not by kind.
            errors.append(InputError(
                f"{machine.model} mines {', '.join(machine.algorithms)}, not {main}'s "
                f"{algorithm}", field=f"fleet[{i}].model"))
        elif item.get("rig") is not None and machine.kind != "gpu":
            errors.append(InputError(f"{machine.model} is an ASIC, not a card: only "
                                     "graphics cards stand on rigs", field=f"fleet[{i}].rig"))
    return errors


def farm_from_dict(
    data: Mapping[str, Any],
    *,
    source: str | None = None,
    text: str | None = None,
    catalog: Catalog | None = None,
    read_files: bool = True,
) -> LoadedFarm:
    """Validate a farm mapping (a parsed TOML document) and resolve its machines.

    Parameters
    ----------
    data : mapping
        The document.
    source : str, optional
        File name for the errors.
    text : str, optional
        The file's text, to give each error its line.
    catalog : Catalog, optional
        Machine catalog (default: the built-in one).
    read_files : bool, default True
        Whether entries may read the files they name (a plan's moves and sites);
        False for text from elsewhere (the web API), which must not read the
        server's files.

    Returns
    -------
    LoadedFarm

    Raises
    ------
    InputErrors
        Every problem found, each with field, file and line.

    """
    catalog = catalog if catalog is not None else default_catalog()
    errors: list[InputError] = []
    config: FarmConfig | None = None
    base_dir = str(Path(source).parent) if source is not None else None
    try:
        config = FarmConfig.model_validate(dict(data), context={"base_dir": base_dir,
                                                                "read_files": read_files})
    except ValidationError as exc:
        errors.extend(input_errors_from_validation(exc, data=data).errors)
    errors.extend(_check_cross_fields(data, catalog))
    if errors or config is None:
        located = locate(_unique(errors), text, source)
        located.sort(key=lambda e: (e.line is None, e.line or 0))
        raise InputErrors(located)
    machines = _fleet_machines(config, catalog)
    scale = _money_scale_problems(config, machines)
    if scale:
        raise InputErrors(locate(scale, text, source))
    return LoadedFarm(config, machines, source)


def _fleet_machines(config: FarmConfig, catalog: Catalog) -> tuple[Machine, ...]:
    """Return each fleet item's machine as the engine sees it: on the farm's coin's algorithm.

    A card mines the main coin at its catalog rate for that algorithm (its primary one or
    one of its ``rates``); a fleet item on rigs (``[fleet.rig]``) is one card that draws its
    share of the platform's power on every algorithm.
    """
    algorithm = coin_algorithm(config.coin)
    out = []
    for item in config.fleet:
        machine = catalog.get(item.model)
        if item.rig is not None:
            out.append(Rig(machine, item.rig.cards, item.rig.platform_power_w,
                           item.rig.platform_resale).per_card(algorithm))
        else:
            out.append(mining_as(machine, algorithm))
    return tuple(out)


def _max_price(node: object) -> float:
    """Return the largest ``price`` anywhere in a dumped tariff (every kind names it so)."""
    if isinstance(node, Mapping):
        own = node.get("price")
        here = float(own) if isinstance(own, int | float) else 0.0
        return max([here, *(_max_price(v) for v in node.values())])
    if isinstance(node, list | tuple):
        return max([0.0, *(_max_price(v) for v in node)])
    return 0.0


def _money_scale_problems(config: FarmConfig, machines: Sequence[Machine]) -> list[InputError]:
    """Return problems: the farm's money flows are too large for a float ledger.

    Each field is inside its plausible range, but products of them (machines x
    price, machines x fees x days) are not: a cash ledger in float64 balances to
    the cent only while its sums stay below about 1e12 (docs/glossary.md,
    "Plausible ranges"). Two totals are bounded: what the farm pays once
    (machines, other capex, its opening cash) by ``money_amount``, and what it
    pays a day at full power and dearest tariff (power, fees, fixed costs) by
    ``money_per_day``, which over a 100-year horizon stays below ~1e12. The
    error names the largest term so the user knows which figure to fix.
    """
    once: dict[str, float] = {"treasury.starting_cash": abs(config.treasury.starting_cash)}
    daily: dict[str, float] = {}
    site_index = {s.name: i for i, s in enumerate(config.sites)}
    for j, site in enumerate(config.sites):
        per_day = site.fixed_costs_per_month * 12 / JULIAN_YEAR_DAYS
        daily[f"sites[{j}].fixed_costs_per_month"] = per_day
        for k, capex in enumerate(site.capex):
            once[f"sites[{j}].capex[{k}].amount"] = capex.amount
    for i, (item, machine) in enumerate(zip(config.fleet, machines, strict=True)):
        once[f"fleet[{i}].unit_price"] = item.count * item.unit_price
        site = config.sites[site_index[item.site]]
        fees = site.management_fee_per_machine_day + site.hosting_fee_per_machine_day
        daily[f"fleet[{i}].count"] = item.count * (
            fees + machine.power / 1000 * 24 * site.pue * _max_price(site.tariff.model_dump())
        )
    problems = []
    for totals, kind, what in ((once, "money_amount", "pays once (machines, capex, cash)"),
                               (daily, "money_per_day", "pays a day at full power")):
        total, high = sum(totals.values()), get_range(kind).high
        if total > high:
            field = max(totals, key=lambda key: totals[key])
            problems.append(InputError(
                f"the farm {what} {total:.3g} {config.currency}, above the plausible "
                f"{high:g} (a float ledger balances to the cent only below ~1e12; "
                "see 'Plausible ranges' in docs/glossary.md)", field=field))
    return problems


def _unique(errors: Sequence[InputError]) -> list[InputError]:
    seen: set[tuple[str | None, str]] = set()
    out = []
    for e in errors:
        key = (e.field, e.message)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def load_farm(path: str | Path, *, catalog: Catalog | None = None) -> LoadedFarm:
    """Read and validate a farm TOML file.

    Parameters
    ----------
    path : str or Path
        The file.
    catalog : Catalog, optional
        Machine catalog (default: the built-in one).

    Returns
    -------
    LoadedFarm

    Raises
    ------
    InputError
        If the file cannot be read or is not valid TOML (with line and column).
    InputErrors
        Every validation problem at once.

    """
    data, text = read_toml(path, what="farm file")
    return farm_from_dict(data, source=str(path), text=text, catalog=catalog)

