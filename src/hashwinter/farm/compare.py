"""Follow the plan against stay put: the two legs of a backtest side by side.

Both legs are the same farm on the same history; the stay-put leg is the farm
with every plan's ``follow`` set to 0 (:func:`hashwinter.farm.follow_plan.stay_put_farm`),
so its cohorts, curtailment and dated events are the plan leg's and only the
moves differ. Downtime is counted in machine-days on the road (held, not running).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["comparison_rows", "transit_machine_days"]


def transit_machine_days(cohorts: pd.DataFrame, in_transit: np.ndarray, labels: tuple[str, ...]
                         ) -> float:
    """Return the machine-days spent on the road (cohorts of ``in_transit``). [machine-days].

    Parameters
    ----------
    cohorts : pandas.DataFrame
        A backtest's daily cohort ledger (``cohort``, ``installed_machines``).
    in_transit : ndarray of bool (C,)
        Cohorts that hold machines on the road.
    labels : tuple of str
        Cohort labels, in the order of ``in_transit``.

    """
    road = {label for label, t in zip(labels, in_transit, strict=True) if t}
    if not road:
        return 0.0
    return float(cohorts.loc[cohorts["cohort"].isin(road), "installed_machines"].sum())


def comparison_rows(follow: dict[str, float], stay: dict[str, float]) -> pd.DataFrame:
    """Return one row per figure: ``figure``, ``follow_plan``, ``stay_put``, ``difference``.

    ``follow`` and ``stay`` map a figure's name to its value (the same keys).
    """
    names = list(follow)
    a = np.array([follow[n] for n in names], dtype=np.float64)
    b = np.array([stay[n] for n in names], dtype=np.float64)
    return pd.DataFrame({"figure": names, "follow_plan": a, "stay_put": b, "difference": a - b})
