"""An independent twin of the network model in Mesa: one agent per farm, plain Python.

Written as a Mesa user would write it, from the model's description (docs/network.md),
importing nothing from ``hashwinter.engine``: each day every farm looks at yesterday's
price and the difficulty in force, switches each of its tiers off below its shutdown
price or back on above it (hysteresis; a tier that stopped stays off at least
``min_off`` days in a row), and the network's hashrate is the sum of the
running machines; blocks come at the expected rate and every 2016 blocks the difficulty
is retargeted by Bitcoin's rule (span over 2015 of the 2016 intervals, clamped to a
factor 4), the day cut at the exact block. No second-hand market here.
"""

from __future__ import annotations

import math

import mesa

TARGET_TIMESPAN = 14 * 24 * 3600.0
INTERVAL = 2016
HALVING = 210_000
DAY = 86400.0


def subsidy(height: float) -> float:
    """Block subsidy at a (fractional) height [BTC]."""
    return 50.0 / 2 ** (math.floor(height) // HALVING)


class Farm(mesa.Agent):
    """A farm: machines per tier, its tariff per day, which tiers run."""

    def __init__(self, model: NetworkTwin, counts: list[float], tariffs: list[float]) -> None:
        super().__init__(model)
        self.counts = counts
        self.tariffs = tariffs
        self.on = [True] * len(counts)
        self.off_days = [0.0] * len(counts)

    def step(self) -> None:
        """Decide which tiers run today."""
        m = self.model
        for k in range(len(self.counts)):
            coins = m.tier_hashrate[k] * m.reward_per_hash_today()
            revenue = coins * m.price_seen()
            kwh = m.tier_power[k] * m.pue * DAY / 3600 / 1000
            cost = kwh * self.tariffs[m.day] + m.overhead
            if self.on[k]:
                self.on[k] = revenue >= cost * (1 + m.off_below)
            else:
                self.on[k] = (revenue > cost * (1 + m.on_above)
                              and self.off_days[k] >= m.min_off)
            self.off_days[k] = 0.0 if self.on[k] else self.off_days[k] + 1.0

    def hashrate(self) -> float:
        """Running hashrate [H/s]."""
        return sum(c * self.model.tier_hashrate[k]
                   for k, c in enumerate(self.counts) if self.on[k])


class NetworkTwin(mesa.Model):
    """The network: farms, a price path, the block clock."""

    def __init__(self, farms: list[tuple[list[float], list[float]]], tier_hashrate: list[float],
                 tier_power: list[float], prices: list[float], fees: list[float],
                 difficulty: float, height: float, elapsed: float, pue: float,
                 overhead: float, off_below: float, on_above: float,
                 min_off: float = 0.0) -> None:
        super().__init__(seed=0)
        self.tier_hashrate, self.tier_power = tier_hashrate, tier_power
        self.prices, self.fees = prices, fees
        self.difficulty, self.height, self.elapsed = difficulty, height, elapsed
        self.pue, self.overhead = pue, overhead
        self.off_below, self.on_above, self.min_off = off_below, on_above, min_off
        self.day = 0
        for counts, tariffs in farms:
            Farm(self, counts, tariffs)
        self.hashrate_path: list[float] = []
        self.difficulty_path: list[float] = []

    def price_seen(self) -> float:
        """Yesterday's close (today's on the first day)."""
        return self.prices[max(self.day - 1, 0)]

    def reward_per_hash_today(self) -> float:
        """Expected coins of 1 H/s over a day at the difficulty in force."""
        reward = subsidy(self.height) + self.fees[max(self.day - 1, 0)]
        return DAY * reward / (self.difficulty * 2**32)

    def step(self) -> None:
        """One day: farms decide, then blocks are found."""
        self.agents.do("step")
        total = sum(f.hashrate() for f in self.agents)
        remaining = DAY
        while remaining > 0:
            rate = total / (self.difficulty * 2**32)
            boundary = min((math.floor(self.height / INTERVAL) + 1) * INTERVAL,
                           (math.floor(self.height / HALVING) + 1) * HALVING)
            to_boundary = (boundary - self.height) / rate if rate > 0 else math.inf
            if to_boundary <= remaining:
                self.height = boundary
                self.elapsed += to_boundary
                remaining -= to_boundary
                if boundary % INTERVAL == 0:
                    span = self.elapsed * (INTERVAL - 1) / INTERVAL
                    span = min(max(span, TARGET_TIMESPAN / 4), TARGET_TIMESPAN * 4)
                    self.difficulty = max(self.difficulty * TARGET_TIMESPAN / span, 1.0)
                    self.elapsed = 0.0
            else:
                self.height += remaining * rate
                self.elapsed += remaining
                remaining = 0.0
        self.hashrate_path.append(total)
        self.difficulty_path.append(self.difficulty)
        self.day += 1
