"""What a graphics card fetches from gamers: a documented, parameterised model.

Miners price a rig by the coin; gamers price a card by a retail price that does not
follow the coin, and cannot tell a mined card from a new one (seed §7). The data is
thin (../shared/data/gpu_prices.csv: new-card prices in Germany to 2018-02-10 and
eight US quotes to 2018-07; nothing used, nothing for the winter, when mining cards
flooded the market), so the price a card brings is a model, every parameter of which
is an ASSUMPTION to be swept (docs/gpu.md)::

    gamer price = new-card price x fraction_of_new x exp(-age_decay_per_year x age)
                  x (1 - glut_discount x glut)
    card value  = max(gamer price x (1 - selling_fee), rental floor)

``glut`` in [0, 1] says how flooded the used market is; :func:`glut_index` takes it
from the coin's drawdown (miners sell cards when the coin has fallen). The optional
rental floor is what renting the card out as compute (e.g. AI jobs) would earn over
a horizon, net of its power: a card is never sold for less than that.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from hashwinter.fill import asof
from hashwinter.units import HOURS_PER_DAY, JULIAN_YEAR_DAYS, WATTS_PER_KILOWATT

__all__ = [
    "CardResaleModel",
    "gamer_price",
    "glut_index",
    "new_price_series",
    "rental_floor",
]

FloatArray = npt.NDArray[np.float64]


class CardResaleModel(BaseModel):
    """Parameters of the gamer-market price of a used card (all ASSUMPTIONS).

    Attributes
    ----------
    fraction_of_new : float
        Used price of a new-looking card over the new-card price, before age and glut.
        ASSUMPTION 0.75 (gamers cannot tell a mined card; a used card still sells below
        new). [fraction]
    age_decay_per_year : float
        Continuous decay of the used price with the card's age. ASSUMPTION 0.25 (a
        generation every ~2 years halves a card's appeal in ~3). [1/year]
    glut_discount : float
        Extra discount at a full glut (glut = 1). ASSUMPTION 0.35 (winter 2018/19:
        mining cards dumped on second-hand sites). [fraction]
    selling_fee : float
        Marketplace fees, shipping and handling per card sold. ASSUMPTION 0.10. [fraction]
    glut_window_days : int
        Window of the coin's running peak for :func:`glut_index`. ASSUMPTION 365. [day]
    rent_per_card_hour : float
        Compute rental income per card-hour (0 = no alternative use). [currency/h]
    rent_utilization : float
        Share of hours a rented card is let. ASSUMPTION 0.5. [fraction]
    rent_horizon_days : float
        Horizon over which renting is valued as a floor. ASSUMPTION 365. [day]

    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    fraction_of_new: Annotated[float, Field(gt=0, le=1)] = 0.75
    age_decay_per_year: Annotated[float, Field(ge=0, le=5)] = 0.25
    glut_discount: Annotated[float, Field(ge=0, lt=1)] = 0.35
    selling_fee: Annotated[float, Field(ge=0, lt=1)] = 0.10
    glut_window_days: Annotated[int, Field(ge=1, le=3650)] = 365
    rent_per_card_hour: Annotated[float, Field(ge=0, le=100)] = 0.0
    rent_utilization: Annotated[float, Field(ge=0, le=1)] = 0.5
    rent_horizon_days: Annotated[float, Field(ge=0, le=3650)] = 365.0

    def gross_price(self, new_price: npt.ArrayLike, age_days: npt.ArrayLike,
                    glut: npt.ArrayLike) -> FloatArray:
        """Return the gamer price before fees: what buying a used card from a gamer costs.

        :func:`gamer_price` with this model's parameters [currency/card].
        """
        return _gross(self, new_price, age_days, glut)

    def card_value(
        self,
        new_price: npt.ArrayLike,
        age_days: npt.ArrayLike,
        glut: npt.ArrayLike,
        *,
        card_power_w: npt.ArrayLike = 0.0,
        tariff: npt.ArrayLike = 0.0,
    ) -> FloatArray:
        """Return what one card brings its seller, net of fees, floored by renting it [currency].

        Parameters
        ----------
        new_price : array_like
            New-card retail price. [currency/card]
        age_days : array_like
            Age of the card. [day]
        glut : array_like
            Used-market glut in [0, 1]. [dimensionless]
        card_power_w : array_like
            Card power while rented (for the rental floor's energy). [W]
        tariff : array_like
            Energy price of the renter-operator. [currency/kWh]

        """
        gross = self.gross_price(new_price, age_days, glut)
        floor = rental_floor(self.rent_per_card_hour, self.rent_utilization,
                             self.rent_horizon_days, card_power_w, tariff)
        return np.asarray(np.maximum(gross * (1.0 - self.selling_fee), floor), dtype=np.float64)


