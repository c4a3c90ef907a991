"""The built-in catalog: size, the story's machines, sources, units, views."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re

import numpy as np
import pandas as pd
import pytest

from hashwinter.errors import InputError
from hashwinter.hardware import Catalog, Machine, default_catalog

# Every machine the seed story names, and the modern families the issue asks for.
STORY_MODELS = [
    "Antminer S7",
    "Antminer S9 11.5T",
    "Antminer S9 12.5T",
    "Antminer S9 13T",
    "Antminer S9",
    "Antminer S9 14T",
    "Antminer T9",
    "Antminer T9+",
    "AvalonMiner 741",
    "AvalonMiner 821",
    "AvalonMiner 841",
    "WhatsMiner M3",
    "WhatsMiner M10",
    "Ebit E9",
    "Ebit E9+",
]
MODERN_MODELS = [
    "Antminer S19",
    "Antminer S19 Pro",
    "Antminer S19j Pro",
    "Antminer S19 XP",
    "Antminer S21",
    "Antminer S21 Pro",
    "Antminer S21 XP",
    "WhatsMiner M30S",
    "WhatsMiner M30S+",
    "WhatsMiner M30S++",
    "WhatsMiner M50",
    "WhatsMiner M50S",
    "WhatsMiner M60",
    "WhatsMiner M60S",
    "Antminer S5",
    "Antminer S3",
]
GPUS = ["Radeon RX 470", "Radeon RX 480", "Radeon RX 570", "Radeon RX 580",
        "GeForce GTX 1060 6GB", "GeForce GTX 1070", "GeForce GTX 1070 Ti",
        "GeForce GTX 1080", "GeForce GTX 1080 Ti"]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


def test_catalog_size(catalog: Catalog) -> None:
    asics = catalog.machines(kind="asic", algorithm="sha256")
    gpus = catalog.machines(kind="gpu", algorithm="ethash")
    assert len(asics) >= 40
    assert len(gpus) >= 8
    ethash_asics = catalog.machines(kind="asic", algorithm="ethash")
    assert len(catalog) == len(asics) + len(gpus) + len(ethash_asics)
    # From 2014 on, and up to the current generation.
    years = [m.release.year for m in asics if m.release is not None]
    assert min(years) == 2014
    assert max(years) >= 2024


@pytest.mark.parametrize("model", STORY_MODELS + MODERN_MODELS + GPUS)
def test_named_models_present_under_their_canonical_name(catalog: Catalog, model: str) -> None:
    assert model in catalog
    assert catalog.get(model).model == model
    assert model in list(catalog)


def test_story_bins_of_the_s9_are_distinct(catalog: Catalog) -> None:
    bins = {catalog.get(n).hashrate_ths for n in STORY_MODELS if n.startswith("Antminer S9")}
    assert bins == {11.5, 12.5, 13.0, 13.5, 14.0}


def test_every_row_has_a_source_url_and_a_release(catalog: Catalog) -> None:
    # http is allowed: a few cited pages are stored (and cited) at their http address.
    url = re.compile(r"^https?://[\w.-]+\.[a-z]{2,}/\S*$")
    for machine in catalog.values():
        assert url.match(machine.source), machine.model
        assert machine.release is not None, machine.model
        assert dt.date(2014, 1, 1) <= machine.release <= dt.date(2026, 12, 1), machine.model
        assert machine.release.day == 1


def test_every_row_states_whether_its_source_was_checked(catalog: Catalog) -> None:
    # docs/catalog.md "Sources": each row's notes say what the check of its source found.
    states = ("source verified", "source URL exists, figures not confirmed from it",
              "source URL not verified")
    for machine in catalog.values():
        found = [s for s in states if s in (machine.notes or "")]
        assert len(found) == 1, (machine.model, found)
    assert "source URL not verified" in catalog.get("S9").notes


def test_plain_s9_is_the_13_5_th_bin(catalog: Catalog) -> None:
    # Bitmain's S9 13.5 TH/s spec: 1,323 W at the wall, 0.098 J/GH (= 98 J/TH).
    s9 = catalog.get("S9")
    assert s9.model == "Antminer S9"
    assert s9.hashrate == 13.5e12
    assert s9.power == 1323.0
    assert s9.efficiency_j_per_th == pytest.approx(98.0)
    assert s9.joules_per_hash == pytest.approx(98e-12)


def test_units_are_converted_to_hashes_per_second(catalog: Catalog) -> None:
    s19 = catalog.get("Antminer S19 Pro")
    assert s19.hashrate == 110e12  # 110 TH/s in the file
    assert s19.hashrate_ths == 110.0
    assert s19.efficiency_j_per_th == pytest.approx(3250 / 110)
    rx580 = catalog.get("Radeon RX 580")
    assert rx580.hashrate == pytest.approx(30.2e6)  # 30.2 MH/s in the file
    assert rx580.hashrate_mhs == pytest.approx(30.2)
    assert rx580.efficiency_j_per_mh == pytest.approx(135 / 30.2)


def test_efficiency_is_physically_plausible(catalog: Catalog) -> None:
    # SHA-256 ASICs from 2014 (S3, ~770 J/TH) to 2024 (S21 XP, 13.5 J/TH); Ethash GPUs
    # between ~1 J/MH (RTX 3080 class) and ~7 J/MH (GTX 1080).
    for m in catalog.machines(kind="asic", algorithm="sha256"):
        assert 10 < m.efficiency_j_per_th < 1000, m.model
    # The Antminer E3: 800 W / 180 MH/s = 4.44 J/MH (heise), no better than an RX 580.
    assert catalog.get("E3").efficiency_j_per_mh == pytest.approx(800 / 180)
    for m in catalog.machines(kind="gpu"):
        assert 1 < m.efficiency_j_per_mh < 7, m.model
        assert m.launch_price_usd is not None and 150 <= m.launch_price_usd <= 1500, m.model


def test_efficiency_improves_across_generations(catalog: Catalog) -> None:
    # Each Bitmain flagship is more efficient than the one before it.
    chain = ["Antminer S3", "Antminer S5", "Antminer S7", "Antminer S9", "Antminer S17 Pro",
             "Antminer S19 Pro", "Antminer S19 XP", "Antminer S21", "Antminer S21 XP"]
    effs = [catalog.get(n).efficiency_j_per_th for n in chain]
    assert effs == sorted(effs, reverse=True)


def test_launch_prices_where_known(catalog: Catalog) -> None:
    # Bitmain's Feb 2020 announcement: S19 Pro $2,407, S19 $1,785.
    assert catalog.get("S19 Pro").launch_price_usd == 2407
    assert catalog.get("S19").launch_price_usd == 1785
    # NVIDIA's MSRP of the GTX 1080 Ti (March 2017): $699.
    assert catalog.get("GTX 1080 Ti").launch_price_usd == 699
    assert catalog.get("WhatsMiner M3").launch_price_usd is None


def test_models_filters(catalog: Catalog) -> None:
    assert set(catalog.models(kind="gpu")) == {m.model for m in catalog.machines(kind="gpu")}
    # Every GPU mines Ethash; so does one ASIC, Bitmain's Antminer E3 (2018).
    assert set(catalog.models(algorithm="ethash")) == {*catalog.models(kind="gpu"), "Antminer E3"}
    assert catalog.models(kind="asic", algorithm="ethash") == ("Antminer E3",)
    assert catalog.models() == tuple(catalog)


def test_to_frame_units_and_values(catalog: Catalog) -> None:
    frame = catalog.to_frame()
    assert len(frame) == len(catalog)
    for column in ("hashrate_hs", "hashrate_ths", "hashrate_mhs", "power_w",
                   "efficiency_j_th", "efficiency_j_mh", "launch_price_usd"):
        assert column in frame.columns
        assert frame[column].dtype == np.float64
    assert frame.attrs["units"]["efficiency_j_th"] == "J/TH"
    assert pd.api.types.is_datetime64_any_dtype(frame["release"])
    # Compare the vectorised columns with a loop over the machines.
    for row, machine in zip(frame.itertuples(), catalog.values(), strict=True):
        assert row.model == machine.model
        assert row.hashrate_hs == machine.hashrate
        assert row.efficiency_j_th == pytest.approx(machine.efficiency_j_per_th)
        assert row.efficiency_j_mh == pytest.approx(machine.efficiency_j_per_mh)
        assert row.release == pd.Timestamp(machine.release)
        price = machine.launch_price_usd
        assert (math.isnan(row.launch_price_usd) if price is None
                else row.launch_price_usd == price)


def test_catalog_is_immutable(catalog: Catalog) -> None:
    with pytest.raises(AttributeError):
        catalog._machines = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        catalog._explicit["x"] = 0  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog.get("S9").power = 1.0  # type: ignore[misc]
    assert default_catalog() is catalog  # cached


def test_getitem_and_contains(catalog: Catalog) -> None:
    assert catalog["S9"] is catalog.get("Antminer S9")
    assert "S9" in catalog
    assert "S99" not in catalog
    assert 9 not in catalog
    with pytest.raises(InputError) as info:
        catalog.get(9)  # type: ignore[arg-type]
    assert info.value.field == "model"


def _machine(model: str, **kw: object) -> Machine:
    fields: dict[str, object] = dict(model=model, maker="X", kind="asic", algorithm="sha256",
                                     release=None, hashrate=1e12, power=100.0)
    fields.update(kw)
    return Machine(**fields)  # type: ignore[arg-type]


def test_machine_rejects_bad_values() -> None:
    with pytest.raises(InputError, match="must be > 0") as info:
        _machine("A", power=-5.0)
    assert info.value.field == "power"
    with pytest.raises(InputError) as info:
        _machine("A", hashrate=math.inf)
    assert info.value.field == "hashrate"
    with pytest.raises(InputError) as info:
        _machine("A", kind="fpga")
    assert info.value.field == "kind"
    with pytest.raises(InputError) as info:
        _machine("A", algorithm="scrypt")
    assert info.value.field == "algorithm"
    assert _machine("A", release=dt.date(2018, 11, 25)).release == dt.date(2018, 11, 1)


def test_catalog_rejects_shared_names() -> None:
    with pytest.raises(InputError, match="'s 9' of 'B' already names 'A'") as info:
        Catalog([_machine("A", aliases=("S9",)), _machine("B", aliases=("s 9",))])
    assert info.value.field == "aliases"
    with pytest.raises(InputError) as info:
        Catalog([_machine("A"), _machine("a")])
    assert info.value.field == "model"


def test_builtin_names_are_unambiguous(catalog: Catalog) -> None:
    # Every model name and alias finds its own machine (no alias shadowed by another).
    for machine in catalog.values():
        for name in machine.names:
            assert catalog.get(name) is machine, name


def test_merged_with_overrides_in_place_and_appends(catalog: Catalog) -> None:
    measured = dataclasses.replace(catalog.get("S9"), power=1400.0, aliases=("my s9",))
    custom = _machine("Farm Special 1", aliases=("S9",))
    merged = catalog.merged_with(Catalog([measured, custom]))
    assert len(merged) == len(catalog) + 1
    assert list(merged).index("Antminer S9") == list(catalog).index("Antminer S9")
    assert merged.get("Antminer S9").power == 1400.0
    assert merged.get("my s9").power == 1400.0
    # The user's alias wins over the built-in one of the same spelling.
    assert merged.get("S9").model == "Farm Special 1"
    assert list(merged)[-1] == "Farm Special 1"
    # The original is untouched.
    assert catalog.get("S9").model == "Antminer S9"


def test_merged_with_refuses_alias_that_is_a_builtin_model(catalog: Catalog) -> None:
    with pytest.raises(InputError, match="use model = 'Antminer S9'") as info:
        catalog.merged_with(Catalog([_machine("Mine", aliases=("antminer s9",))]))
    assert info.value.field == "aliases"


def test_short_name_shared_by_two_makers_is_ambiguous() -> None:
    catalog = Catalog([_machine("Bitmain X1"), _machine("Canaan X1"), _machine("Ebang Y2")])
    assert catalog.get("ebang y2").model == "Ebang Y2"
    assert catalog.get("Y2").model == "Ebang Y2"  # maker word dropped: unique, found
    with pytest.raises(InputError, match="ambiguous model 'X1': matches Bitmain X1, Canaan X1"):
        catalog.get("X1")
    assert catalog.get("canaan x1").model == "Canaan X1"
