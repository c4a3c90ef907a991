"""The treasury: what an owner does with mined coins, and what happens when cash runs out.

Each step, per owner (arrays shaped ``(V, P, O)``):

1. mined coins enter the coin balance;
2. planned sales: ``(1 - hodl_ratio)`` of the mined coins, or, when
   ``sell_to_cover`` is set, at least enough coins to pay the step's operating
   costs (power and per-machine fees); never more than the coins held;
3. cash receives the sales and pays operating costs, purchases (capex) and
   fixed costs;
4. if cash is negative, coins are sold to cover the gap (forced sales);
5. if cash is still negative the owner is **broke**: from the next step all its
   machines are off and it buys nothing more; contractual costs (fixed costs,
   hosting) keep accruing as debt.

Sales happen at the step's coin price. Everything is a pure function of arrays.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
import numpy.typing as npt

from hashwinter.engine.variants import (
    as_variant_array,
    count_variants,
    take_variants,
    to_engine_axis,
)
from hashwinter.errors import InputError

__all__ = ["BROKE_TOLERANCE", "OwnerTreasury", "Treasury", "TreasuryStep", "treasury_step"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Cash below minus half a cent counts as unpaid (rounding never makes a farm broke). [currency]
BROKE_TOLERANCE = 0.005


@dataclasses.dataclass(frozen=True)
class Treasury:
    """Coin-sale rules, one value or one per variant.

    Attributes
    ----------
    hodl_ratio : ndarray (V|1,)
        Share of mined coins kept (0: sell everything daily; 1: keep everything).
        [fraction]
    sell_to_cover : ndarray of bool (V|1,)
        Also sell enough coins each step to pay that step's power and fees.

    """

    hodl_ratio: npt.NDArray[np.float64]
    sell_to_cover: npt.NDArray[np.bool_]

    def __init__(self, hodl_ratio: npt.ArrayLike = 0.0, sell_to_cover: npt.ArrayLike = False):
        hodl = as_variant_array(hodl_ratio, "treasury.hodl_ratio")
        if np.any((hodl < 0) | (hodl > 1)) or not np.all(np.isfinite(hodl)):
            raise InputError("must be between 0 and 1", field="treasury.hodl_ratio")
        object.__setattr__(self, "hodl_ratio", hodl)
        object.__setattr__(self, "sell_to_cover",
                           as_variant_array(sell_to_cover, "treasury.sell_to_cover", bool))
        count_variants({"hodl_ratio": hodl, "sell_to_cover": self.sell_to_cover})

    @classmethod
    def from_strategy(
        cls, strategy: Literal["sell_daily", "hodl", "sell_to_cover"], hodl_ratio: float = 1.0
    ) -> Treasury:
        """Return the treasury of a named strategy.

        ``sell_daily``: sell every mined coin the day it is mined; ``hodl``: keep
        ``hodl_ratio`` of the coins and sell the rest; ``sell_to_cover``: keep
        coins, selling only what pays the power bill and the fees.
        """
        if strategy == "sell_daily":
            return cls(0.0, False)
        if strategy == "hodl":
            return cls(hodl_ratio, False)
        if strategy == "sell_to_cover":
            return cls(1.0, True)
        raise InputError(f"unknown strategy {strategy!r}", field="treasury.strategy")

    @property
    def n_variants(self) -> int:
        """Number of variants ``V``."""
        return count_variants({"hodl_ratio": self.hodl_ratio, "cover": self.sell_to_cover})

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> Treasury:
        """Return the treasury restricted to some variants."""
        return take_variants(self, sel)

    def sale_rules(self) -> tuple[FloatArray, BoolArray]:
        """Return ``(hodl_ratio, sell_to_cover)`` broadcastable to the engine's (V, P, O)."""
        return to_engine_axis(self.hodl_ratio), to_engine_axis(self.sell_to_cover)


