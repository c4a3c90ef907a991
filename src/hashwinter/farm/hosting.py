"""Hosting contracts (托管): a host rents slots and megawatts at its site to a client.

One ``[[policies]]`` entry of kind ``"hosting"`` is one contract, seen from both
sides: the client's machines are the cohorts it owns at the host's site; every
flow of the contract is a cash transfer between the two owners of the run,
labelled so that the ledger keeps it on its own row (``transfer:<label>``,
received minus paid, per owner). Per step, for the client's machines at the site:

* ``hosting_power_billed`` (client → host): the power of the running machines at
  their rated power (PUE and the site's uptime, as the engine meters it) at the
  site's tariff, times ``1 + power_allowance``, plus ``power_markup_per_kwh`` per
  kWh;
* ``hosting_power_utility`` (host → client): the utility bill of that power at the
  tariff. The engine books the power of every cohort on its owner; this transfer
  moves it to the host, who pays the utility. Net, the client pays the billed
  power and the host keeps the allowance;
* ``hosting_management_fee`` (client → host): ``management_fee_per_machine_day``
  per machine held at the site;
* ``hosting_output_share`` (client → host): ``output_share`` of the coins the
  running machines are expected to mine in the step (the reward per hash known
  at its start, as the policies see it), paid in cash at the last known price,
  or, with ``output_share_in = "coins"``, in the coins themselves (they move from
  the client's coin balance to the host's; the ledger's row values them at the
  step's price);
* ``hosting_sla_credit`` (host → client): ``sla_credit_per_machine_day`` per
  machine-day of downtime below the target, ``held * max(0, uptime_target -
  uptime)`` machine-days per day (``uptime`` is the site's);
* ``hosting_buy_back`` (host → client): at termination, ``buy_back_per_machine``
  per machine held; the machines leave the client's fleet: sold to the host out of
  the run's fleet, or, with ``reuse_bought_back``, moved into the host's own cohorts
  at the site (one per model, empty until then), where they run for the host, who
  pays their power from then on.

The contract ends after ``term_days`` days from the first day of the run, or
when the client's machines earned nothing (none ran: curtailed, or the client
broke) for ``terminate_after_days_without_revenue`` days in a row. From then on
the client's machines at the site are unplugged (returned, or bought back) and
every fee stops. The outage fund (``outage_fund_share`` of the fees the host
receives, set aside against SLA credits) is the host's money: the report shows
it, no cash moves.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import Field

from hashwinter.engine import Actions, Observation, Policy
from hashwinter.engine.actions import Moves, Transfers
from hashwinter.engine.variants import as_variant_array, count_variants
from hashwinter.errors import InputError
from hashwinter.farm.registry import CohortSlots, PolicyContext, register_policy
from hashwinter.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, WATTS_PER_KILOWATT
from hashwinter.validation import ConfigModel

if TYPE_CHECKING:
    from hashwinter.farm.config import LoadedFarm

__all__ = ["FLOW_LABELS", "HostingConfig", "HostingContract", "HostingTerms"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Transfer labels of a contract, in the order of :meth:`HostingContract.flows`.
FLOW_LABELS = ("hosting_power_billed", "hosting_power_utility", "hosting_management_fee",
               "hosting_output_share", "hosting_sla_credit", "hosting_buy_back")
#: +1: the client pays the host; -1: the host pays the client.
FLOW_SIGN = (1, -1, 1, 1, -1, -1)


#: The money terms that take a list (one value per variant: a sweep in one run).
VARIANT_TERMS = ("power_allowance", "power_markup_per_kwh", "management_fee_per_machine_day",
                 "output_share", "sla_credit_per_machine_day", "buy_back_per_machine")


@dataclasses.dataclass(frozen=True)
class HostingTerms:
    """The money terms of a contract (see the module docstring for each flow).

    The terms of :data:`VARIANT_TERMS` are arrays over the variant axis ``(V,)`` (length
    1 for one value): a list of values in the farm file runs every variant at once.

    Attributes
    ----------
    power_allowance : ndarray (V,)
        Share added to the power bill at the tariff. [fraction]
    power_markup_per_kwh : ndarray (V,)
        Added per kWh billed. [currency/kWh]
    management_fee_per_machine_day : ndarray (V,)
        Per machine held at the site. [currency/(machine·day)]
    output_share : ndarray (V,)
        Share of the client's expected output. [fraction]
    uptime_target : float
        Uptime below which downtime earns credits. [fraction]
    sla_credit_per_machine_day : ndarray (V,)
        Credit per machine-day of downtime below the target. [currency/(machine·day)]
    buy_back_per_machine : ndarray (V,)
        Residual value paid per machine at termination (0: returned). [currency/machine]
    term_days : int or None
        Length from the first day of the run. [day]
    idle_days : int or None
        Days in a row without revenue that terminate the contract. [day]

    """

    power_allowance: FloatArray = dataclasses.field(default_factory=lambda: np.zeros(1))
    power_markup_per_kwh: FloatArray = dataclasses.field(default_factory=lambda: np.zeros(1))
    management_fee_per_machine_day: FloatArray = dataclasses.field(
        default_factory=lambda: np.zeros(1))
    output_share: FloatArray = dataclasses.field(default_factory=lambda: np.zeros(1))
    uptime_target: float = 0.0
    sla_credit_per_machine_day: FloatArray = dataclasses.field(
        default_factory=lambda: np.zeros(1))
    buy_back_per_machine: FloatArray = dataclasses.field(default_factory=lambda: np.zeros(1))
    term_days: int | None = None
    idle_days: int | None = None

    def __post_init__(self) -> None:
        for name in VARIANT_TERMS:
            object.__setattr__(self, name, as_variant_array(getattr(self, name),
                                                            f"policies.{name}"))
        count_variants({n: getattr(self, n) for n in VARIANT_TERMS})

    @property
    def n_variants(self) -> int:
        """Number of variants."""
        return count_variants({n: getattr(self, n) for n in VARIANT_TERMS})

    def take(self, sel: slice | npt.NDArray[np.int64]) -> HostingTerms:
        """Return the terms restricted to some variants."""
        return dataclasses.replace(self, **{n: getattr(self, n)[sel] for n in VARIANT_TERMS
                                            if getattr(self, n).shape[0] > 1})

    def column(self, name: str) -> FloatArray:
        """Return a variant term as a (V, 1) column for (V, P) flows."""
        return np.asarray(getattr(self, name))[:, None]


@dataclasses.dataclass(frozen=True)
class HostingState:
    """A contract's state per (variant, path).

    Attributes
    ----------
    idle : ndarray of int (V, P)
        Whole days in a row without revenue. [day]
    earned_today : ndarray of bool (V, P)
        Whether the client's machines ran in some step of the current day.
    terminated : ndarray of bool (V, P)
        The contract has ended.
    day : int
        Day of the last step seen.

    """

    idle: npt.NDArray[np.int64]
    earned_today: BoolArray
    terminated: BoolArray
    day: int


@dataclasses.dataclass(frozen=True)
class HostingContract:
    """The engine policy of one contract: its transfers, unplugging and buy-back.

    Apply it after the policies that switch machines on and off (it reads their
    decision). The money terms of :data:`VARIANT_TERMS` are arrays over the
    variant axis: a list of values is that many variants in one run.

    Attributes
    ----------
    host, client : int
        Owner indices.
    cohorts : ndarray of bool (C,)
        The client's cohorts at the host's site.
    energy_per_machine : ndarray (C,)
        Energy one running machine draws in a step (PUE, uptime). [kWh/machine]
    management_per_machine : ndarray (C,)
        The site's own management fee per running machine per step, which the
        observation's cost includes. [currency/machine]
    downtime : ndarray (C,)
        ``max(0, uptime_target - uptime)`` of each cohort. [fraction]
    terms : HostingTerms
    steps_per_day : int
    reuse_source, reuse_target : ndarray of int (K,) or None
        With ``reuse_bought_back``: each client cohort and the host's cohort of its
        model at the site that its bought-back machines move into.

    """

    host: int
    client: int
    cohorts: BoolArray
    energy_per_machine: FloatArray
    management_per_machine: FloatArray
    downtime: FloatArray
    terms: HostingTerms
    steps_per_day: int
    reuse_source: npt.NDArray[np.int64] | None = None
    reuse_target: npt.NDArray[np.int64] | None = None
    output_share_in_coins: bool = False

    @property
    def n_variants(self) -> int:
        """Number of variants (the money terms given as lists)."""
        return self.terms.n_variants

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> HostingContract:
        """Return the contract restricted to some variants."""
        return dataclasses.replace(self, terms=self.terms.take(sel))

    def init_state(self, shape: tuple[int, int, int]) -> HostingState:
        """Return an active contract."""
        vp = shape[:2]
        return HostingState(np.zeros(vp, dtype=np.int64), np.zeros(vp, dtype=bool),
                            np.zeros(vp, dtype=bool), 0)

    def flows(self, obs: Observation, running: FloatArray, held: FloatArray,
              active: BoolArray, buy_back: BoolArray) -> FloatArray:
        """Return the step's contract flows, (V, P, 6) in :data:`FLOW_LABELS` order.

        Parameters
        ----------
        obs : Observation
            The step's observation.
        running, held : ndarray (V, P, C)
            Machines running and held, zero outside the contract's cohorts. [machines]
        active : ndarray of bool (V, P)
            The contract runs in the step.
        buy_back : ndarray of bool (V, P)
            The contract terminates at this step (the host buys the machines).

        Returns
        -------
        ndarray (V, P, 6)
            Amounts (>= 0) of each flow. [currency]

        """
        k = self.terms
        day_share = obs.step_seconds / SECONDS_PER_DAY
        utility_pm = np.maximum(obs.cost_per_machine - self.management_per_machine, 0.0)
        utility = (running * utility_pm).sum(axis=-1)
        kwh = (running * self.energy_per_machine).sum(axis=-1)
        machines = held.sum(axis=-1)
        billed = utility * (1.0 + k.column("power_allowance")) \
            + k.column("power_markup_per_kwh") * kwh
        fee = k.column("management_fee_per_machine_day") * day_share * machines
        price = 1.0 if self.output_share_in_coins else obs.price[..., 0]
        share = k.column("output_share") * (running * obs.coins_per_machine).sum(axis=-1) \
            * price
        credit = (k.column("sla_credit_per_machine_day") * day_share
                  * (held * self.downtime).sum(axis=-1))
        out = np.stack(np.broadcast_arrays(billed, utility, fee, share, credit,
                                           np.zeros(active.shape)), axis=-1)
        out = out * active[..., None]
        out[..., 5] = np.where(buy_back, k.column("buy_back_per_machine") * machines, 0.0)
        return out

    def decide(self, obs: Observation, actions: Actions,
               state: HostingState) -> tuple[Actions, HostingState]:
        """Unplug after termination; add the step's transfers (and the buy-back)."""
        k = self.terms
        on = actions.on
        shape = np.broadcast_shapes(on.shape, np.shape(obs.installed),
                                    (*state.terminated.shape, on.shape[-1]))
        idle, earned, day = state.idle, state.earned_today, state.day
        if obs.day != day:  # a new day: was the last one without revenue?
            idle = np.where(earned, 0, idle + (obs.day - day))
            earned = np.zeros_like(earned)
        ended = state.terminated.copy()
        if k.idle_days is not None:
            ended |= idle >= k.idle_days
        if k.term_days is not None and obs.step >= k.term_days * self.steps_per_day:
            ended |= True
        newly = ended & ~state.terminated
        mask = self.cohorts
        on = np.broadcast_to(on, shape) & ~(ended[..., None] & mask)
        held = np.broadcast_to(obs.installed, shape) * mask
        alive = (np.ones(shape, dtype=bool) if obs.alive is None or obs.owner is None
                 else np.broadcast_to(obs.alive[..., obs.owner], shape))
        running = held * (on & alive)
        active = ~ended
        buys_back = k.column("buy_back_per_machine") > 0  # (V, 1)
        flows = self.flows(obs, running, held, active, newly & buys_back)
        n = len(FLOW_LABELS)
        payer = np.array([self.client if s > 0 else self.host for s in FLOW_SIGN])
        payee = np.array([self.host if s > 0 else self.client for s in FLOW_SIGN])
        in_coins = np.array([self.output_share_in_coins and label == "hosting_output_share"
                             for label in FLOW_LABELS])
        actions = actions.with_on(on).add_transfers(
            Transfers(payer, payee, flows.reshape(*flows.shape[:2], n), FLOW_LABELS,
                      in_coins=in_coins))
        bought_back = newly & buys_back
        if bought_back.any() and self.reuse_source is not None and self.reuse_target is not None:
            # The host plugs them in again: a move into its own cohorts at the site.
            src = self.reuse_source
            actions = actions.add_moves(Moves(
                src, self.reuse_target, held[..., src] * bought_back[..., None],
                np.zeros(src.size)))
        elif bought_back.any():
            actions = actions.add_trades(sell=held * bought_back[..., None],
                                         sell_price=np.zeros(shape))
        earned = earned | (running.sum(axis=-1) > 0)
        return actions, HostingState(idle, earned, ended, obs.day)


