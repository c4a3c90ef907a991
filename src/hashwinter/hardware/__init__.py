"""The machine catalog: ASIC miners and GPUs with nominal hashrate, power and sources.

>>> from hashwinter.hardware import default_catalog
>>> s9 = default_catalog().get("蚂蚁S9")
>>> s9.model, s9.hashrate_ths, s9.power
('Antminer S9', 13.5, 1323.0)

The built-in catalog is ``hashwinter/hardware/data/machines.csv``; user catalogs
(TOML or CSV, :func:`load_catalog`) are laid over it with
:meth:`Catalog.merged_with`. See docs/catalog.md.
"""

from hashwinter.hardware.aliases import name_key, strip_maker_prefixes
from hashwinter.hardware.catalog import Catalog, default_catalog
from hashwinter.hardware.loader import load_catalog
from hashwinter.hardware.machine import ALGORITHMS, HASHRATE_UNITS, KINDS, Machine
from hashwinter.hardware.rig import Rig

__all__ = [
    "ALGORITHMS",
    "HASHRATE_UNITS",
    "KINDS",
    "Catalog",
    "Machine",
    "Rig",
    "default_catalog",
    "load_catalog",
    "name_key",
    "strip_maker_prefixes",
]
