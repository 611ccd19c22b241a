"""The DuckDB warehouse: connections, raw tables, and the atomic load of one landed month.

Landed files are read by DuckDB itself (`read_json` on the gzip files, cells cast in SQL);
Python only maps header names to positions. Values from outside (paths, months, headers)
reach SQL as bound parameters; only our own identifiers and integer positions are spliced in.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.lib.census_parse import Column, TableSpec, map_header, raw_tables, table_spec
from orchestration.lib.errors import ParseError, WarehouseBusy, WarehouseError
from orchestration.lib.landing import LandedEntry, LandingStore
from orchestration.lib.periods import month_key

META_COLUMNS = (
    ("_source", "VARCHAR"),
    ("_landed_file", "VARCHAR"),
    ("_vintage", "TIMESTAMP"),  # when the response was fetched (UTC)
    ("_loaded_at", "TIMESTAMP"),  # when it was loaded into this table (UTC)
)


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a clear one-line error when it is locked or cannot be created."""
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"warehouse {path} does not exist yet: run `trade-warehouse demo` or `refresh` first")
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WarehouseError(f"cannot create the warehouse folder {path.parent}: {error.strerror}") from None
    try:
        return duckdb.connect(str(path), read_only=read_only)
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


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    for table, columns in raw_tables().items():
        definitions = ["period DATE NOT NULL"]
        definitions += [f"{c.name} {c.sql_type}" for c in columns]
        definitions += [f"{name} {sql_type}" for name, sql_type in META_COLUMNS]
        con.execute(f"create table if not exists raw.{table} ({', '.join(definitions)})")


@dataclass
class MonthLoad:
    flow: str
    month: str
    rows: dict[str, int] = field(default_factory=dict)  # raw table -> rows loaded
    files: int = 0
    unknown_columns: set[str] = field(default_factory=set)
    duplicated_columns: set[str] = field(default_factory=set)


def _cell(column: Column, positions: dict[str, int]) -> str:
    if column.source is None:
        return "null" if column.constant is None else f"'{column.constant}'"
    cell = f"r[{positions[column.source]}]"
    return f"cast(nullif({cell}, '') as bigint)" if column.sql_type == "BIGINT" else cell


def _period_cell(positions: dict[str, int]) -> str:
    if "time" in positions:
        return f"r[{positions['time']}]"
    return f"r[{positions['YEAR']}] || '-' || r[{positions['MONTH']}]"


def _validate(con, spec: TableSpec, positions: dict[str, int], month: str, where: str) -> None:
    """Fail on cells that cannot be what their column says, naming column and value."""
    checks = [
        (
            f"{_period_cell(positions)} is distinct from $month",
            f"rows for another month than {month} (time column)",
            _period_cell(positions),
        )
    ]
    for column in spec.columns:
        if column.source is None:
            continue
        cell = f"r[{positions[column.source]}]"
        if column.sql_type == "BIGINT":
            checks.append(
                (
                    f"nullif({cell}, '') is not null and try_cast({cell} as bigint) is null",
                    f"non-numeric value in {column.source}",
                    cell,
                )
            )
            checks.append((f"try_cast({cell} as bigint) < 0", f"negative value in {column.source}", cell))
        elif column.source in ("CTY_CODE", "COMM_LVL") or column.name in ("commodity", "e_commodity", "i_commodity"):
            checks.append((f"coalesce({cell}, '') = ''", f"empty {column.source}", cell))
    selects = ", ".join(f"count(*) filter ({test}), any_value({cell}) filter ({test})" for test, _, cell in checks)
    counts = con.execute(f"select {selects} from _landing", {"month": month}).fetchone()
    for index, (_, problem, _) in enumerate(checks):
        bad, example = counts[2 * index], counts[2 * index + 1]
        if bad:
            raise ParseError(f"{where}: {bad} row{'s' if bad > 1 else ''} with {problem} (e.g. {example!r})")


def load_entries(con, store: LandingStore, spec: TableSpec, entries: list[LandedEntry], load: MonthLoad) -> None:
    """Insert the rows of landed responses that share one header into raw.<spec.table>
    (the caller owns the transaction)."""
    header = entries[0].header
    where = f"{entries[0].flow} {entries[0].month} {entries[0].request_id}" + (
        f" (+{len(entries) - 1} files)" if len(entries) > 1 else ""
    )
    header_map = map_header(header, spec.required, also_known=spec.requested_not_stored, where=where)
    load.unknown_columns.update(header_map.unknown)
    load.duplicated_columns.update(header_map.duplicates)
    paths = [str(store.verify(entry)) for entry in entries]
    con.execute(
        "create or replace temp table _landing as "
        "select json as r, filename as f from read_json($files, format='array', records=false, filename=true) "
        "where json is distinct from $header",
        {"files": paths, "header": header},
    )
    con.execute(
        "create or replace temp table _files as select unnest($paths::varchar[]) as f, "
        "unnest($landed::varchar[]) as landed_file, unnest($sources::varchar[]) as source, "
        "unnest($vintages::timestamp[]) as vintage",
        {
            "paths": paths,
            "landed": [entry.file for entry in entries],
            "sources": [entry.source for entry in entries],
            "vintages": [
                datetime.fromisoformat(entry.fetched_at).astimezone(UTC).replace(tzinfo=None) for entry in entries
            ],
        },
    )
    _validate(con, spec, header_map.positions, entries[0].month, where)
    names = ", ".join(["period"] + [c.name for c in spec.columns] + [name for name, _ in META_COLUMNS])
    cells = ", ".join(
        [f"cast({_period_cell(header_map.positions)} || '-01' as date)"]
        + [_cell(c, header_map.positions) for c in spec.columns]
        + ["_files.source", "_files.landed_file", "_files.vintage", "$loaded_at"]
    )
    inserted = con.execute(
        f"insert into raw.{spec.table} ({names}) select {cells} from _landing join _files using (f)",
        {"loaded_at": datetime.now(UTC).replace(tzinfo=None)},
    ).fetchone()[0]
    load.rows[spec.table] = load.rows.get(spec.table, 0) + inserted
    load.files += len(entries)


def load_month(con, store: LandingStore, flow: str, month, entries: list[LandedEntry]) -> MonthLoad:
    """Replace one month of one flow in the raw tables with the given landed responses,
    in one transaction: readers see the old month or the new one, never a mix."""
    key = month if isinstance(month, str) else month_key(month)
    load = MonthLoad(flow, key)
    groups: dict[tuple[str, tuple[str, ...]], list[LandedEntry]] = defaultdict(list)
    for entry in entries:
        if entry.status != 204 and entry.rows:
            groups[(entry.kind, tuple(entry.header))].append(entry)
    con.execute("begin transaction")
    try:
        for kind in ("detail", "names"):
            table = table_spec(flow, kind).table
            load.rows[table] = 0
            con.execute(f"delete from raw.{table} where period = cast($month || '-01' as date)", {"month": key})
        for (kind, _header), members in sorted(groups.items(), key=lambda item: item[1][0].request_id):
            load_entries(con, store, table_spec(flow, kind), members, load)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.execute("drop table if exists _landing")
        con.execute("drop table if exists _files")
    return load


def table_row_counts(path: Path, schemas: tuple[str, ...] = ("staging", "marts")) -> dict[str, int]:
    """`schema.table` -> rows, for the tables (not views) of the given schemas."""
    con = connect(path, read_only=True)
    try:
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
    finally:
        con.close()
