"""The cohort table: groups of identical machines, as static arrays.

A cohort is a group of machines that share everything the engine needs: model
(hashrate, power), site (tariff, PUE, fees, uptime), owner, and purchase (date
and price). The engine never holds one Python object per machine; it holds
arrays of length ``C`` (one entry per cohort) and multiplies by counts.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError

__all__ = ["Cohorts"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_FLOAT_FIELDS = (
    "hashrate", "power", "count", "uptime", "pue", "pool_fee", "management_fee",
    "hosting_fee", "restart_cost", "unit_price",
)


@dataclasses.dataclass(frozen=True)
class Cohorts:
    """Static description of ``C`` cohorts of identical machines.

    Attributes
    ----------
    label : tuple of str
        Display name of each cohort, e.g. ``"Antminer S9 @ Shihezi (2018-11-25)"``.
    model : tuple of str
        Machine model of each cohort.
    site : tuple of str
        Site name of each cohort.
    hashrate : ndarray (C,)
        Nominal hashrate per machine. [H/s]
    power : ndarray (C,)
        Wall power per machine. [W]
    count : ndarray (C,)
        Machines in the cohort. [machines]
    owner : ndarray of int (C,)
        Index of the owner (treasury) paying the cohort's costs, ``0 .. O-1``.
    start_step : ndarray of int (C,)
        First step at which the machines are installed (0: from the start).
    capex_step : ndarray of int (C,)
        Step at which the purchase is paid, or -1 if it was paid before the run.
    unit_price : ndarray (C,)
        Purchase price per machine. [currency/machine]
    uptime : ndarray (C,)
        Share of time a running machine hashes and draws power (outages,
        maintenance). [fraction]
    pue : ndarray (C,)
        Site energy over machine energy. [dimensionless, >= 1]
    pool_fee : ndarray (C,)
        Share of the reward kept by the pool. [fraction]
    management_fee : ndarray (C,)
        Fee per running machine and day (staff, maintenance). [currency/(machine·day)]
    hosting_fee : ndarray (C,)
        Slot rent per installed machine and day, paid whether it runs or not.
        [currency/(machine·day)]
    restart_cost : ndarray (C,)
        Cost of switching one stopped machine back on. [currency/machine]
    host : ndarray of int (C,), default -1
        Owner of the run that receives the cohort's hosting fee (a host renting
        its slots to a client), or -1 when the fee is paid outside the run.

    other_hashrate : ndarray (K - 1, C), optional
        Hashrate per machine on each other coin of the run's coin axis (0: the
        machine cannot mine it); the power drawn is the same. [H/s]

    A cohort may hold no machines (``count = 0``): a slot that a purchase or a
    move fills during the run.

    """

    label: tuple[str, ...]
    model: tuple[str, ...]
    site: tuple[str, ...]
    hashrate: FloatArray
    power: FloatArray
    count: FloatArray
    owner: IntArray
    start_step: IntArray
    capex_step: IntArray
    unit_price: FloatArray
    uptime: FloatArray
    pue: FloatArray
    pool_fee: FloatArray
    management_fee: FloatArray
    hosting_fee: FloatArray
    restart_cost: FloatArray
    host: IntArray | int = -1
    other_hashrate: FloatArray | None = None

    def __post_init__(self) -> None:
        n = len(self.label)
        if n == 0:
            raise InputError("a run needs at least one cohort", field="cohorts")
        if len(self.model) != n or len(self.site) != n:
            raise InputError("label, model and site must have one entry per cohort",
                             field="cohorts")
        for name in _FLOAT_FIELDS:
            arr = np.broadcast_to(np.asarray(getattr(self, name), dtype=np.float64), (n,)).copy()
            if not np.all(np.isfinite(arr)):
                raise InputError("must be finite", field=f"cohorts.{name}")
            object.__setattr__(self, name, arr)
        for name in ("owner", "start_step", "capex_step", "host"):
            ints = np.broadcast_to(np.asarray(getattr(self, name), dtype=np.int64), (n,)).copy()
            object.__setattr__(self, name, ints)
        if self.other_hashrate is not None:
            other = np.asarray(self.other_hashrate, dtype=np.float64)
            if other.ndim != 2 or other.shape[1] != n:
                raise InputError(f"must be shaped (coins - 1, {n})", field="cohorts.other_hashrate")
            if not np.all(np.isfinite(other)) or np.any(other < 0):
                raise InputError("must be finite and >= 0", field="cohorts.other_hashrate")
            object.__setattr__(self, "other_hashrate", other)
        checks = {
            "hashrate": self.hashrate > 0,
            "power": self.power >= 0,
            "count": self.count >= 0,
            "uptime": (self.uptime >= 0) & (self.uptime <= 1),
            "pue": self.pue >= 1,
            "pool_fee": (self.pool_fee >= 0) & (self.pool_fee < 1),
            "management_fee": self.management_fee >= 0,
            "hosting_fee": self.hosting_fee >= 0,
            "restart_cost": self.restart_cost >= 0,
            "unit_price": self.unit_price >= 0,
            "owner": self.owner >= 0,
            "start_step": self.start_step >= 0,
            "host": np.asarray(self.host) >= -1,
        }
        for name, ok in checks.items():
            if not np.all(ok):
                bad = int(np.flatnonzero(~ok)[0])
                raise InputError(f"out of range for cohort {self.label[bad]!r}",
                                 field=f"cohorts.{name}")

    @property
    def n(self) -> int:
        """Number of cohorts ``C``."""
        return len(self.label)

    @property
    def n_owners(self) -> int:
        """Number of owners ``O`` (largest owner index + 1)."""
        return int(self.owner.max()) + 1

    @property
    def effective_hashrate(self) -> FloatArray:
        """Hashrate per machine averaged over outages, ``hashrate * uptime`` [H/s]."""
        return self.hashrate * self.uptime

    def installed(self, n_steps: int) -> FloatArray:
        """Return machines installed per step and cohort, shape (n_steps, C) [machines]."""
        steps = np.arange(n_steps)[:, None]
        return np.where(steps >= self.start_step[None, :], self.count[None, :], 0.0)

    def capex(self, n_steps: int) -> FloatArray:
        """Return purchase payments per step and cohort, shape (n_steps, C) [currency]."""
        out = np.zeros((n_steps, self.n))
        paid = (self.capex_step >= 0) & (self.capex_step < n_steps)
        idx = np.flatnonzero(paid)
        out[self.capex_step[idx], idx] = self.count[idx] * self.unit_price[idx]
        return out

    @property
    def hosted(self) -> bool:
        """Whether any cohort's hosting fee is paid to an owner of the run."""
        return bool(np.any(np.asarray(self.host) >= 0))

    def owner_matrix(self, n_owners: int | None = None) -> FloatArray:
        """Return the (C, O) 0/1 matrix that sums cohort quantities into owners."""
        mat = np.zeros((self.n, n_owners or self.n_owners))
        mat[np.arange(self.n), self.owner] = 1.0
        return mat

    def host_matrix(self, n_owners: int) -> FloatArray:
        """Return the (C, O) 0/1 matrix of each cohort's host (a zero row if none)."""
        mat = np.zeros((self.n, n_owners))
        host = np.asarray(self.host)
        rows = np.flatnonzero(host >= 0)
        mat[rows, host[rows]] = 1.0
        return mat