def _entry_index(context: PolicyContext, entry: object) -> int:
    """Return the index of ``entry`` in the farm's ``[[policies]]`` (0 if unknown)."""
    if context.farm is not None:
        for i, e in enumerate(context.farm.config.policies):
            if e is entry:
                return i
    return 0


_Money = Annotated[float, Field(ge=0, allow_inf_nan=False)]
_Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


@register_policy
class HostingConfig(ConfigModel):
    """``[[policies]]`` entry ``kind = "hosting"``: one hosting contract (docs/farms.md).

    Attributes
    ----------
    site : str
        The host's site (``sites[].name``).
    client : str
        Owner of the hosted machines (``owners[].name``).
    host : str or None
        Owner renting the slots (default: the site's ``host``).
    slots : int
        Slots rented to the client. [machines]
    mw : float
        Power rented to the client, at the meter (PUE included). [MW]
    power_allowance, power_markup_per_kwh, management_fee_per_machine_day,
    output_share, uptime_target, sla_credit_per_machine_day, buy_back_per_machine
        See :class:`HostingTerms`; all but ``uptime_target`` take a list (one value
        per variant: the contract's terms swept in one run).
    outage_fund_share : float
        Share of the fees the host sets aside against SLA credits. [fraction]
    term_days, terminate_after_days_without_revenue : int or None
        End rules; at least one must end the contract inside the run.
    reuse_bought_back : bool
        The host (the farm itself) runs the machines it buys back, in its own
        cohorts at the site (needs ``buy_back_per_machine`` > 0).

    """

    kind: Literal["hosting"]
    site: str = Field(min_length=1)
    client: str = Field(min_length=1)
    host: str | None = Field(default=None, min_length=1)
    slots: int = Field(gt=0)
    mw: float = Field(gt=0)
    power_allowance: _Money | list[_Money] = 0.0
    power_markup_per_kwh: _Money | list[_Money] = 0.0
    management_fee_per_machine_day: _Money | list[_Money] = 0.0
    output_share: _Share | list[_Share] = 0.0
    output_share_in: Literal["cash", "coins"] = "cash"
    outage_fund_share: float = Field(default=0.0, ge=0, le=1)
    uptime_target: float = Field(default=0.0, ge=0, le=1)
    sla_credit_per_machine_day: _Money | list[_Money] = 0.0
    buy_back_per_machine: _Money | list[_Money] = 0.0
    term_days: int | None = Field(default=None, gt=0)
    terminate_after_days_without_revenue: int | None = Field(default=None, gt=0)
    reuse_bought_back: bool = False

    def _host_name(self, farm: LoadedFarm) -> str | None:
        site = next((s for s in farm.config.sites if s.name == self.site), None)
        return self.host if self.host is not None else getattr(site, "host", None)

    def cohort_slots(self, farm: LoadedFarm, dates: npt.NDArray[np.datetime64],
                     field: str) -> CohortSlots:
        """With ``reuse_bought_back``: one empty host cohort per client model at the site."""
        if not self.reuse_bought_back:
            return CohortSlots()
        if not np.any(np.asarray(self.buy_back_per_machine) > 0):
            raise InputError("re-uses bought-back machines but buys none back: set "
                             "buy_back_per_machine > 0", field=f"{field}.reuse_bought_back")
        farm_name = farm.config.owner_names[0]
        host = self._host_name(farm)
        if host is not None and host != farm_name:
            # The builder's empty cohorts belong to the farm file's own owner.
            raise InputError(f"only the farm itself ({farm_name!r}) can re-use the machines it "
                             f"buys back; the host is {host!r}", field=f"{field}.host")
        models: dict[str, Any] = {}
        for item, machine in zip(farm.config.fleet, farm.machines, strict=True):
            if item.site == self.site and item.owner == self.client:
                models.setdefault(machine.model, machine)
        return CohortSlots(purchases=tuple((m, self.site) for m in models.values()))

    def terms(self) -> HostingTerms:
        """Return the money terms."""
        arrays = {n: np.atleast_1d(np.asarray(getattr(self, n), dtype=np.float64))
                  for n in VARIANT_TERMS}
        return HostingTerms(**arrays, uptime_target=self.uptime_target,
                            term_days=self.term_days,
                            idle_days=self.terminate_after_days_without_revenue)

    def build(self, context: PolicyContext) -> Policy:
        """Resolve owners and cohorts, check the contract against the run; build it.

        Raises
        ------
        InputError
            An unknown site or owner, the client's machines beyond the slots or
            megawatts rented, a site that also bills its own hosting fee, or a
            contract that runs past the run's last day with no end rule.

        """
        where = f"policies[{_entry_index(context, self)}]"
        cohorts, clock = context.cohorts, context.clock
        sites: dict[str, Any] = ({s.name: s for s in context.farm.config.sites}
                                 if context.farm is not None else {})
        if sites and self.site not in sites:
            known = ", ".join(repr(n) for n in sites)
            raise InputError(f"no site named {self.site!r} (sites: {known})",
                             field=f"{where}.site")
        site = sites.get(self.site)
        host_name = self.host if self.host is not None else getattr(site, "host", None)
        names = context.owner_names
        known_owners = ", ".join(repr(n) for n in names)
        if host_name is None:
            raise InputError(f"site {self.site!r} has no host: name the contract's host",
                             field=f"{where}.host")
        for field, name in (("host", host_name), ("client", self.client)):
            if name not in names:
                raise InputError(f"no owner named {name!r} (owners: {known_owners})",
                                 field=f"{where}.{field}")
        host, client = names.index(host_name), names.index(self.client)
        if host == client:
            raise InputError(f"the client is the host ({self.client!r})", field=f"{where}.client")
        if site is not None and site.hosting_fee_per_machine_day > 0:
            raise InputError(
                f"site {self.site!r} also bills hosting_fee_per_machine_day: put the fee in the "
                "contract (management_fee_per_machine_day) and set the site's to 0",
                field=f"{where}.site")
        role = context.role or ("fleet",) * cohorts.n
        mask = np.array([s == self.site and o == client and r == "fleet" for s, o, r in
                         zip(cohorts.site, cohorts.owner, role, strict=True)])
        if not mask.any():
            raise InputError(f"owner {self.client!r} has no machines at {self.site!r}",
                             field=f"{where}.client")
        machines = float(cohorts.count[mask].sum())
        if machines > self.slots:
            raise InputError(f"the client's machines at {self.site!r} need {machines:,.0f} "
                             f"slots; the contract rents {self.slots:,}", field=f"{where}.slots")
        draw = float((cohorts.count * cohorts.power * cohorts.pue)[mask].sum()) / 1e6
        if draw > self.mw * (1 + 1e-12):
            raise InputError(f"the client's machines at {self.site!r} draw {draw:,.2f} MW at "
                             f"the meter; the contract rents {self.mw:g} MW",
                             field=f"{where}.mw")
        if self.terminate_after_days_without_revenue is None and (
                self.term_days is None or self.term_days > clock.n_days):
            length = "has no term" if self.term_days is None else (
                f"lasts {self.term_days} days")
            raise InputError(
                f"the contract {length}, longer than the run's {clock.n_days} days, and no "
                "end rule: set term_days within the run or "
                "terminate_after_days_without_revenue", field=f"{where}.term_days")
        source = target = None
        if self.reuse_bought_back:
            source = np.flatnonzero(mask)
            target = np.array([next(t for t, r in enumerate(role) if r == "purchase"
                                    and cohorts.site[t] == self.site
                                    and cohorts.model[t] == cohorts.model[c]
                                    and cohorts.owner[t] == host) for c in source],
                              dtype=np.int64)
        dt = clock.step_seconds
        energy = (cohorts.power * cohorts.pue * cohorts.uptime * dt / SECONDS_PER_HOUR
                  / WATTS_PER_KILOWATT)
        return HostingContract(
            reuse_source=source, reuse_target=target,
            host=host, client=client, cohorts=mask,
            energy_per_machine=np.where(mask, energy, 0.0),
            management_per_machine=cohorts.management_fee * dt / SECONDS_PER_DAY,
            downtime=np.where(mask, np.maximum(self.uptime_target - cohorts.uptime, 0.0), 0.0),
            terms=self.terms(), steps_per_day=clock.steps_per_day,
            output_share_in_coins=self.output_share_in == "coins")
