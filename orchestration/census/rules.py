"""The Census rules every reader of the warehouse shares, defined once, as DuckDB macros.

The Python checks (before dbt), the dbt models and the point-in-time table macro of the marts all
call these, so no rule is written twice:

- `marts.vintages_in_force(vintages, as_of)`: of a table or view named by `vintages` (columns
  flow, period, vintage, vintage_at), the rows of each (flow, month)'s vintage in force at
  `as_of` (a DATE: the end of that day): the highest-numbered vintage fetched by then.
  `as_of = 'infinity'` gives the latest.
- `marts.is_aggregate_partner(code)`: a Census partner code that is not one country: `-` is the
  world, `0xxx` economic groupings, `nXXX` regions. The code, not the name, decides (names are
  retro-labelled and differ from Schedule C).
- `raw.census_vintages`: both flows' vintage tables with a `flow` column, for the macro.

The macros live in `marts` so that the serving copy, which copies the marts' table macros, carries
them for `marts.bilateral_balance_as_of`, and analysts can call them too.
"""

from __future__ import annotations

LATEST = "'infinity'::timestamp"

RULE_MACROS = ("vintages_in_force", "is_aggregate_partner")
_MACROS = (
    # a DATE means the end of that day; a TIMESTAMP that instant
    """create or replace macro marts.vintages_in_force(vintages, as_of) as table
    select * from query_table(vintages)
    where vintage_at <= case
        when typeof(as_of) = 'DATE' then cast(as_of as timestamp) + interval 1 day - interval 1 microsecond
        else cast(as_of as timestamp)
    end
    qualify vintage = max(vintage) over (partition by flow, period)""",
    """create or replace macro marts.is_aggregate_partner(code) as
    (code = '-' or code like '0%' or code like '%X%')""",
)

VINTAGES_VIEW = """create or replace view raw.census_vintages as
select 'exports' as flow, * from raw.census_exports_vintages
union all
select 'imports' as flow, * from raw.census_imports_vintages"""
# Everything install_rules() creates, for the schema's fingerprint (census/load.py).
RULES_SQL = (*_MACROS, VINTAGES_VIEW)


def install_macros(con) -> None:
    """Create (or refresh) the rule macros in the current database's `marts` schema."""
    con.execute("create schema if not exists marts")
    for statement in _MACROS:
        con.execute(statement)


def install_rules(con) -> None:
    """The macros and the vintages view of the warehouse; the vintage tables must exist."""
    install_macros(con)
    con.execute(VINTAGES_VIEW)


def latest_files_sql(flow: str) -> str:
    """SQL for (period, vintage, files) of each month's latest vintage of one flow."""
    if flow not in ("exports", "imports"):  # our own name, spliced as a literal
        raise ValueError(f"unknown flow {flow!r}")
    return (
        f"select period, vintage, files from marts.vintages_in_force('raw.census_vintages', {LATEST}) "
        f"where flow = '{flow}'"
    )
