"""One mining machine model: an ASIC miner or a GPU, with its nominal figures.

A :class:`Machine` holds a model's nominal hashrate and wall power in base units
(H/s, W) whatever unit its data file used, plus where the figures come from. It
describes one unit of the model: one ASIC box, or one graphics card (a GPU rig
is several cards plus the platform's own draw, which is the farm's business).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from hashwinter.errors import InputError
from hashwinter.units import TERA

__all__ = [
    "ALGORITHMS",
    "HASHRATE_UNITS",
    "KINDS",
    "MEGA",
    "Machine",
]

#: Kinds of machine: application-specific chips or graphics cards.
KINDS: tuple[str, ...] = ("asic", "gpu")
#: Proof-of-work algorithms the catalog knows: Bitcoin's double SHA-256, Ethereum's Ethash,
#: and two a graphics card could mine in 2018 instead (Zcash's Equihash, Monero's CryptoNight).
ALGORITHMS: tuple[str, ...] = ("sha256", "ethash", "equihash", "cryptonight")
#: 1 MH/s = 1e6 H/s.
MEGA: float = 1e6
#: The unit each algorithm's hashrate is usually quoted in: (column suffix, H/s per unit).
HASHRATE_UNITS: dict[str, tuple[str, float]] = {
    "sha256": ("ths", TERA),
    "ethash": ("mhs", MEGA),
    "equihash": ("sols", 1.0),
    "cryptonight": ("hs", 1.0),
}


@dataclasses.dataclass(frozen=True)
class Machine:
    """A mining machine model with its nominal (manufacturer) figures.

    Attributes
    ----------
    model : str
        Canonical model name, e.g. ``"Antminer S9"``.
    maker : str
        Manufacturer, e.g. ``"Bitmain"``.
    kind : str
        ``"asic"`` or ``"gpu"``.
    algorithm : str
        ``"sha256"`` or ``"ethash"``.
    release : datetime.date or None
        First day of the release month (first shipments where known), or None.
    hashrate : float
        Nominal hashrate of one unit. [H/s]
    power : float
        Wall power of one unit at that hashrate. [W]
    launch_price_usd : float or None
        Maker's launch (list) price of one unit, or None where unknown. [USD]
    source : str
        URL of the spec sheet, launch announcement or spec listing the figures
        can be checked against ("" for user rows that give none).
    aliases : tuple of str
        Other names the model is looked up by (trade names, bins, Chinese names).
    notes : str
        Free-text caveats about the figures.
    other_rates : tuple of (str, float, float)
        ``(algorithm, hashrate [H/s], power [W])`` for each further algorithm the machine
        mines (a card hashes several at different rates); ``algorithm`` is the primary one.

    """

    model: str
    maker: str
    kind: str
    algorithm: str
    release: dt.date | None
    hashrate: float
    power: float
    launch_price_usd: float | None = None
    source: str = ""
    aliases: tuple[str, ...] = ()
    notes: str = ""
    other_rates: tuple[tuple[str, float, float], ...] = ()

    def __post_init__(self) -> None:
        if not self.model.strip():
            raise InputError("must not be empty", field="model")
        if self.kind not in KINDS:
            raise InputError(f"must be one of {', '.join(KINDS)} (got {self.kind!r})", field="kind")
        if self.algorithm not in ALGORITHMS:
            raise InputError(
                f"must be one of {', '.join(ALGORITHMS)} (got {self.algorithm!r})",
                field="algorithm",
            )
        for name, value in (("hashrate", self.hashrate), ("power", self.power)):
            if not (math.isfinite(value) and value > 0):
                raise InputError(f"must be > 0 (got {value!r})", field=name)
        price = self.launch_price_usd
        if price is not None and not (math.isfinite(price) and price > 0):
            raise InputError(f"must be > 0 (got {price!r})", field="launch_price_usd")
        if self.release is not None and self.release.day != 1:
            # Releases are months: keep one representation so equality and sorting agree.
            object.__setattr__(self, "release", self.release.replace(day=1))
        object.__setattr__(self, "aliases", tuple(self.aliases))
        rates = tuple((str(a), float(h), float(p)) for a, h, p in self.other_rates)
        seen = {self.algorithm}
        for algorithm, hashrate, power in rates:
            if algorithm not in ALGORITHMS:
                raise InputError(f"unknown algorithm {algorithm!r} (known: "
                                 f"{', '.join(ALGORITHMS)})", field="rates")
            if algorithm in seen:
                raise InputError(f"{algorithm} given twice", field="rates")
            seen.add(algorithm)
            if not (math.isfinite(hashrate) and hashrate > 0 and math.isfinite(power)
                    and power > 0):
                raise InputError(f"{algorithm}: hashrate and power must be > 0", field="rates")
        object.__setattr__(self, "other_rates", rates)

    @property
    def algorithms(self) -> tuple[str, ...]:
        """The algorithms the machine mines, the primary one first."""
        return (self.algorithm, *(a for a, _, _ in self.other_rates))

    def mines(self, algorithm: str) -> bool:
        """Return whether the machine has a hashrate for ``algorithm``."""
        return algorithm in self.algorithms

    def rate(self, algorithm: str) -> tuple[float, float]:
        """Return ``(hashrate [H/s], power [W])`` of one unit on ``algorithm``.

        Raises
        ------
        InputError
            ``field="algorithm"`` when the machine has no hashrate for it.

        """
        if algorithm == self.algorithm:
            return self.hashrate, self.power
        for name, hashrate, power in self.other_rates:
            if name == algorithm:
                return hashrate, power
        raise InputError(f"{self.model} has no hashrate for {algorithm} (it mines "
                         f"{', '.join(self.algorithms)})", field="algorithm")

    @property
    def hashrate_ths(self) -> float:
        """Hashrate in TH/s (the usual SHA-256 unit)."""
        return self.hashrate / TERA

    @property
    def hashrate_mhs(self) -> float:
        """Hashrate in MH/s (the usual Ethash unit)."""
        return self.hashrate / MEGA

    @property
    def joules_per_hash(self) -> float:
        """Energy per hash, power over hashrate, in J/H."""
        return self.power / self.hashrate

    @property
    def efficiency_j_per_th(self) -> float:
        """Energy per terahash in J/TH, the usual SHA-256 efficiency figure."""
        return self.joules_per_hash * TERA

    @property
    def efficiency_j_per_mh(self) -> float:
        """Energy per megahash in J/MH, the usual Ethash efficiency figure."""
        return self.joules_per_hash * MEGA

    @property
    def names(self) -> tuple[str, ...]:
        """The model name followed by its aliases."""
        return (self.model, *self.aliases)
