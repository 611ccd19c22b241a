"""The curated partner seeds as Python reads them: dated country-group membership (the sample's
grouping rows follow it), and Japan's schedule texts parsed into `raw.partner_parsed_rates` for
the dbt models, which join each printed cell to its structure."""

from __future__ import annotations

import csv
from dataclasses import fields
from datetime import date
from functools import lru_cache
from pathlib import Path

import duckdb

from orchestration.partners.japan_rates import RATE_COLUMNS, JapanRate, parse_texts
from orchestration.store.duckdb import has_unique_constraints

SEEDS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
MEMBERSHIP = SEEDS_DIR / "country_group_membership.csv"
JAPAN_LINES = SEEDS_DIR / "partners" / "japan_tariff_lines.csv"
PARTNER_CODES = SEEDS_DIR / "partners" / "partner_codes.csv"

_COLUMN_TYPES = {str: "VARCHAR", bool: "BOOLEAN", float: "DOUBLE"}
_PARSED_COLUMNS = [(f.name, f.type) for f in fields(JapanRate)]


@lru_cache(maxsize=4)
def _membership(path: Path) -> tuple[tuple[str, str, date, date | None], ...]:
    with path.open(newline="", encoding="utf-8") as handle:
        return tuple(
            (
                row["group_code"],
                row["cty_code"],
                date.fromisoformat(row["valid_from"]),
                date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
            )
            for row in csv.DictReader(handle)
        )


def members_as_of(group_code: str, month: date, path: Path = MEMBERSHIP) -> frozenset[str]:
    """Schedule C codes of the group's members in the month: a member on any day of it (the
    United Kingdom is in the EU through January 2020), as the dbt models count them."""
    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return frozenset(
        code
        for group, code, valid_from, valid_to in _membership(path)
        if group == group_code and valid_from < following and (valid_to is None or valid_to >= first)
    )


def followed_partners(path: Path = PARTNER_CODES) -> dict[str, str]:
    """UN M49 code -> name of each partner whose tariffs the warehouse follows (the seed the marts
    join on, so the Dagster partitions and the marts never disagree)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["m49_code"]: row["partner_name"] for row in csv.DictReader(handle)}


def _sql_type(annotation: str) -> str:
    base = annotation.split("|")[0].strip()
    return _COLUMN_TYPES[{"str": str, "bool": bool, "float": float}[base]]


def schedule_texts(path: Path = JAPAN_LINES) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row[column] for row in csv.DictReader(handle) for column in RATE_COLUMNS if row[column].strip()]


def refresh_parsed_rates(con: duckdb.DuckDBPyConnection, path: Path = JAPAN_LINES) -> int:
    """Parse every distinct rate text of the schedule seed into `raw.partner_parsed_rates`
    (replaced whole: a few dozen texts); returns how many texts are there."""
    rates = parse_texts(schedule_texts(path))
    columns = ", ".join(f"{name} {_sql_type(str(kind))}" for name, kind in _PARSED_COLUMNS)
    con.execute("create schema if not exists raw")
    # parse_texts gives each text once; the key says so where the warehouse has keys (not DuckLake)
    key = ", primary key (text)" if has_unique_constraints(con) else ""
    con.execute(f"create table if not exists raw.partner_parsed_rates ({columns}{key})")
    names = [name for name, _ in _PARSED_COLUMNS]
    values = [[getattr(rate, name) for rate in rates] for name in names]
    unnested = ", ".join(f"unnest(${i + 1}) as {name}" for i, name in enumerate(names))
    con.execute("begin transaction")
    try:
        con.execute("delete from raw.partner_parsed_rates")
        if rates:
            con.execute(f"insert into raw.partner_parsed_rates select {unnested}", values)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(rates)
