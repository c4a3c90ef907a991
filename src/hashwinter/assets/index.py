"""A used-machine price index by efficiency tier, in currency per TH/s and coins per TH/s.

Public ASIC price indices group machines by efficiency: today's tiers are
< 25, 25-38, 38-68 and > 68 J/TH. In 2018 most machines in use sat above 68
(the Antminer S9 at ~98 J/TH) and the best 2018 releases reached ~45, so the
2018 default has its own tiers (:data:`TIERS_2018`). The index of a tier on a
date is the median market price per TH/s of the catalog models in the tier
that were released by that date (models without a release date are left out);
dividing by the coin price gives coins per TH/s.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hashwinter.assets.market import market_values
from hashwinter.assets.params import ValuationParams
from hashwinter.errors import InputError
from hashwinter.hardware import Machine
from hashwinter.units import TERA

__all__ = ["TIERS_2018", "TIERS_PUBLIC", "Tier", "default_tiers", "price_index", "tiers_from"]


@dataclasses.dataclass(frozen=True)
class Tier:
    """Machines with ``low <= J/TH < high``."""

    low: float
    high: float

    @property
    def label(self) -> str:
        """``"< 25 J/TH"``, ``"25-38 J/TH"`` or ``"> 68 J/TH"``."""
        if self.low <= 0:
            return f"< {self.high:g} J/TH"
        if not np.isfinite(self.high):
            return f"> {self.low:g} J/TH"
        return f"{self.low:g}-{self.high:g} J/TH"


def tiers_from(bounds: Sequence[float]) -> tuple[Tier, ...]:
    """Return the tiers between increasing ``bounds`` (e.g. ``[25, 38, 68]`` gives four)."""
    edges = [float(b) for b in bounds]
    if not edges or any(b <= 0 or not np.isfinite(b) for b in edges) or edges != sorted(set(edges)):
        raise InputError(f"must be increasing positive J/TH bounds (got {list(bounds)})",
                         field="tiers")
    cuts = [0.0, *edges, float("inf")]
    return tuple(Tier(lo, hi) for lo, hi in itertools.pairwise(cuts))


#: The public indices' tiers (2020s). [J/TH]
TIERS_PUBLIC = tiers_from([25, 38, 68])
#: 2018 tiers: the new generation (S15, T15: ~45-65), the S9 class (~95-105), the
#: previous generation (T9+, A741, M3: ~130-170) and older machines (S7: ~270). [J/TH]
TIERS_2018 = tiers_from([70, 110, 200])


def default_tiers(first_date: pd.Timestamp) -> tuple[Tier, ...]:
    """Return the 2018 tiers for periods starting before 2020, the public ones after."""
    return TIERS_2018 if first_date < pd.Timestamp("2020-01-01") else TIERS_PUBLIC


def price_index(
    machines: Sequence[Machine],
    inputs: pd.DataFrame,
    params: ValuationParams,
    tiers: Sequence[Tier] | None = None,
) -> pd.DataFrame:
    """Return the tier index on every date of ``inputs``, as a tidy frame.

    Parameters
    ----------
    machines : sequence of Machine
        Candidate models (e.g. the catalog's SHA-256 ASICs).
    inputs : pandas.DataFrame
        Dates from :func:`hashwinter.assets.inputs.valuation_inputs`.
    params : ValuationParams
        The buyer's assumptions.
    tiers : sequence of Tier, optional
        Default :func:`default_tiers` of the first date.

    Returns
    -------
    pandas.DataFrame
        Columns ``date``, ``tier``, ``models`` (released by the date), ``price_per_th``
        [currency/(TH/s)], ``coins_per_th`` [coin/(TH/s)], ``median_j_th``.

    """
    dated = [m for m in machines if m.release is not None]
    if not dated:
        raise InputError("no machine with a release date", field="machines")
    if len(inputs) == 0:
        raise InputError("no dates", field="inputs")
    tiers = tuple(tiers) if tiers is not None else default_tiers(inputs.index[0])
    values = market_values(dated, inputs, params)  # (M, N)
    th = np.array([m.hashrate / TERA for m in dated])
    j_th = np.array([m.power / (m.hashrate / TERA) for m in dated])
    per_th = values / th[:, None]
    release = np.array([np.datetime64(m.release, "D") for m in dated])
    days = inputs.index.values.astype("datetime64[D]")
    out_by_date = release[:, None] <= days[None, :]  # (M, N) released by then
    price = inputs["price"].to_numpy(np.float64)
    frames = []
    for tier in tiers:
        in_tier = ((j_th >= tier.low) & (j_th < tier.high))[:, None] & out_by_date
        counts = in_tier.sum(axis=0)
        masked = np.where(in_tier, per_th, np.nan)
        with np.errstate(all="ignore"):
            median = np.full(len(days), np.nan)
            has = counts > 0
            median[has] = np.nanmedian(masked[:, has], axis=0)
            eff = np.full(len(days), np.nan)
            eff[has] = np.nanmedian(np.where(in_tier, j_th[:, None], np.nan)[:, has], axis=0)
        frames.append(pd.DataFrame({
            "date": inputs.index, "tier": tier.label, "models": counts,
            "price_per_th": median, "coins_per_th": median / price, "median_j_th": eff,
        }))
    return pd.concat(frames, ignore_index=True)
