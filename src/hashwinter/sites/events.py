"""Dated historical events that cut a region's power (for backtests and plans over history).

A dated event is not a risk to average: it happened. Over a window that holds
it, a site in one of its regions is cut off from ``start`` for
``duration_days`` (:func:`event_downtime`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import numpy.typing as npt

__all__ = ["HISTORICAL_EVENTS", "HistoricalEvent", "event_downtime"]


@dataclasses.dataclass(frozen=True)
class HistoricalEvent:
    """A dated power cut that fell on whole regions.

    Attributes
    ----------
    name : str
    start : datetime.date
        First day of the cut.
    duration_days : int
        Days cut off. [days]
    regions : tuple of str
        Canonical region names (see :data:`hashwinter.sites.regions.REGIONS`).
    source : str
        Where it is reported; ``assumption`` marks figures the source lacks.

    """

    name: str
    start: dt.date
    duration_days: int
    regions: tuple[str, ...]
    source: str


#: The November 2018 inspection campaign. The seed story (Tencent Periscope,
#: December 2018, quoting the trade paper 'Cong Bao') reports that mines in
#: Guizhou and Xinjiang were ordered to cut power for rectification, the joint
#: enforcement starting on 5 November 2018 (../shared/seed/000_*.txt,
#: SYSTEM.md §4). The story gives no end date: the 14 days are an assumption.
INSPECTION_2018 = HistoricalEvent(
    name="inspection cuts, Guizhou and Xinjiang",
    start=dt.date(2018, 11, 5),
    duration_days=14,
    regions=("Guizhou", "Xinjiang"),
    source="seed story (Tencent Periscope, Dec 2018, quoting Cong Bao): cuts from 5 Nov 2018; "
           "duration 14 days: assumption",
)

#: Every built-in dated event.
HISTORICAL_EVENTS: tuple[HistoricalEvent, ...] = (INSPECTION_2018,)


def event_downtime(
    events: tuple[HistoricalEvent, ...], region: str, days: npt.NDArray[np.datetime64]
) -> npt.NDArray[np.float64]:
    """Return 1.0 on each of ``days`` a dated event cuts ``region`` off, else 0.0.

    Parameters
    ----------
    events : tuple of HistoricalEvent
        The events to apply.
    region : str
        Canonical region name (case-insensitive).
    days : ndarray of datetime64[D], shape (D,)
        Consecutive days.

    Returns
    -------
    ndarray, shape (D,)
        Cut-off indicator. [dimensionless]

    """
    d = np.asarray(days, dtype="datetime64[D]")
    cut = np.zeros(d.shape, dtype=bool)
    for event in events:  # a handful of events: a loop over them is fine
        if region.lower() not in {r.lower() for r in event.regions}:
            continue
        first = np.datetime64(event.start, "D")
        cut |= (d >= first) & (d < first + np.timedelta64(event.duration_days, "D"))
    return cut.astype(np.float64)
