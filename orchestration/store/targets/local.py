"""WAREHOUSE_TARGET=local (the default): one DuckDB file. It is opened by store.duckdb.connect,
which names a lock held by another process in one line."""

from __future__ import annotations

from pathlib import Path


def database(path: Path) -> str:
    """What duckdb.connect() opens."""
    return str(path)
