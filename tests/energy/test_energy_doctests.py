"""The examples in the energy docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "hashwinter.energy.currency",
    "hashwinter.energy.flat",
    "hashwinter.energy.fx",
    "hashwinter.energy.seasonal",
    "hashwinter.energy.site",
    "hashwinter.energy.tiered",
    "hashwinter.energy.time_of_use",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
