"""Risk events of a site as stochastic processes: power cuts, fines, seizure or theft.

Each risk is a frozen pydantic model with the parameters of a simple process
and a ``source`` note (a URL, the seed story, or ``"assumption: ..."``):

* :class:`PowerCuts`: cuts arrive as a Poisson process of ``rate_per_year``;
  each lasts a random time of mean ``mean_duration_days`` (exponential or
  fixed); an optional ``start``/``end`` window makes it a dated campaign
  (an inspection drive from 5 November 2018, say).
* :class:`Fines`: a fine of ``amount_per_machine`` falls on the installed
  machines with ``probability_per_year``.
* :class:`Seizure`: with ``probability_per_year`` the site loses ``share_lost``
  of its machines (seized, or stolen by masked men).

Expected losses are in :mod:`hashwinter.sites.expected`; samples for a Monte
Carlo in :func:`sample_cut_days`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hashwinter.ranges import bounded
from hashwinter.units import JULIAN_YEAR_DAYS

__all__ = ["Fines", "PowerCuts", "Seizure", "SiteRisks", "sample_cut_days"]


class _Risk(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(default="assumption", min_length=1)


class PowerCuts(_Risk):
    """Power cuts as a Poisson process, optionally confined to a dated campaign.

    Attributes
    ----------
    rate_per_year : float
        Expected cuts per year while the process is active. [1/year]
    mean_duration_days : float
        Mean length of one cut. [days]
    duration : {"exponential", "fixed"}
        Distribution of a cut's length (the mean is all an expectation needs).
    start, end : datetime.date or None
        The campaign's first and last day (None: open-ended).
    source : str
        Where the figures come from, or ``"assumption: ..."``.

    """

    rate_per_year: bounded("event_rate_per_year")  # type: ignore[valid-type]
    mean_duration_days: bounded("event_duration_days")  # type: ignore[valid-type]
    duration: Literal["exponential", "fixed"] = "exponential"
    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _window(self) -> PowerCuts:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def active_days(self, days: npt.NDArray[np.datetime64]) -> npt.NDArray[np.bool_]:
        """Return which of ``days`` (datetime64[D]) fall inside the campaign window."""
        d = np.asarray(days, dtype="datetime64[D]")
        mask = np.ones(d.shape, dtype=bool)
        if self.start is not None:
            mask &= d >= np.datetime64(self.start, "D")
        if self.end is not None:
            mask &= d <= np.datetime64(self.end, "D")
        return mask


class Fines(_Risk):
    """Fines for the declared use of power (or any other reason), per installed machine.

    Attributes
    ----------
    probability_per_year : float
        Chance that a fine falls within a year. [fraction]
    amount_per_machine : float
        Fine per installed machine when it falls. [farm currency/machine]

    """

    probability_per_year: bounded("fraction")  # type: ignore[valid-type]
    amount_per_machine: bounded("machine_price")  # type: ignore[valid-type]


class Seizure(_Risk):
    """Seizure or theft: a share of the site's machines is lost at once.

    Attributes
    ----------
    probability_per_year : float
        Chance of one such event within a year. [fraction]
    share_lost : float
        Share of the installed machines lost when it happens. [fraction]

    """

    probability_per_year: bounded("fraction")  # type: ignore[valid-type]
    share_lost: bounded("fraction") = 1.0  # type: ignore[valid-type]


class SiteRisks(BaseModel):
    """Every risk process of one site (each list may be empty).

    Attributes
    ----------
    power_cuts : list of PowerCuts
    fines : list of Fines
    seizure : list of Seizure

    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    power_cuts: tuple[PowerCuts, ...] = ()
    fines: tuple[Fines, ...] = ()
    seizure: tuple[Seizure, ...] = ()


def sample_cut_days(
    cuts: PowerCuts,
    days: npt.NDArray[np.datetime64],
    n_paths: int,
    rng: np.random.Generator,
) -> npt.NDArray[np.float64]:
    """Sample which days a site is cut off, for a Monte Carlo.

    Cuts start on each active day with probability ``rate_per_year / 365.25``
    (a daily Bernoulli approximation of the Poisson process) and last a sampled
    number of days (exponential of mean ``mean_duration_days``, or exactly it),
    rounded to whole days (at least one).

    Parameters
    ----------
    cuts : PowerCuts
        The process.
    days : ndarray of datetime64[D], shape (D,)
        Consecutive days.
    n_paths : int
        Paths to sample.
    rng : numpy.random.Generator
        Random source.

    Returns
    -------
    ndarray, shape (n_paths, D)
        1.0 on days the site is cut off, else 0.0. [dimensionless]

    """
    d = np.asarray(days, dtype="datetime64[D]")
    n_days = d.size
    active = cuts.active_days(d)
    p_start = min(cuts.rate_per_year / JULIAN_YEAR_DAYS, 1.0)
    starts = (rng.random((n_paths, n_days)) < p_start) & active[None, :]
    if cuts.duration == "exponential":
        lengths = rng.exponential(cuts.mean_duration_days, (n_paths, n_days))
    else:
        lengths = np.full((n_paths, n_days), cuts.mean_duration_days)
    whole = np.where(starts, np.maximum(np.rint(lengths), 1), 0).astype(np.int64)
    # A day is cut when some start s <= day < s + length: the running maximum
    # of each start's end day (s + length) beats the day index.
    idx = np.arange(n_days)
    ends = np.where(starts, idx[None, :] + whole, -1)
    reach = np.maximum.accumulate(ends, axis=1)
    return (reach > idx[None, :]).astype(np.float64)
