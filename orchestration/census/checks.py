"""Quality checks on the raw Census tables for a set of months (SQL; no Dagster)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from orchestration.census.load import META_COLUMNS
from orchestration.census.parse import table_spec
from orchestration.census.plan import COMMODITY_VAR, VALUE_VAR
from orchestration.census.rules import latest_files_sql
from orchestration.core.periods import month_key

_MONTHS = "period in (select unnest($months::date[]))"
_IS_COUNTRY = "not marts.is_aggregate_partner(cty_code)"


def latest_rows(table: str, flow: str) -> str:
    """SQL for the rows of each month's latest vintage (older vintages stay in the raw table)."""
    return f"""(
        select r.* from raw.{table} as r
        semi join (select period, unnest(files) as landed_file from ({latest_files_sql(flow)})) as latest
            on latest.period = r.period and latest.landed_file = r._landed_file
    )"""


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    metadata: dict[str, object] = field(default_factory=dict)


def rows_present(con, flow: str, months: list[date]) -> CheckOutcome:
    table = table_spec(flow, "detail").table
    counts = dict(
        con.execute(
            f"select strftime(period, '%Y-%m'), count(*) from {latest_rows(table, flow)} where {_MONTHS} group by 1",
            {"months": months},
        ).fetchall()
    )
    empty = [month_key(m) for m in months if not counts.get(month_key(m))]
    return CheckOutcome(
        "rows_present",
        not empty,
        {"months_without_rows": ", ".join(empty) or "none", "rows": sum(counts.values())},
    )


def world_row_present(con, flow: str, months: list[date]) -> CheckOutcome:
    table = table_spec(flow, "detail").table
    found = {
        row[0]
        for row in con.execute(
            f"select distinct strftime(period, '%Y-%m') from {latest_rows(table, flow)} "
            f"where {_MONTHS} and cty_code = '-' and comm_lvl = '-'",
            {"months": months},
        ).fetchall()
    }
    missing = [month_key(m) for m in months if month_key(m) not in found]
    return CheckOutcome(
        "world_row_present",
        not missing,
        {"months_without_world_row": ", ".join(missing) or "none"},
    )


def countries_sum_to_world(con, flow: str, months: list[date]) -> CheckOutcome:
    """Census tabulates the world row as the exact sum of the countries, for every commodity."""
    table = table_spec(flow, "detail").table
    commodity, value = COMMODITY_VAR[flow].lower(), VALUE_VAR[flow].lower()
    mismatches = con.execute(
        f"""
        select strftime(period, '%Y-%m') as month, comm_lvl, {commodity} as commodity,
            sum({value}) filter (where {_IS_COUNTRY}) as countries,
            sum({value}) filter (where cty_code = '-') as world
        from {latest_rows(table, flow)}
        where {_MONTHS}
        group by all
        having countries is distinct from world
        order by 1, 2, 3
        """,
        {"months": months},
    ).fetchall()
    examples = "; ".join(f"{m} {lvl} {c}: countries {s} vs world {w}" for m, lvl, c, s, w in mismatches[:5])
    return CheckOutcome(
        "countries_sum_to_world",
        not mismatches,
        {"mismatches": len(mismatches), "examples": examples or "none"},
    )


def expected_columns(con, flow: str, unknown_columns: set[str]) -> CheckOutcome:
    expected = ["period", *(c.name for c in table_spec(flow, "detail").columns), *(n for n, _ in META_COLUMNS)]
    table = table_spec(flow, "detail").table
    actual = [
        row[0]
        for row in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = $table "
            "order by column_index",
            {"table": table},
        ).fetchall()
    ]
    return CheckOutcome(
        "expected_columns",
        actual == expected,
        {
            "missing": ", ".join(c for c in expected if c not in actual) or "none",
            "unexpected": ", ".join(c for c in actual if c not in expected) or "none",
            "unknown_api_columns_seen": ", ".join(sorted(unknown_columns)) or "none",
        },
    )


def run_raw_checks(con, flow: str, months: list[date], unknown_columns: set[str]) -> list[CheckOutcome]:
    return [
        rows_present(con, flow, months),
        world_row_present(con, flow, months),
        countries_sum_to_world(con, flow, months),
        expected_columns(con, flow, unknown_columns),
    ]


# name -> description, in the order the checks run
CHECK_DESCRIPTIONS = {
    "rows_present": "Every month of the run has rows in the raw table.",
    "world_row_present": "Every month has its TOTAL FOR ALL COUNTRIES all-commodity row.",
    "countries_sum_to_world": "For every month, level and commodity the country rows add up to the world row.",
    "expected_columns": (
        "The raw table has exactly the contracted columns (extra API columns are reported, not stored)."
    ),
}