def _gross(model: CardResaleModel, new_price: npt.ArrayLike, age_days: npt.ArrayLike,
           glut: npt.ArrayLike) -> FloatArray:
    return gamer_price(new_price, age_days, glut, fraction_of_new=model.fraction_of_new,
                       age_decay_per_year=model.age_decay_per_year,
                       glut_discount=model.glut_discount)


def gamer_price(
    new_price: npt.ArrayLike,
    age_days: npt.ArrayLike,
    glut: npt.ArrayLike,
    *,
    fraction_of_new: float,
    age_decay_per_year: float,
    glut_discount: float,
) -> FloatArray:
    """Return a used card's gamer-market price before fees [currency/card].

    ``new_price x fraction_of_new x exp(-age_decay_per_year x age / 365.25) x
    (1 - glut_discount x glut)``.

    Examples
    --------
    An RX 580 at the July 2018 US retail price of 330 USD (gpu_prices.csv), one year
    old, in a half glut, with the defaults: 330 x 0.75 x e^-0.25 x (1 - 0.35 x 0.5).

    >>> round(float(gamer_price(330.0, 365.25, 0.5, fraction_of_new=0.75,
    ...                         age_decay_per_year=0.25, glut_discount=0.35)), 2)
    159.02

    """
    price = np.asarray(new_price, dtype=np.float64)
    age = np.asarray(age_days, dtype=np.float64) / JULIAN_YEAR_DAYS
    g = np.clip(np.asarray(glut, dtype=np.float64), 0.0, 1.0)
    return np.asarray(price * fraction_of_new * np.exp(-age_decay_per_year * np.maximum(age, 0))
                      * (1.0 - glut_discount * g), dtype=np.float64)


def rental_floor(
    rent_per_card_hour: float,
    utilization: float,
    horizon_days: float,
    card_power_w: npt.ArrayLike,
    tariff: npt.ArrayLike,
) -> FloatArray:
    """Return the value of renting a card out as compute over a horizon [currency/card].

    ``max(rent x utilization - power_kW x tariff x utilization, 0) x 24 x horizon_days``:
    the card's net income while let, undiscounted; 0 without a rent.

    >>> float(rental_floor(0.10, 0.5, 365.0, 150.0, 0.05))
    405.15
    """
    t = np.asarray(tariff, dtype=np.float64)
    watts = np.asarray(card_power_w, dtype=np.float64)
    hourly = (rent_per_card_hour - watts / WATTS_PER_KILOWATT * t) * utilization
    return np.asarray(np.maximum(hourly, 0.0) * HOURS_PER_DAY * horizon_days, dtype=np.float64)


def glut_index(price: npt.ArrayLike, window_days: int = 365) -> FloatArray:
    """Return the used-card glut of each day from the coin's drawdown, in [0, 1].

    ``1 - price / max(price over the window ending on the day)``: 0 at a peak, towards 1
    as the coin falls and miners dump their cards (ASSUMPTION: the glut follows the
    drawdown one for one). Shape of ``price`` (paths on leading axes, days last).

    >>> glut_index([100.0, 50.0, 80.0, 25.0], window_days=2).tolist()
    [0.0, 0.5, 0.0, 0.6875]
    """
    p = np.asarray(price, dtype=np.float64)
    n = p.shape[-1]
    peak = np.empty_like(p)
    # A running max over a sliding window: windows of doubling length (log n maxima).
    cur = p.copy()
    span = 1
    while span < window_days:
        step = min(span, window_days - span)
        shifted = np.concatenate([np.full((*p.shape[:-1], step), -np.inf), cur[..., :n - step]],
                                 axis=-1) if step < n else np.full_like(cur, -np.inf)
        cur = np.maximum(cur, shifted)
        span += step
    peak[...] = cur
    return np.asarray(np.clip(1.0 - p / peak, 0.0, 1.0), dtype=np.float64)


def new_price_series(
    quote_days: npt.ArrayLike, quote_prices: npt.ArrayLike, days: npt.ArrayLike
) -> FloatArray:
    """Return the new-card price on each day: the latest quote on or before it [currency].

    Before the first quote the first one holds (ASSUMPTION), after the last the last one
    (gpu_prices.csv ends in 2018-07: the winter is carried at the last quote).
    """
    qd = np.asarray(quote_days, dtype="datetime64[D]").astype(np.int64)
    qp = np.asarray(quote_prices, dtype=np.float64)
    order = np.argsort(qd, kind="stable")
    qd, qp = qd[order], qp[order]
    d = np.asarray(days, dtype="datetime64[D]").astype(np.int64)
    values, _ = asof(qd, qp, d)
    return np.asarray(np.where(np.isnan(values), qp[0], values), dtype=np.float64)
