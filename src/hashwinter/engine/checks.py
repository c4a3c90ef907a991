"""Conservation checks that run with every engine run.

* Coins: in every step and path, the coins the cohorts mined (after pool fee)
  never exceed the network's issuance in that step times the cohorts' share of
  the network hashrate, and that share never exceeds 1.
* Cash: each owner's closing cash equals opening cash plus the sum of its flows
  (sales in, costs and purchases out) to the cent.
* Coin balance: closing coins equal opening coins plus mined minus sold plus
  what the position book paid in coins, to the satoshi.
* Machines: in every (variant, path, cohort) the machines held at the end equal
  those at the start plus planned installs plus bought minus sold minus
  scrapped plus moved in minus moved out; moves neither create nor lose
  machines (moved out = moved in over all cohorts, every step); no count is
  negative.
* Transfers between owners sum to zero in every step.

A failed check is a bug (or, for the share, an impossible input such as a
farm larger than the historical network): it raises :class:`ConservationError`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from hashwinter.engine.step import RunMeta, StepData
from hashwinter.units import SATOSHI_PER_COIN

__all__ = [
    "CASH_TOLERANCE",
    "COIN_TOLERANCE",
    "COUNT_TOLERANCE",
    "ConservationError",
    "ConservationReport",
]

FloatArray = npt.NDArray[np.float64]

#: Half a cent: "to the cent". [currency]
CASH_TOLERANCE = 0.005
#: Half a satoshi. [coin]
COIN_TOLERANCE = 0.5 / SATOSHI_PER_COIN
#: Relative slack for the issuance bound (float rounding only).
_REL = 1e-9
#: Machine counts are floats (fractional moves are allowed): rounding only. [machines]
COUNT_TOLERANCE = 1e-6


class ConservationError(RuntimeError):
    """A conservation law of the engine did not hold."""


@dataclasses.dataclass(frozen=True)
class ConservationReport:
    """Largest deviations seen by the checks (all within tolerance if the run returned).

    Attributes
    ----------
    max_share : float
        Largest hashrate share of the run's cohorts in the network. [fraction]
    max_excess_coins : float
        Largest excess of mined coins over issuance × share (<= 0 when fine). [coin]
    max_cash_error : float
        Largest |cash - (opening + flows)|. [currency]
    max_coin_error : float
        Largest |coins - (opening + mined - sold + book coins)|. [coin]
    max_count_error : float
        Largest |machines held - (start + installs + bought - sold - scrapped
        ± moved)|. [machines]
    enabled : bool
        Whether the checks ran.

    """

    max_share: float
    max_excess_coins: float
    max_cash_error: float
    max_coin_error: float
    enabled: bool = True
    max_count_error: float = 0.0


class ConservationChecker:
    """Accumulates the checks step by step (cheap: owner-level arrays only)."""

    def __init__(self, meta: RunMeta, *, enabled: bool = True) -> None:
        self.meta = meta
        self.enabled = enabled
        shape = meta.owner_shape
        self.cash_flows = np.zeros(shape)
        self.coin_flows = np.zeros(shape)
        self.max_share = 0.0
        self.max_excess = -np.inf
        installed = meta.cohorts.installed(meta.clock.n_steps)
        self.count_start = installed[0]
        # Planned installs (and the end of the plan) come from the static fleet.
        self.count_planned = installed[-1] - installed[0]
        self.count_flows: FloatArray | None = None

    def record(self, data: StepData, farm_hashrate: FloatArray) -> None:
        """Check one step's coins against issuance, and accumulate the flows."""
        if not self.enabled:
            return
        net = data.network
        network = np.broadcast_to(net.network_hashrate, np.shape(farm_hashrate))
        # A network with no hashrate (everyone unplugged) finds no blocks: share 0.
        share = np.divide(farm_hashrate, network, out=np.zeros(np.shape(farm_hashrate)),
                          where=network > 0)
        mined = data.mined.sum(axis=-1)
        bound = net.issuance * share
        excess = mined - bound
        self.max_share = max(self.max_share, float(np.max(share)))
        self.max_excess = max(self.max_excess, float(np.max(excess)))
        violated = bool(np.any(excess > _REL * bound + 1e-12))
        if self.max_share > 1 + _REL:
            where = np.unravel_index(int(np.argmax(share)), np.shape(share))
            day = self.meta.clock.dates[data.day]
            raise ConservationError(
                f"on {day} the cohorts hold {float(np.max(share)):.3g} of the network hashrate "
                f"(variant, path {tuple(int(i) for i in where)}): more than the whole network"
            )
        if violated:
            raise ConservationError(
                f"step {data.step}: cohorts mined {self.max_excess:.3g} coins more than "
                "issuance times their hashrate share"
            )
        tr = data.treasury
        self.cash_flows += (
            tr.proceeds + tr.forced_proceeds - data.operating_cost - data.machine_capex_owner
            - data.site_capex - data.fixed_costs
        )
        self.coin_flows += data.mined - tr.sold - tr.forced_sold
        if data.machine_sales is not None or data.transfers is not None or (
                data.instrument_cash is not None or tr.coins_bought is not None
                or data.other_coin_sales is not None):
            self.cash_flows += data.other_income
        if data.instrument_coins is not None:
            self.coin_flows += data.instrument_coins
        if data.coin_transfers is not None:
            self.coin_flows += data.coin_transfers
            imbalance = float(np.max(np.abs(data.coin_transfers.sum(axis=-1))))
            if imbalance > 1e-9 * max(1.0, float(np.max(np.abs(data.coin_transfers)))):
                raise ConservationError(f"on step {data.step} coin transfers between owners "
                                        f"do not net to zero (off by {imbalance:.3g})")
        if tr.coins_bought is not None:
            self.coin_flows += tr.coins_bought
        if data.transfers is not None:
            imbalance = float(np.max(np.abs(data.transfers.sum(axis=-1))))
            if imbalance > CASH_TOLERANCE:
                raise ConservationError(f"step {data.step}: transfers between owners do not "
                                        f"sum to zero (off by {imbalance:.4f})")
        trades = data.trades
        if trades is not None:
            moved = trades.moved_out.sum(axis=-1) - trades.moved_in.sum(axis=-1)
            if float(np.max(np.abs(moved))) > COUNT_TOLERANCE:
                raise ConservationError(f"step {data.step}: moves created or lost machines")
            change = (trades.bought - trades.sold - trades.scrapped + trades.moved_in
                      - trades.moved_out)
            self.count_flows = (change if self.count_flows is None
                                else self.count_flows + change)
            if float(np.min(data.installed)) < -COUNT_TOLERANCE:
                raise ConservationError(f"step {data.step}: a cohort holds a negative count")

    def finish(self, cash: FloatArray, coins: FloatArray,
               held: FloatArray | None = None) -> ConservationReport:
        """Compare closing balances (and machines held) with opening values plus flows."""
        if not self.enabled:
            return ConservationReport(0.0, 0.0, 0.0, 0.0, enabled=False)
        count_error = 0.0
        if held is not None:
            expected = self.count_start + self.count_planned
            if self.count_flows is not None:
                expected = expected + self.count_flows
            count_error = float(np.max(np.abs(held - expected)))
            if count_error > COUNT_TOLERANCE:
                raise ConservationError(
                    f"machines held differ from bought - sold - scrapped ± moved by "
                    f"{count_error:.3g}")
        cash_error = float(np.max(np.abs(cash - (self.meta.starting_cash + self.cash_flows))))
        coin_error = float(np.max(np.abs(coins - (self.meta.starting_coins + self.coin_flows))))
        if cash_error > CASH_TOLERANCE:
            raise ConservationError(f"cash differs from the sum of its flows by {cash_error:.4f}")
        if coin_error > COIN_TOLERANCE:
            raise ConservationError(f"coins differ from mined minus sold by {coin_error:.3g}")
        return ConservationReport(
            max_share=self.max_share,
            max_excess_coins=self.max_excess,
            max_cash_error=cash_error,
            max_coin_error=coin_error,
            max_count_error=count_error,
        )
