"""The state of a proof-of-work network on one day, as the economics need it.

A :class:`NetworkState` is what a shutdown table or a calculator is evaluated
against: difficulty in force, block subsidy, fees per block and the coin price in
a named currency. It comes from the built-in example (:data:`WINTER_2018`), from
the history store (``hashwinter.data``) or from flags, and explicit values
override any part of it (:meth:`NetworkState.replace`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

__all__ = ["WINTER_2018", "NetworkState"]


@dataclasses.dataclass(frozen=True)
class NetworkState:
    """One day of a network: difficulty, reward and coin price.

    Attributes
    ----------
    date : datetime.date or None
        The day the state describes (UTC), or None for a hypothetical state.
    difficulty : float
        Difficulty in force. [dimensionless]
    subsidy : float
        Block subsidy. [coin per block]
    fees_per_block : float
        Average transaction fees per block. [coin per block]
    price : float
        Coin price. [``currency`` per coin]
    currency : str
        ISO 4217 code of ``price``, e.g. ``"CNY"``.
    fx_per_usd : float
        Units of ``currency`` per USD on that day (1.0 for USD).
    coin : str
        Ticker of the coin, e.g. ``"BTC"``.
    notes : tuple of str
        Caveats about how the state was obtained, e.g. a forward-filled FX rate.

    """

    date: dt.date | None
    difficulty: float
    subsidy: float
    fees_per_block: float
    price: float
    currency: str = "USD"
    fx_per_usd: float = 1.0
    coin: str = "BTC"
    notes: tuple[str, ...] = ()

    @property
    def price_usd(self) -> float:
        """Return the coin price in USD [USD per coin]."""
        return self.price / self.fx_per_usd

    def replace(self, **changes: object) -> NetworkState:
        """Return a copy with the given fields replaced (None values are ignored)."""
        kept = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(self, **kept)  # type: ignore[arg-type]


#: The built-in example state: 25 November 2018, the day the story says the BTC
#: price neared the Antminer S9's shutdown price (~25,000 CNY).
#: Difficulty 6,653,303,141,406 was in force from the 2018-11-17 retarget to
#: the 2018-12-03 one (Coin Metrics DiffMean, ../shared/data/btc_daily.csv).
#: Fees ~0.26 BTC/block is the 2018-11-25 figure (Coin Metrics FeeTotNtv / BlkCnt
#: = 32.84 / 127). The price, ~3,950 USD (~27,400 CNY at the ECB cross rate of 6.94 CNY/USD), is the
#: Coin Metrics reference price of that day.
WINTER_2018 = NetworkState(
    date=dt.date(2018, 11, 25),
    difficulty=6_653_303_141_406.0,
    subsidy=12.5,
    fees_per_block=0.26,
    price=27_400.0,
    currency="CNY",
    fx_per_usd=6.94,
    coin="BTC",
    notes=("built-in example state: 25 Nov 2018 (hashwinter.state.WINTER_2018)",),
)
