"""Physical and protocol constants in base units (see docs/glossary.md).

Inside hashwinter hashrate is in H/s, power in W, time in s, energy in kWh
where money is attached (tariffs are per kWh), coins in whole coins (BTC) as
floats or in integer satoshis where exactness matters.

Three years are in use, each for what it means (one name each):

- :data:`TRADING_DAYS_PER_YEAR` (365): coins trade every calendar day, so annualised
  drift and volatility of prices count 365 trading days (``market/``, scenario price
  inputs ``mu_annual``/``sigma_annual``);
- :data:`JULIAN_YEAR_DAYS` (365.25): the day count of rates "per year" — discount
  rates, NPV, futures basis, difficulty growth per year in the valuation of used
  machines, machine and capex lives in years, risk events per year, a year of
  electricity — independent of where the leap days fall;
- :data:`GREGORIAN_YEAR_DAYS` (365.2425): the mean calendar year, whose twelfth
  (:data:`GREGORIAN_MONTH_DAYS`, 30.436875 days) is the month of growth "per month"
  along calendar dates (difficulty projections and the payback calculator).
"""

from __future__ import annotations

__all__ = [
    "GREGORIAN_MONTH_DAYS",
    "GREGORIAN_YEAR_DAYS",
    "HASHES_PER_DIFFICULTY",
    "HOURS_PER_DAY",
    "JULIAN_YEAR_DAYS",
    "SATOSHI_PER_COIN",
    "SECONDS_PER_DAY",
    "SECONDS_PER_HOUR",
    "TARGET_BLOCK_INTERVAL_S",
    "TERA",
    "TRADING_DAYS_PER_YEAR",
    "WATTS_PER_KILOWATT",
]

#: Expected hashes per block at difficulty 1 (the difficulty-1 target is ~2^224,
#: so finding a block takes 2^256 / 2^224 = 2^32 hashes on average).
HASHES_PER_DIFFICULTY: float = float(2**32)
#: Bitcoin's target spacing between blocks. [s]
TARGET_BLOCK_INTERVAL_S: int = 600
SECONDS_PER_HOUR: int = 3_600
SECONDS_PER_DAY: int = 86_400
HOURS_PER_DAY: int = 24
SATOSHI_PER_COIN: int = 100_000_000
#: 1 TH/s = 1e12 H/s.
TERA: float = 1e12
WATTS_PER_KILOWATT: float = 1_000.0
#: Trading days a year of a coin (markets never close): annualised price drift and
#: volatility. [day]
TRADING_DAYS_PER_YEAR: float = 365.0
#: The Julian year: the day count of rates per year, lives in years, events per year. [day]
JULIAN_YEAR_DAYS: float = 365.25
#: The mean Gregorian calendar year. [day]
GREGORIAN_YEAR_DAYS: float = 365.2425
#: The mean Gregorian calendar month: the month of growth per month (30.436875). [day]
GREGORIAN_MONTH_DAYS: float = GREGORIAN_YEAR_DAYS / 12
