"""Helpers shared by the tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb

from orchestration.devdata.sample import month_rows


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """Terminate a server process, killing it if it does not exit in time."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def run_cli_in_own_group(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """`trade-warehouse ARGS` as a process group of its own (a failpoint kills the whole group),
    returning once every process of the group is gone. The CLI's exit is reported before its dbt
    child has died: on a loaded machine the child can still hold DuckDB's file lock for a moment,
    which an operator's next command would see too, but a test must not race."""
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.app.cli", *args],
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    stdout, stderr = process.communicate(timeout=600)
    deadline = time.monotonic() + 60
    while _live_members(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _live_members(group: int) -> list[int]:
    """Processes of the group that are not yet dead (zombies count as dead: their files are closed).
    Without /proc (not Linux) there is nothing to wait for here."""
    members = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _parent, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == group and state not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def offline_env(root: Path, landing: Path, key: str) -> dict[str, str]:
    """Settings for a server process: its own warehouse and serving copy under `root`, the given
    landing zone, and a Census API address that is never reachable."""
    return {
        "WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
        "SERVING_PATH": str(root / "serving.duckdb"),
        "LANDING_DIR": str(landing),
        "CENSUS_API_BASE_URL": "http://127.0.0.1:9/unreachable",
        "CENSUS_API_KEY": key,
    }


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


def truth(months: list[date]) -> dict[tuple, int]:
    """Every partner's total as the server publishes it: (period, code, flow) -> dollars."""
    value = {"exports": "ALL_VAL_MO", "imports": "GEN_VAL_MO"}
    return {
        (month, row["CTY_CODE"], flow): int(row[value[flow]])
        for month in months
        for flow in value
        for row in month_rows(flow, month)
        if row["COMM_LVL"] == "-"
    }


def balances(path: Path) -> dict[tuple, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return balances_in(con)


def balances_in(con) -> dict[tuple, int]:
    """Every partner's total in the balance mart of an open warehouse: (period, code, flow) -> dollars."""
    rows = con.execute(
        "select period, partner_code, exports_usd, imports_usd from marts.fct_bilateral_balance_monthly"
    ).fetchall()
    return {key: v for p, c, e, i in rows for key, v in (((p, c, "exports"), e), ((p, c, "imports"), i))}


def open_lake(settings: dict[str, str]):
    """A read-only connection to the DuckLake the settings (WAREHOUSE_TARGET=ducklake, ...) name."""
    from orchestration.store.targets import WarehouseTarget

    return WarehouseTarget.from_env(Path("unused.duckdb"), settings).open(read_only=True)


def lake_marts(con) -> dict[str, tuple]:
    """Row count and content hash of every mart of an open lake (attached as `warehouse`)."""
    tables = con.execute(
        "select table_name from duckdb_tables() where database_name = 'warehouse' and schema_name = 'marts'"
    ).fetchall()
    # identifiers from the lake's own catalog
    return {t: con.execute(f'select count(*), sum(hash(m)) from marts."{t}" as m').fetchone() for (t,) in tables}


def prints_and_duplicates(path: Path) -> tuple[list[tuple], int]:
    """(period, number of prints) of each exports month loaded, and how many staged exports cells
    are duplicates: after a killed refresh and the next one, one print a month and none."""
    with duckdb.connect(str(path), read_only=True) as con:
        prints = con.execute(
            "select period, count(*) from raw.census_exports_vintages group by period order by period"
        ).fetchall()
        duplicates = con.execute(
            "select count(*) - count(distinct (period, partner_code, hs_level, commodity_code)) "
            "from staging.stg_census__exports"
        ).fetchone()[0]
        return prints, duplicates
