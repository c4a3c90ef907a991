"""Hedging instruments as pure, vectorized functions (see docs/hedging.md).

Linear and inverse dated futures (:mod:`~hashwinter.finance.futures`),
perpetual swaps and their funding (:mod:`~hashwinter.finance.perpetual`,
:mod:`~hashwinter.finance.funding`), OTC forwards
(:mod:`~hashwinter.finance.forward`), futures prices from a basis model
(:mod:`~hashwinter.finance.basis`), margin and liquidation
(:mod:`~hashwinter.finance.margin`), the ``[hedge]`` config
(:mod:`~hashwinter.finance.config`) and the contracts as engine instruments
(:mod:`~hashwinter.finance.instruments`). Every function takes arrays of any
shape (variants x paths x owners x positions) and broadcasts, so the
engine's position book can keep its state as plain arrays and call them.
"""

from hashwinter.finance.basis import ConstantBasis, MomentumBasis, futures_prices, prices_on
from hashwinter.finance.config import HedgeConfig, hedge_from_dict
from hashwinter.finance.forward import (
    Forward,
    expected_default_loss,
    forward_payoff,
    realised_payoff,
)
from hashwinter.finance.funding import (
    AR1Funding,
    ConstantFunding,
    FundingHistory,
    daily_sums,
    rates_per_step,
)
from hashwinter.finance.futures import (
    InverseFuture,
    LinearFuture,
    check_expiry,
    inverse_pnl,
    linear_pnl,
    notional_coins,
    notional_usd,
    pnl,
    trade_fee,
)
from hashwinter.finance.instruments import BookJournal, HedgeContract, HedgePosition, roll_days
from hashwinter.finance.margin import (
    MarkedPath,
    bankruptcy_price,
    first_liquidation,
    initial_margin,
    liquidation_loss,
    liquidation_price,
    maintenance_margin,
    mark_path,
    mark_to_market,
    variation_margin,
)
from hashwinter.finance.perpetual import Perpetual, funding_payment, funding_payments

__all__ = [
    "AR1Funding",
    "BookJournal",
    "ConstantBasis",
    "ConstantFunding",
    "Forward",
    "FundingHistory",
    "HedgeConfig",
    "HedgeContract",
    "HedgePosition",
    "InverseFuture",
    "LinearFuture",
    "MarkedPath",
    "MomentumBasis",
    "Perpetual",
    "bankruptcy_price",
    "check_expiry",
    "daily_sums",
    "expected_default_loss",
    "first_liquidation",
    "forward_payoff",
    "funding_payment",
    "funding_payments",
    "futures_prices",
    "hedge_from_dict",
    "initial_margin",
    "inverse_pnl",
    "linear_pnl",
    "liquidation_loss",
    "liquidation_price",
    "maintenance_margin",
    "mark_path",
    "mark_to_market",
    "notional_coins",
    "notional_usd",
    "pnl",
    "prices_on",
    "rates_per_step",
    "realised_payoff",
    "roll_days",
    "trade_fee",
    "variation_margin",
]
