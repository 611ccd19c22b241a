"""Where the warehouse lives: WAREHOUSE_TARGET = local (a DuckDB file, the default), motherduck
(an `md:` database) or ducklake (a DuckLake catalog in PostgreSQL, data files on a path or object
store). dbt's profile (dbt_project/profiles.yml) reads the same variables, so both sides agree.

Secrets (MOTHERDUCK_TOKEN, the catalog password) stay in the environment: DuckDB and dbt read them
from there, and nothing here puts them in a message, a log or a table.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.core.errors import InputError, WarehouseError

TARGETS = ("local", "motherduck", "ducklake")
# The name the warehouse is attached under for ducklake; SQL qualifies tables as schema.table.
DUCKLAKE_ALIAS = "warehouse"
_MOTHERDUCK_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class WarehouseTarget:
    kind: str
    path: Path  # local: the file; other targets: where the writer lock lives
    motherduck_database: str = ""
    ducklake_catalog: str = ""  # libpq connection string of the catalog database, without password
    ducklake_data_path: str = ""

    @classmethod
    def from_env(cls, path: Path, env: Mapping[str, str] | None = None) -> WarehouseTarget:
        env = os.environ if env is None else env
        kind = (env.get("WAREHOUSE_TARGET") or "local").strip().lower()
        if kind not in TARGETS:
            raise InputError(f"WAREHOUSE_TARGET={kind!r}: choose one of {', '.join(TARGETS)}")
        if kind == "motherduck":
            database = env.get("MOTHERDUCK_DATABASE") or "trade_warehouse"
            if not _MOTHERDUCK_NAME.match(database):
                raise InputError(f"MOTHERDUCK_DATABASE={database!r}: use letters, digits and underscores")
            if not env.get("MOTHERDUCK_TOKEN"):
                raise InputError("WAREHOUSE_TARGET=motherduck needs MOTHERDUCK_TOKEN in the environment")
            return cls(kind, path, motherduck_database=database)
        if kind == "ducklake":
            catalog, data_path = env.get("DUCKLAKE_CATALOG") or "", env.get("DUCKLAKE_DATA_PATH") or ""
            if not catalog or not data_path:
                raise InputError("WAREHOUSE_TARGET=ducklake needs DUCKLAKE_CATALOG and DUCKLAKE_DATA_PATH")
            if "password" in catalog.lower():
                raise InputError("DUCKLAKE_CATALOG must not hold the password: set PGPASSWORD instead")
            for name, value in (("DUCKLAKE_CATALOG", catalog), ("DUCKLAKE_DATA_PATH", data_path)):
                # These two settings are the only outside values that reach SQL (ATTACH takes no
                # parameters): refuse anything that could end the string literal.
                if "'" in value or "\n" in value or "\\" in value:
                    raise InputError(f"{name} must not contain quotes, backslashes or line breaks")
            return cls(kind, path, ducklake_catalog=catalog, ducklake_data_path=data_path)
        return cls(kind, path)

    def describe(self) -> str:
        """Where the warehouse is, for messages (no secrets)."""
        if self.kind == "motherduck":
            return f"md:{self.motherduck_database}"
        if self.kind == "ducklake":
            return f"ducklake catalog ({self.ducklake_catalog}), data in {self.ducklake_data_path}"
        return str(self.path)

    def database(self) -> str:
        """What duckdb.connect() opens."""
        if self.kind == "motherduck":
            return f"md:{self.motherduck_database}"  # the token comes from MOTHERDUCK_TOKEN
        if self.kind == "ducklake":
            return ":memory:"
        return str(self.path)

    def attach_sql(self) -> str:
        """The ATTACH statement of the DuckLake catalog (values validated in from_env)."""
        return (
            f"attach 'ducklake:postgres:{self.ducklake_catalog}' as {DUCKLAKE_ALIAS} "
            f"(data_path '{self.ducklake_data_path}')"
        )

    def open(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Connect to a remote target; local files go through warehouse.connect (lock messages)."""
        if self.kind == "local":
            raise ValueError("open() is for the motherduck and ducklake targets")
        try:
            con = duckdb.connect(self.database(), read_only=read_only and self.kind == "motherduck")
        except duckdb.Error as error:
            raise WarehouseError(f"cannot open {self.describe()}: {_first_line(error)}") from None
        if self.kind == "ducklake":
            try:
                con.execute("load ducklake")
                con.execute("load postgres")
            except duckdb.Error as error:
                con.close()
                raise WarehouseError(
                    f"WAREHOUSE_TARGET=ducklake needs DuckDB's ducklake and postgres extensions: {_first_line(error)}"
                ) from None
            try:
                con.execute(self.attach_sql())
                con.execute(f"use {DUCKLAKE_ALIAS}")
            except duckdb.Error as error:
                con.close()
                raise WarehouseError(f"cannot open {self.describe()}: {_first_line(error)}") from None
        return con


def _first_line(error: Exception) -> str:
    # DuckDB may echo a connection string; never a token (those stay in the environment).
    return str(error).splitlines()[0]
