"""The serving copy: what analysts and BI tools read, so that they never touch the writer's file.

The marts (with their column comments and table macros) are copied into a new DuckDB file
written in an older storage format (default v1.4.0: DuckDB 1.4 LTS and every 2.x read it), which
then replaces the previous copy with one rename. A reader that had the old copy open keeps
reading it; new connections see the new one. Each mart is also exported as Parquet (by year where
it has months), swapped in the same way.

Incremental: dbt records in staging.mart_changes which months of which mart a run rewrote (see
macros/mart_changes.sql). Publish then replaces only those months in an earlier copy made from
the same warehouse, and rewrites only those years' Parquet (the other years' files are
hard-linked). The earlier copy is the spare (the copy before the current one, updated in place
when no reader has it open any more) or else a file copy of the current one. The small marts
are copied whole every time. A state file beside the copies records how far into the ledger
each is; without it (or when anything does not match) the copy is made whole, as the first time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.census.rules import RULE_MACROS, install_macros
from orchestration.core.errors import InputError, WarehouseBusy, WarehouseError, is_disk_full, write_failed
from orchestration.core.settings import duckdb_config
from orchestration.store.duckdb import transaction

SCHEMA = "marts"
STORAGE_VERSION = re.compile(r"^v\d+\.\d+\.\d+$")


@dataclass
class Published:
    path: Path
    parquet_dir: Path
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows
    storage_version: str = ""
    bytes: int = 0
    incremental: bool = False  # started from an earlier copy, not from scratch
    reused_spare: bool = False  # that copy was the spare, updated in place (no file copy)
    # table -> months replaced (None: the whole table) in an incremental publish
    replaced: dict[str, list | None] = field(default_factory=dict)
    ledger: _Ledger | None = field(default=None, repr=False)  # the warehouse's ledger as published


@dataclass(frozen=True)
class _Ledger:
    """What staging.mart_changes says: changes after the copy's state, and the marts it tracks."""

    last_id: int
    last_at: str
    tracked: frozenset[str]  # marts that record their months (incremental by month)
    changed: dict[str, set | None]  # mart -> months rewritten since the state (None: all)


def _literal(text: str) -> str:
    # COMMENT ON takes no parameters; the texts are the project's own dbt descriptions.
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        if candidate.exists():
            candidate.unlink()


def state_path(serving: Path) -> Path:
    return serving.with_name(f".{serving.stem}.publish-state.json")


def spare_path(serving: Path) -> Path:
    return serving.with_name(f".{serving.name}.spare")


def _file_key(path: Path) -> str | None:
    """Identifies one file's content: a rename keeps it, any write changes it."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"


def _read_states(serving: Path) -> dict[str, dict]:
    """How far into the ledger each copy (the current one and the spare) is, by file key."""
    try:
        states = json.loads(state_path(serving).read_text())
    except (OSError, ValueError):
        return {}
    return states if isinstance(states, dict) else {}


def _read_ledger(con, state: dict | None) -> _Ledger:
    """The ledger's changes after the state (the warehouse has a ledger)."""
    last = con.execute(
        "select change_id, cast(changed_at as varchar) from wh.staging.mart_changes order by change_id desc limit 1"
    ).fetchone() or (0, "")
    tracked = frozenset(r[0] for r in con.execute("select distinct relation from wh.staging.mart_changes").fetchall())
    changed: dict[str, set | None] = {}
    since = state["last_change_id"] if state else 0
    for relation, period in con.execute(
        "select relation, period from wh.staging.mart_changes where change_id > $since", {"since": since}
    ).fetchall():
        if period is None:
            changed[relation] = None
        elif changed.get(relation, set()) is not None:
            changed.setdefault(relation, set()).add(period)
    return _Ledger(last[0], last[1], tracked, changed)


