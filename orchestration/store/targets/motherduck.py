"""WAREHOUSE_TARGET=motherduck: an `md:` database; DuckDB reads the token from MOTHERDUCK_TOKEN."""

from __future__ import annotations

import re
from collections.abc import Mapping

from orchestration.core.errors import InputError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def database_name(env: Mapping[str, str]) -> str:
    """The database the settings name, checked; InputError in one line otherwise."""
    database = env.get("MOTHERDUCK_DATABASE") or "trade_warehouse"
    if not _NAME.match(database):
        raise InputError(f"MOTHERDUCK_DATABASE={database!r}: use letters, digits and underscores")
    if not env.get("MOTHERDUCK_TOKEN"):
        raise InputError("WAREHOUSE_TARGET=motherduck needs MOTHERDUCK_TOKEN in the environment")
    return database


def database(name: str) -> str:
    """What duckdb.connect() opens (the token comes from MOTHERDUCK_TOKEN, never from here)."""
    return f"md:{name}"
