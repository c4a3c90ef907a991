"""Endogenous network for farm scenarios: the rest of the world follows a hash supply.

On each price path, at the start of every engine step, the miners outside the
farm look at the expected revenue of one hash,

``R = S(d - 1) * (subsidy(height) + fees) / (D * 2^32)``,

with yesterday's close ``S(d - 1)`` (day 0 uses the start price: no look-ahead),
the difficulty ``D`` in force and the subsidy at the current height, and run
``H_rest = supply(R)`` (:mod:`hashwinter.network.supply`). The engine's
:class:`~hashwinter.engine.EndogenousNetwork` adds the farm's running hashrate,
advances the expected-value block clock and retargets every 2016 blocks by
Bitcoin's rule, per path. A price fall therefore pushes hashrate out at once,
blocks slow down, and the next retarget lowers the difficulty.

**Calibration.** Under Bitcoin Core's rule a window of 2016 blocks is measured
over its 2015 intervals, so the difficulty is unchanged only when blocks come
every ``600 * 2016 / 2015`` s (:data:`EQUILIBRIUM_INTERVAL_S`, about 600.3 s).
The start is an equilibrium when the whole network (rest of the world plus the
farm's installed hashrate) finds blocks at that interval at the start price and
difficulty: ``supply(R_start) = D0 * 2^32 / 600.3 - H_farm``. One parameter of
the supply is solved for (:func:`calibrate_supply`): ``r0`` or ``h_max`` of the
sigmoid, the ``intercept`` of the linear form.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt

from hashwinter.chain import RETARGET_INTERVAL, hashrate_from_difficulty, subsidy_at
from hashwinter.errors import InputError
from hashwinter.network import EXA, HashSupply, LinearSupply, SigmoidSupply, revenue_per_hash
from hashwinter.scenario.config import EndogenousLinearSupplySpec, EndogenousSigmoidSupplySpec
from hashwinter.units import TARGET_BLOCK_INTERVAL_S

__all__ = [
    "EQUILIBRIUM_INTERVAL_S",
    "SupplyRestOfWorld",
    "calibrate_supply",
    "equilibrium_hashrate",
]

FloatArray = npt.NDArray[np.float64]

#: Block interval at which Bitcoin's retarget leaves the difficulty unchanged. [s]
EQUILIBRIUM_INTERVAL_S: float = (
    TARGET_BLOCK_INTERVAL_S * RETARGET_INTERVAL / (RETARGET_INTERVAL - 1)
)


def equilibrium_hashrate(difficulty: float) -> float:
    """Return the network hashrate at which a retarget leaves ``difficulty`` unchanged.

    Parameters
    ----------
    difficulty : float
        Difficulty in force. [dimensionless]

    Returns
    -------
    float
        ``D * 2^32 / (600 * 2016 / 2015)``. [H/s]

    """
    return float(hashrate_from_difficulty(difficulty, EQUILIBRIUM_INTERVAL_S))


def _logit(share: float) -> float:
    return math.log(share / (1.0 - share))


def calibrate_supply(
    spec: EndogenousSigmoidSupplySpec | EndogenousLinearSupplySpec,
    *,
    revenue: float,
    hashrate: float,
) -> HashSupply:
    """Return the supply of a ``[network.supply]`` section, its calibrated parameter solved.

    Parameters
    ----------
    spec : EndogenousSigmoidSupplySpec or EndogenousLinearSupplySpec
        The section (EH units; ``calibrate`` names the parameter to solve for).
    revenue : float
        Expected revenue per hash at the start. [currency per hash]
    hashrate : float
        Hashrate the supply must give at ``revenue``. [H/s]

    Returns
    -------
    HashSupply
        With ``supply(revenue) == hashrate`` (unless ``calibrate = "none"``).

    Raises
    ------
    InputError
        No parameter value reaches ``hashrate`` (e.g. ``h_max`` below it), naming the field.

    """
    h_ehs = hashrate / EXA
    r_eh = revenue * EXA
    if not hashrate > 0:
        raise InputError(
            f"the farm's hashrate leaves no rest of the world ({h_ehs:.4g} EH/s) at the "
            "start difficulty", field="network.difficulty")  # fmt: skip
    if isinstance(spec, EndogenousSigmoidSupplySpec):
        k = spec.k_per_usd_per_eh
        h_max, r0 = spec.h_max_ehs, spec.r0_usd_per_eh
        if spec.calibrate == "r0":
            assert h_max is not None  # checked with the file
            share = h_ehs / h_max
            lo, hi = max(spec.floor, 1e-12), 1.0 - max(spec.floor, 1e-12)
            if not lo < share < hi:
                raise InputError(
                    f"must exceed the rest of the world's equilibrium hashrate "
                    f"({h_ehs:.4g} EH/s) for calibrate = 'r0' (got {h_max:g})",
                    field="network.supply.h_max_ehs")  # fmt: skip
            r0 = r_eh - _logit(share) / k
        elif spec.calibrate == "h_max":
            assert r0 is not None
            factor = float(SigmoidSupply.from_eh_units(1.0, k, r0, spec.floor)(revenue)) / EXA
            h_max = h_ehs / factor
            if not math.isfinite(h_max):
                raise InputError(
                    f"puts the start on the supply's floor: no h_max_ehs gives {h_ehs:.4g} EH/s",
                    field="network.supply.r0_usd_per_eh")  # fmt: skip
        assert h_max is not None and r0 is not None
        return SigmoidSupply.from_eh_units(h_max, k, r0, spec.floor)
    slope = spec.slope_ehs_per_usd_per_eh
    intercept = spec.intercept_ehs
    h_max_l = spec.h_max_ehs if spec.h_max_ehs is not None else math.inf
    if h_max_l <= spec.h_min_ehs:
        raise InputError("must be > h_min_ehs", field="network.supply.h_max_ehs")
    if spec.calibrate == "intercept":
        if not spec.h_min_ehs < h_ehs < h_max_l:
            raise InputError(
                f"the rest of the world's equilibrium hashrate ({h_ehs:.4g} EH/s) must lie "
                f"between h_min_ehs and h_max_ehs for calibrate = 'intercept'",
                field="network.supply.h_min_ehs")  # fmt: skip
        intercept = h_ehs - slope * r_eh
    assert intercept is not None
    return LinearSupply.from_eh_units(intercept, slope, spec.h_min_ehs, h_max_l)


@dataclasses.dataclass(frozen=True)
class SupplyRestOfWorld:
    """The rest of the world's hashrate from a hash supply of yesterday's expected revenue.

    Implements :class:`hashwinter.engine.network.RestOfWorld`.

    Parameters
    ----------
    supply : HashSupply
        Hashrate [H/s] from revenue per hash [currency per hash].
    price : ndarray (P|1, D)
        Daily coin price of each path, in the supply's currency. [currency per coin]
    fees_per_block : float
        Fees per block. [coin per block]

    """

    supply: HashSupply
    price: FloatArray
    fees_per_block: float

    def __post_init__(self) -> None:
        price = np.asarray(self.price, dtype=np.float64)
        if price.ndim != 2 or not np.all(np.isfinite(price)) or np.any(price <= 0):
            raise InputError("must be (paths, days), finite and > 0", field="price")
        object.__setattr__(self, "price", price)

    def revenue(self, day: int, difficulty: FloatArray, height: FloatArray) -> FloatArray:
        """Return the expected revenue per hash miners see at the start of a step of ``day``.

        Parameters
        ----------
        day : int
            Day of the step.
        difficulty : ndarray (V, P)
            Difficulty in force. [dimensionless]
        height : ndarray (V, P)
            Expected block height. [blocks]

        Returns
        -------
        ndarray (V, P)
            Yesterday's close times the current block reward over ``D * 2^32``
            (day 0: its own price, the start price). [currency per hash]

        """
        seen = self.price[None, :, max(day - 1, 0)]
        reward = subsidy_at(np.floor(height).astype(np.int64)) + self.fees_per_block
        return revenue_per_hash(seen, difficulty, reward)

    def hashrate(self, day: int, difficulty: FloatArray, height: FloatArray,
                 price: FloatArray | None = None) -> FloatArray:
        """Return ``supply(revenue(...))`` [H/s], shaped (V, P).

        The engine's ``price`` (the farm's currency) is not used: the supply is
        calibrated in the scenario's currency, whose prices this model holds.
        """
        return self.supply(self.revenue(day, difficulty, height))

    def take_paths(self, paths: slice | npt.NDArray[np.int64]) -> SupplyRestOfWorld:
        """Return the model of some paths."""
        price = self.price if self.price.shape[0] == 1 else self.price[paths]
        return dataclasses.replace(self, price=price)
