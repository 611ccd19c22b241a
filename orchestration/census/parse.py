"""Header-driven mapping of Census responses onto raw table columns.

Census echoes predicate variables after `time` and repeats a variable that is both requested
and used as a predicate, so a header is read by name: the first occurrence of each name wins,
extra names are tolerated and reported, and a missing required name fails with that name.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.census.plan import COMMODITY_VAR, DESCRIPTION_VAR, MEASURES, QUANTITY, VALUE_VAR
from orchestration.core.errors import ParseError

# Names Census adds to a header by itself (the period, echoed predicates).
ECHOED = frozenset({"time", "YEAR", "MONTH", "COMM_LVL"})


@dataclass(frozen=True)
class Column:
    name: str  # raw table column
    sql_type: str  # VARCHAR | BIGINT
    source: str | None  # API variable, or None for a constant
    constant: str | None = None


@dataclass(frozen=True)
class TableSpec:
    table: str  # raw.<table>
    columns: tuple[Column, ...]
    requested_not_stored: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.source for c in self.columns if c.source)


@dataclass(frozen=True)
class HeaderMap:
    positions: dict[str, int]  # variable -> 1-based position of its first occurrence
    duplicates: tuple[str, ...]
    unknown: tuple[str, ...]


def map_header(
    header: list[str], required: tuple[str, ...], *, also_known: tuple[str, ...] = (), where: str = "response"
) -> HeaderMap:
    positions: dict[str, int] = {}
    duplicates: list[str] = []
    for index, name in enumerate(header, start=1):
        if name in positions:
            duplicates.append(name)
        else:
            positions[name] = index
    has_period = "time" in positions or {"YEAR", "MONTH"} <= positions.keys()
    missing = [name for name in required if name not in positions]
    if not has_period:
        missing.append("time")
    if missing:
        raise ParseError(f"{where}: header lacks required column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    known = set(required) | set(also_known) | ECHOED
    unknown = tuple(name for name in positions if name not in known)
    return HeaderMap(positions, tuple(duplicates), unknown)


def _trade_columns(flow: str, detailed: bool) -> tuple[Column, ...]:
    commodity = COMMODITY_VAR[flow]
    columns = [
        Column("comm_lvl", "VARCHAR", "COMM_LVL" if detailed else None, None if detailed else "-"),
        Column("cty_code", "VARCHAR", "CTY_CODE"),
        Column("cty_name", "VARCHAR", "CTY_NAME"),
        Column("summary_lvl", "VARCHAR", "SUMMARY_LVL"),
        Column(commodity.lower(), "VARCHAR", commodity if detailed else None, None if detailed else "-"),
    ]
    columns += [Column(m.lower(), "BIGINT", m) for m in MEASURES[flow]]
    quantity, flag, unit = QUANTITY[flow]
    columns += [
        Column(quantity.lower(), "BIGINT", quantity if detailed else None),
        Column(flag.lower(), "VARCHAR", flag if detailed else None),
        Column(unit.lower(), "VARCHAR", unit if detailed else None),
    ]
    return tuple(columns)


def table_spec(flow: str, kind: str) -> TableSpec:
    """Where the rows of one kind of request go, and from which variables."""
    if kind == "names":
        commodity = COMMODITY_VAR[flow]
        return TableSpec(
            f"census_{flow}_commodity_names",
            (
                Column("comm_lvl", "VARCHAR", "COMM_LVL"),
                Column("commodity", "VARCHAR", commodity),
                Column("description", "VARCHAR", DESCRIPTION_VAR[flow]),
            ),
            requested_not_stored=(VALUE_VAR[flow],),
        )
    if kind not in ("totals", "detail"):
        raise ValueError(f"unknown request kind {kind!r}")
    return TableSpec(f"census_{flow}", _trade_columns(flow, detailed=kind == "detail"))


def raw_tables() -> dict[str, tuple[Column, ...]]:
    """Every raw table with its data columns (the detail spec is the widest of a flow)."""
    tables = {}
    for flow in COMMODITY_VAR:
        for kind in ("detail", "names"):
            spec = table_spec(flow, kind)
            tables[spec.table] = spec.columns
    return tables