def _continues(con, state: dict | None, warehouse: Path, storage_version: str) -> bool:
    """Whether a copy was made from this warehouse's ledger, in this storage version."""
    if not state or state.get("warehouse") != str(warehouse) or state.get("storage_version") != storage_version:
        return False
    row = con.execute(
        "select cast(changed_at as varchar) from wh.staging.mart_changes where change_id = $id",
        {"id": state.get("last_change_id")},
    ).fetchone()
    return bool(row) and row[0] == state.get("last_changed_at")


def _open_base(
    con, serving: Path, temporary: Path, warehouse: Path, storage_version: str, has_ledger: bool
) -> dict | None:
    """Attach as `pub` the file the new copy is written in, and return the state it starts from
    (None: an empty file, the copy is made whole).

    Two copies take turns: the current one and the spare (the one before it). The spare is
    brought up to date in place when nobody reads it any more: a DuckDB reader in another
    process (a BI tool, a notebook) holds a lock on its file, so attaching it for writing fails
    while one does. Otherwise the current copy is copied to a new file first (a whole file copy),
    and failing that (or without a ledger) the copy is made from scratch."""
    states = _read_states(serving)
    spare = spare_path(serving)
    for base in (spare, serving) if has_ledger else ():
        state = states.get(_file_key(base) or "")
        if not _continues(con, state, warehouse, storage_version):
            continue
        if base == spare:
            try:
                con.execute("attach $path as pub", {"path": str(spare)})
            except duckdb.Error:
                continue  # still open in some reader (or unreadable): leave it alone
            return state
        shutil.copyfile(serving, temporary)
        con.execute("attach $path as pub", {"path": str(temporary)})
        return state
    con.execute(f"attach $path as pub (storage_version '{storage_version}')", {"path": str(temporary)})
    con.execute(f"create schema pub.{SCHEMA}")
    return None


def _guard_other_warehouse(warehouse: Path, serving: Path) -> None:
    """A scratch warehouse must not replace the copy that BI tools read from the real one."""
    state = _read_states(serving).get(_file_key(serving) or "")
    source = state.get("warehouse") if state else None
    if source and source != str(warehouse):
        raise InputError(
            f"the serving copy {serving} was published from warehouse {source}, not {warehouse}: "
            "set SERVING_PATH for this warehouse, or publish with --replace-other to replace it"
        )


def can_publish() -> bool:
    """Whether this DuckDB writes the serving copy: 2.0 and later (the DuckLake venv has 1.5.5)."""
    return int(duckdb.__version__.split(".")[0]) >= 2


def publish(
    warehouse: Path, serving: Path, *, storage_version: str = "v1.4.0", replace_other: bool = False
) -> Published:
    if not STORAGE_VERSION.match(storage_version):
        raise InputError(f"SERVING_STORAGE_VERSION {storage_version!r} is not a version such as v1.4.0")
    if not warehouse.exists():
        raise WarehouseError(f"warehouse {warehouse} does not exist yet: run `trade-warehouse demo` or `refresh` first")
    if not can_publish():
        # pyproject admits DuckDB 1.5.5 for the DuckLake target's venv; the copy needs 2.0's ATTACH
        raise WarehouseError(
            f"the serving copy needs DuckDB 2.0 (this is {duckdb.__version__}, the DuckLake venv's): "
            "install with constraints.txt (make install) for WAREHOUSE_TARGET=local"
        )
    if not replace_other:
        _guard_other_warehouse(warehouse, serving)
    serving.parent.mkdir(parents=True, exist_ok=True)
    temporary = serving.with_name(f".{serving.name}.{os.getpid()}.tmp")
    _remove(temporary)
    result = Published(serving, serving.parent / "parquet", storage_version=storage_version)
    con = duckdb.connect(config=duckdb_config())
    try:
        written = _write_copy(con, warehouse, serving, temporary, storage_version, result)
    except (duckdb.Error, OSError) as error:
        if not is_disk_full(error):
            raise
        con.close()
        _remove(temporary)
        raise write_failed("publishing the serving copy (the previous copy is kept)", serving, error) from None
    finally:
        con.close()
    _swap_in(written, serving)
    result.bytes = serving.stat().st_size
    _write_state(serving, warehouse, storage_version, result.ledger)
    return result


