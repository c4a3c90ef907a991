"""Projected retargets for the production hedge: the next N days' coins at future difficulties.

The production hedge shorts the coins the fleet that is on would mine over the
next ``N`` days. At the current difficulty ``D0`` that is ``N · c0`` per machine
(``c0`` coins a day). With ``n`` projected retargets the difficulty of the
horizon is projected from what the chain shows at the decision (days up to the
previous one, as every policy sees them):

* the **current epoch** started on the last day the daily difficulty changed
  (``s``; a retarget day is a blend of two difficulties, so the epoch starts on the
  first day showing only the new one, within a day); ``b`` blocks were found on days
  ``s .. e`` (``e`` the last day seen), ``β = b / (e − s + 1)`` a day;
* the **next retarget** is the protocol's own estimate at that pace: the epoch
  would last ``14 · 144 / β`` days, so the difficulty becomes ``D1 = D0 · x1``,
  ``x1 = β / 144``; it comes when the epoch's 2,016 blocks are found,
  ``r0 = max(0, (2016 − b) / β)`` days after day ``e``;
* the **hashrate trend** is the growth of the network's hashrate
  (``difficulty × blocks``, :attr:`hashwinter.engine.DailyMarket.network_hashrate`)
  from the previous epoch (from the change before ``s − 1``, or from the run's
  first day, to ``s − 1``) to the current one, ``g = H̄_cur / H̄_prev`` (1 before
  the run has seen a retarget); it goes on: every later retarget multiplies the
  difficulty by ``g`` (the new difficulty is the epoch's hashrate, which grew by
  ``g``), so after ``j ≥ 1`` retargets it is ``D0 · x1 · g^(j−1)``, and those epochs
  last ``14 / g`` days (blocks come ``g`` times as fast as the target 144 a day);
  both ratios are clipped to the protocol's [1/4, 4]; after the ``n``-th projected
  retarget the difficulty is held.

Expected coins scale as ``1 / D`` (a machine's share of the network times the
blocks a day is ``h · 86400 / (D · 2³²)`` blocks' worth, whatever the block rate),
so the hedge multiplies the current-difficulty production by

``f = (1/N) ∫_a^{a+N} D0 / D(t) dt = (1/N) Σ_j w_j · |[t_j, t_(j+1)) ∩ [a, a+N]|``

with ``w_0 = 1``, ``w_j = 1 / (x1 · g^(j−1))``, ``t_0 = −∞``,
``t_j = r0 + (j − 1)·14/g`` for ``1 ≤ j ≤ n``, ``t_(n+1) = +∞``, and
``a`` the days from the end of day ``e`` to the close of the decision day (1; 0
on the run's first day, which is also the last day seen). In a Monte Carlo the
market's blocks are the target 144 a day: ``x1 = 1`` and ``g`` is the last
simulated retarget's ratio; under an endogenous network the market holds
only the start difficulty and the projection changes nothing.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["EPOCH_BLOCKS", "epoch_view", "projection_factor"]

FloatArray = npt.NDArray[np.float64]

#: Blocks between two difficulty retargets.
EPOCH_BLOCKS = 2016
#: Blocks a day at the target spacing (600 s).
_TARGET_PER_DAY = 144.0
#: A relative change of the daily difficulty above this is a retarget (the stored
#: series carries rounding noise of ~1e-14 between days of one epoch).
_CHANGE = 1e-6


def _last_change(difficulty: FloatArray, before: npt.NDArray[np.int64] | None = None
                 ) -> npt.NDArray[np.int64]:
    """Return per path the last retarget day (below ``before``), 0 if none.

    A retarget day is a day ``t >= 1`` whose difficulty differs from day ``t − 1``'s.
    """
    n = difficulty.shape[1]
    changed = np.zeros(difficulty.shape, dtype=bool)
    changed[:, 1:] = np.abs(difficulty[:, 1:] / difficulty[:, :-1] - 1.0) > _CHANGE
    if before is not None:
        changed &= np.arange(n)[None, :] < before[:, None]
    last = n - 1 - np.argmax(changed[:, ::-1], axis=1)
    return np.where(changed.any(axis=1), last, 0).astype(np.int64)


def epoch_view(difficulty: npt.ArrayLike, blocks_per_day: npt.ArrayLike, day: int
               ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Return what the chain shows at the close of ``day``: ``(x1, g, r0, a)`` per path.

    Parameters
    ----------
    difficulty, blocks_per_day : array_like (P|1, D)
        The run's daily difficulty and blocks found (its market).
    day : int
        The decision day (data of days up to ``max(day − 1, 0)`` are used).

    Returns
    -------
    x1 : ndarray (P,)
        Next retarget's ratio, the current epoch's pace over 144 blocks a day.
    g : ndarray (P,)
        Hashrate growth per epoch, current over previous (1 before a retarget is seen).
    r0 : ndarray (P,)
        Days from the end of the last day seen to the next retarget. [day]
    a : ndarray (P,)
        Days from the end of the last day seen to the close of ``day`` (1, or 0 on day 0).

    """
    d_all = np.atleast_2d(np.asarray(difficulty, dtype=np.float64))
    b_all = np.atleast_2d(np.asarray(blocks_per_day, dtype=np.float64))
    d_all, b_all = np.broadcast_arrays(d_all, b_all)
    e = max(int(day) - 1, 0)
    diff, blocks = d_all[:, : e + 1], b_all[:, : e + 1]
    n_paths = diff.shape[0]
    s = _last_change(diff)
    # The day before s is the same retarget's blend day (or the previous epoch's last
    # day): an epoch is never one day long, so the previous retarget is before it.
    prev = _last_change(diff, before=s - 1)
    days = np.arange(e + 1)[None, :]
    hashrate = diff * blocks
    current = (days >= s[:, None])
    before = (days >= prev[:, None]) & (days < s[:, None])
    h_cur = (hashrate * current).sum(axis=1) / current.sum(axis=1)
    n_before = before.sum(axis=1)
    h_prev = (hashrate * before).sum(axis=1) / np.maximum(n_before, 1)
    g = np.where(n_before > 0, np.clip(h_cur / np.where(n_before > 0, h_prev, 1.0), 0.25, 4.0),
                 1.0)
    found = (blocks * current).sum(axis=1)
    pace = found / current.sum(axis=1)
    x1 = np.clip(pace / _TARGET_PER_DAY, 0.25, 4.0)
    r0 = np.maximum(0.0, (EPOCH_BLOCKS - found) / pace)
    a = np.full(n_paths, float(int(day) - e))
    return (np.asarray(x1, dtype=np.float64), np.asarray(g, dtype=np.float64),
            np.asarray(r0, dtype=np.float64), a)


