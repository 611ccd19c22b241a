"""WAREHOUSE_TARGET=ducklake: a DuckLake catalog in PostgreSQL, data files on a path or object
store, attached to an in-memory DuckDB under one alias."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from orchestration.core.errors import InputError, WarehouseError, WarehouseMissing, first_line

# The name the warehouse is attached under; SQL qualifies tables as schema.table.
ALIAS = "warehouse"


def settings(env: Mapping[str, str]) -> tuple[str, str]:
    """(catalog, data path), checked; InputError in one line otherwise."""
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
    return catalog, data_path


def attach_sql(catalog: str, data_path: str, *, read_only: bool = False) -> str:
    """The ATTACH statement of the catalog (values checked by settings())."""
    options = f"data_path '{data_path}'" + (", read_only" if read_only else "")
    return f"attach 'ducklake:postgres:{catalog}' as {ALIAS} ({options})"


EXTENSIONS = ("ducklake", "postgres")


def packaged_extension(name: str) -> Path | None:
    """The extension's file in the PyPI package `duckdb-extension-<name>` (the `ducklake` extra),
    when that package is installed for this DuckDB version; None otherwise."""
    try:
        folder = resources.files(f"duckdb_extension_{name}")
    except ModuleNotFoundError:
        return None
    path = Path(str(folder)) / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    return path if path.is_file() else None


def on_object_store(data_path: str) -> bool:
    """Whether the data files are on S3 or an S3-compatible store (read through httpfs)."""
    return data_path.lower().startswith("s3://")


def object_store_settings(env: Mapping[str, str]) -> dict[str, str | bool]:
    """The options of DuckDB's S3 secret from the AWS SDK's variables: the key (AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the region (AWS_REGION or AWS_DEFAULT_REGION) and,
    for an S3-compatible store (MinIO, Ceph, R2...), its address AWS_ENDPOINT_URL_S3 or
    AWS_ENDPOINT_URL (http:// or https://; such stores are then addressed path-style)."""
    settings: dict[str, str | bool] = {}
    for variable, name in (
        ("AWS_ACCESS_KEY_ID", "key_id"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_SESSION_TOKEN", "session_token"),
    ):
        if env.get(variable):
            settings[name] = env[variable]
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        settings["region"] = region
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if endpoint:
        address = urlsplit(endpoint)
        if address.scheme not in ("http", "https") or not address.netloc:
            raise InputError(
                f"AWS_ENDPOINT_URL {endpoint!r}: give the store's address as http://host:port or https://host"
            )
        settings["endpoint"] = address.netloc + address.path.rstrip("/")
        settings["use_ssl"] = address.scheme == "https"
        settings["url_style"] = "path"
    return settings


def configure_object_store(con: duckdb.DuckDBPyConnection, env: Mapping[str, str]) -> None:
    """A temporary S3 secret (in memory, for this database and every cursor of it) from
    object_store_settings. A secret, not `SET s3_*`: DuckDB shows a setting's value to any query
    (current_setting), a secret's key never (duckdb_secrets() redacts it). The values are
    parameters; the option names are the constants above."""
    settings = object_store_settings(env)
    if not settings:
        return  # no variables: DuckDB's own defaults (a public bucket)
    options = ", ".join(f"{name} ${name}" for name in settings)
    con.execute(f"create or replace secret trade_warehouse_s3 (type s3, {options})", settings)
    # httpfs also copies AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN into its s3_* settings when it
    # loads, where any query reads them: blank those (the secret above is what is used)
    for setting in ("s3_secret_access_key", "s3_session_token"):
        con.execute(f"set global {setting} = ''")


def load_extensions(con: duckdb.DuckDBPyConnection, *, object_store: bool = False) -> None:
    """Load ducklake and postgres (and httpfs for data on an object store); from the packages'
    files when they are installed.

    A packaged file is INSTALLed (copied into DuckDB's extension directory, once) and then loaded
    by name: `LOAD '<file>'` cannot load postgres, whose file is named postgres but whose entry
    point is postgres_scanner's, and the packages' folders are not laid out as an
    extension_directory. Without the packages, `load` is DuckDB's own (a download if need be)."""
    for name in (*EXTENSIONS, "httpfs") if object_store else EXTENSIONS:
        packaged = packaged_extension(name)
        if packaged is not None and "'" in str(packaged):  # INSTALL takes no parameter: a literal
            raise WarehouseError(f"cannot install DuckDB's {name} extension from {packaged}: its path holds a quote")
        if packaged is not None:
            installed = con.execute(
                "select bool_or(installed) from duckdb_extensions() "
                "where extension_name = $name or list_contains(aliases, $name)",
                {"name": name},
            ).fetchone()[0]
            if not installed:
                con.execute(f"install '{packaged}'")
        con.execute(f"load {name}")


INIT_ATTEMPTS = 5


def _attach_racing(con: duckdb.DuckDBPyConnection, sql: str, *, read_only: bool) -> None:
    """ATTACH; on a lake nobody has written yet, parallel runs all create its catalog tables at
    once and all but one fail: those attach again, and find the lake the winner created (a reader
    creates nothing, so it does not race)."""
    for attempt in range(1, INIT_ATTEMPTS + 1):
        try:
            con.execute(sql)
            return
        except duckdb.Error as error:
            if read_only or "Failed to initialize DuckLake" not in str(error) or attempt == INIT_ATTEMPTS:
                raise
            time.sleep(0.5 * attempt)


def attach(
    con: duckdb.DuckDBPyConnection, catalog: str, data_path: str, describe: str, *, read_only: bool = False
) -> None:
    """Load the extensions and attach the catalog as the default database (read-only when asked:
    the in-memory database itself is always writable); closes `con` on failure."""
    object_store = on_object_store(data_path)
    try:
        load_extensions(con, object_store=object_store)
    except duckdb.Error as error:
        con.close()
        needs = "ducklake, postgres and httpfs" if object_store else "ducklake and postgres"
        raise WarehouseError(
            f"WAREHOUSE_TARGET=ducklake needs DuckDB's {needs} extensions: {first_line(error)}"
        ) from None
    if object_store:
        try:
            configure_object_store(con, os.environ)
        except (InputError, duckdb.Error) as error:
            con.close()
            if isinstance(error, InputError):
                raise
            raise WarehouseError(f"cannot set up the S3 access of {describe}: {first_line(error)}") from None
    try:
        _attach_racing(con, attach_sql(catalog, data_path, read_only=read_only), read_only=read_only)
        con.execute(f"use {ALIAS}")
    except duckdb.Error as error:
        con.close()
        if read_only and "Existing DuckLake" in str(error) and "does not exist" in str(error):
            # a reader found no lake (a read-only ATTACH does not create one), as a missing local file
            raise WarehouseMissing(
                f"{describe} does not exist yet: run `trade-warehouse demo` or `refresh` first"
            ) from None
        raise WarehouseError(f"cannot open {describe}: {first_line(error)}") from None


# The key of the session advisory lock that dbt builds on one lake take in its catalog database.
BUILD_LOCK_KEY = 7_365_421_843_020_818  # any fixed bigint; the same in every process and host
BUILD_LOCK_POLL_S = 0.5


@contextmanager
def build_lock(catalog: str, describe: str, on_wait: Callable[[], None], check: Callable[[], None]) -> Iterator[None]:
    """Hold the lake's build lock, in PostgreSQL, while a dbt build writes the lake.

    Loads of different months only append, and DuckLake commits concurrent appends; but every dbt
    build recreates views and tables, and an incremental model deletes before it inserts: on
    DuckLake 1.5 two transactions conflict as soon as one inserts into a table the other deleted
    from, whatever the rows. So the builds of parallel runs take turns. The lock is the catalog
    database's (it holds on every host that writes the lake, unlike a file lock); waiting polls
    every half second, calling `check` (a stop request ends the wait), and `on_wait` once.
    The lock goes with the connection: a build killed with SIGKILL frees it at once."""
    import psycopg2  # installed with dagster-postgres; imported here, used by this target only

    try:
        con = psycopg2.connect(catalog, connect_timeout=30)  # the password, if any: PGPASSWORD
    except psycopg2.Error as error:
        raise WarehouseError(f"cannot take the build lock of {describe}: {first_line(error)}") from None
    try:
        con.autocommit = True
        with con.cursor() as cursor:
            waited = False
            while True:
                cursor.execute("select pg_try_advisory_lock(%s)", (BUILD_LOCK_KEY,))
                if cursor.fetchone()[0]:
                    break
                if not waited:
                    on_wait()
                    waited = True
                check()
                time.sleep(BUILD_LOCK_POLL_S)
        yield
    finally:
        con.close()  # ends the session, and with it the lock
