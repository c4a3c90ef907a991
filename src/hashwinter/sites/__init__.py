"""Sites and their risks as data: capacity by month, tariffs, risk processes, moves.

* :mod:`~hashwinter.sites.risks`: power cuts, fines, seizure or theft as processes;
* :mod:`~hashwinter.sites.expected`: their expected losses (pure, vectorized);
* :mod:`~hashwinter.sites.regions`: known regions with default risks and sources;
* :mod:`~hashwinter.sites.events`: dated historical events (the 5 Nov 2018 cuts);
* :mod:`~hashwinter.sites.config`: sites files (pydantic), :func:`load_sites`.

See docs/sites.md.
"""

from __future__ import annotations

from hashwinter.sites.config import (
    LoadedSites,
    MoveConfig,
    PlannerSettings,
    PlannerSite,
    SitesFile,
    load_sites,
    monthly,
    sites_from_dict,
)
from hashwinter.sites.events import HISTORICAL_EVENTS, HistoricalEvent, event_downtime
from hashwinter.sites.expected import (
    expected_downtime_share,
    expected_fine_cost,
    expected_seizure_loss,
    probability_within,
)
from hashwinter.sites.regions import REGIONS, Region, region
from hashwinter.sites.risks import Fines, PowerCuts, Seizure, SiteRisks, sample_cut_days

__all__ = [
    "HISTORICAL_EVENTS",
    "REGIONS",
    "Fines",
    "HistoricalEvent",
    "LoadedSites",
    "MoveConfig",
    "PlannerSettings",
    "PlannerSite",
    "PowerCuts",
    "Region",
    "Seizure",
    "SiteRisks",
    "SitesFile",
    "event_downtime",
    "expected_downtime_share",
    "expected_fine_cost",
    "expected_seizure_loss",
    "load_sites",
    "monthly",
    "probability_within",
    "region",
    "sample_cut_days",
    "sites_from_dict",
]
