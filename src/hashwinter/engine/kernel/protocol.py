"""How a policy offers a compiled step to the kernel (no numba import here).

A policy that can run on the compiled path implements :class:`CompiledPolicy`:
``compiled_step()`` returns a :class:`CompiledStep` — a numba-jitted function
that decides one cohort of one variant on one path, the policy's parameters as
a ``(V|1, K)`` float array, and the initial value of its own state per cell
(``(S,)`` floats, ``S`` may be 0). The kernel calls the function once per
(step, path, cohort, variant), innermost over variants, on one block of variants
of one path at a time:

.. code-block:: python

    on = function(params, state, j, c, on, revenue, cost, step_seconds)

with ``params`` the block's parameters, parameter-major ``(K, VB)`` (``params[k, j]``
is parameter ``k`` of the block's variant ``j``), ``state`` the block's state
``(S, C, VB)`` on this path (the function may update ``state[:, c, j]``), ``on``
whether the cohort ran in the previous step (or was switched on at the start of the
run), ``revenue`` and ``cost`` the expected revenue and avoidable cost of one running
machine in the step (``Observation.revenue_per_machine`` and ``cost_per_machine``)
and ``step_seconds`` the step length. It returns whether the cohort runs in the
step. The kernel compiles its loop around the function (the function inlines), so
write it without branches where you can: the loop over ``j`` then vectorizes.
``compiled_step()`` may return None when the policy cannot run compiled in its
present configuration; the run then takes the numpy path and says why.

Instruments offer :class:`CompiledContract` (terms and price tables) and a hedge
policy :class:`CompiledOrders` (what it shorts); the kernel's book settles them.
Trading rules (sell, scrap, buy) offer :class:`CompiledTrades` through
``compiled_trades()``; :func:`~hashwinter.engine.kernel.trade_plan.combine_trades` merges
a chain's parts and the kernel's trade cells (:mod:`~hashwinter.engine.kernel.trade_cells`)
apply them.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

__all__ = ["CompiledContract", "CompiledOrders", "CompiledPolicy", "CompiledStep",
           "CompiledTrades"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class CompiledStep:
    """A policy's compiled decision: function, parameters, initial state.

    Attributes
    ----------
    function : numba dispatcher
        ``(params, state, j, c, on, revenue, cost, step_seconds) -> bool`` (see
        the module docstring); jitted with ``numba.njit``.
    params : ndarray (V|1, K)
        Parameters per variant (one row shared by all variants when V is 1).
    initial_state : ndarray (S,)
        The policy's own state of every (path, cohort, variant) cell at the start.
    name : str
        What the run reports (e.g. ``"ShutdownPricePolicy"``).
    orders : CompiledOrders, optional
        The hedge policy after it in the chain (attached by
        :func:`~hashwinter.engine.kernel.support.compiled_plan`; None: no orders).
    contracts : tuple of CompiledContract
        The run's instruments (empty: no book).
    trades : CompiledTrades, optional
        The chain's machine trades (attached by ``compiled_plan``; None: a fixed fleet).

    """

    function: Any
    params: FloatArray
    initial_state: FloatArray
    name: str
    orders: CompiledOrders | None = None
    contracts: tuple[CompiledContract, ...] = ()
    trades: CompiledTrades | None = None

    def __post_init__(self) -> None:
        params = np.ascontiguousarray(np.asarray(self.params, dtype=np.float64))
        if params.ndim != 2:
            raise ValueError(f"params must be 2-d (variants, K), got shape {params.shape}")
        state = np.ascontiguousarray(np.asarray(self.initial_state, dtype=np.float64))
        if state.ndim != 1:
            raise ValueError(f"initial_state must be 1-d, got shape {state.shape}")
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "initial_state", state)


@runtime_checkable
class CompiledPolicy(Protocol):
    """A policy that can offer a compiled step (see the module docstring)."""

    def compiled_step(self) -> CompiledStep | None:
        """Return the compiled step, or None if this configuration has none."""
        ...


@dataclasses.dataclass(frozen=True)
class CompiledContract:
    """An instrument's terms and price tables for the kernel's hedge book.

    The kernel's book (:func:`~hashwinter.engine.kernel.loop.book_cell`) is one
    settlement rule for margined futures and perpetuals, linear or inverse; a contract
    offers it through ``compiled_contract(spot, n_steps)`` (None: not this contract).

    Attributes
    ----------
    inverse, perpetual, deliver_at_close : bool
        Margin currency coins; funding and taker fee at the close; a short delivers
        its hedged coins at the close.
    leverage, maintenance_margin : float
        Entry notional / collateral; maintenance rate on mark value. [fraction]
    taker_fee, settlement_fee, liquidation_fee : float
        Fee rates on notional. [fraction]
    prices : ndarray (2, P, D)
        Contract price of the open contract (row 0) and of a new one opened at a
        close (row 1), per path and day. [currency/coin]
    funding : ndarray (P|1, T)
        Funding rate per step (zeros: none). [fraction]
    close_days : ndarray of bool (D,)
        Days at whose close the open contract closes (expiry or roll).

    """

    inverse: bool
    perpetual: bool
    deliver_at_close: bool
    leverage: float
    maintenance_margin: float
    taker_fee: float
    settlement_fee: float
    liquidation_fee: float
    prices: FloatArray
    funding: FloatArray
    close_days: npt.NDArray[np.bool_]


@dataclasses.dataclass(frozen=True)
class CompiledOrders:
    """A hedge policy's orders in the kernel: a short of the expected production or bill.

    At the close of a day on which the variant's instrument opens, the kernel orders
    ``-scale · spd · Σ_c on · held · x_c`` coins (0 for a broke owner) into the
    variant's slot, ``x_c`` the cohort's expected coins per machine and step
    (``target = 0``) or its avoidable cost per step over the observed price
    (``target = 1``), the sum over the owner's cohorts.

    Attributes
    ----------
    scale : ndarray (V|1,)
        Share hedged × horizon. [day]
    slot : ndarray of int (V|1,)
        Instrument of each variant.
    opens : ndarray of bool (I, D)
        Days at whose close each instrument's hedge opens.
    target : int
        0 production, 1 power bill.

    """

    scale: FloatArray
    slot: npt.NDArray[np.int64]
    opens: npt.NDArray[np.bool_]
    target: int


#: ``CompiledTrades.buy_mode`` values: no purchase, Hu's payback rule, the NPV rule, a
#: block purchase (a failing farm's fleet on one day).
BUY_NONE, BUY_PAYBACK, BUY_NPV, BUY_BLOCK = -1, 0, 1, 2


@dataclasses.dataclass(frozen=True)
class CompiledTrades:
    """A chain's machine trades in the kernel: what the trading rules sell, scrap and buy.

    Each rule (:class:`~hashwinter.farm.trading.SellRule`, ``ScrapRule``, ``BuyRule``,
    ``BlockBuy``) offers its part through ``compiled_trades()`` with the other kinds left
    at their defaults (nothing); :func:`~hashwinter.engine.kernel.trade_plan.combine_trades`
    merges the parts of a chain (one rule of each kind, one price table). The kernel decides
    on each day's first step with the numpy ``decide``'s expressions
    (:mod:`~hashwinter.engine.kernel.trade_cells`).

    Attributes
    ----------
    market, keep : ndarray (P|1, C, D)
        The rules' price table (:class:`~hashwinter.farm.trading.prices.TradeTables`):
        market price and value of keeping. [currency/machine]
    scrap : ndarray (C,)
        Scrap value. [currency/machine]
    sell_cohorts : ndarray of bool (C,)
        Cohorts the sell rule may sell (all False: no sell rule).
    sell_fee : float
        Share of the market price lost on a sale. [fraction]
    sell_premium : ndarray (V|1,)
        Sell when ``market x (1 - fee) > (1 + premium) x keep``. [fraction]
    scrap_cohorts : ndarray of bool (C,)
        Cohorts the scrap rule may scrap (all False: no scrap rule).
    scrap_margin : ndarray (V|1,)
        Scrap when ``keep <= (1 + margin) x scrap`` and the market pays no more. [fraction]
    buy_mode : int
        ``BUY_NONE``, ``BUY_PAYBACK``, ``BUY_NPV`` or ``BUY_BLOCK``.
    buy_target, buy_owner : int
        Cohort the machines go into and the owner paying.
    buy_fee : float
        Share added to the market price. [fraction]
    buy_fixed_price : float
        A fixed price per machine (NaN: the market's). [currency/machine]
    payback_days, max_per_day, cash_reserve, discount : ndarray (V|1,)
        Hu's threshold [day], machines a day at most, cash never spent [currency], and the
        block purchase's price over the market [fraction].
    block_day : int
        Day of the block purchase. ``block_count``: machines offered.
    site : ndarray of int (C,)
        Site of each cohort (-1: none). ``slots`` [machines] and ``watts`` [W] per site,
        ``meter_watts`` [W] per machine of each cohort.

    """

    market: FloatArray
    keep: FloatArray
    scrap: FloatArray
    sell_cohorts: npt.NDArray[np.bool_]
    sell_fee: float = 0.0
    sell_premium: FloatArray = dataclasses.field(default_factory=lambda: np.full(1, np.inf))
    scrap_cohorts: npt.NDArray[np.bool_] | None = None
    scrap_margin: FloatArray = dataclasses.field(default_factory=lambda: np.full(1, -np.inf))
    buy_mode: int = BUY_NONE
    buy_target: int = -1
    buy_owner: int = -1
    buy_fee: float = 0.0
    buy_fixed_price: float = float("nan")
    payback_days: FloatArray = dataclasses.field(default_factory=lambda: np.zeros(1))
    max_per_day: FloatArray = dataclasses.field(default_factory=lambda: np.full(1, np.inf))
    cash_reserve: FloatArray = dataclasses.field(default_factory=lambda: np.zeros(1))
    discount: FloatArray = dataclasses.field(default_factory=lambda: np.ones(1))
    block_day: int = -1
    block_count: float = 0.0
    site: npt.NDArray[np.int64] | None = None
    slots: FloatArray | None = None
    watts: FloatArray | None = None
    meter_watts: FloatArray | None = None
    kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n_c = self.scrap.size
        for name in ("sell_cohorts", "scrap_cohorts"):
            value = getattr(self, name)
            mask = np.zeros(n_c, dtype=np.bool_) if value is None else np.broadcast_to(
                np.asarray(value, dtype=np.bool_), (n_c,)).copy()
            object.__setattr__(self, name, mask)
        for name in ("sell_premium", "scrap_margin", "payback_days", "max_per_day",
                     "cash_reserve", "discount"):
            arr = np.atleast_1d(np.asarray(getattr(self, name), dtype=np.float64))
            if arr.ndim != 1:
                raise ValueError(f"{name} must be 1-d over variants, got shape {arr.shape}")
            object.__setattr__(self, name, arr)
