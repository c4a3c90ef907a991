"""Built-in example tariffs of the winter of 2018, each with its public source.

The figures come from rows of ../shared/data/mining_power_prices.csv (see
docs/tariffs.md); the URL of each is cited beside the tariff.
"""

from __future__ import annotations

from hashwinter.energy.flat import FlatTariff
from hashwinter.energy.seasonal import Season, SeasonalTariff
from hashwinter.energy.tariffs import AnyTariff
from hashwinter.errors import InputError

__all__ = [
    "EXAMPLE_TARIFFS",
    "F2POOL_BENCHMARK",
    "SHIHEZI_2018",
    "SICHUAN_HYDRO_2018",
    "example_tariff",
]

#: Sichuan hydropower as the story's miners paid it: 0.08 CNY/kWh in the wet
#: season, 0.28 CNY/kWh on thermal power in the dry season.
#: Prices: 8btc, "Bitcoin Mining Rigs Are Moved to Sichuan As Wet Season Draws
#: Near" (March 2019), https://news.8btc.com/bitcoin-mining-rigs-are-moved-to-sichuan-as-wet-season-draws-near
#: "In the period of high water, the cost of electricity in Sichuan can be as
#: low as 0.08 yuan ($0.01), while the electricity cost of thermal power in dry
#: season is 0.28 yuan ($0.04)."
#: Months: the CSV rows give no months. The same article dates the dry season
#: "starting from November" and the rainy season "expected to come in April",
#: hence wet 1 April - 31 October and dry 1 November - 31 March. The seed story
#: has the dry season reach the farms "at the end of November" 2018; with these
#: spans 25 November 2018 is already priced at the dry-season 0.28.
SICHUAN_HYDRO_2018 = SeasonalTariff(
    name="Sichuan hydro 2018 (wet 0.08 / dry 0.28)",
    currency="CNY",
    seasons=(
        Season(name="wet", start="04-01", end="10-31", price=0.08),
        Season(name="dry", start="11-01", end="03-31", price=0.28),
    ),
)

#: Hu Haifeng's farm in Shihezi, Xinjiang: a preferential 0.28 CNY/kWh obtained
#: "more than a year" before late November 2018.
#: https://fb.box/crypto/69775.html  "he obtained a preferential electricity
#: price of 0.28 yuan per kWh from Shihezi Power Company in the name of 'cloud
#: computing'".
SHIHEZI_2018 = FlatTariff(name="Shihezi 2018 (preferential)", currency="CNY", price=0.28)

#: The electricity price F2Pool assumed for its shutdown-price table of
#: 25 November 2018 (an assumption, not a price anyone paid).
#: https://fb.box/crypto/67996.html  "calculated at an electricity price of
#: 0.38 yuan per kilowatt-hour, six Bitcoin mining machines including the Ant S9
#: have reached the shutdown price."
F2POOL_BENCHMARK = FlatTariff(name="F2Pool benchmark 2018-11", currency="CNY", price=0.38)

#: Name -> tariff, for the CLI and configs (``tariff = "sichuan_hydro_2018"``).
EXAMPLE_TARIFFS: dict[str, AnyTariff] = {
    "sichuan_hydro_2018": SICHUAN_HYDRO_2018,
    "shihezi_2018": SHIHEZI_2018,
    "f2pool_benchmark": F2POOL_BENCHMARK,
}


def example_tariff(name: str) -> AnyTariff:
    """Return a built-in example tariff by name (case-insensitive, ``-`` or ``_``).

    Raises
    ------
    InputError
        For an unknown name, listing the known ones.

    """
    key = name.strip().lower().replace("-", "_")
    if key not in EXAMPLE_TARIFFS:
        raise InputError(
            f"unknown example tariff {name!r}: expected one of {', '.join(EXAMPLE_TARIFFS)}",
            field="tariff",
        )
    return EXAMPLE_TARIFFS[key]
