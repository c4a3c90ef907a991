"""Plausible ranges for every physical and money input, in one registry.

A value outside its range is not a model result waiting to happen: it is a typo
(a tariff of 28 for 0.28), a unit slip (TH/s for H/s) or an attack on the
machine (``paths = 1e12``). Every config model (pydantic) and every CLI flag
checks its inputs against the entries here, so that the limits are written
once and documented once (docs/glossary.md, "Plausible ranges").

The money caps are chosen so that every cumulative money sum a run can form
stays below about 1e12 currency units, where a float64 ledger still balances
to the cent (the spacing of float64 at 1e12 is about 1.2e-4).

Use :class:`InRange` inside a pydantic model::

    price: Annotated[float, InRange("tariff_per_kwh")] = 0.28

and :func:`check` / :func:`check_array` for flags and arrays.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from pydantic import Field, GetCoreSchemaHandler
from pydantic_core import core_schema

from hashwinter.errors import InputError

__all__ = [
    "RANGES", "InRange", "Range", "bounded", "check", "check_array", "get_range", "markdown_table",
]


#: Smallest non-zero magnitude any input may have: below it, a value is a slip, and
#: dividing by it overflows to inf (1 / 1e-320 is inf in float64).
_TINY = 1e-100


@dataclasses.dataclass(frozen=True)
class Range:
    """The plausible interval of one kind of quantity.

    Attributes
    ----------
    kind : str
        Registry key, e.g. ``"tariff_per_kwh"``.
    unit : str
        Base unit the bounds are in (see docs/glossary.md).
    low, high : float
        Bounds (finite).
    low_open : bool
        True when ``low`` itself is not allowed (``> low``), False for ``>= low``.
    why : str
        Where the bounds come from: a source, or ``"assumption: ..."``.

    """

    kind: str
    unit: str
    low: float
    high: float
    low_open: bool
    why: str

    def problem(self, value: float) -> str | None:
        """Return why ``value`` is outside the range, or None when it is inside."""
        unit = f" {self.unit}" if self.unit else ""
        try:
            value = float(value)
        except OverflowError:  # an int beyond float (TOML integers have no limit)
            return f"must be <= {self.high:g}{unit} (got an integer of {len(str(value))} digits)"
        if not math.isfinite(value):
            return f"must be a finite number (got {value!r})"
        if 0 < abs(value) < _TINY:
            # A subnormal or near-zero slip (1e-320) overflows the first division by it.
            least = "at least" if self.low_open and self.low == 0 else "0 or at least"
            return f"must be {least} {_TINY:g} in magnitude (got {value:g})"
        if self.low_open and value <= self.low:
            return f"must be > {self.low:g}{unit} (got {value:g})"
        if not self.low_open and value < self.low:
            return f"must be >= {self.low:g}{unit} (got {value:g})"
        if value > self.high:
            return f"must be <= {self.high:g}{unit} (got {value:g})"
        return None


def _r(kind: str, unit: str, low: float, high: float, why: str, *, low_open: bool = False
       ) -> tuple[str, Range]:
    return kind, Range(kind, unit, low, high, low_open, why)


#: Every registered range, by kind. Later modules add their inputs here (one place).
RANGES: dict[str, Range] = dict([
    # Physics and protocol.
    _r("hashrate", "H/s", 0.0, 1e22,
       "assumption: 10x the whole Bitcoin network of 2025 (~1e21 H/s)"),
    _r("hashrate_ehs", "EH/s", 0.0, 1e4,
       "the hashrate range (1e22 H/s) in EH/s", low_open=True),
    _r("supply_ehs", "EH/s", -1e4, 1e4,
       "the hashrate range in EH/s, either sign (an intercept of a linear supply)"),
    _r("supply_slope", "EH/s per USD/EH", -1e6, 1e6,
       "assumption: a slope that moves 1e4 EH/s for 0.01 USD/EH"),
    _r("supply_steepness", "1/(USD/EH)", 0.0, 1e4,
       "assumption: a sigmoid that switches within 1e-4 USD/EH", low_open=True),
    _r("revenue_per_eh", "USD/EH", -1e9, 1e9,
       "assumption: 1e4x Bitcoin's 2018 revenue per EH (~1.5 USD/EH)"),
    _r("machine_hashrate", "H/s", 0.0, 1e16,
       "assumption: 10x the fastest 2025 ASIC (~1e15 H/s)", low_open=True),
    _r("machine_power", "W", 0.0, 1e5,
       "assumption: 10x the largest 2025 ASIC (~1e4 W)", low_open=True),
    _r("site_capacity_mw", "MW", 0.0, 1e4,
       "assumption: 10 GW, several times the largest mining site of 2025", low_open=True),
    _r("energy_per_month", "kWh/month", 0.0, 1e11,
       "assumption: a 10 GW site (site_capacity_mw) draws ~7.3e9 kWh a month", low_open=True),
    _r("difficulty", "", 0.0, 1e18,
       "assumption: 10^4 x Bitcoin's 2025 difficulty (~1.5e14)", low_open=True),
    _r("pue", "", 1.0, 3.0, "assumption: data centres run 1.0-2.0"),
    _r("fraction", "", 0.0, 1.0, "definition"),
    _r("blocks_per_day", "blocks", 0.0, 1e5,
       "assumption: Ethereum's ~6,500 a day, with room", ),
    _r("block_count", "blocks", 0.0, 1e8,
       "assumption: ~190 years of Bitcoin blocks", ),
    _r("block_interval_s", "s", 0.0, 1e6,
       "assumption: ~11.6 days a block, 1,700x Bitcoin's 600 s", low_open=True),
    _r("block_time_min", "min", 0.0, 1e6,
       "assumption: a threshold of ~2 years on one block interval", low_open=True),
    _r("coins", "coin", 0.0, 1e9,
       "assumption: above any coin supply held by one farm"),
    _r("coins_per_block", "coin/block", 0.0, 1e4,
       "assumption: 200x Bitcoin's first subsidy (50 BTC); subsidy or fees of one block"),
    # Markets (price processes).
    _r("drift_per_day", "1/day", -0.1, 0.1,
       "assumption: a log drift of 10 % a day (e^36.5 a year); 2018 BTC: -0.0028"),
    _r("drift_per_year", "1/year", -36.5, 36.5, "drift_per_day x 365"),
    _r("volatility_per_sqrt_day", "1/sqrt(day)", 0.0, 1.0,
       "assumption: 100 % a day; 2018 BTC: 0.043"),
    _r("volatility_per_sqrt_year", "1/sqrt(year)", 0.0, 19.1,
       "volatility_per_sqrt_day x sqrt(365)"),
    _r("jump_rate_per_day", "1/day", 0.0, 10.0, "assumption: ten jumps a day"),
    _r("jump_log_size", "log price", -5.0, 5.0,
       "assumption: one jump moves the price at most e^5 (~150x)"),
    _r("growth_per_month", "1/month", -1.0, 10.0,
       "assumption: 11x a month; Bitcoin's difficulty grew at most ~4x in a month (2010)",
       low_open=True),
    _r("margin_ratio", "", -1.0, 100.0,
       "price / shutdown price - 1: at least -100 %, at most 100x above water",
       low_open=True),
    # Money (any currency: the caps hold for CNY, USD and EUR alike).
    _r("tariff_per_kwh", "currency/kWh", 0.0, 100.0,
       "assumption: 100x the dearest quoted mining tariff"),
    _r("coin_price", "currency/coin", 0.0, 1e8,
       "assumption: 1e8 currency per coin", low_open=True),
    _r("machine_price", "currency/machine", 0.0, 1e7,
       "assumption: 100x a new 2025 ASIC in CNY"),
    _r("money_per_machine_day", "currency/(machine day)", 0.0, 1e4,
       "assumption: 100x a machine's whole daily revenue in 2021 (~100 CNY)"),
    _r("margin_per_machine_day", "currency/(machine day)", -1e4, 1e4,
       "money_per_machine_day, either sign"),
    _r("money_per_day", "currency/day", 0.0, 1e7,
       "caps cumulative sums below ~1e12 over 100 years"),
    _r("money_per_month", "currency/month", 0.0, 1e8,
       "caps cumulative sums below ~1e12 over 100 years"),
    _r("money_amount", "currency", 0.0, 1e11,
       "caps cumulative sums below ~1e12"),
    _r("money_balance", "currency", -1e11, 1e11,
       "money_amount, either sign (an opening balance may be a debt)"),
    _r("fx_per_usd", "currency/USD", 0.0, 1e6,
       "assumption: above any currency's rate against the USD", low_open=True),
    _r("rate_per_year", "1/year", 0.0, 10.0, "assumption: a discount/growth rate of 1000%"),
    # Shapes and horizons.
    _r("machine_count", "machines", 0.0, 1e8,
       "assumption: 10x the machines on the whole Bitcoin network"),
    _r("horizon_days", "days", 0.0, 36_525.0, "assumption: 100 years", low_open=True),
    _r("paths", "paths", 0.0, 1e7,
       "assumption: 1,000x the examples' 2,000-5,000; memory is checked by hashwinter.resources",
       low_open=True),
    _r("life_years", "years", 0.0, 50.0,
       "assumption: depreciation over 50 years, longer than a building's", low_open=True),
    # Hedging (finance/).
    _r("hedge_ratio", "", 0.0, 10.0,
       "assumption: 10x expected production; above 1 needs allow_over_hedge"),
    _r("leverage", "", 0.0, 125.0,
       "the highest leverage offered on BTC contracts (Binance 2020: 125x)", low_open=True),
    _r("fee_rate", "", -0.01, 0.1,
       "assumption: maker rebates to -1 %, fees to 10 % (BitMEX 2018: -0.025 % .. 0.075 %)"),
    _r("funding_rate", "1/interval", -0.1, 0.1,
       "assumption: 10 % per interval (BitMEX XBTUSD 2016-2020: -0.68 % .. 1.125 %)"),
    _r("basis_per_year", "1/year", -5.0, 5.0,
       "assumption: +-500 %/yr (quarterly premia peaked near 50-100 %/yr in 2017)"),
    # Stored history (``hashwinter data import``; ``data check`` applies them to a store).
    _r("coins_per_day", "coin/day", 0.0, 1e10,
       "assumption: above any proof-of-work coin's daily issuance (early Dogecoin paid up to "
       "1e6 DOGE a minute, ~1.4e9 a day)"),
    _r("fees_per_day", "coin/day", -1e10, 1e10,
       "assumption: as coins_per_day; negative totals are kept as published and flagged "
       "by `data check`"),
    _r("fx_history_per_usd", "currency/USD", 0.0, 1e9,
       "assumption: above any rate the ECB has published (the old Turkish lira, TRL, reached "
       "~1.8e6 per EUR in 2004)", low_open=True),
    _r("difficulty_ratio", "", 0.0, 1e4,
       "assumption: retargets move difficulty by a ratio far below 1e4 (Bitcoin's rule "
       "clamps it to 1/4..4; `data check` flags beyond)", low_open=True),
    _r("history_day", "days since 1970-01-01", 0.0, 47_846.0,
       "assumption: no stored daily series starts before the Unix epoch; 47,846 is "
       "2100-12-31"),
    # Sites, risks and moves (hashwinter.sites).
    _r("event_rate_per_year", "1/year", 0.0, 365.0,
       "assumption: at most one event starting a day"),
    _r("event_duration_days", "days", 0.0, 3_650.0,
       "assumption: a cut of ten years is a closure", low_open=True),
    _r("move_days", "days", 0.0, 365.0, "assumption: a move of a year is not a move"),
    _r("site_mw", "MW", 0.0, 1e5,
       "assumption: 10x the whole Bitcoin network's draw of 2025 (~1.5e4 MW)"),
])


def get_range(kind: str) -> Range:
    """Return the registered :class:`Range` of ``kind`` (KeyError names the known kinds)."""
    try:
        return RANGES[kind]
    except KeyError:
        raise KeyError(f"no range registered for {kind!r}; known: {sorted(RANGES)}") from None


def check(kind: str, value: float, *, field: str) -> float:
    """Return ``value`` if it lies in the range of ``kind``; else raise InputError.

    Parameters
    ----------
    kind : str
        Registry key (see :data:`RANGES`).
    value : float
        The value to check. [the range's unit]
    field : str
        Field or flag named in the error (``"--tariff"``, ``"sites[0].pue"``).

    Examples
    --------
    >>> check("pue", 1.1, field="pue")
    1.1
    >>> check("tariff_per_kwh", 1e308, field="--tariff")
    Traceback (most recent call last):
    ...
    hashwinter.errors.InputError: --tariff: must be <= 100 currency/kWh (got 1e+308)

    """
    problem = get_range(kind).problem(value)
    if problem is not None:
        raise InputError(problem, field=field)
    return value


def check_array(kind: str, values: npt.ArrayLike, *, field: str) -> npt.NDArray[np.float64]:
    """Check every element of an array; the error names the first bad index."""
    arr = np.asarray(values, dtype=np.float64)
    rng = get_range(kind)
    low_bad = arr <= rng.low if rng.low_open else arr < rng.low
    bad = ~np.isfinite(arr) | low_bad | (arr > rng.high)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"{field}[{', '.join(map(str, idx))}]" if arr.ndim else field
        raise InputError(rng.problem(float(arr[idx])) or "out of range", field=where)
    return arr


class InRange:
    """Pydantic metadata: check a float or int field against the range of ``kind``.

    The mypy-friendly form of :func:`bounded`::

        pue: Annotated[float, InRange("pue")] = 1.0
        count: Annotated[int, InRange("machine_count"), Field(ge=1, strict=True)]

    Floats also refuse NaN and infinities (pydantic's ``allow_inf_nan=False``),
    so the message is pydantic's "must be a finite number" for those. Pydantic
    reports a violation with the field's dotted path; the message is the same
    as :func:`check`'s.
    """

    def __init__(self, kind: str) -> None:
        self.range = get_range(kind)

    def __repr__(self) -> str:
        return f"InRange({self.range.kind!r})"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Wrap the field's own schema (float or int) in the range check."""
        schema: Any = handler(source)
        if schema.get("type") == "float":
            schema["allow_inf_nan"] = False
        rng = self.range

        def _validate(value: Any) -> Any:
            problem = rng.problem(value)
            if problem is not None:
                raise ValueError(problem)
            return value

        return core_schema.no_info_after_validator_function(_validate, schema)


def bounded(kind: str, *, strict: bool = False) -> Any:
    """Return ``Annotated[float, InRange(kind)]`` (``strict``: no strings or booleans).

    Handy where a type is built at run time; in a class body prefer
    ``Annotated[float, InRange(kind)]``, which mypy understands.
    """
    return Annotated[float, Field(strict=strict), InRange(kind)]


def markdown_table() -> str:
    """Return the registry as the Markdown table of docs/glossary.md ("Plausible ranges").

    tests/test_ranges_docs.py checks that the glossary holds exactly this table,
    so the documentation and the code cannot drift apart.
    """
    def bound(value: float) -> str:
        return f"{value:g}"

    rows = ["| kind | unit | low | high | why |", "|---|---|---|---|---|"]
    for rng in RANGES.values():
        low = ("> " if rng.low_open else "≥ ") + bound(rng.low)
        rows.append(f"| `{rng.kind}` | {rng.unit or '—'} | {low} | ≤ {bound(rng.high)} "
                    f"| {rng.why} |")
    return "\n".join(rows) + "\n"
