"""Vintages: every state of a month that was ever loaded, so no figure's history is lost.

A vintage of a (flow, month) is the set of landed responses that made it up when it was loaded.
Raw tables keep the rows of every response ever loaded (a response is loaded once); the table
`raw.census_{flow}_vintages` names which of them form the month in each vintage. Loading the
same set again adds nothing; a refetch that changed some responses adds a vintage made of the
changed responses and the unchanged ones.
"""

from __future__ import annotations

from datetime import datetime

from orchestration.census.rules import latest_files_sql

VINTAGE_TABLE_SQL = """create table raw.{table} (
    period DATE NOT NULL, vintage INTEGER NOT NULL, vintage_at TIMESTAMP NOT NULL,
    loaded_at TIMESTAMP NOT NULL, files VARCHAR[] NOT NULL, new_files INTEGER, source VARCHAR)"""


def vintages_table(flow: str) -> str:
    return f"census_{flow}_vintages"


def ensure_vintage_table(con, flow: str) -> None:
    table = vintages_table(flow)
    existed = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = $table", {"table": table}
    ).fetchone()[0]
    if existed:
        return
    con.execute(VINTAGE_TABLE_SQL.format(table=table))
    # Months loaded before vintages existed held exactly one state: record it as vintage 1.
    con.execute(
        f"""
        insert into raw.{table}
        select period, 1, max(_vintage), max(_loaded_at), list(distinct _landed_file order by _landed_file),
            0, any_value(_source)
        from (select period, _landed_file, _vintage, _loaded_at, _source from raw.census_{flow}
              union all
              select period, _landed_file, _vintage, _loaded_at, _source from raw.census_{flow}_commodity_names)
        group by period
        """
    )


def latest_files(con, flow: str, period) -> tuple[int, list[str]]:
    """(vintage number, its files sorted) of the month's latest vintage; (0, []) when none."""
    row = con.execute(
        f"select vintage, files from ({latest_files_sql(flow)}) where period = $period",
        {"period": period},
    ).fetchone()
    return (row[0], sorted(row[1])) if row else (0, [])


def loaded_files(con, flow: str, period) -> set[str]:
    """Every response ever loaded for the month (their rows are in the raw tables already)."""
    rows = con.execute(
        f"""
        select distinct _landed_file from raw.census_{flow} where period = $period
        union select distinct _landed_file from raw.census_{flow}_commodity_names where period = $period
        """,
        {"period": period},
    ).fetchall()
    return {r[0] for r in rows}


def record_vintage(
    con, flow: str, period, vintage: int, files: list[str], vintage_at: datetime, new_files: int, source: str
) -> None:
    con.execute(
        f"insert into raw.{vintages_table(flow)} values ($period, $vintage, $at, now()::timestamp, $files, $new, $src)",
        {"period": period, "vintage": vintage, "at": vintage_at, "files": files, "new": new_files, "src": source},
    )
