"""Cohort labels are made unique in the ledger: the same names as before the O(N) rewrite."""

from __future__ import annotations

import datetime as dt

from farm_fixtures import history

from hashwinter.farm import build_farm_run, farm_from_dict
from hashwinter.farm.build import _unique_labels


def _quadratic_reference(labels):
    """The previous rule, verbatim: ``list.count`` on the list as it is being renamed."""
    out = list(labels)
    for i, label in enumerate(out):
        if out.count(label) > 1:
            out[i] = f"{label} #{i}"
    return out


def test_repeats_but_the_last_get_their_index():
    assert _unique_labels(["a", "b", "a", "a", "c"]) == ["a #0", "b", "a #2", "a", "c"]


def test_same_as_the_quadratic_rule_including_collisions_with_renamed_labels():
    cases = [
        [],
        ["x"],
        ["a", "a"],
        ["a", "a #0", "a"],  # "a #0" is taken by the user before "a" is renamed to it
        ["a #1", "a", "a"],  # renaming a[1] collides with a label already seen
        ["a", "a", "a #0", "a #0"],
        [f"k{i % 7}" for i in range(60)],
    ]
    for labels in cases:
        assert _unique_labels(labels) == _quadratic_reference(labels), labels


def test_a_farm_with_two_identical_fleet_items_keeps_its_ledger_labels():
    item = {"model": "A741", "count": 100, "site": "s", "purchase_date": dt.date(2018, 1, 1),
            "unit_price": 5000}
    farm = farm_from_dict({
        "name": "twins", "currency": "CNY", "start": dt.date(2018, 11, 1),
        "end": dt.date(2018, 11, 3),
        "sites": [{"name": "s", "capacity_slots": 1000, "capacity_mw": 1.0,
                   "tariff": {"kind": "flat", "price": 0.3, "currency": "CNY"}}],
        "fleet": [item, item, {**item, "label": "spare"}],
    })  # fmt: skip
    run = build_farm_run(farm, history())
    where = "AvalonMiner 741 @ s (2018-01-01)"
    assert run.spec.cohorts.label == (f"100 × {where} #0", f"100 × {where}", "spare")
