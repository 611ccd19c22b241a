"""Helpers shared by the tests."""

from __future__ import annotations

from pathlib import Path

import duckdb


def snapshot(path: Path, schemas: tuple[str, ...] = ("raw", "marts")) -> dict[str, tuple]:
    """Row count and content hash of every table in the schemas (load times excluded), or {} when
    the warehouse does not exist."""
    if not Path(path).exists():
        return {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name, list(column_name) from duckdb_columns() "
            "where schema_name in (select unnest($schemas::varchar[])) group by all order by all",
            {"schemas": list(schemas)},
        ).fetchall()
        result = {}
        for schema, table, columns in tables:
            skip = [c for c in ("_loaded_at", "loaded_at") if c in columns]
            exclude = f" exclude ({', '.join(skip)})" if skip else ""
            result[f"{schema}.{table}"] = con.execute(
                f'select count(*), sum(hash(*columns(*{exclude}))) from "{schema}"."{table}"'
            ).fetchone()
    return result
