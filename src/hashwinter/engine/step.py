"""What one engine step hands to the recorders, and what a recorder is."""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from hashwinter.engine.clock import Clock
from hashwinter.engine.cohorts import Cohorts
from hashwinter.engine.network import NetworkStep
from hashwinter.engine.treasury import TreasuryStep

__all__ = ["Recorder", "RunMeta", "StepData", "TradeStep"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclasses.dataclass(frozen=True)
class RunMeta:
    """Shape and labels of a run, given to recorders before the first step.

    Attributes
    ----------
    clock : Clock
        Days and steps.
    cohorts : Cohorts
        The machines.
    owner_names : tuple of str
        Owners.
    n_variants, n_paths : int
        ``V`` and ``P``.
    currency, coin : str
        Units of money and coins.
    starting_cash, starting_coins : ndarray (O,)
        Opening balances.

    """

    clock: Clock
    cohorts: Cohorts
    owner_names: tuple[str, ...]
    n_variants: int
    n_paths: int
    currency: str
    coin: str
    starting_cash: FloatArray
    starting_coins: FloatArray
    instruments: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(V, P, C)``."""
        return (self.n_variants, self.n_paths, self.cohorts.n)

    @property
    def owner_shape(self) -> tuple[int, int, int]:
        """``(V, P, O)``."""
        return (self.n_variants, self.n_paths, len(self.owner_names))


@dataclasses.dataclass(frozen=True)
class TradeStep:
    """Machine trades done in one step (after clipping), arrays (V, P, C).

    Attributes
    ----------
    bought, sold, scrapped, moved_in, moved_out : ndarray
        Machines. [machines]
    buy_cost, sale_proceeds, scrap_proceeds, move_cost : ndarray
        What they cost or fetched (move cost at the source cohort). [currency]

    """

    bought: FloatArray
    sold: FloatArray
    scrapped: FloatArray
    moved_in: FloatArray
    moved_out: FloatArray
    buy_cost: FloatArray
    sale_proceeds: FloatArray
    scrap_proceeds: FloatArray
    move_cost: FloatArray


@dataclasses.dataclass(frozen=True)
class StepData:
    """The flows of one step. Cohort arrays broadcast to (V, P, C), owner arrays are (V, P, O).

    Attributes
    ----------
    step, day : int
        Step and day index.
    price : ndarray (P,)
        Coin price of the step (sales happen at it). [currency/coin]
    network : NetworkStep
        Reward per hash, issuance, network hashrate, difficulty.
    installed : ndarray (C,) or (V, P, C)
        Machines held after the step's trades. [machines]
    running : ndarray (V, P, C)
        Machines running. [machines]
    coins : ndarray (V, P, C)
        Coins mined, after pool fee. [coin]
    pool_share : ndarray (C,)
        Pool fee over the miner's share, ``f / (1 - f)``. [dimensionless]
    energy_per_machine : ndarray (C,)
        Energy one running machine draws in the step, PUE and uptime included. [kWh]
    power_per_machine : ndarray (V|1, 1, C)
        Power cost of one running machine in the step (tariff scale included). [currency]
    management_per_machine : ndarray (C,)
        Management fee of one running machine in the step. [currency]
    restart_cost : ndarray (V, P, C)
        Cost of machines switched back on in the step. [currency]
    hosting_fee : ndarray (C,) or (V, P, C)
        Slot rent of installed machines. [currency]
    machine_capex : ndarray (V, P, C)
        Machine purchases paid in the step (planned purchases and the policies'). [currency]
    cost_per_machine : ndarray (V|1, 1, C)
        Avoidable cost of one running machine in the step. [currency/machine]
    coins_per_machine : ndarray (V|1, P, C)
        Coins one running machine earned in the step. [coin/machine]
    mined, operating_cost, site_capex, fixed_costs : ndarray (V, P, O)
        Owner totals of the step. [coin], [currency]
    treasury : TreasuryStep
        Sales and balances at the end of the step.
    alive : ndarray of bool (V, P, O)
        Owners still solvent after the step.
    trades : TradeStep or None
        Machine trades of the policies (None on the on/off-only fast path).
    machine_sales : ndarray (V, P, O) or None
        Cash from machines sold and scrapped. [currency]
    transfers : ndarray (V, P, O) or None
        Cash received from other owners minus cash paid to them. [currency]
    instrument_cash, instrument_coins : ndarray (V, P, O) or None
        What the position book paid the owner. [currency], [coin]
    positions, margin : ndarray (V, P, O, I) or None
        Quantity held per instrument after the step [coin] and the margin held
        against it [currency].
    other_coin_revenue : ndarray (V, P, C) or None
        Coins of the other coins of the axis mined by each cohort, sold in the
        step at their price. [currency]
    other_coin_sales : ndarray (V, P, O) or None
        The same per owner. [currency]
    coins_bought : ndarray (V, P, O) or None
        Coins bought at the step's price to deliver what the book owed. [coin]
    labelled_transfers : dict of str to ndarray (V, P, O) or None
        The part of ``transfers`` of each label (received - paid), coin transfers
        valued at the step's price. [currency]
    coin_transfers : ndarray (V, P, O) or None
        Coins received from other owners minus coins paid to them. [coin]

    """

    step: int
    day: int
    price: FloatArray
    network: NetworkStep
    installed: FloatArray
    running: FloatArray
    coins: FloatArray
    pool_share: FloatArray
    energy_per_machine: FloatArray
    power_per_machine: FloatArray
    management_per_machine: FloatArray
    restart_cost: FloatArray
    hosting_fee: FloatArray
    machine_capex: FloatArray
    cost_per_machine: FloatArray
    coins_per_machine: FloatArray
    mined: FloatArray
    operating_cost: FloatArray
    machine_capex_owner: FloatArray
    site_capex: FloatArray
    fixed_costs: FloatArray
    treasury: TreasuryStep
    alive: BoolArray
    trades: TradeStep | None = None
    machine_sales: FloatArray | None = None
    transfers: FloatArray | None = None
    instrument_cash: FloatArray | None = None
    instrument_coins: FloatArray | None = None
    positions: FloatArray | None = None
    margin: FloatArray | None = None
    other_coin_revenue: FloatArray | None = None
    other_coin_sales: FloatArray | None = None
    labelled_transfers: dict[str, FloatArray] | None = None
    coin_transfers: FloatArray | None = None

    @property
    def other_income(self) -> FloatArray | float:
        """Cash from machine sales, transfers and the position book, (V, P, O) [currency]."""
        total: FloatArray | float = 0.0
        for part in (self.machine_sales, self.transfers, self.instrument_cash,
                     self.other_coin_sales):
            if part is not None:
                total = total + part
        if self.treasury.coins_bought is not None:
            total = total - self.treasury.coins_bought * self.price[None, :, None]
        return total

    @property
    def pool_fee_coins(self) -> FloatArray:
        """Coins kept by the pool, (V, P, C) [coin]."""
        return self.coins * self.pool_share

    @property
    def power_cost(self) -> FloatArray:
        """Power cost of the running machines, (V, P, C) [currency]."""
        return self.running * self.power_per_machine

    @property
    def management_fee(self) -> FloatArray:
        """Management fee of the running machines, (V, P, C) [currency]."""
        return self.running * self.management_per_machine

    @property
    def energy_kwh(self) -> FloatArray:
        """Energy drawn, site overhead included, (V, P, C) [kWh]."""
        return self.running * self.energy_per_machine


class Recorder(Protocol):
    """Keeps what a caller wants from a run (full ledger, totals, quantiles)."""

    def begin(self, meta: RunMeta) -> None:
        """Allocate storage for a run of this shape."""
        ...

    def record(self, data: StepData) -> None:
        """Keep what is needed of one step (arrays are not reused by the engine)."""
        ...

    def finish(self) -> Any:
        """Return the recorded result."""
        ...
