"""Mining regions and their default risks, each with a source or an "assumption" note.

The seed story (../shared/seed/SYSTEM.md §4) gives the shape of the risks but
few numbers: Xinjiang's 750 kV ring grid is "especially stable"; Sichuan's
hydro is seasonal; at the border (Huocheng, Yining) "repeated inspections of
the declared use of power" brought cuts, fines and blacklists ("JQK");
abroad, "a newly built farm was robbed by masked men within days". The
figures below turn that into processes; every one not taken from a source is
marked ``assumption`` — change them in a sites file (docs/sites.md).
"""

from __future__ import annotations

import dataclasses

from hashwinter.errors import InputError
from hashwinter.sites.risks import Fines, PowerCuts, Seizure, SiteRisks

__all__ = ["REGIONS", "Region", "region"]

_STORY = "seed story (Tencent Periscope, Dec 2018; ../shared/seed/SYSTEM.md §4)"


@dataclasses.dataclass(frozen=True)
class Region:
    """A region with the risks a site there carries unless its file says otherwise.

    Attributes
    ----------
    name : str
        Canonical name (``"Sichuan"``).
    country : str
    risks : SiteRisks
        Default risk processes.
    note : str
        What the defaults rest on.

    """

    name: str
    country: str
    risks: SiteRisks
    note: str


def _r(name: str, country: str, note: str, *, cuts: tuple[PowerCuts, ...] = (),
       fines: tuple[Fines, ...] = (), seizure: tuple[Seizure, ...] = ()) -> tuple[str, Region]:
    return name.lower(), Region(name, country, SiteRisks(power_cuts=cuts, fines=fines,
                                                         seizure=seizure), note)


#: Known regions by lower-case name (sites files must name one of them).
REGIONS: dict[str, Region] = dict([
    _r("Xinjiang", "China",
       "stable grid: 'the 750 kV ring grid is especially stable' (" + _STORY + ")",
       cuts=(PowerCuts(rate_per_year=0.5, mean_duration_days=1.0,
                       source="assumption: a stable grid, one short outage every two years"),)),
    _r("Xinjiang border", "China",
       "Huocheng and Yining: inspections of the declared use of power bring cuts, fines and "
       "blacklists (" + _STORY + ")",
       cuts=(PowerCuts(rate_per_year=4.0, mean_duration_days=10.0,
                       source="assumption: 'many inspections' (story); four a year, ten days "
                              "each"),),
       fines=(Fines(probability_per_year=0.3, amount_per_machine=50.0,
                    source="assumption: fines are in the story, amounts are not"),)),
    _r("Sichuan", "China",
       "seasonal hydro (wet 0.08 / dry 0.28 CNY/kWh, 8btc March 2019); floods cut "
       "farms in July 2018 (same article, 'last July')",
       cuts=(PowerCuts(rate_per_year=1.0, mean_duration_days=3.0,
                       source="assumption: one flood or grid outage a year (the July 2018 "
                              "floods, news.8btc.com/bitcoin-mining-rigs-are-moved-to-sichuan-"
                              "as-wet-season-draws-near)"),)),
    _r("Guizhou", "China",
       "ordered to cut power for inspection from 5 Nov 2018 (" + _STORY + ")",
       cuts=(PowerCuts(rate_per_year=1.0, mean_duration_days=7.0,
                       source="assumption: one inspection a year, a week each"),)),
    _r("Inner Mongolia", "China", "fossil power, 0.35 CNY/kWh (CoinDesk March 2019)",
       cuts=(PowerCuts(rate_per_year=0.5, mean_duration_days=2.0, source="assumption"),)),
    _r("Yunnan", "China", "seasonal hydro like Sichuan",
       cuts=(PowerCuts(rate_per_year=1.0, mean_duration_days=3.0, source="assumption"),)),
    _r("Uzbekistan", "Uzbekistan",
       "quoted at a few US cents; 'a newly built farm was robbed by masked men within days' ("
       + _STORY + ")",
       cuts=(PowerCuts(rate_per_year=2.0, mean_duration_days=2.0, source="assumption"),),
       seizure=(Seizure(probability_per_year=0.1, share_lost=1.0,
                        source="assumption: one robbery in ten farm-years (story: one robbery, "
                               "no rate)"),)),
    _r("Russia", "Russia", "quoted cheap, with political and security risk (" + _STORY + ")",
       cuts=(PowerCuts(rate_per_year=1.0, mean_duration_days=2.0, source="assumption"),),
       seizure=(Seizure(probability_per_year=0.05, share_lost=1.0, source="assumption"),)),
    _r("Kazakhstan", "Kazakhstan", "under 0.03 USD/kWh (4story-gold, Jan 2020)",
       cuts=(PowerCuts(rate_per_year=1.0, mean_duration_days=2.0, source="assumption"),),
       seizure=(Seizure(probability_per_year=0.02, share_lost=1.0, source="assumption"),)),
    _r("Iran", "Iran", "subsidised tariffs; the 2019 miner tariff (eghtesadonline)",
       cuts=(PowerCuts(rate_per_year=2.0, mean_duration_days=3.0, source="assumption"),),
       seizure=(Seizure(probability_per_year=0.05, share_lost=1.0,
                        source="assumption: confiscation of unlicensed farms"),)),
    _r("Other", "", "no default risks: give them in the sites file"),
])


def region(name: str, *, field: str = "region") -> Region:
    """Return the known region called ``name`` (case-insensitive).

    Raises
    ------
    InputError
        For an unknown region, listing the known ones.

    """
    key = name.strip().lower()
    if key not in REGIONS:
        known = ", ".join(r.name for r in REGIONS.values())
        raise InputError(f"unknown region {name!r}; known: {known}", field=field)
    return REGIONS[key]
