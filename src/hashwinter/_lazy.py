"""Names a package exposes without importing the modules that define them until used.

``import hashwinter`` (and every ``import hashwinter.x``, which runs the package's
``__init__`` first) must stay cheap: the command line starts in a fraction of a
second only if numpy, pandas and DuckDB are imported by the commands that use them.
A package lists ``name -> module`` and defines, at module level::

    def __getattr__(name: str) -> Any:
        return load(__name__, name, _EXPORTS)

    def __dir__() -> list[str]:
        return names(__name__, _EXPORTS)

The first access imports the module and caches the value on the package, so later
accesses are plain attribute reads (PEP 562).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["load", "names"]


def load(package: str, name: str, exports: Mapping[str, str]) -> Any:
    """Return ``name`` from its module in ``exports``, imported now and cached on ``package``.

    Raises
    ------
    AttributeError
        ``name`` is not one of ``exports`` (as for any missing attribute).

    """
    module = exports.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    setattr(sys.modules[package], name, value)
    return value


def names(package: str, exports: Mapping[str, str]) -> list[str]:
    """Return the package's attributes: those already set and every lazy export."""
    return sorted({*vars(sys.modules[package]), *exports})
