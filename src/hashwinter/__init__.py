"""hashwinter: proof-of-work mining economics, from a shutdown price to a network's winter.

The most used functions are exposed here; the rest live in the subpackages
(``chain``, ``hardware``, ``energy``, ``economics``, ``data``, ``engine``, ...).

``import hashwinter`` is cheap: the functions below are imported (with numpy) on
first use, so the command line starts without numpy, pandas or DuckDB.
"""

from __future__ import annotations

# Nothing is imported here at run time, not even typing: this module runs before the
# command line's guard against an early Ctrl-C (hashwinter.cli.app) can catch one.
TYPE_CHECKING = False  # mypy reads this name as true
if TYPE_CHECKING:
    from typing import Any

    from hashwinter.chain import block_subsidy, next_work_required
    from hashwinter.economics import coins_per_day, shutdown_price
    from hashwinter.errors import HashwinterError, InputError, InputErrors
    from hashwinter.state import WINTER_2018, NetworkState

__version__ = "0.1.0"

__all__ = [
    "WINTER_2018",
    "HashwinterError",
    "InputError",
    "InputErrors",
    "NetworkState",
    "__version__",
    "block_subsidy",
    "coins_per_day",
    "next_work_required",
    "shutdown_price",
]

#: Exposed name -> the module defining it (imported on first access).
_EXPORTS: dict[str, str] = {
    "WINTER_2018": "hashwinter.state",
    "NetworkState": "hashwinter.state",
    "HashwinterError": "hashwinter.errors",
    "InputError": "hashwinter.errors",
    "InputErrors": "hashwinter.errors",
    "block_subsidy": "hashwinter.chain",
    "next_work_required": "hashwinter.chain",
    "coins_per_day": "hashwinter.economics",
    "shutdown_price": "hashwinter.economics",
}


def __getattr__(name: str) -> Any:
    from hashwinter._lazy import load  # not `from hashwinter import _lazy`: that calls us

    return load(__name__, name, _EXPORTS)


def __dir__() -> list[str]:
    from hashwinter._lazy import names

    return names(__name__, _EXPORTS)
