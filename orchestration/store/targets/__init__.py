"""Where the warehouse lives: WAREHOUSE_TARGET = local (a DuckDB file, the default), motherduck
(an `md:` database) or ducklake (a DuckLake catalog in PostgreSQL, data files on a path or object
store), one module each. dbt's profile (dbt_project/profiles.yml) reads the same variables, so
both sides agree.

Secrets (MOTHERDUCK_TOKEN, the catalog password) stay in the environment: DuckDB and dbt read them
from there, and nothing here puts them in a message, a log or a table.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.core.errors import InputError, WarehouseError, first_line
from orchestration.core.settings import duckdb_config
from orchestration.store.targets import ducklake, local, motherduck

TARGETS = ("local", "motherduck", "ducklake")
DUCKLAKE_ALIAS = ducklake.ALIAS


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
            return cls(kind, path, motherduck_database=motherduck.database_name(env))
        if kind == "ducklake":
            catalog, data_path = ducklake.settings(env)
            return cls(kind, path, ducklake_catalog=catalog, ducklake_data_path=data_path)
        return cls(kind, path)

    @property
    def is_shared(self) -> bool:
        """A database several hosts reach (MotherDuck, DuckLake), read in place by BI tools: no
        serving copy, no report charts from one."""
        return self.kind != "local"

    @property
    def takes_parallel_writers(self) -> bool:
        """Several runs may write at once (DuckLake): a load that loses a commit race is run
        again, and the dbt builds take turns. A local file has one writer (the `warehouse` pool)."""
        return self.kind == "ducklake"

    def build_lock(self, on_wait: Callable[[], None], check: Callable[[], None]) -> AbstractContextManager[None]:
        """Held around a dbt build. On DuckLake, where parallel runs may load at once, the builds
        take turns (ducklake.build_lock); elsewhere the `warehouse` pool of 1 already serializes them."""
        if self.takes_parallel_writers:
            return ducklake.build_lock(self.ducklake_catalog, self.describe(), on_wait, check)
        return nullcontext()

    def describe(self) -> str:
        """Where the warehouse is, for messages (no secrets)."""
        if self.kind == "motherduck":
            return motherduck.database(self.motherduck_database)
        if self.kind == "ducklake":
            return f"ducklake catalog ({self.ducklake_catalog}), data in {self.ducklake_data_path}"
        return str(self.path)

    def database(self) -> str:
        """What duckdb.connect() opens."""
        if self.kind == "motherduck":
            return motherduck.database(self.motherduck_database)
        if self.kind == "ducklake":
            return ":memory:"
        return local.database(self.path)

    def attach_sql(self, *, read_only: bool = False) -> str:
        """The ATTACH statement of the DuckLake catalog (values validated in from_env)."""
        return ducklake.attach_sql(self.ducklake_catalog, self.ducklake_data_path, read_only=read_only)

    def open(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Connect to a remote target; local files go through store.duckdb.connect (lock messages)."""
        if self.kind == "local":
            raise ValueError("open() is for the motherduck and ducklake targets")
        try:
            # a DuckLake's queries run in this process: bounded memory, as a local file's (settings.py)
            config = duckdb_config() if self.kind == "ducklake" else {}
            con = duckdb.connect(self.database(), read_only=read_only and self.kind == "motherduck", config=config)
        except duckdb.Error as error:
            # DuckDB may echo a connection string; never a token (those stay in the environment)
            raise WarehouseError(f"cannot open {self.describe()}: {first_line(error)}") from None
        if self.kind == "ducklake":
            ducklake.attach(con, self.ducklake_catalog, self.ducklake_data_path, self.describe(), read_only=read_only)
        return con
