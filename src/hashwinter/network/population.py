"""The farms of a network at a start date, as cohort arrays (owner x efficiency tier).

Built from data, every assumption a parameter of
:class:`~hashwinter.network.config.NetworkScenario`:

1. **machine mix**: :func:`~hashwinter.network.fleet_mix.reconstruct_mix` over the
   monthly hashrate history up to the month before the start; the models are cut into
   ``tiers`` groups of neighbouring efficiency holding about equal hashrate, each tier's
   machine the hashrate-weighted average of its models (vintages averaged), named after
   its largest model;
2. **regions**: shares from the CBECI mining map (hashrate_share_by_region.csv): China's
   provinces times China's share, plus the other countries; where the map starts after the
   start month, the same calendar month of its first year stands in;
3. **tariffs**: per region, a uniform range over the quotes of mining_power_prices.csv
   (USD as printed, CNY converted at ``cny_per_usd``; proposed tariffs left out), or the
   scenario's own range; a region with a share and no tariff is an error naming it;
4. **farm sizes**: Pareto(``size_alpha``, ``size_scale``) machines at stratified
   quantiles; farms are assigned to regions in proportion to the shares (by machines);
   each farm's tariff is its region's range at a random quantile times
   ``(size / median) ** -small_farm_elasticity`` (small farms pay more);
5. every farm holds the same tier mix (assumption); counts are scaled so that the
   population's hashrate equals the network's hashrate implied by difficulty on the
   start day (``D 2^32 / 600``).

No per-farm object: the result is arrays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.chain import hashrate_from_difficulty
from hashwinter.errors import InputError
from hashwinter.hardware import default_catalog
from hashwinter.network.config import NetworkScenario
from hashwinter.network.fleet_mix import FleetMix, monthly_network, reconstruct_mix

__all__ = [
    "Population",
    "build_population",
    "read_btc_daily",
    "region_shares",
    "region_tariffs",
    "tier_split",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: First month of the CBECI map (countries and provinces, SOURCES.md).
MAP_FIRST_YEAR = 2019


@dataclasses.dataclass(frozen=True)
class Population:
    """Farms and their cohorts.

    Attributes
    ----------
    regions : tuple of str
        Region names (R).
    region_share : ndarray (R,)
        Share of the network's machines in each region. [fraction]
    tier_model : tuple of str
        Name of each tier's largest model (K).
    tier_hashrate, tier_power : ndarray (K,)
        Hashrate [H/s] and wall power [W] of one machine of each tier.
    farm_region : ndarray of int (O,)
        Region of each farm.
    farm_machines : ndarray (O,)
        Machines of each farm at the start. [machines]
    farm_tariff : ndarray (O,)
        Energy price of each farm outside the dry season. [USD/kWh]
    farm_dry_tariff : ndarray (O,)
        Energy price of each farm in the dry season's months. [USD/kWh]
    dry_months : tuple of int
        Months (1-12) of the dry season.
    cohort_owner, cohort_tier : ndarray of int (C,)
        Owner and tier of each cohort (``C = O K``, owner-major).
    cohort_count : ndarray (C,)
        Machines in each cohort at the start. [machines]
    mix : FleetMix
        The reconstructed machine mix.
    map_month : str
        Month of the mining map used for the shares (``YYYY-MM``) or ``"scenario"``.
    n_makers : int
        The last ``n_makers`` owners are machine makers (network.maker_population),
        not farms; their ``farm_machines`` is 0.
    region_tariff : ndarray (R, 4), optional
        Each region's tariff range ``(low, high, dry_low, dry_high)``. [USD/kWh]
    farm_quantile, farm_premium : ndarray (O,), optional
        The quantile of its region's range each farm's tariff sits at, and its size
        premium ``(size / median) ** -small_farm_elasticity`` (network.migration
        prices a farm's sister site with them).

    """

    regions: tuple[str, ...]
    region_share: FloatArray
    tier_model: tuple[str, ...]
    tier_hashrate: FloatArray
    tier_power: FloatArray
    farm_region: IntArray
    farm_machines: FloatArray
    farm_tariff: FloatArray
    farm_dry_tariff: FloatArray
    dry_months: tuple[int, ...]
    cohort_owner: IntArray
    cohort_tier: IntArray
    cohort_count: FloatArray
    mix: FleetMix
    map_month: str
    n_makers: int = 0
    region_tariff: FloatArray | None = None
    farm_quantile: FloatArray | None = None
    farm_premium: FloatArray | None = None

    @property
    def n_farms(self) -> int:
        """Number of owners ``O`` (the farms, then the makers if any)."""
        return int(self.farm_machines.size)

    @property
    def hashrate(self) -> float:
        """Installed hashrate of the population. [H/s]."""
        return float(self.cohort_count @ self.tier_hashrate[self.cohort_tier])


def read_btc_daily(folder: Path) -> pd.DataFrame:
    """Return btc_daily.csv as the daily frame of :func:`fleet_mix.monthly_network`.

    Columns ``difficulty``, ``subsidy``, ``fees_per_block`` [BTC/block], ``price``
    [USD/BTC] and ``blocks`` [blocks/day], indexed by date.
    """
    path = folder / "btc_daily.csv"
    if not path.is_file():
        raise InputError(f"missing {path}", field="data_dir")
    btc = pd.read_csv(path, index_col="date", parse_dates=True)
    return pd.DataFrame({"difficulty": btc["difficulty"], "subsidy": btc["mean_subsidy_btc"],
                         "fees_per_block": btc["fees_btc"] / btc["blk_cnt"],
                         "price": btc["price_usd"], "blocks": btc["blk_cnt"]})


def tier_split(efficiency: FloatArray, hashrate: FloatArray, n_tiers: int) -> IntArray:
    """Return the tier of each model: neighbours in efficiency, about equal hashrate.

    Parameters
    ----------
    efficiency : ndarray (M,)
        Each model's efficiency. [J/H]
    hashrate : ndarray (M,)
        Installed hashrate of each model. [H/s]
    n_tiers : int
        Tiers wanted (fewer when there are fewer models).

    Returns
    -------
    ndarray of int (M,)
        Tier of each model, 0 the most efficient, consecutive.

    """
    order = np.argsort(efficiency, kind="stable")
    cum = np.cumsum(hashrate[order]) / hashrate.sum()
    # A model goes to the tier where its hashrate's midpoint falls.
    mid = cum - hashrate[order] / hashrate.sum() / 2
    raw = np.minimum((mid * n_tiers).astype(np.int64), n_tiers - 1)
    _, dense = np.unique(raw, return_inverse=True)
    tiers = np.empty(efficiency.size, dtype=np.int64)
    tiers[order] = dense
    return tiers


def region_shares(scenario: NetworkScenario, folder: Path) -> tuple[dict[str, float], str]:
    """Return the regions' hashrate shares at the start month and the map month used."""
    reg = scenario.regions
    if reg.shares is not None:
        return dict(reg.shares), "scenario"
    path = folder / "hashrate_share_by_region.csv"
    if not path.is_file():
        raise InputError(f"missing {path} (or give regions.shares)", field="regions.shares")
    frame = pd.read_csv(path, dtype={"month": str})
    month = f"{scenario.start.year:04d}-{scenario.start.month:02d}"
    for level in ("country", "province"):
        months = frame.loc[frame["level"] == level, "month"]
        if month < months.min():
            # The map starts later: the same calendar month of its first year (the season).
            month = f"{MAP_FIRST_YEAR:04d}-{scenario.start.month:02d}"
            if month < months.min():
                month = f"{MAP_FIRST_YEAR + 1:04d}-{scenario.start.month:02d}"
    rows = frame[frame["month"] == month]
    countries = rows[rows["level"] == "country"]
    provinces = rows[rows["level"] == "province"]
    shares: dict[str, float] = {}
    for _, r in countries.iterrows():
        if r["country"] != "China" and r["share_global"] > 0:
            shares[str(r["country"])] = float(r["share_global"])
    for _, r in provinces.iterrows():
        if r["share_global"] > 0:
            name = "China other" if r["province"] == "Other" else str(r["province"])
            shares[name] = float(r["share_global"])
    total = sum(shares.values())
    shares = {k: v / total for k, v in shares.items()}
    if reg.min_share > 0:
        kept = {k: v for k, v in shares.items() if v >= reg.min_share}
        if not kept:
            raise InputError("no region left above min_share", field="regions.min_share")
        total = sum(kept.values())
        shares = {k: v / total for k, v in kept.items()}
    return shares, month


def region_tariffs(scenario: NetworkScenario, folder: Path,
                   regions: list[str]) -> dict[str, tuple[float, float, float, float]]:
    """Return each region's tariff ranges ``(low, high, dry_low, dry_high)`` [USD/kWh].

    From the scenario's ``regions.tariffs`` first, else the quotes of
    mining_power_prices.csv whose region or country names the region (proposed
    tariffs and model assumptions left out); quotes whose period says "dry" make the
    dry-season range, the others the rest of the year's (the dry range is the same
    range when no quote says "dry").

    Raises
    ------
    InputError
        A region without a tariff (field ``regions.tariffs.<region>``).

    """
    reg = scenario.regions
    path = folder / "mining_power_prices.csv"
    quotes = pd.read_csv(path) if path.is_file() else pd.DataFrame()
    out: dict[str, tuple[float, float, float, float]] = {}
    for name in regions:
        if name in reg.tariffs:
            t = reg.tariffs[name]
            dry_lo = t.dry_low if t.dry_low is not None else t.low
            dry_hi = t.dry_high if t.dry_high is not None else max(t.high, dry_lo)
            out[name] = (t.low, t.high, dry_lo, max(dry_hi, dry_lo))
            continue
        values: list[float] = []
        dry: list[float] = []
        if len(quotes):
            kind = quotes["price_kind"].astype(str)
            usable = ~kind.str.contains("proposed|model assumption|temporary|adder")
            match = (quotes["region"].astype(str).str.startswith(name)
                     | (quotes["country"].astype(str) == name)) & usable
            for _, q in quotes[match].iterrows():
                into = dry if "dry" in str(q["season_or_period"]) else values
                for usd, native in (("usd_low_as_stated", "price_low"),
                                    ("usd_high_as_stated", "price_high")):
                    if pd.notna(q[usd]):
                        into.append(float(q[usd]))
                    elif pd.notna(q[native]) and q["currency"] == "CNY":
                        into.append(float(q[native]) / reg.cny_per_usd)
                    elif pd.notna(q[native]) and q["currency"] == "USD":
                        into.append(float(q[native]))
        if not values:
            raise InputError(f"no tariff for region {name!r} (none in mining_power_prices.csv); "
                             "give low and high [USD/kWh]", field=f"regions.tariffs.{name}")
        if not values:
            values = dry
        dry = dry or values
        out[name] = (min(values), max(values), min(dry), max(dry))
    return out


def build_population(scenario: NetworkScenario, folder: Path,
                     daily: pd.DataFrame | None = None) -> Population:
    """Build the farms and cohorts of a scenario at its start date (see module doc)."""
    pop = scenario.population
    daily = read_btc_daily(folder) if daily is None else daily
    start = pd.Timestamp(scenario.start)
    before = daily.loc[:start - pd.Timedelta(days=1)]
    if start not in daily.index or len(before) == 0:
        raise InputError(f"btc_daily.csv has no history up to {scenario.start}", field="start")
    last_month = (start - pd.offsets.MonthBegin(1)).date() - dt.timedelta(days=1)
    if start.day == 1:
        last_month = (start - pd.Timedelta(days=1)).date()
    mix = reconstruct_mix(monthly_network(before), default_catalog().machines(algorithm="sha256"),
                          until=last_month, retire_tariff=pop.retire_tariff,
                          sale_window_months=pop.sale_window_months,
                          efficiency_weight=pop.efficiency_weight)
    tiers = tier_split(mix.efficiency, mix.hashrate, pop.tiers)
    n_tiers = int(tiers.max()) + 1
    tier_h = np.zeros(n_tiers)
    tier_p = np.zeros(n_tiers)
    names = []
    for k in range(n_tiers):
        sel = tiers == k
        # Vintages averaged: the tier's machine is the machine-weighted average.
        n_k = mix.machines[sel].sum()
        tier_h[k] = mix.hashrate[sel].sum() / n_k
        tier_p[k] = (mix.hashrate[sel] * mix.efficiency[sel]).sum() / n_k
        names.append(mix.models[int(np.flatnonzero(sel)[np.argmax(mix.hashrate[sel])])])
    machine_share = np.bincount(tiers, weights=mix.machines, minlength=n_tiers)
    machine_share = machine_share / machine_share.sum()

    shares, map_month = region_shares(scenario, folder)
    regions = list(shares)
    tariffs = region_tariffs(scenario, folder, regions)
    share = np.array([shares[r] for r in regions])

    n = pop.farms
    rng = np.random.default_rng(pop.seed)
    u = (np.arange(n) + 0.5) / n
    size = pop.size_scale * (1.0 - u) ** (-1.0 / pop.size_alpha)  # Pareto quantiles
    size = rng.permutation(size)
    # Regions by machines: farms in a random order fill each region's share of machines.
    cum = np.cumsum(size) / size.sum()
    mid = cum - size / size.sum() / 2
    farm_region = np.minimum(np.searchsorted(np.cumsum(share), mid, side="right"),
                             len(regions) - 1).astype(np.int64)
    ranges = np.array([tariffs[r] for r in regions])[farm_region]  # (O, 4)
    q = rng.uniform(size=n)
    premium = (size / np.median(size)) ** (-pop.small_farm_elasticity)
    farm_tariff = (ranges[:, 0] + q * (ranges[:, 1] - ranges[:, 0])) * premium
    farm_dry = (ranges[:, 2] + q * (ranges[:, 3] - ranges[:, 2])) * premium

    # Scale the counts to the network's hashrate on the start day.
    d_start = daily["difficulty"].to_numpy(np.float64)[daily.index.get_loc(start)]
    target = float(hashrate_from_difficulty(float(d_start)))
    per_farm_hash = float(machine_share @ tier_h)
    size = size * target / (size.sum() * per_farm_hash)
    owner = np.repeat(np.arange(n, dtype=np.int64), n_tiers)
    tier = np.tile(np.arange(n_tiers, dtype=np.int64), n)
    count = (size[:, None] * machine_share[None, :]).ravel()
    return Population(
        regions=tuple(regions), region_share=share, tier_model=tuple(names),
        tier_hashrate=tier_h, tier_power=tier_p, farm_region=farm_region,
        farm_machines=size, farm_tariff=farm_tariff, farm_dry_tariff=farm_dry,
        dry_months=tuple(scenario.regions.dry_months), cohort_owner=owner, cohort_tier=tier,
        cohort_count=count, mix=mix, map_month=map_month,
        region_tariff=np.array([tariffs[r] for r in regions], dtype=np.float64).reshape(-1, 4),
        farm_quantile=q, farm_premium=premium,
    )
