"""The store's tables and the migrations that create and evolve them.

The schema has a version (table ``schema_version``). :data:`MIGRATIONS` lists
every step from an empty file to the current version; opening a store applies
the missing steps in one transaction, so a store written by an older hashwinter
is upgraded in place and a crash during an upgrade leaves the old version.

Tables (units in column names or below; dates are UTC calendar days):

``chain_daily``
    One row per (asset, date): ``difficulty`` (mean difficulty of the day's
    blocks, dimensionless), ``hashrate_hs`` [H/s], ``blocks`` (count),
    ``issuance`` [coin] (new supply that day, i.e. subsidies), ``fees`` [coin]
    (total transaction fees that day). Any value may be NULL (unknown).
``coin_price_daily``
    (asset, quote, date) → ``price`` [quote currency per coin].
``fx_daily``
    (currency, date) → ``per_usd`` [units of currency per USD].
``retargets``
    (asset, height) → ``time`` (UTC), ``difficulty`` from that block on and
    ``change`` (ratio new / previous difficulty).
``machine_prices``
    Observed machine prices: model, date (with ``date_precision`` day, month
    or year), price and currency, ``condition`` new / used / scrap, source,
    and the source's own wording (``condition_detail``, ``date_detail``, ``quote``).
``import_log``
    One row per import: source, origin, rows written per table, time.
``futures_price_daily``
    (symbol, date) → ``price`` [USD per coin] of a futures contract (schema v2).
``funding_rates``
    (symbol, time) → ``interval_hours`` [h], ``rate`` (fraction of notional
    per interval; > 0: longs pay shorts) and ``mark`` [USD per coin, NULL if
    unknown] of a perpetual swap (schema v2).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb

from hashwinter.errors import InputError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "TABLES", "Migration", "migrate", "schema_version"]


@dataclasses.dataclass(frozen=True)
class Migration:
    """One step of the schema: SQL statements that take version - 1 to ``version``.

    Attributes
    ----------
    version : int
        Schema version after this step.
    description : str
        What the step does.
    statements : tuple of str
        SQL run in order, inside the migration's transaction.

    """

    version: int
    description: str
    statements: tuple[str, ...]


_V1 = Migration(
    version=1,
    description="chain, prices, FX, retargets, machine prices, import log",
    statements=(
        """
        CREATE TABLE chain_daily (
            asset VARCHAR NOT NULL,
            date DATE NOT NULL,
            difficulty DOUBLE,
            hashrate_hs DOUBLE,
            blocks INTEGER,
            issuance DOUBLE,
            fees DOUBLE,
            source VARCHAR NOT NULL DEFAULT '',
            PRIMARY KEY (asset, date)
        )
        """,
        """
        CREATE TABLE coin_price_daily (
            asset VARCHAR NOT NULL,
            quote VARCHAR NOT NULL,
            date DATE NOT NULL,
            price DOUBLE NOT NULL,
            source VARCHAR NOT NULL DEFAULT '',
            PRIMARY KEY (asset, quote, date)
        )
        """,
        """
        CREATE TABLE fx_daily (
            currency VARCHAR NOT NULL,
            date DATE NOT NULL,
            per_usd DOUBLE NOT NULL,
            source VARCHAR NOT NULL DEFAULT '',
            PRIMARY KEY (currency, date)
        )
        """,
        """
        CREATE TABLE retargets (
            asset VARCHAR NOT NULL,
            height BIGINT NOT NULL,
            time TIMESTAMP NOT NULL,
            difficulty DOUBLE NOT NULL,
            change DOUBLE,
            source VARCHAR NOT NULL DEFAULT '',
            PRIMARY KEY (asset, height)
        )
        """,
        """
        CREATE TABLE machine_prices (
            model VARCHAR NOT NULL,
            date DATE NOT NULL,
            date_precision VARCHAR NOT NULL,
            price DOUBLE NOT NULL,
            currency VARCHAR NOT NULL,
            condition VARCHAR NOT NULL,
            condition_detail VARCHAR NOT NULL DEFAULT '',
            price_kind VARCHAR NOT NULL DEFAULT '',
            market VARCHAR NOT NULL DEFAULT '',
            source VARCHAR NOT NULL DEFAULT '',
            note VARCHAR NOT NULL DEFAULT '',
            date_detail VARCHAR NOT NULL DEFAULT '',
            quote VARCHAR NOT NULL DEFAULT '',
            PRIMARY KEY (model, date, condition, price_kind, source)
        )
        """,
        "CREATE SEQUENCE import_log_id START 1",
        """
        CREATE TABLE import_log (
            id BIGINT PRIMARY KEY DEFAULT nextval('import_log_id'),
            source VARCHAR NOT NULL,
            origin VARCHAR NOT NULL,
            rows_written VARCHAR NOT NULL,
            skipped INTEGER NOT NULL,
            imported_at TIMESTAMP NOT NULL
        )
        """,
    ),
)

_V2 = Migration(
    version=2,
    description="futures prices and perpetual funding rates",
    statements=(
        """
        CREATE TABLE futures_price_daily (
            symbol VARCHAR NOT NULL,
            date DATE NOT NULL,
            price DOUBLE NOT NULL,
            source VARCHAR NOT NULL DEFAULT '',
            PRIMARY KEY (symbol, date)
        )
        """,
        """
        CREATE TABLE funding_rates (
            symbol VARCHAR NOT NULL,
            time TIMESTAMP NOT NULL,
            interval_hours DOUBLE NOT NULL,
            rate DOUBLE NOT NULL,
            mark DOUBLE,
            source VARCHAR NOT NULL DEFAULT '',
            PRIMARY KEY (symbol, time)
        )
        """,
    ),
)

#: Every schema step, in order. Append, never edit a released step.
MIGRATIONS: tuple[Migration, ...] = (_V1, _V2)
#: The version this hashwinter writes and reads.
SCHEMA_VERSION: int = MIGRATIONS[-1].version
#: Data tables, in the order status and export list them.
TABLES: tuple[str, ...] = (
    "chain_daily",
    "coin_price_daily",
    "fx_daily",
    "retargets",
    "machine_prices",
    "futures_price_daily",
    "funding_rates",
    "import_log",
)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Return the schema version of an open store (0 for an empty file).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection.

    Returns
    -------
    int
        Highest applied version, 0 when the version table does not exist.

    """
    # Without this, DuckDB resolves a missing table by scanning Python variables of the
    # same name in the calling frames (this very function is one).
    con.execute("SET python_enable_replacements = false")
    try:
        row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    except duckdb.CatalogException:
        # No version table: an empty (new) file. Cheaper than asking information_schema.
        return 0
    return int(row[0]) if row and row[0] is not None else 0


