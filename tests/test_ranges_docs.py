"""docs/glossary.md documents exactly the registry of plausible ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashwinter.errors import InputError
from hashwinter.ranges import RANGES, check, check_array, get_range, markdown_table

GLOSSARY = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"


def test_glossary_table_is_the_registry():
    text = GLOSSARY.read_text(encoding="utf-8")
    begin, end = "<!-- ranges:begin -->\n", "<!-- ranges:end -->"
    documented = text[text.index(begin) + len(begin): text.index(end)]
    assert documented == markdown_table(), (
        "docs/glossary.md is out of date: paste hashwinter.ranges.markdown_table() there")


def test_every_range_is_finite_ordered_and_explained():
    for kind, rng in RANGES.items():
        assert rng.kind == kind
        assert rng.low < rng.high and abs(rng.high) < 1e300, kind
        assert rng.why.strip(), kind


def test_money_caps_keep_a_century_of_sums_below_1e12():
    # 100 years of the largest daily flow, or 1,200 months of the largest monthly one.
    assert get_range("money_per_day").high * 36_525 < 1e12
    assert get_range("money_per_month").high * 1_200 < 1e12
    assert get_range("money_amount").high <= 1e11


def test_bounds_are_inclusive_or_open_as_registered():
    assert check("fraction", 0.0, field="f") == 0.0
    assert check("fraction", 1.0, field="f") == 1.0
    with pytest.raises(InputError, match=r"^paths: must be > 0 paths \(got 0\)$"):
        check("paths", 0, field="paths")
    with pytest.raises(InputError, match="got an integer of 401 digits"):
        check("paths", 10**400, field="paths")
    with pytest.raises(InputError, match=r"^x\[1\]: must be a finite number"):
        check_array("pue", [1.0, float("nan")], field="x")
