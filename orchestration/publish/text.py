"""Plain-text reports the CLI prints, read from the warehouse (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from orchestration.census.calendar import due_date
from orchestration.census.plan import FLOWS
from orchestration.core.errors import WarehouseError
from orchestration.core.periods import add_months, month_key


def _millions(value: int | None) -> str:
    return "" if value is None else f"{value / 1e6:,.1f}"


@dataclass(frozen=True)
class FlowStatus:
    flow: str
    latest: date | None
    fetched_at: datetime | None
    source: str | None
    next_month: date | None
    next_due: date | None
    overdue: bool
    months_behind: int = 0  # released months after `latest` not loaded

    def as_json(self) -> dict:
        return {
            "flow": self.flow,
            "latest_month": month_key(self.latest) if self.latest else None,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
            "source": self.source,
            "next_month": month_key(self.next_month) if self.next_month else None,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "overdue": self.overdue,
            "months_behind": self.months_behind,
        }


def _latest_query(con, flow: str) -> str:
    """The newest month of a flow: from raw in the warehouse, from the world's vintages in the
    serving copy (which holds only the marts)."""
    in_raw = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = $t", {"t": f"census_{flow}"}
    ).fetchone()[0]
    if in_raw:
        return f"""
            select period, max(_vintage), any_value(_source) from raw.census_{flow}
            where cty_code = '-' and comm_lvl = '-' group by period order by period desc limit 1"""
    return f"""
        select period, max(vintage_at), any_value(source) from marts.fct_partner_total_vintages
        where partner_code = '-' and flow = '{flow}' group by period order by period desc limit 1"""


def flow_status(con, today: date) -> list[FlowStatus]:
    statuses = []
    for flow in FLOWS:
        row = con.execute(_latest_query(con, flow)).fetchone()
        if row is None:
            statuses.append(FlowStatus(flow, None, None, None, None, None, False))
            continue
        latest, fetched_at, source = row
        following = add_months(latest, 1)
        due = due_date(following)
        behind = 0
        while due_date(add_months(latest, behind + 1)) < today:
            behind += 1
        statuses.append(FlowStatus(flow, latest, fetched_at, source, following, due, today > due, behind))
    return statuses


def read_flow_status(path: Path, today: date, *, shared: bool = False) -> tuple[list[FlowStatus], str | None]:
    """flow_status of the serving copy (or a warehouse) at `path`, or why it cannot be read.
    shared: the warehouse is MotherDuck or a DuckLake (no serving copy), `path` its lock's."""
    import duckdb

    from orchestration.store.duckdb import connect

    if not shared and not path.exists():
        return [], f"nothing published yet: no {path.name}"
    try:
        with connect(path, read_only=True) if shared else duckdb.connect(str(path), read_only=True) as con:
            return flow_status(con, today), None
    except duckdb.Error as error:
        return [], f"cannot read {path.name}: {str(error).splitlines()[0]}"
    except WarehouseError as error:
        return [], str(error)


def format_status(statuses: list[FlowStatus]) -> str:
    lines = []
    for s in statuses:
        if s.latest is None:
            lines.append(f"{s.flow:<8} nothing loaded yet")
            continue
        state = f"OVERDUE ({s.months_behind} released month(s) not loaded)" if s.overdue else "not due yet"
        lines.append(
            f"{s.flow:<8} latest {month_key(s.latest)} (fetched {s.fetched_at:%Y-%m-%d %H:%M} UTC, {s.source}); "
            f"next {month_key(s.next_month)} due {s.next_due.isoformat()}: {state}"
        )
    return "\n".join(lines)


def partner_year_table(con, partner_code: str, year: int) -> tuple[str, list[tuple]]:
    """(partner name, [(period, exports, imports, balance, source)]) from the balance mart."""
    rows = con.execute(
        """
        select period, partner_name, exports_usd, imports_usd, balance_usd, source
        from marts.fct_bilateral_balance_monthly
        where partner_code = $code and year(period) = $year
        order by period
        """,
        {"code": partner_code, "year": year},
    ).fetchall()
    name = rows[0][1] if rows else partner_code
    return name, [(p, e, i, b, s) for p, _, e, i, b, s in rows]


