"""The story's history store: built from the public data files, or the user's own.

Without ``--store`` the story imports, into a new store in a temporary folder, exactly the
files below with the project's importers (the same as ``hashwinter data import``), so the
run does not depend on (or change) the user's store.
"""

from __future__ import annotations

from pathlib import Path

from hashwinter.errors import InputError

__all__ = ["STORE_FILES", "build_store", "check_store"]

#: (importer, file) pairs the story needs: BTC and ETH chains and prices, CNY per USD, the
#: used-machine quotes and card prices, the XBTUSD funding.
STORE_FILES: tuple[tuple[str, str], ...] = (
    ("coinmetrics", "btc_daily.csv"),
    ("coinmetrics", "eth_daily.csv"),
    ("ecb", "usd_cny_daily.csv"),
    ("machine-prices", "used_asic_prices.csv"),
    ("machine-prices", "gpu_prices.csv"),
    ("funding", "btc_futures_2018.csv"),
)


def build_store(data_dir: Path, path: Path) -> list[str]:
    """Import :data:`STORE_FILES` from ``data_dir`` into a new store at ``path``.

    Returns the importers' one-line summaries. Raises InputError naming a missing file.
    """
    from hashwinter.data import import_file

    missing = [name for _, name in STORE_FILES if not (data_dir / name).is_file()]
    if missing:
        raise InputError(f"no {', '.join(missing)} in {data_dir} (the story builds its store "
                         "from these files; or give --store)", field="--data")
    return [import_file(source, data_dir / name, store=path).summary()
            for source, name in STORE_FILES]


def check_store(path: Path) -> None:
    """Check that a user's store holds what the story reads: BTC, ETH and CNY history."""
    from hashwinter.data.store import opened

    if not path.is_file():
        raise InputError(f"no such store: {path}", field="--store")
    with opened(path) as st:
        assets, currencies = st.assets(), st.currencies()
    lacking = [a for a in ("BTC", "ETH") if a not in assets]
    if "CNY" not in currencies:
        lacking.append("CNY (FX)")
    if lacking:
        raise InputError(f"{path} lacks {', '.join(lacking)} history (hashwinter data import "
                         "...)", field="--store")