@dataclasses.dataclass(frozen=True, init=False)
class OwnerTreasury(Treasury):
    """Coin-sale rules per owner: each owner keeps its own habit in every variant.

    A network of farms where some hodl, some sell to cover their power bill and the
    rest sell daily (network.habits) is one run: the rules are arrays over the
    owner axis, the same for all variants.

    Attributes
    ----------
    hodl_ratio : ndarray (O,)
        Share of mined coins each owner keeps. [fraction]
    sell_to_cover : ndarray of bool (O,)
        Owners that also sell enough coins each step to pay that step's power and fees.

    """

    def __init__(self, hodl_ratio: npt.ArrayLike, sell_to_cover: npt.ArrayLike):
        hodl = np.asarray(hodl_ratio, dtype=np.float64)
        cover = np.asarray(sell_to_cover, dtype=bool)
        if hodl.ndim != 1 or cover.shape != hodl.shape:
            raise InputError(f"hodl_ratio and sell_to_cover must be 1-d per owner, of one "
                             f"length (got {hodl.shape} and {cover.shape})",
                             field="treasury.hodl_ratio")
        if np.any((hodl < 0) | (hodl > 1)) or not np.all(np.isfinite(hodl)):
            raise InputError("must be between 0 and 1", field="treasury.hodl_ratio")
        object.__setattr__(self, "hodl_ratio", hodl)
        object.__setattr__(self, "sell_to_cover", cover)

    @property
    def n_variants(self) -> int:
        """Number of variants: 1 (the rules are per owner, shared by all variants)."""
        return 1

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> OwnerTreasury:
        """Return the same rules (they do not vary with the variant)."""
        return self

    def sale_rules(self) -> tuple[FloatArray, BoolArray]:
        """Return the owners' rules shaped (1, 1, O)."""
        return self.hodl_ratio[None, None, :], self.sell_to_cover[None, None, :]


@dataclasses.dataclass(frozen=True)
class TreasuryStep:
    """Result of one treasury step, arrays shaped (V, P, O).

    Attributes
    ----------
    cash, coins : ndarray
        Balances at the end of the step. [currency], [coin]
    sold, forced_sold : ndarray
        Coins sold as planned, and sold because cash ran out. [coin]
    proceeds, forced_proceeds : ndarray
        Cash received for them. [currency]
    broke_now : ndarray of bool
        Owners that could not pay in this step (and were alive before it).
    coins_bought : ndarray or None
        Coins bought at the step's price because coins owed (by the position
        book) exceeded the coins held; None when nothing can be owed. [coin]

    """

    cash: FloatArray
    coins: FloatArray
    sold: FloatArray
    forced_sold: FloatArray
    proceeds: FloatArray
    forced_proceeds: FloatArray
    broke_now: BoolArray
    coins_bought: FloatArray | None = None


def treasury_step(
    treasury: Treasury,
    *,
    cash: FloatArray,
    coins: FloatArray,
    alive: BoolArray,
    mined: FloatArray,
    operating_cost: FloatArray,
    other_cost: FloatArray,
    price: FloatArray,
    coins_in: FloatArray | None = None,
) -> TreasuryStep:
    """Apply one step of the treasury rules (see the module docstring).

    Parameters
    ----------
    treasury : Treasury
        Sale rules (variant axis first).
    cash, coins : ndarray (V, P, O)
        Balances at the start of the step. [currency], [coin]
    alive : ndarray of bool (V, P, O)
        Owners not yet broke.
    mined : ndarray (V, P, O)
        Coins mined in the step, after pool fee. [coin]
    operating_cost : ndarray (V, P, O)
        Power, management and hosting fees, restart costs of the step. [currency]
    other_cost : ndarray (V, P, O)
        Purchases and fixed costs of the step. [currency]
    price : ndarray (1, P, 1)
        Coin price at which the step's sales happen (> 0). [currency/coin]
    coins_in : ndarray (V, P, O), optional
        Coins received (> 0) or owed (< 0) other than mined ones (the position
        book). Owed coins beyond those held are bought at ``price``. [coin]

    Returns
    -------
    TreasuryStep

    """
    hodl, cover = treasury.sale_rules()
    held = coins + mined
    bought = None
    if coins_in is not None:
        held = held + coins_in
        bought = np.maximum(-held, 0.0)
        held = held + bought
        other_cost = other_cost + bought * price
    planned = (1.0 - hodl) * mined
    if cover.any():
        planned = np.where(cover, np.maximum(planned, operating_cost / price), planned)
    sold = np.minimum(planned, held)
    held = held - sold
    proceeds = sold * price
    after = cash + proceeds - operating_cost - other_cost
    short = np.maximum(-after, 0.0)
    forced = np.minimum(held, short / price)
    forced_proceeds = forced * price
    # Selling exactly the shortfall may leave -1e-9 of rounding: the tolerance absorbs it.
    final_cash = after + forced_proceeds
    broke_now = alive & (final_cash < -BROKE_TOLERANCE)
    return TreasuryStep(
        cash=final_cash,
        coins=held - forced,
        sold=sold,
        forced_sold=forced,
        proceeds=proceeds,
        forced_proceeds=forced_proceeds,
        broke_now=broke_now,
        coins_bought=bought,
    )
