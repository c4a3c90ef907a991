"""A hosting contract's P&L, one row per owner (host and client side by side).

Read from the daily owner ledger (:meth:`hashwinter.engine.Ledger.owner_frame`),
whose labelled transfer columns (``hosting_power_billed_<ccy>`` …) are each
owner's received minus paid. The host's side: power billed, less the utility
bill it pays, the management fee, the output share, less SLA credits and the
buy-back; the client's side is the same flows with the opposite sign, next to
its coins mined at the day's price. The outage fund is ``outage_fund_share`` of
the fees the host received (billed power above the utility bill, the management
fee and the output share), less the credits paid from it.
"""

from __future__ import annotations

import pandas as pd

from hashwinter.farm.hosting import FLOW_LABELS

__all__ = ["HOSTING_COLUMNS", "hosting_pnl"]

#: The P&L's columns besides ``owner`` (each ``<name>_<ccy>``), in order.
HOSTING_COLUMNS = ("mined_revenue", "power_billed", "power_utility", "management_fee",
                   "output_share", "sla_credit", "buy_back", "contract_net", "outage_fund")


def hosting_pnl(owners: pd.DataFrame, outage_fund_share: float = 0.0) -> pd.DataFrame | None:
    """Return each owner's contract flows over the run (None without a hosting contract).

    Parameters
    ----------
    owners : pandas.DataFrame
        Daily owner ledger of one variant and path (``owner``, ``<label>_<ccy>``,
        ``coins_mined_<coin>``, ``price_<ccy>_per_<coin>``).
    outage_fund_share : float, default 0
        Share of the host's fees set aside. [fraction]

    Returns
    -------
    pandas.DataFrame or None
        One row per owner; money columns ``<name>_<ccy>`` (received > 0, paid
        < 0) [currency]; ``contract_net`` is their sum; ``outage_fund`` is the
        fund at the end (the host's row; 0 for others).

    """
    ccy, coin = str(owners.attrs["currency"]).lower(), str(owners.attrs["coin"]).lower()
    cols = [f"{label}_{ccy}" for label in FLOW_LABELS]
    if not all(c in owners for c in cols):
        return None
    revenue = owners[f"coins_mined_{coin}"] * owners[f"price_{ccy}_per_{coin}"]
    frame = owners.assign(mined_revenue=revenue)
    sums = frame.groupby("owner", sort=False)[["mined_revenue", *cols]].sum()
    out = pd.DataFrame({"owner": sums.index})
    out[f"mined_revenue_{ccy}"] = sums["mined_revenue"].to_numpy()
    for name, col in zip(HOSTING_COLUMNS[1:7], cols, strict=True):
        out[f"{name}_{ccy}"] = sums[col].to_numpy()
    out[f"contract_net_{ccy}"] = sums[cols].sum(axis=1).to_numpy()
    fees = (out[f"power_billed_{ccy}"] + out[f"power_utility_{ccy}"]
            + out[f"management_fee_{ccy}"] + out[f"output_share_{ccy}"])
    host = fees > 0
    out[f"outage_fund_{ccy}"] = ((outage_fund_share * fees + out[f"sla_credit_{ccy}"])
                                 .where(host, 0.0))
    out.attrs.update(owners.attrs)
    return out
