"""Does a Census month add up as Census tabulates it? Checked inside the month's load
transaction, before it is visible anywhere, and the HS2 control totals the fetch consults."""

from __future__ import annotations

import gzip
import json
from datetime import date

from orchestration.census.landing import LandedEntry, LandingStore
from orchestration.census.parse import table_spec
from orchestration.census.plan import COMMODITY_VAR, VALUE_VAR
from orchestration.core.errors import CensusIncomplete
from orchestration.core.periods import month_key

# Per level, the detail of each country (and of the world) against its all-commodity total; and
# the countries' totals against the world's. SUMMARY_LVL DET marks countries and the world row;
# groupings (CGP) overlap the countries, so they are left out of both sums.
RECONCILE_SQL = """\
with month as (
    select comm_lvl, cty_code, cty_name, {value} as val
    from raw.{table}
    where period = $period and _landed_file in (select unnest($files::varchar[])) and summary_lvl = 'DET'
),
totals as (
    select cty_code, any_value(cty_name) as cty_name, sum(val) as val from month where comm_lvl = '-' group by 1
),
detail as (
    select comm_lvl, cty_code, any_value(cty_name) as cty_name, sum(val) as val
    from month where comm_lvl <> '-' group by 1, 2
),
expected as (
    select levels.comm_lvl, totals.cty_code, totals.cty_name, totals.val
    from (select distinct comm_lvl from detail) as levels cross join totals
),
compared as (
    select coalesce(e.comm_lvl, d.comm_lvl) as comm_lvl, coalesce(e.cty_code, d.cty_code) as cty_code,
        coalesce(e.cty_name, d.cty_name) as cty_name, coalesce(d.val, 0) as detail, coalesce(e.val, 0) as total
    from expected as e
    full join detail as d on d.comm_lvl = e.comm_lvl and d.cty_code = e.cty_code
),
-- a CTE of its own: DuckDB 1.x orders a UNION only by its output columns, not by expressions
problems as (
    select comm_lvl, cty_code, cty_name, detail, total, count(*) over (partition by comm_lvl) as partners
    from compared
    where detail <> total
    union all
    select '-', 'countries', 'the countries', coalesce(sum(val) filter (where cty_code <> '-'), 0),
        coalesce(sum(val) filter (where cty_code = '-'), 0), 1
    from totals
    having coalesce(sum(val) filter (where cty_code <> '-'), 0) <> coalesce(sum(val) filter (where cty_code = '-'), 0)
)
select * from problems
order by comm_lvl = '-' desc, cty_code = '-' desc, abs(detail - total) desc
limit 1"""


def reconcile(con, store: LandingStore, flow: str, period: date, files: list[str], entries: list[LandedEntry]) -> None:
    """The month's rows add up as Census tabulates them, or the month is refused (CensusIncomplete,
    inside the caller's transaction): at every level, each country's and the world's detail sums
    to its total, and the countries' totals sum to the world's. A chapter the server dropped (a
    204 for a chapter that has trade) shows here as a level that falls short."""
    spec = table_spec(flow, "detail")
    value = next(column.name for column in spec.columns if column.source == VALUE_VAR[flow])
    found = con.execute(
        RECONCILE_SQL.format(value=value, table=spec.table), {"period": period, "files": files}
    ).fetchone()
    if found is None:
        return
    level, code, name, detail, total, partners = found
    where = f"{flow} {month_key(period)}"
    if level == "-":
        problem = f"the countries' totals sum to ${detail:,} but the world's total is ${total:,}"
    else:
        empty = sorted(e.prefix or "" for e in entries if e.kind == "detail" and e.level == level and e.status == 204)
        names = next((e for e in entries if e.request_id == "names-hs2"), None)
        if names is not None and empty:  # only those with trade in the HS2 totals are suspect
            traded = chapter_values(store, names)
            empty = [p for p in empty if sum(v for code, v in traded.items() if code.startswith(p[:2]))]
        shown = ", ".join(empty[:10]) + (f" (+{len(empty) - 10} more)" if len(empty) > 10 else "")
        dropped = f"; requests that answered no rows (HTTP 204): {shown}" if empty else ""
        others = f" and {partners - 1} other partner(s)" if partners > 1 else ""
        problem = (
            f"the {level} detail of {name} ({code}){others} sums to ${detail:,}, "
            f"not to its total of ${total:,}{dropped}"
        )
    raise CensusIncomplete(f"{where} does not add up, so it was not loaded: {problem}")


def chapter_values(store: LandingStore, names: LandedEntry | None) -> dict[str, int]:
    """HS2 code -> the world's value, from the month's landed HS2 names (empty without them)."""
    if names is None or not names.file or names.status != 200:
        return {}
    with gzip.open(store.verify(names), "rb") as handle:
        table = json.loads(handle.read())
    header = table[0]
    try:
        code, value = header.index(COMMODITY_VAR[names.flow]), header.index(VALUE_VAR[names.flow])
    except ValueError:
        return {}
    return {row[code]: int(row[value]) for row in table[1:] if str(row[value]).isdigit()}
