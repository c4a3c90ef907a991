"""Tariffs from config tables (TOML shapes): every kind, round trips, dotted error paths."""

from __future__ import annotations

import tomllib

import pytest

from hashwinter.energy import (
    SICHUAN_HYDRO_2018,
    FlatTariff,
    SeasonalTariff,
    SiteEnergy,
    TieredTariff,
    TimeOfUseTariff,
    tariff_from_dict,
    tariff_to_dict,
)
from hashwinter.errors import InputError, InputErrors

# The shapes documented in docs/tariffs.md.
TOML = """
[flat]
kind = "flat"
price = 0.28
currency = "CNY"

[seasonal]
kind = "seasonal"
currency = "CNY"
name = "Sichuan hydro"
[[seasonal.seasons]]
name = "wet"
start = "04-01"
end = "10-31"
price = 0.08
[[seasonal.seasons]]
name = "dry"
start = "11-01"
end = "03-31"
price = 0.28

[tou]
kind = "time_of_use"
currency = "CNY"
timezone = "Asia/Shanghai"
bands = [
  {name = "peak", start = 8, end = 22, price = 0.6},
  {name = "valley", start = 22, end = 8, price = 0.3},
]

[tiered]
kind = "tiered"
currency = "cny"
tiers = [{up_to_kwh = 1000000, price = 0.35}, {price = 0.30}]
"""
DOC = tomllib.loads(TOML)


def test_every_kind_from_toml() -> None:
    flat = tariff_from_dict(DOC["flat"])
    assert isinstance(flat, FlatTariff)
    assert flat.price == 0.28
    seasonal = tariff_from_dict(DOC["seasonal"])
    assert isinstance(seasonal, SeasonalTariff)
    assert seasonal.seasons == SICHUAN_HYDRO_2018.seasons
    assert seasonal.price_per_kwh("2018-11-25") == pytest.approx(0.28)
    tou = tariff_from_dict(DOC["tou"])
    assert isinstance(tou, TimeOfUseTariff)
    assert tou.timezone == "Asia/Shanghai"
    tiered = tariff_from_dict(DOC["tiered"])
    assert isinstance(tiered, TieredTariff)
    assert tiered.currency == "CNY"  # upper-cased
    assert tiered.bill(1_200_000) == pytest.approx(350_000 + 60_000)


@pytest.mark.parametrize("key", ["flat", "seasonal", "tou", "tiered"])
def test_round_trip(key: str) -> None:
    tariff = tariff_from_dict(DOC[key])
    assert tariff_from_dict(tariff_to_dict(tariff)) == tariff


def _errors(mapping: object, **kw: str) -> list[InputError]:
    with pytest.raises((InputError, InputErrors)) as info:
        tariff_from_dict(mapping, **kw)  # type: ignore[arg-type]
    exc = info.value
    return exc.errors if isinstance(exc, InputErrors) else [exc]


def test_negative_season_price_has_dotted_path() -> None:
    bad = {**DOC["seasonal"], "seasons": [dict(s) for s in DOC["seasonal"]["seasons"]]}
    bad["seasons"][1]["price"] = -0.1
    (err,) = _errors(bad)
    assert err.field == "tariff.seasons[1].price"
    assert str(err) == "tariff.seasons[1].price: must be > 0 (got -0.1)"


def test_all_problems_reported_at_once_with_prefix_and_source() -> None:
    bad = {"kind": "flat", "price": "0.28", "currency": "yuan", "colour": "red"}
    errs = _errors(bad, field_prefix="sites[2].tariff", source="farm.toml")
    assert [(e.field, e.source) for e in errs] == [
        ("sites[2].tariff.currency", "farm.toml"),
        ("sites[2].tariff.price", "farm.toml"),
        ("sites[2].tariff.colour", "farm.toml"),
    ]
    assert "3-letter currency code" in errs[0].message
    assert errs[1].message == "must be a number (got '0.28')"
    assert errs[2].message == "unknown field"
    assert str(errs[0]).startswith("farm.toml: sites[2].tariff.currency: ")


def test_missing_price_is_required() -> None:
    (err,) = _errors({"kind": "flat", "currency": "CNY"})
    assert str(err) == "tariff.price: is required"


def test_coverage_error_points_at_the_list() -> None:
    bad = {**DOC["seasonal"], "seasons": [DOC["seasonal"]["seasons"][0]]}
    (err,) = _errors(bad)
    assert err.field == "tariff.seasons"
    assert err.message == "days not covered by any season: 11-01..03-31"


def test_band_hour_out_of_range() -> None:
    bad = {
        **DOC["tou"],
        "bands": [*DOC["tou"]["bands"][:1], {"start": 22, "end": 32, "price": 0.3}],
    }
    (err,) = _errors(bad)
    assert str(err) == "tariff.bands[1].end: must be <= 24 (got 32)"


def test_tier_order_error() -> None:
    bad = {
        **DOC["tiered"],
        "tiers": [{"up_to_kwh": 10, "price": 0.3}, {"up_to_kwh": 5, "price": 0.2}],
    }
    (err,) = _errors(bad)
    assert err.field == "tariff.tiers"
    assert "tiers[1] is the last tier and must be open-ended" in err.message
    assert "tiers[1].up_to_kwh (5) must be greater than tiers[0].up_to_kwh (10)" in err.message


def test_kind_missing_or_unknown() -> None:
    (err,) = _errors({"price": 0.28, "currency": "CNY"})
    assert str(err) == "tariff.kind: is required: one of flat, seasonal, time_of_use, tiered"
    (err,) = _errors({"kind": "spot", "price": 0.28})
    assert err.field == "tariff.kind"
    assert "'spot'" in err.message


def test_not_a_table() -> None:
    (err,) = _errors(0.28)
    assert err.field == "tariff"


def test_site_energy_paths_skip_the_union_tag() -> None:
    good = {"pue": 1.05, "tariff": DOC["seasonal"]}
    site = SiteEnergy.from_dict(good)
    assert site.currency == "CNY"
    bad = {
        "pue": 0.9,
        "tariff": {
            **DOC["seasonal"],
            "seasons": [
                DOC["seasonal"]["seasons"][0],
                {**DOC["seasonal"]["seasons"][1], "price": 0},
            ],
        },
    }
    with pytest.raises(InputErrors) as info:
        SiteEnergy.from_dict(bad, field_prefix="sites[0]")
    assert [str(e) for e in info.value.errors] == [
        "sites[0].tariff.seasons[1].price: must be > 0 (got 0)",
        "sites[0].pue: must be >= 1 (got 0.9)",
    ]


def test_site_energy_unknown_kind() -> None:
    with pytest.raises(InputErrors) as info:
        SiteEnergy.from_dict({"tariff": {"kind": "spot"}})
    (err,) = info.value.errors
    assert err.field == "site.tariff"
    assert "unknown kind 'spot'" in err.message


def test_every_toml_block_of_the_docs_builds() -> None:
    # docs/tariffs.md shows the TOML shapes; each one must build what it claims.
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "tariffs.md").read_text()
    built = []
    for block in re.findall(r"```toml\n(.*?)```", doc, re.S):
        table = tomllib.loads(block)
        if "tariff" in table:
            built.append(type(tariff_from_dict(table["tariff"])).__name__)
        if "site" in table:
            built.append(type(SiteEnergy.from_dict(table["site"]).tariff).__name__)
    assert built == [
        "FlatTariff",
        "SeasonalTariff",
        "TimeOfUseTariff",
        "TieredTariff",
        "FlatTariff",
    ]