def format_partner_year(name: str, year: int, rows: list[tuple]) -> str:
    lines = [
        f"U.S. goods trade with {name.title()}, {year} (millions of dollars; Census basis, not seasonally adjusted)",
        f"{'month':<8} {'exports':>12} {'imports':>12} {'balance':>12}",
    ]
    for period, exports, imports, balance, _ in rows:
        lines.append(
            f"{month_key(period):<8} {_millions(exports):>12} {_millions(imports):>12} {_millions(balance):>12}"
        )
    if rows:
        totals = [sum(r[k] for r in rows) for k in (1, 2, 3)]
        label = str(year) if len(rows) == 12 else f"{len(rows)} months"
        lines.append(f"{label:<8} {_millions(totals[0]):>12} {_millions(totals[1]):>12} {_millions(totals[2]):>12}")
        sources = sorted({r[4] for r in rows})
        lines.append(f"source: {', '.join(sources)}")
    return "\n".join(lines)


def largest_balances(con, period: date, limit: int = 5) -> list[tuple[str, str, int]]:
    """Countries with the largest absolute balance in the month (no groupings)."""
    return con.execute(
        """
        select partner_code, partner_name, balance_usd
        from marts.fct_bilateral_balance_monthly
        where period = $period and not is_aggregate
        order by abs(balance_usd) desc, partner_code
        limit $limit
        """,
        {"period": period, "limit": limit},
    ).fetchall()


def refresh_summary(con, months: list[date]) -> str:
    counts = con.execute(
        """
        select
            (select count(*) from marts.fct_trade_monthly where period between $first and $last),
            (select count(*) from marts.fct_bilateral_balance_monthly where period between $first and $last),
            (select count(*) from raw.census_exports where period between $first and $last)
              + (select count(*) from raw.census_imports where period between $first and $last)
        """,
        {"first": months[0], "last": months[-1]},
    ).fetchone()
    lines = [
        f"loaded {len(months)} month(s), {month_key(months[0])} .. {month_key(months[-1])}: "
        f"{counts[2]:,} raw rows, {counts[0]:,} product rows, {counts[1]:,} partner balances",
        f"largest bilateral balances, {month_key(months[-1])} ($ millions):",
    ]
    for code, name, balance in largest_balances(con, months[-1]):
        lines.append(f"  {code}  {name:<28} {_millions(balance):>12}")
    return "\n".join(lines)


def tariff_summary(con, release: str) -> str:
    lines_loaded, source = con.execute(
        "select count(*), any_value(_source) from raw.hts_lines where release = $release", {"release": release}
    ).fetchone()
    parsed, unparsed = con.execute(
        """
        select count(*) filter (where general_parse_status = 'parsed'),
            count(*) filter (where general_parse_status = 'unparsed')
        from staging.int_hts__lines_resolved where release = $release and general_text is not null
        """,
        {"release": release},
    ).fetchone()
    intervals, lines, measures = con.execute(
        """
        select (select count(*) from marts.fct_tariff_rates),
            (select count(distinct htsno) from marts.fct_tariff_rates),
            (select count(*) from marts.fct_chapter99_measures)
        """
    ).fetchone()
    rate = f"{100 * parsed / (parsed + unparsed):.1f}%" if parsed + unparsed else "n/a"
    return "\n".join(
        [
            f"loaded HTS release {release}: {lines_loaded:,} rows ({source}); general rates parsed: {rate} "
            f"({unparsed} unparsed)",
            f"fct_tariff_rates: {intervals:,} intervals over {lines:,} lines; "
            f"fct_chapter99_measures: {measures:,} rows",
        ]
    )