def _write_copy(con, warehouse: Path, serving: Path, temporary: Path, storage_version: str, result: Published) -> Path:
    """The new copy written (not yet swapped in); returns the file it was written in."""
    try:
        con.execute("attach $path as wh (read_only)", {"path": str(warehouse)})
    except duckdb.IOException as error:
        raise WarehouseBusy(f"cannot read warehouse {warehouse} to publish it: {str(error).splitlines()[0]}") from None
    has_ledger = bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = 'wh' and schema_name = 'staging' "
            "and table_name = 'mart_changes'"
        ).fetchone()[0]
    )
    state = _open_base(con, serving, temporary, warehouse, storage_version, has_ledger)
    written = Path(con.execute("select path from duckdb_databases() where database_name = 'pub'").fetchone()[0])
    ledger = _read_ledger(con, state) if has_ledger else None
    result.incremental = state is not None
    result.reused_spare = written == spare_path(serving)
    _copy_tables(con, result, ledger if result.incremental else None)
    _copy_comments(con, result)
    _copy_table_macros(con)
    con.execute("checkpoint pub")
    _export_parquet(con, result)
    result.ledger = ledger
    return written


def _swap_in(written: Path, serving: Path) -> None:
    """Make `written` the serving copy with one rename; the copy it replaces becomes the spare.
    At every moment `serving` names a complete copy."""
    spare = spare_path(serving)
    keep = serving.with_name(f".{serving.name}.{os.getpid()}.keep")
    _remove(keep)
    kept = False
    if serving.exists():
        try:
            os.link(serving, keep)  # the current copy gets a second name before losing the first
            kept = True
        except OSError:
            pass  # no hard links here: no spare, every publish copies
    os.replace(written, serving)
    if kept:
        os.replace(keep, spare)
        # a spare whose in-place update died midway may have left a log: it is not this file's
        spare.with_name(spare.name + ".wal").unlink(missing_ok=True)
    elif written != spare:
        _remove(spare)


def _write_state(serving: Path, warehouse: Path, storage_version: str, ledger: _Ledger | None) -> None:
    path = state_path(serving)
    if ledger is None:
        path.unlink(missing_ok=True)
        return
    states = _read_states(serving)
    live = {_file_key(serving), _file_key(spare_path(serving))} - {None}
    states = {key: state for key, state in states.items() if key in live}
    states[_file_key(serving)] = {
        "warehouse": str(warehouse),
        "storage_version": storage_version,
        "last_change_id": ledger.last_id,
        "last_changed_at": ledger.last_at,
    }
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(states, indent=2) + "\n")
    os.replace(temporary, path)


def _columns(con, database: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = $db and schema_name = $s "
        "and table_name = $t order by column_index",
        {"db": database, "s": SCHEMA, "t": table},
    ).fetchall()


def _copy_tables(con, result: Published, ledger: _Ledger | None) -> None:
    """Every mart into pub: whole, or (incremental) only the months the ledger names."""
    tables = con.execute(
        "select table_name, comment from duckdb_tables() where database_name = 'wh' and schema_name = $s "
        "order by table_name",
        {"s": SCHEMA},
    ).fetchall()
    if ledger:
        kept = {r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = 'pub' and schema_name = $s", {"s": SCHEMA}
        ).fetchall()}  # fmt: skip
        for gone in kept - {table for table, _ in tables}:
            con.execute(f"drop table pub.{SCHEMA}.{_ident(gone)}")
    for table, comment in tables:
        source, target = f"wh.{SCHEMA}.{_ident(table)}", f"pub.{SCHEMA}.{_ident(table)}"
        months = _months_to_replace(con, ledger, table)
        if months is None:
            con.execute(f"create or replace table {target} as from {source}")
        elif months:
            with transaction(con):  # a failure rolls back: the copy keeps its old months
                con.execute(f"delete from {target} where period in (select unnest($m::date[]))", {"m": months})
                con.execute(
                    f"insert into {target} from {source} where period in (select unnest($m::date[]))", {"m": months}
                )
        if ledger and months != []:
            result.replaced[table] = months
        if comment:
            con.execute(f"comment on table {target} is {_literal(comment)}")
        result.tables[table] = con.execute(f"select count(*) from {target}").fetchone()[0]


