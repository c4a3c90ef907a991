"""Everything static about a run: clock, market, cohorts, owners, tariffs, network."""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from hashwinter.engine.clock import Clock
from hashwinter.engine.cohorts import Cohorts
from hashwinter.engine.market import DailyMarket
from hashwinter.engine.network import ExogenousNetwork, Network
from hashwinter.errors import InputError

__all__ = ["EngineSpec", "Owners"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class Owners:
    """The treasuries of a run: who pays for which cohorts.

    Attributes
    ----------
    names : tuple of str
        One name per owner (``O`` owners).
    starting_cash : ndarray (O,)
        Cash at the start. [currency]
    starting_coins : ndarray (O,)
        Coins held at the start. [coin]
    fixed_costs : ndarray (T, O)
        Fixed costs paid in each step (rent, staff, ...). [currency]
    site_capex : ndarray (T, O)
        Investments other than machines paid in each step (a substation). [currency]

    """

    names: tuple[str, ...]
    starting_cash: FloatArray
    starting_coins: FloatArray
    fixed_costs: FloatArray
    site_capex: FloatArray

    def __post_init__(self) -> None:
        o = len(self.names)
        for name in ("starting_cash", "starting_coins"):
            arr = np.broadcast_to(np.asarray(getattr(self, name), dtype=np.float64), (o,)).copy()
            object.__setattr__(self, name, arr)
        if np.any(self.starting_coins < 0):
            raise InputError("must be >= 0", field="owners.starting_coins")
        for name in ("fixed_costs", "site_capex"):
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            if arr.ndim != 2 or arr.shape[1] != o:
                raise InputError(f"must be shaped (steps, {o})", field=f"owners.{name}")
            object.__setattr__(self, name, arr)

    @classmethod
    def single(
        cls, n_steps: int, name: str = "farm", starting_cash: float = 0.0,
        starting_coins: float = 0.0,
    ) -> Owners:
        """Return one owner without fixed costs or site capex."""
        zeros = np.zeros((n_steps, 1))
        return cls((name,), np.array([starting_cash]), np.array([starting_coins]), zeros, zeros)

    @property
    def n(self) -> int:
        """Number of owners ``O``."""
        return len(self.names)


@dataclasses.dataclass(frozen=True)
class EngineSpec:
    """The static inputs of a run.

    Attributes
    ----------
    clock : Clock
        Days and steps.
    market : DailyMarket
        Daily coin price (per path) in the run currency; its days are the clock's.
    cohorts : Cohorts
        The machines.
    owners : Owners
        Treasuries, fixed costs and site capex.
    tariff : ndarray (T, C)
        Energy price of each cohort in each step, in the run currency, averaged
        over the step's hours. [currency/kWh]
    other_coins : tuple of DailyMarket
        The market's coin axis: more coins the cohorts may mine (same days and
        currency; each with its own price, difficulty, subsidy, fees and blocks,
        read as history). Coin 0 is ``market``; a policy picks each cohort's coin
        per step (``Actions.coin``), and a cohort's hashrate on coin ``k >= 1`` is
        ``cohorts.other_hashrate[k - 1]``.
    network : Network or None
        Exogenous (history) or endogenous network. ``None`` (the default) means
        the market's own history, read from ``market`` whenever the run starts:
        ``dataclasses.replace(spec, market=other)`` then mines on ``other``'s
        difficulty (a network built once at construction would silently keep
        the old one).

    """

    clock: Clock
    market: DailyMarket
    cohorts: Cohorts
    owners: Owners
    tariff: FloatArray
    network: Network | None = None
    other_coins: tuple[DailyMarket, ...] = ()

    def __post_init__(self) -> None:
        if self.market.n_days != self.clock.n_days or self.market.dates[0] != self.clock.dates[0]:
            raise InputError("market and clock must cover the same days", field="market")
        tariff = np.asarray(self.tariff, dtype=np.float64)
        expected = (self.clock.n_steps, self.cohorts.n)
        if tariff.shape != expected:
            raise InputError(f"must be shaped {expected} (got {tariff.shape})", field="tariff")
        if not np.all(np.isfinite(tariff)) or np.any(tariff < 0):
            raise InputError("must be finite and >= 0", field="tariff")
        object.__setattr__(self, "tariff", tariff)
        for k, other in enumerate(self.other_coins, start=1):
            if other.n_days != self.market.n_days or other.dates[0] != self.market.dates[0]:
                raise InputError("must cover the market's days", field=f"other_coins[{k - 1}]")
            if other.currency != self.market.currency:
                raise InputError(f"must be priced in {self.market.currency}",
                                 field=f"other_coins[{k - 1}].currency")
            if other.n_paths not in (1, self.market.n_paths):
                raise InputError("path count differs from the market's",
                                 field=f"other_coins[{k - 1}]")
        if self.other_coins:
            rates = self.cohorts.other_hashrate
            if rates is None or np.shape(rates) != (len(self.other_coins), self.cohorts.n):
                raise InputError(f"must be shaped ({len(self.other_coins)}, {self.cohorts.n}): "
                                 "each cohort's hashrate on each other coin",
                                 field="cohorts.other_hashrate")
        if self.owners.fixed_costs.shape[0] != self.clock.n_steps:
            raise InputError("owner cost tables must have one row per step", field="owners")
        if self.cohorts.n_owners > self.owners.n:
            raise InputError("a cohort names an owner that does not exist", field="cohorts.owner")
        if int(np.max(np.asarray(self.cohorts.host))) >= self.owners.n:
            raise InputError("a cohort names a host that does not exist", field="cohorts.host")

    @property
    def net(self) -> Network:
        """The network model: ``network``, or the history of ``market`` when it is None."""
        if self.network is None:
            return ExogenousNetwork(self.market, self.clock)
        return self.network

    def take_paths(self, paths: slice | npt.NDArray[np.int64]) -> EngineSpec:
        """Return the spec restricted to some paths (for chunked Monte Carlo)."""
        network = None if self.network is None else self.network.take_paths(paths)
        return dataclasses.replace(self, market=self.market.take_paths(paths), network=network,
                                   other_coins=tuple(m.take_paths(paths)
                                                     for m in self.other_coins))

    @property
    def coin_names(self) -> tuple[str, ...]:
        """Tickers of the coin axis (the market's first)."""
        return (self.market.coin, *(m.coin for m in self.other_coins))
