"""hashwinter: proof-of-work mining economics, from a shutdown price to a network's winter.

The most used functions are exposed here; the rest live in the subpackages
(``chain``, ``hardware``, ``energy``, ``economics``, ``data``, ``engine``, ...).
"""

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