def migrate(
    con: duckdb.DuckDBPyConnection,
    migrations: tuple[Migration, ...] = MIGRATIONS,
    *,
    source: str = "store",
) -> int:
    """Apply the missing migrations in one transaction; return the resulting version.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Read-write connection, not inside a transaction.
    migrations : tuple of Migration
        Steps with versions 1, 2, ... in order (default: :data:`MIGRATIONS`).
    source : str
        Name of the store for error messages.

    Returns
    -------
    int
        The schema version after migrating.

    Raises
    ------
    InputError
        If the store was written by a newer hashwinter (its version is higher
        than the last known step).

    """
    for i, step in enumerate(migrations, start=1):
        if step.version != i:
            raise ValueError(f"migration versions must be 1, 2, ...; got {step.version} at {i}")
    latest = migrations[-1].version if migrations else 0
    current = schema_version(con)
    if current > latest:
        raise InputError(
            f"store schema version {current} is newer than this hashwinter understands "
            f"({latest}); upgrade hashwinter",
            source=source,
        )
    if current == latest:
        return current
    con.execute("BEGIN TRANSACTION")
    try:
        if current == 0:
            con.execute(
                "CREATE TABLE schema_version (version INTEGER NOT NULL, "
                "description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for step in migrations[current:]:
            for sql in step.statements:
                con.execute(sql)
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, ?)",
                [step.version, step.description, now],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return latest
