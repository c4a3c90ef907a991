"""Sites files: where machines may stand, month by month, with their risks and moving costs.

A sites file (TOML, see docs/sites.md and examples/sites/) lists sites the
planner may use besides a farm's own (a site of the same name replaces the
farm's), the cost of moving machines, and planner switches::

    [move]
    cost_per_machine = 50        # transport and reinstall [farm currency]
    downtime_days = 7
    max_machines_per_month = 20000

    [[sites]]
    name = "Sichuan hydro"
    region = "Sichuan"
    capacity_slots = 20000
    capacity_mw = [7, 7, 7, 28, 28, 28, 28, 28, 28, 28, 7, 7]   # Jan..Dec
    tariff = "sichuan_hydro_2018"

Capacity is one number or twelve (January to December) where supply is
seasonal. Risks default to the region's (:mod:`hashwinter.sites.regions`);
a ``[sites.risks]`` table replaces them. :func:`load_sites` reports every
problem at once, each with its dotted field and ``file:line``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from pydantic import BeforeValidator, Field, ValidationError, field_validator

from hashwinter.energy import Tariff, example_tariff, tariff_to_dict
from hashwinter.errors import InputError, InputErrors
from hashwinter.ranges import bounded, get_range
from hashwinter.sites.regions import REGIONS, region
from hashwinter.sites.risks import SiteRisks
from hashwinter.tomlfile import locate, read_toml
from hashwinter.validation import ConfigModel, input_errors_from_validation

__all__ = ["MoveConfig", "PlannerSettings", "PlannerSite", "SitesFile", "load_sites",
           "monthly"]



def _named_tariff(value: object) -> object:
    if isinstance(value, str):
        try:
            return tariff_to_dict(example_tariff(value))
        except InputError as exc:
            raise ValueError(exc.message) from None
    return value


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def _capacity(kind: str, *, whole: bool) -> Any:
    """Return a validator of one number or twelve (January first), each checked once."""
    rng = get_range(kind)

    def _check(value: object) -> list[float]:
        values = value if isinstance(value, list) else [value] * 12
        if len(values) != 12:
            raise ValueError(f"give one number or twelve (January to December), "
                             f"got {len(values)}")
        for i, v in enumerate(values):
            when = f" in {_MONTHS[i]}" if isinstance(value, list) else ""
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ValueError(f"must be a number{when} (got {v!r})")
            if whole and not float(v).is_integer():
                raise ValueError(f"must be a whole number of machines{when} (got {v!r})")
            problem = rng.problem(float(v))
            if problem is not None:
                raise ValueError(f"{problem}{when}")
        return [float(v) for v in values if isinstance(v, int | float)]

    return BeforeValidator(_check)


#: Capacity by calendar month (one number in the file means all twelve).
MonthlySlots = Annotated[list[float], _capacity("machine_count", whole=True)]
MonthlyMw = Annotated[list[float], _capacity("site_mw", whole=False)]


_Model = ConfigModel  # frozen, unknown keys are errors (hashwinter.validation)


class MoveConfig(_Model):
    """What moving a machine between sites costs.

    Attributes
    ----------
    cost_per_machine : float
        Transport, packing and reinstalling one machine. [farm currency/machine]
    downtime_days : float
        Days a moved machine does not hash (packing, the road, reinstalling);
        counted as lost margin at the destination. [days]
    max_machines_per_month : int or None
        Machines the farm can move in one month (trucks, staff); None: no limit.
    source : str
        Where the figures come from, or ``"assumption: ..."``.

    """

    cost_per_machine: bounded("machine_price") = 0.0  # type: ignore[valid-type]
    downtime_days: bounded("move_days") = 0.0  # type: ignore[valid-type]
    max_machines_per_month: Annotated[int, Field(ge=0, strict=True)] | None = None
    source: str = "assumption"


class PlannerSettings(_Model):
    """Planner switches of a sites file.

    Attributes
    ----------
    historical_events : bool
        Cut sites off on the dated events of their region
        (:data:`hashwinter.sites.events.HISTORICAL_EVENTS`) inside the horizon.
    use_farm_sites : bool
        Offer the farm file's own sites too (True) or only the sites file's.

    """

    historical_events: bool = False
    use_farm_sites: bool = True


class PlannerSite(_Model):
    """A site as the planner sees it: capacity by month, power, fees and risks.

    Attributes
    ----------
    name : str
    region : str
        A known region (:data:`hashwinter.sites.regions.REGIONS`), whose risks
        apply unless ``risks`` is given.
    capacity_slots : list of 12 int
        Machines the site holds in each calendar month, January first (one
        number in the file means every month). [machines]
    capacity_mw : list of 12 float
        Power it can draw at the meter (installed machines × PUE), by calendar
        month. [MW]
    tariff : tariff
        Any tariff kind, or the name of a built-in example.
    pue, uptime : float
        Meter over machine energy [>= 1]; share of time machines hash [fraction].
    management_fee_per_machine_day : float
        Per running machine and day. [farm currency]
    hosting_fee_per_machine_day : float
        Per installed machine and day. [farm currency]
    fixed_costs_per_month : float
        Paid in every month the site holds machines (the planner may close it). [farm currency]
    move_in_cost_per_machine : float or None
        Overrides ``[move] cost_per_machine`` for machines moved here. [farm currency]
    risks : SiteRisks or None
        Replaces the region's default risks.
    source : str or None
        Where the site's figures come from.

    """

    name: str = Field(min_length=1)
    region: str = Field(min_length=1)
    capacity_slots: MonthlySlots
    capacity_mw: MonthlyMw
    tariff: Annotated[Tariff, BeforeValidator(_named_tariff)]
    pue: bounded("pue") = 1.0  # type: ignore[valid-type]
    uptime: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 1.0
    management_fee_per_machine_day: bounded("money_per_day") = 0.0  # type: ignore[valid-type]
    hosting_fee_per_machine_day: bounded("money_per_day") = 0.0  # type: ignore[valid-type]
    fixed_costs_per_month: bounded("money_per_month") = 0.0  # type: ignore[valid-type]
    move_in_cost_per_machine: bounded("machine_price") | None = None  # type: ignore[valid-type]
    risks: SiteRisks | None = None
    source: str | None = None

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        try:
            return region(value).name
        except InputError as exc:
            raise ValueError(exc.message) from None

    def site_risks(self) -> SiteRisks:
        """Return the site's risks: its own, else its region's defaults."""
        return self.risks if self.risks is not None else REGIONS[self.region.lower()].risks


class SitesFile(_Model):
    """A whole sites file.

    Attributes
    ----------
    sites : list of PlannerSite
    move : MoveConfig
    planner : PlannerSettings
    description : str or None

    """

    description: str | None = None
    sites: list[PlannerSite] = Field(default_factory=list)
    move: MoveConfig = MoveConfig()
    planner: PlannerSettings = PlannerSettings()


def monthly(value: float | list[float] | list[int], months: npt.NDArray[np.datetime64]
            ) -> npt.NDArray[np.float64]:
    """Return a capacity (one value or twelve, January first) for each of ``months``.

    Parameters
    ----------
    value : float or list of 12 float
        Capacity, one value for every month or one per calendar month.
    months : ndarray of datetime64[M], shape (M,)
        The months of the horizon.

    Returns
    -------
    ndarray, shape (M,)

    """
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return np.full(len(months), float(arr))
    calendar = np.asarray(months, dtype="datetime64[M]").astype(np.int64) % 12
    return arr[calendar]


@dataclasses.dataclass(frozen=True)
class LoadedSites:
    """A validated sites file.

    Attributes
    ----------
    config : SitesFile
    source : str or None
    text : str or None
        The file's text (to locate later errors by line).

    """

    config: SitesFile
    source: str | None = None
    text: str | None = None


def _cross_checks(data: Mapping[str, Any]) -> list[InputError]:
    errors: list[InputError] = []
    seen: dict[str, int] = {}
    sites = data.get("sites")
    for i, site in enumerate(sites if isinstance(sites, list) else []):
        name = site.get("name") if isinstance(site, Mapping) else None
        if isinstance(name, str):
            if name in seen:
                errors.append(InputError(f"site name {name!r} is used twice (also sites"
                                         f"[{seen[name]}])", field=f"sites[{i}].name"))
            seen.setdefault(name, i)
    return errors


def sites_from_dict(data: Mapping[str, Any], *, source: str | None = None,
                    text: str | None = None) -> LoadedSites:
    """Validate a sites mapping (a parsed TOML document).

    Raises
    ------
    InputErrors
        Every problem, each with its field and (given ``text``) line.

    """
    errors: list[InputError] = []
    config: SitesFile | None = None
    try:
        config = SitesFile.model_validate(dict(data))
    except ValidationError as exc:
        errors.extend(input_errors_from_validation(exc, data=data).errors)
    errors.extend(_cross_checks(data))
    if errors or config is None:
        raise InputErrors(locate(errors, text, source))
    return LoadedSites(config, source, text)


def load_sites(path: str | Path) -> LoadedSites:
    """Read and validate a sites TOML file.

    Raises
    ------
    InputError
        Unreadable file or invalid TOML.
    InputErrors
        Every validation problem at once.

    """
    data, text = read_toml(path, what="sites file")
    return sites_from_dict(data, source=str(path), text=text)
