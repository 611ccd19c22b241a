"""The serving copy: what analysts and BI tools read, so that they never touch the writer's file.

The marts (with their column comments and table macros) are copied into a new DuckDB file
written in an older storage format (default v1.4.0: DuckDB 1.4 LTS and every 2.x read it), which
then replaces the previous copy with one rename. A reader that had the old copy open keeps
reading it; new connections see the new one. Each mart is also exported as Parquet (by year where
it has months), swapped in the same way.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.lib.errors import InputError, WarehouseBusy, WarehouseError

SCHEMA = "marts"
STORAGE_VERSION = re.compile(r"^v\d+\.\d+\.\d+$")


@dataclass
class Published:
    path: Path
    parquet_dir: Path
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows
    storage_version: str = ""
    bytes: int = 0


def _literal(text: str) -> str:
    # COMMENT ON takes no parameters; the texts are the project's own dbt descriptions.
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        if candidate.exists():
            candidate.unlink()


def publish(warehouse: Path, serving: Path, *, storage_version: str = "v1.4.0") -> Published:
    if not STORAGE_VERSION.match(storage_version):
        raise InputError(f"SERVING_STORAGE_VERSION {storage_version!r} is not a version such as v1.4.0")
    if not warehouse.exists():
        raise WarehouseError(f"warehouse {warehouse} does not exist yet: run `trade-warehouse demo` or `refresh` first")
    serving.parent.mkdir(parents=True, exist_ok=True)
    temporary = serving.with_name(f".{serving.name}.{os.getpid()}.tmp")
    _remove(temporary)
    result = Published(serving, serving.parent / "parquet", storage_version=storage_version)
    con = duckdb.connect()
    try:
        try:
            con.execute("attach $path as wh (read_only)", {"path": str(warehouse)})
        except duckdb.IOException as error:
            raise WarehouseBusy(
                f"cannot read warehouse {warehouse} to publish it: {str(error).splitlines()[0]}"
            ) from None
        con.execute(f"attach $path as pub (storage_version '{storage_version}')", {"path": str(temporary)})
        con.execute(f"create schema pub.{SCHEMA}")
        tables = con.execute(
            "select table_name, comment from duckdb_tables() where database_name = 'wh' and schema_name = $s "
            "order by table_name",
            {"s": SCHEMA},
        ).fetchall()
        for table, comment in tables:
            target = f"pub.{SCHEMA}.{_ident(table)}"
            con.execute(f"create table {target} as from wh.{SCHEMA}.{_ident(table)}")
            if comment:
                con.execute(f"comment on table {target} is {_literal(comment)}")
            result.tables[table] = con.execute(f"select count(*) from {target}").fetchone()[0]
        for table, column, comment in con.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where database_name = 'wh' and schema_name = $s and comment is not null",
            {"s": SCHEMA},
        ).fetchall():
            if table in result.tables:
                con.execute(f"comment on column pub.{SCHEMA}.{_ident(table)}.{_ident(column)} is {_literal(comment)}")
        _copy_table_macros(con)
        con.execute("checkpoint pub")
        _export_parquet(con, result)
    finally:
        con.close()
    os.replace(temporary, serving)
    result.bytes = serving.stat().st_size
    return result


def _copy_table_macros(con) -> None:
    """Table macros such as marts.bilateral_balance_as_of, rebuilt from their definitions."""
    macros = con.execute(
        "select function_name, parameters, macro_definition from duckdb_functions() "
        "where database_name = 'wh' and schema_name = $s and function_type = 'table_macro'",
        {"s": SCHEMA},
    ).fetchall()
    con.execute("use pub")  # the definitions name schema.table: resolve them in the copy
    try:
        for name, parameters, definition in macros:
            arguments = ", ".join(_ident(p) for p in parameters)
            con.execute(f"create macro {SCHEMA}.{_ident(name)}({arguments}) as table {definition}")
    finally:
        con.execute("use memory")


def _export_parquet(con, result: Published) -> None:
    """Each mart as Parquet under parquet/<table>/ (by year where it has a period), swapped in."""
    final = result.parquet_dir
    staging = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for table in result.tables:
        columns = {r[0] for r in con.execute(f"describe pub.{SCHEMA}.{_ident(table)}").fetchall()}
        target = staging / table
        if "period" in columns:
            con.execute(
                f"copy (select *, year(period) as year from pub.{SCHEMA}.{_ident(table)}) to $path "
                "(format parquet, partition_by (year))",
                {"path": str(target)},
            )
        else:
            target.mkdir()
            con.execute(
                f"copy pub.{SCHEMA}.{_ident(table)} to $path (format parquet)", {"path": str(target / "data.parquet")}
            )
    previous = final.with_name(f".{final.name}.{os.getpid()}.old")
    if final.exists():
        os.replace(final, previous)
    os.replace(staging, final)
    shutil.rmtree(previous, ignore_errors=True)
