"""Looking machines up by alias: spellings, Chinese trade names, nearest-name suggestions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashwinter.errors import InputError
from hashwinter.hardware import Catalog, default_catalog, name_key, strip_maker_prefixes


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


@pytest.mark.parametrize(
    ("name", "model"),
    [
        # The four Chinese trade names of the issue (蚂蚁 "ant" = Antminer, 阿瓦隆 = Avalon,
        # 神马 = WhatsMiner, 翼比特 = Ebit).
        ("蚂蚁S9", "Antminer S9"),
        ("阿瓦隆741", "AvalonMiner 741"),
        ("神马M3", "WhatsMiner M3"),
        ("翼比特E9", "Ebit E9"),
        # ... and others the story's farms would use.
        ("蚂蚁S7", "Antminer S7"),
        ("蚂蚁T9", "Antminer T9"),
        ("蚂蚁T9+", "Antminer T9+"),
        ("神马M10", "WhatsMiner M10"),
        ("阿瓦隆841", "AvalonMiner 841"),
        ("阿瓦隆A821", "AvalonMiner 821"),
        ("翼比特E9+", "Ebit E9+"),
        ("蚂蚁矿机S9", "Antminer S9"),
        ("蚂蚁 S9 13.5T", "Antminer S9"),
        ("蚂蚁S9 14T", "Antminer S9 14T"),
        # English spellings.
        ("S9", "Antminer S9"),
        ("antminer s9", "Antminer S9"),
        ("Antminer S9 13.5T", "Antminer S9"),
        ("ANTMINER-S9 (13.5 TH/s)", "Antminer S9"),
        ("Bitmain Antminer S9 (13.5Th)", "Antminer S9"),
        ("Bitmain S9", "Antminer S9"),
        ("s9 14 th/s", "Antminer S9 14T"),
        ("S9 11.5T", "Antminer S9 11.5T"),
        ("T9", "Antminer T9"),
        ("T9+", "Antminer T9+"),
        ("Avalon A741", "AvalonMiner 741"),
        ("A741", "AvalonMiner 741"),
        ("Canaan AvalonMiner 741", "AvalonMiner 741"),
        ("Whatsminer M3", "WhatsMiner M3"),
        ("MicroBT Whatsminer M30S++", "WhatsMiner M30S++"),
        ("m30s+", "WhatsMiner M30S+"),
        ("M30S", "WhatsMiner M30S"),
        ("Ebang Ebit E9", "Ebit E9"),
        ("S19 pro", "Antminer S19 Pro"),
        ("s19j pro", "Antminer S19j Pro"),
        ("S21 XP", "Antminer S21 XP"),
        # Full-width characters, as typed with a Chinese input method.
        ("蚂蚁Ｓ９", "Antminer S9"),
        ("rx580", "Radeon RX 580"),
        ("AMD Radeon RX 580", "Radeon RX 580"),
        ("gtx 1080ti", "GeForce GTX 1080 Ti"),
        ("NVIDIA GeForce GTX 1060", "GeForce GTX 1060 6GB"),
    ],
)
def test_alias_lookup(catalog: Catalog, name: str, model: str) -> None:
    assert catalog.get(name).model == model


def test_plus_signs_are_significant(catalog: Catalog) -> None:
    assert catalog.get("T9").model != catalog.get("T9+").model
    assert len({catalog.get(n).model for n in ("M30S", "M30S+", "M30S++")}) == 3


def test_decimal_point_is_significant() -> None:
    assert name_key("S9 13.5T") != name_key("S9 135T")
    assert name_key("Antminer S9 (13.5 TH/s)") == "antminers913.5t"
    assert name_key("S9.") == "s9"


def test_name_key_examples() -> None:
    assert name_key("  Antminer   S9 ") == name_key("antminer-s9") == "antminers9"
    assert name_key("GTX 1080 Ti") == "gtx1080ti"  # "ti" is not a hashrate unit
    assert name_key("Ｓ９") == "s9"
    assert strip_maker_prefixes("bitmainantminers9") == "s9"
    assert strip_maker_prefixes("avalonminer741") == "741"
    assert strip_maker_prefixes("蚂蚁矿机s9") == "s9"
    assert strip_maker_prefixes("antminer") == "antminer"  # nothing would remain


def test_unknown_model_suggests_nearest_names(catalog: Catalog) -> None:
    with pytest.raises(InputError) as info:
        catalog.get("Antminer S99")
    error = info.value
    assert error.field == "model"
    message = str(error)
    assert message.startswith("model: unknown model 'Antminer S99'; did you mean: ")
    suggestions = message.split("did you mean: ")[1].rstrip("?").split(", ")
    assert suggestions[0] == "Antminer S9"
    assert "Antminer S19" in suggestions
    assert 1 <= len(suggestions) <= 5


def test_suggestions_for_a_typo_and_a_chinese_name(catalog: Catalog) -> None:
    assert catalog.suggest("Whatsminer M31S++")[0] == "WhatsMiner M30S++"
    # 742 is one digit from both 741 and 721: equally near, catalog order breaks the tie.
    assert catalog.suggest("阿瓦隆742")[:2] == ["AvalonMiner 721", "AvalonMiner 741"]


def test_no_suggestion_for_nonsense(catalog: Catalog) -> None:
    with pytest.raises(InputError, match=r"unknown model 'qqqqqqqqqqqq' \(the catalog has"):
        catalog.get("qqqqqqqqqqqq")
    with pytest.raises(InputError, match="unknown model '   '"):
        catalog.get("   ")


def _respell(name: str, data: st.DataObject) -> str:
    """Change case and insert separators (never inside the meaning: '+' and '.' stay)."""
    out = []
    for ch in name:
        flip = data.draw(st.booleans())
        out.append(ch.swapcase() if flip else ch)
        out.append(data.draw(st.sampled_from(["", "", " ", "  ", "\t", "-", "_", "/", "(", ")"])))
    return data.draw(st.sampled_from(["", " ", "\n"])) + "".join(out)


_NAMES = sorted({n for m in default_catalog().values() for n in m.names})


@given(name=st.sampled_from(_NAMES), data=st.data())
def test_lookup_ignores_case_whitespace_and_punctuation(name: str, data: st.DataObject) -> None:
    catalog = default_catalog()
    spelled = _respell(name, data)
    assert name_key(spelled) == name_key(name)
    assert catalog.get(spelled) is catalog.get(name)


@given(text=st.text(max_size=30))
def test_name_key_is_idempotent_and_total(text: str) -> None:
    key = name_key(text)
    assert name_key(key) == key
    assert key == key.strip()
    assert " " not in key