def projection_factor(x1: npt.ArrayLike, g: npt.ArrayLike, r0: npt.ArrayLike,
                      a: npt.ArrayLike, horizon_days: npt.ArrayLike,
                      retargets: npt.ArrayLike) -> FloatArray:
    """Return ``f``, the mean of ``D0 / D(t)`` over ``[a, a + N]`` (see the module doc).

    Parameters
    ----------
    x1, g, r0, a : array_like
        From :func:`epoch_view` (next ratio, growth per epoch, days to the next
        retarget, start).
    horizon_days : array_like
        ``N``, the days hedged (> 0). [day]
    retargets : array_like of int
        ``n``, retargets projected (0: ``f = 1``).

    Returns
    -------
    ndarray
        The factor, broadcast over the inputs. [dimensionless]

    """
    x1, g, r0, a, horizon, n = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (x1, g, r0, a, horizon_days, retargets)))
    n_max = int(n.max()) if n.size else 0
    lo, hi = a, a + horizon
    length = 14.0 / g
    total = np.zeros(x1.shape)
    for j in range(n_max + 1):
        # Epoch j is [t_j, t_(j+1)); the first and the n-th are open-ended.
        start = np.full(x1.shape, -np.inf) if j == 0 else r0 + (j - 1) * length
        end = np.where(j >= n, np.inf, r0 + j * length)
        inside = np.clip(np.minimum(end, hi) - np.maximum(start, lo), 0.0, None)
        weight = 1.0 if j == 0 else 1.0 / (x1 * g ** (j - 1))
        total = total + np.where(j <= n, inside * weight, 0.0)
    return np.asarray(total / horizon, dtype=np.float64)