def _months_to_replace(con, ledger: _Ledger | None, table: str) -> list | None:
    """None: copy the table whole; else the months to replace (empty: the copy is current)."""
    if ledger is None or table not in ledger.tracked:
        return None  # a full publish, or a small mart rebuilt by every run
    if _columns(con, "pub", table) != _columns(con, "wh", table):
        return None  # new in the warehouse, or its columns changed
    if table not in ledger.changed:
        return []
    months = ledger.changed[table]
    return None if months is None else sorted(months)


def _copy_comments(con, result: Published) -> None:
    for table, column, comment in con.execute(
        "select table_name, column_name, comment from duckdb_columns() "
        "where database_name = 'wh' and schema_name = $s and comment is not null",
        {"s": SCHEMA},
    ).fetchall():
        if table in result.tables:
            con.execute(f"comment on column pub.{SCHEMA}.{_ident(table)}.{_ident(column)} is {_literal(comment)}")


def _copy_table_macros(con) -> None:
    """Table macros such as marts.bilateral_balance_as_of, rebuilt from their definitions, and the
    rule macros they call."""
    macros = con.execute(
        "select function_name, parameters, macro_definition from duckdb_functions() "
        "where database_name = 'wh' and schema_name = $s and function_type = 'table_macro'",
        {"s": SCHEMA},
    ).fetchall()
    con.execute("use pub")  # the definitions name schema.table: resolve them in the copy
    try:
        install_macros(con)  # the rules first: the other macros call them
        for name, parameters, definition in macros:
            if name in RULE_MACROS:
                continue  # installed above from their one definition
            arguments = ", ".join(_ident(p) for p in parameters)
            con.execute(f"create or replace macro {SCHEMA}.{_ident(name)}({arguments}) as table {definition}")
    finally:
        con.execute("use memory")


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)  # the files are never modified in place: sharing them is safe
    except OSError:
        shutil.copy2(source, target)


def _export_parquet(con, result: Published) -> None:
    """Each mart as Parquet under parquet/<table>/ (by year where it has a period), swapped in.
    In an incremental publish, the years no month of which was replaced are hard-linked from the
    previous export instead of written again."""
    final = result.parquet_dir
    staging = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for table in result.tables:
        source = f"pub.{SCHEMA}.{_ident(table)}"
        target = staging / table
        if "period" not in {name for name, _ in _columns(con, "pub", table)}:
            target.mkdir()
            con.execute(f"copy {source} to $path (format parquet)", {"path": str(target / "data.parquet")})
            continue
        # incremental: a table not in `replaced` is unchanged; None there means copied whole
        months = result.replaced.get(table, []) if result.incremental else None
        previous = final / table
        if months is None or not previous.is_dir():
            years = [r[0] for r in con.execute(f"select distinct year(period) from {source} order by 1").fetchall()]
            fresh = set(years)
        else:
            # the years of the previous export and of the months replaced: no scan of the table
            fresh = {month.year for month in months}
            kept = {int(p.name.removeprefix("year=")) for p in previous.glob("year=*") if p.is_dir()}
            years = sorted(kept | fresh)
        target.mkdir()
        for year in years:
            folder = target / f"year={year}"
            if year in fresh:
                folder.mkdir()
                con.execute(
                    f"copy (from {source} where year(period) = $y) to $path (format parquet)",
                    {"y": year, "path": str(folder / "data_0.parquet")},
                )
            else:
                shutil.copytree(previous / folder.name, folder, copy_function=_link_or_copy)
    old = final.with_name(f".{final.name}.{os.getpid()}.old")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)
