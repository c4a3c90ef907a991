"""Funding-rate models for perpetual swaps: history, a constant, or a fitted AR(1).

Where the store has real rates (``hashwinter data import --source funding``)
the history is used as is. Elsewhere (Monte Carlo, dates beyond the file) a
model gives one rate per funding interval:

``ConstantFunding``
    The same rate every interval (e.g. the 2018 BitMEX mean, -0.0072 % per 8 h).
``AR1Funding``
    A mean-reverting AR(1) per interval, ``r[t+1] - mu = phi (r[t] - mu) + sigma e``
    with ``e ~ N(0, 1)``, fitted by least squares on consecutive rates
    (:meth:`AR1Funding.fit`) and simulated for many paths at once
    (:meth:`AR1Funding.simulate`); optionally clipped to the exchange's cap.

Inside the engine a simulated rate becomes one rate per step and path
(:func:`simulated_rates_per_step`): the model is drawn per funding interval
(funding times ``interval/2 + k·interval`` after each midnight UTC, BitMEX's
04:00, 12:00, 20:00 for 8 h) and summed into the steps like the history
(:func:`rates_per_step`). Path ``p`` draws from its own generator
(:func:`path_generators`): seeded by the run's seed sequence (a Monte Carlo
chunk's), the config's ``seed`` and ``p``, so a path's funding is reproducible
and the same for every farm and variant on that path.

It is independent of the simulated spot path: funding in the file is only
weakly tied to the day's return, and a model of that link is not fitted here
(the spot-dependent part of a perpetual's cost enters through the basis
model of :mod:`hashwinter.finance.basis` for dated futures).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter

from hashwinter.errors import InputError

__all__ = [
    "FUNDING_STREAM",
    "XBTUSD_AR1",
    "AR1Funding",
    "ConstantFunding",
    "FundingHistory",
    "daily_sums",
    "funding_times",
    "path_generators",
    "rates_per_step",
    "simulated_rates_per_step",
]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class ConstantFunding:
    """The same funding rate every interval.

    Attributes
    ----------
    rate : float
        Rate per interval; > 0: longs pay shorts. [fraction]
    interval_hours : float
        Hours between funding times.

    """

    rate: float = -0.000072
    interval_hours: float = 8.0

    def simulate(self, n: int, paths: int, rng: np.random.Generator | None = None) -> FloatArray:
        """Rates of ``n`` intervals for ``paths`` paths, shape ``(paths, n)``."""
        return np.full((paths, n), self.rate, dtype=np.float64)


@dataclasses.dataclass(frozen=True)
class AR1Funding:
    """Mean-reverting AR(1) funding rate per interval.

    Attributes
    ----------
    mean : float
        Long-run rate ``mu``. [fraction per interval]
    phi : float
        Persistence per interval, ``|phi| < 1``.
    sigma : float
        Standard deviation of the innovation. [fraction per interval]
    interval_hours : float
        Hours between funding times.
    cap : float or None
        Clip simulated rates to ``[-cap, cap]`` (None: no clip). [fraction]

    """

    mean: float
    phi: float
    sigma: float
    interval_hours: float = 8.0
    cap: float | None = None

    def __post_init__(self) -> None:
        if not np.isfinite(self.phi) or abs(self.phi) >= 1:
            raise InputError(f"must be in (-1, 1) for a stationary AR(1) (got {self.phi!r})",
                             field="phi")
        if not np.isfinite(self.sigma) or self.sigma < 0:
            raise InputError(f"must be >= 0 (got {self.sigma!r})", field="sigma")

    @classmethod
    def fit(cls, rates: npt.ArrayLike, *, interval_hours: float = 8.0,
            cap: float | None = None) -> AR1Funding:
        """Fit ``mu``, ``phi``, ``sigma`` by least squares on consecutive rates.

        Parameters
        ----------
        rates : array_like
            Rates of consecutive, equally spaced intervals (at least 3). [fraction]
        interval_hours : float
            Their spacing.
        cap : float, optional
            Clip for simulation.

        Returns
        -------
        AR1Funding
            ``phi`` from the regression of ``r[t+1]`` on ``r[t]``, ``mu`` its
            fixed point, ``sigma`` the residuals' standard deviation.

        """
        r = np.asarray(rates, dtype=np.float64)
        if r.ndim != 1 or r.size < 3 or not np.all(np.isfinite(r)):
            raise InputError("need at least 3 finite consecutive rates to fit an AR(1)",
                             field="rates")
        x, y = r[:-1], r[1:]
        slope, intercept = np.polyfit(x, y, 1)
        phi = float(np.clip(slope, -0.999, 0.999))
        resid = y - (intercept + slope * x)
        return cls(mean=float(intercept / (1.0 - slope)) if abs(slope) < 1 else float(r.mean()),
                   phi=phi, sigma=float(resid.std(ddof=2)), interval_hours=interval_hours,
                   cap=cap)

    def stationary_std(self) -> float:
        """Return the long-run standard deviation of the rate, ``sigma / sqrt(1 - phi^2)``."""
        return float(self.sigma / np.sqrt(1.0 - self.phi**2))

    def simulate(
        self,
        n: int,
        paths: int,
        rng: np.random.Generator | None = None,
        *,
        start: npt.ArrayLike | None = None,
    ) -> FloatArray:
        """Simulate ``n`` intervals for ``paths`` paths at once, shape ``(paths, n)``.

        Parameters
        ----------
        n, paths : int
            Intervals and paths.
        rng : numpy.random.Generator, optional
            Random source (default: a fresh unseeded generator).
        start : array_like, optional
            Rate of the interval before the first, per path (default: a draw
            from the stationary distribution).

        Returns
        -------
        ndarray
            Rates per interval. [fraction]

        """
        gen = rng if rng is not None else np.random.default_rng()
        shocks = self.sigma * gen.standard_normal((paths, n))
        if start is None:
            x0 = self.stationary_std() * gen.standard_normal(paths)
        else:
            x0 = np.broadcast_to(np.asarray(start, dtype=np.float64), (paths,)) - self.mean
        # x[t] = phi x[t-1] + e[t] along time for every path in one call; zi carries x[-1].
        x = lfilter([1.0], [1.0, -self.phi], shocks, axis=-1, zi=(self.phi * x0)[:, None])[0]
        out = np.asarray(x + self.mean, dtype=np.float64)
        if self.cap is not None:
            np.clip(out, -self.cap, self.cap, out=out)
        return out


@dataclasses.dataclass(frozen=True)
class FundingHistory:
    """Real funding rates of one perpetual, in time order.

    Attributes
    ----------
    times : ndarray of datetime64[s]
        Funding times (UTC).
    rates : ndarray
        Rate of each interval; > 0: longs pay shorts. [fraction]
    interval_hours : ndarray
        Length of the interval each rate covers. [h]
    marks : ndarray
        Trade price near each funding time, NaN where unknown. [USD/coin]
    symbol : str
        E.g. ``"XBTUSD"``.

    """

    times: np.ndarray
    rates: FloatArray
    interval_hours: FloatArray
    marks: FloatArray
    symbol: str = "XBTUSD"

    @classmethod
    def from_frame(cls, frame: object, symbol: str | None = None) -> FundingHistory:
        """Build from a ``funding`` frame (importer or store: time, rate, interval_hours, mark).

        Parameters
        ----------
        frame : pandas.DataFrame
            Columns ``time``, ``rate``, ``interval_hours``, ``mark`` (and ``symbol``).
        symbol : str, optional
            Keep only this symbol (default: the frame must hold one).

        """
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            raise TypeError("frame must be a pandas DataFrame")
        df = frame
        if "symbol" in df:
            names = sorted(set(df["symbol"]))
            if symbol is not None:
                df = df[df["symbol"] == symbol]
            elif len(names) > 1:
                raise InputError(f"several symbols ({', '.join(names)}); choose one",
                                 field="symbol")
            symbol = symbol or (names[0] if names else "")
        if df.empty:
            raise InputError(f"no funding rates for {symbol!r}", field="symbol")
        df = df.sort_values("time")
        return cls(times=df["time"].to_numpy(dtype="datetime64[s]"),
                   rates=df["rate"].to_numpy(dtype=np.float64),
                   interval_hours=df["interval_hours"].to_numpy(dtype=np.float64),
                   marks=df["mark"].to_numpy(dtype=np.float64, na_value=np.nan),
                   symbol=symbol or "")

    def window(self, start: str, end: str) -> FundingHistory:
        """Return the funding times in ``[start, end)`` (ISO strings, UTC)."""
        t0, t1 = np.datetime64(start, "s"), np.datetime64(end, "s")
        keep = (self.times >= t0) & (self.times < t1)
        return FundingHistory(self.times[keep], self.rates[keep], self.interval_hours[keep],
                              self.marks[keep], self.symbol)

    def per_8h(self) -> FloatArray:
        """Rates scaled to an 8-hour interval (the 24 h rates of 2016 divided by 3)."""
        return np.asarray(self.rates * 8.0 / self.interval_hours, dtype=np.float64)


def daily_sums(times: np.ndarray, values: npt.ArrayLike) -> tuple[np.ndarray, FloatArray]:
    """Sum values by UTC day (the engine steps daily; funding comes three times a day).

    Parameters
    ----------
    times : ndarray of datetime64
        Time of each value, sorted.
    values : array_like
        Rates or payments, last axis along ``times``.

    Returns
    -------
    days : ndarray of datetime64[D]
        The distinct days.
    sums : ndarray
        Sum of each day's values (last axis along ``days``).

    """
    day = np.asarray(times).astype("datetime64[D]")
    days, first = np.unique(day, return_index=True)
    v = np.asarray(values, dtype=np.float64)
    return days, np.add.reduceat(v, first, axis=-1)


def rates_per_step(history: FundingHistory, dates: npt.ArrayLike,
                   steps_per_day: int = 1) -> FloatArray:
    """Sum the funding rates falling in each engine step (a day, or an hour).

    A step ``[start, start + 24 h / steps_per_day)`` receives every rate whose
    funding time lies in it; the engine pays them at the step's mark.

    Parameters
    ----------
    history : FundingHistory
        Real rates, in time order.
    dates : array_like of datetime64[D] (D,)
        Consecutive days of the run.
    steps_per_day : int
        1 or 24.

    Returns
    -------
    ndarray (D · steps_per_day,)
        Summed rate of each step. [fraction]

    Raises
    ------
    InputError
        If the history does not cover the whole run (a rate would be missing).

    """
    days = np.asarray(dates, dtype="datetime64[D]")
    step = np.timedelta64(86400 // steps_per_day, "s")
    start = days[0].astype("datetime64[s]")
    n = days.size * steps_per_day
    end = start + n * step
    times = history.times.astype("datetime64[s]")
    if times.size == 0 or times[0] > start + np.timedelta64(
            int(history.interval_hours[0] * 3600), "s") or times[-1] < end - np.timedelta64(
            int(history.interval_hours[-1] * 3600), "s"):
        first = str(times[0]) if times.size else "none"
        last = str(times[-1]) if times.size else "none"
        raise InputError(f"the {history.symbol} funding history ({first} to {last}) does not "
                         f"cover the run ({days[0]} to {days[-1]})", field="hedge.funding")
    return _sum_into_steps(times, history.rates, start, n, step)


def _sum_into_steps(times: np.ndarray, rates: FloatArray, start: np.datetime64, n: int,
                    step: np.timedelta64) -> FloatArray:
    """Sum ``rates`` (last axis along ``times``) into ``n`` steps from ``start``: (n, ...)."""
    end = start + n * step
    inside = (times >= start) & (times < end)
    index = ((times[inside] - start) // step).astype(np.int64)
    r = np.asarray(rates, dtype=np.float64)[..., inside]
    out = np.zeros((n, *r.shape[:-1]))
    np.add.at(out, index, np.moveaxis(r, -1, 0))
    return out


#: The AR(1) of BitMEX XBTUSD's 4,844 8-hourly rates, 2016-06-04 .. 2020-11-05
#: (:meth:`AR1Funding.fit`; tests/finance/test_funding_data.py): the default of a
#: ``funding.source = "ar1"`` hedge.
XBTUSD_AR1 = AR1Funding(mean=0.000126, phi=0.755, sigma=0.000749)

#: Spawn-key element of the funding streams (``b"FUND"``): no other stream of a chunk's
#: seed sequence uses it, so funding draws never change the price paths.
FUNDING_STREAM = 0x46554E44


def funding_times(dates: npt.ArrayLike, interval_hours: float) -> np.ndarray:
    """Return the funding times over consecutive days, ``interval/2 + k·interval`` from day 0.

    8 h: 04:00, 12:00, 20:00 UTC, as BitMEX; 24 h: 12:00.

    Parameters
    ----------
    dates : array_like of datetime64[D] (D,)
        Consecutive days.
    interval_hours : float
        Hours between funding times (> 0).

    Returns
    -------
    ndarray of datetime64[s]
        Every funding time before the end of the last day.

    """
    days = np.asarray(dates, dtype="datetime64[D]")
    seconds = float(interval_hours) * 3600.0
    if not np.isfinite(seconds) or seconds <= 0:
        raise InputError(f"must be > 0 (got {interval_hours!r})", field="funding.interval_hours")
    total = days.size * 86400.0
    n = int(np.floor((total - seconds / 2) / seconds)) + 1 if total > seconds / 2 else 0
    offsets = np.round(seconds / 2 + seconds * np.arange(n)).astype(np.int64)
    return np.asarray(days[0].astype("datetime64[s]") + offsets.astype("timedelta64[s]"))


def path_generators(base: np.random.SeedSequence | None, seed: int,
                    n_paths: int) -> list[np.random.Generator]:
    """Return one generator per path for funding draws.

    Path ``p`` is seeded by ``base``'s entropy with spawn key
    ``base.spawn_key + (FUNDING_STREAM, seed, p)``: reproducible, independent of
    how many paths the run has, of the farms and variants using it, and of every
    other stream drawn from ``base`` (the price paths).

    Parameters
    ----------
    base : numpy.random.SeedSequence or None
        The run's seed sequence (a Monte Carlo chunk's); None: ``SeedSequence(0)``
        (a backtest).
    seed : int
        The config's own seed (>= 0).
    n_paths : int
        Paths.

    """
    root = base if base is not None else np.random.SeedSequence(0)
    key = (*root.spawn_key, FUNDING_STREAM, int(seed))
    return [np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(*key, p)))
            for p in range(int(n_paths))]


def simulated_rates_per_step(model: AR1Funding | ConstantFunding, dates: npt.ArrayLike,
                             steps_per_day: int,
                             generators: list[np.random.Generator]) -> FloatArray:
    """Draw a model's rates per funding interval for each path and sum them into steps.

    Parameters
    ----------
    model : AR1Funding or ConstantFunding
        The rate per interval (its ``interval_hours`` sets the funding times,
        :func:`funding_times`).
    dates : array_like of datetime64[D] (D,)
        Consecutive days of the run.
    steps_per_day : int
        1 or 24.
    generators : list of numpy.random.Generator
        One per path (:func:`path_generators`); path ``p`` draws all its intervals
        from ``generators[p]`` (the AR(1) starts from its stationary distribution).

    Returns
    -------
    ndarray (D · steps_per_day, P)
        Summed rate of each step and path. [fraction]

    """
    days = np.asarray(dates, dtype="datetime64[D]")
    times = funding_times(days, model.interval_hours)
    rates = np.concatenate([model.simulate(times.size, 1, g) for g in generators], axis=0) \
        if generators else np.zeros((0, times.size))
    step = np.timedelta64(86400 // steps_per_day, "s")
    return _sum_into_steps(times, rates, days[0].astype("datetime64[s]"),
                           days.size * steps_per_day, step)
