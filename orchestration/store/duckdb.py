"""Connections to the warehouse and transactions on them: one place that opens the file (or the
shared target), names a lock or a missing file in one line, and rolls a failed write back."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import duckdb

from orchestration.core.errors import WarehouseBusy, WarehouseError, WarehouseMissing, first_line
from orchestration.core.settings import duckdb_config
from orchestration.store.targets import WarehouseTarget

T = TypeVar("T")


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a clear one-line error when it is locked or cannot be created.

    With WAREHOUSE_TARGET=motherduck or ducklake the warehouse is that shared database instead,
    and `path` only names the local writer lock (see store/targets/)."""
    path = Path(path)
    target = WarehouseTarget.from_env(path)
    if target.is_shared:
        return target.open(read_only=read_only)
    if read_only and not path.exists():
        raise WarehouseMissing(f"warehouse {path} does not exist yet: run `trade-warehouse demo` or `refresh` first")
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WarehouseError(f"cannot create the warehouse folder {path.parent}: {error.strerror}") from None
    try:
        return duckdb.connect(str(path), read_only=read_only, config=duckdb_config())
    except duckdb.IOException as error:
        message = str(error)
        if "lock" in message.lower():
            holder = re.search(r"PID (\d+)", message)
            by = f" (process {holder.group(1)})" if holder else ""
            raise WarehouseBusy(
                f"warehouse {path} is busy: another process{by} is writing it; try again when it finishes"
            ) from None
        raise WarehouseError(f"cannot open warehouse {path}: {message.splitlines()[0]}") from None
    except duckdb.Error as error:
        raise WarehouseError(f"cannot open warehouse {path}: {str(error).splitlines()[0]}") from None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """begin ... commit, or rollback on any failure. A failed write (a full disk) may have ended
    the transaction already: then the rollback's own complaint must not hide the real cause."""
    con.execute("begin transaction")
    try:
        yield
        con.execute("commit")
    except BaseException:
        with suppress(duckdb.Error):
            con.execute("rollback")
        raise


def has_unique_constraints(con: duckdb.DuckDBPyConnection) -> bool:
    """False on a DuckLake, which has no PRIMARY KEY or UNIQUE constraints (nor indexes): a loader
    that relies on a key leaves it out there and checks with a query in its transaction instead."""
    return con.execute(
        "select type <> 'ducklake' from duckdb_databases() where database_name = current_database()"
    ).fetchone()[0]


def table_row_counts(path: Path, schemas: tuple[str, ...] = ("staging", "marts")) -> dict[str, int]:
    """`schema.table` -> rows, for the tables (not views) of the given schemas."""
    with connect(path, read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where schema_name in (select unnest($schemas::varchar[]))",
            {"schemas": list(schemas)},
        ).fetchall()
        # Identifiers come from DuckDB's own catalog, quoted.
        return {
            f"{schema}.{table}": con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            for schema, table in tables
        }


# A write that lost a race on DuckLake is tried again this many times in all, after a growing pause.
CONFLICT_ATTEMPTS = 6
CONFLICT_PAUSE_S = 0.25


def is_write_conflict(error: BaseException) -> bool:
    """A DuckLake commit refused because another transaction changed the same table meanwhile
    (DuckLake itself retries the commits that do not conflict), or created the same table or
    schema: two first loads into an empty lake both run `create ... if not exists`."""
    if not isinstance(error, duckdb.Error):
        return False
    message = str(error)
    return "Transaction conflict" in message or (
        isinstance(error, duckdb.CatalogException) and "already exists" in message
    )


def retry_write_conflicts(write: Callable[[], T], what: str) -> T:
    """Run `write` (a whole transaction, opening its own connection) again when it lost a DuckLake
    commit race: the loser rolled back, so running it again is safe, and it then sees the winner's
    changes (a raw schema another load has just created, say). Other errors pass through."""
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            return write()
        except duckdb.Error as error:
            if not is_write_conflict(error):
                raise
            if attempt == CONFLICT_ATTEMPTS:
                raise WarehouseError(
                    f"{what}: another writer kept changing the same tables ({attempt} attempts): {first_line(error)}"
                ) from None
            time.sleep(CONFLICT_PAUSE_S * 2 ** (attempt - 1) * (0.5 + random.random()))
    raise AssertionError("unreachable")
