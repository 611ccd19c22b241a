"""A bulk month at the API's grain: the cells `raw.census_<flow>` holds for an API pull (HS10 x
country, HS10 x world, the all-commodity totals of each country and the world), summed from the
month's full-grain lines, with the HS10 descriptions. Written under the ZIP's landed file, so the
month's vintage is made of that one file, as an API vintage is made of its responses."""

from __future__ import annotations

from datetime import date, datetime

from orchestration.census.bulk import FLOW_WORD
from orchestration.census.plan import MEASURES, QUANTITY

SOURCE = "census_bulk"

# The API's value measures and its quantity, by flow: the bulk detail has columns of the same names.
_VALUES = {flow: tuple(name.lower() for name in MEASURES[flow]) for flow in MEASURES}
_QUANTITY = {flow: QUANTITY[flow][0].lower() for flow in QUANTITY}


def insert_api_grain(con, flow: str, period: date, file: str, vintage: datetime) -> None:
    """HS10 x country, HS10 x world, and the all-commodity totals of each country and the world,
    summed over districts, rate provisions, program subcodes and domestic/foreign."""
    values, quantity = _VALUES[flow], _QUANTITY[flow]
    commodity = "i_commodity" if flow == "imports" else "e_commodity"
    word = FLOW_WORD[flow]
    sums = ",\n            ".join(f"cast(sum(d.{name}) as bigint) as {name}" for name in (*values, quantity))
    columns = ", ".join(values)
    has_names = con.execute(
        f"select count(*) > 0 from raw.census_bulk_{word}_countries where period = $period and _landed_file = $file",
        {"period": period, "file": file},
    ).fetchone()[0]
    # names from earlier loads only when the file's own country file was left out (absent, or
    # not fitting its layout): that look-up reads every month loaded so far
    known_names = (
        "select null::varchar as cty_code, null::varchar as cty_name where false"
        if has_names
        else """select cty_code, arg_max(cty_name, period) as cty_name
            from (select cty_code, cty_name, period from raw.census_exports
                  union all select cty_code, cty_name, period from raw.census_imports)
            where cty_code <> '-' group by 1"""
    )
    con.execute(
        f"""
        insert into raw.census_{flow} (period, comm_lvl, cty_code, cty_name, summary_lvl, {commodity}, {columns},
            {quantity}, {quantity}_flag, unit_qy1, _source, _landed_file, _vintage, _loaded_at)
        with cells as (
            select d.commodity, d.cty_code, {sums}
            from raw.census_bulk_{flow} as d
            where d.period = $period and d._landed_file = $file
            group by grouping sets ((d.commodity, d.cty_code), (d.commodity), (d.cty_code), ())
        ),
        names as (
            select cty_code, any_value(cty_name) as cty_name from raw.census_bulk_{word}_countries
            where period = $period and _landed_file = $file group by 1
        ),
        known_names as ({known_names}),
        units as (
            select commodity, any_value(unit_qy1) as unit_qy1 from raw.census_bulk_{word}_commodities
            where period = $period and _landed_file = $file group by 1
        )
        select $period, case when c.commodity is null then '-' else 'HS10' end, coalesce(c.cty_code, '-'),
            case when c.cty_code is null then 'TOTAL FOR ALL COUNTRIES' else coalesce(n.cty_name, k.cty_name) end,
            'DET', coalesce(c.commodity, '-'), {", ".join(f"c.{name}" for name in values)},
            case when c.commodity is not null then c.{quantity} end, null, u.unit_qy1,
            $source, $file, $vintage, now()::timestamp
        from cells as c
        left join names as n on n.cty_code = c.cty_code
        left join known_names as k on k.cty_code = c.cty_code
        left join units as u on u.commodity = c.commodity
        """,
        {"period": period, "file": file, "source": SOURCE, "vintage": vintage},
    )
    con.execute(
        f"""
        insert into raw.census_{flow}_commodity_names
            (period, comm_lvl, commodity, description, _source, _landed_file, _vintage, _loaded_at)
        select $period, 'HS10', commodity, any_value(comm_desc), $source, $file, any_value(_vintage), now()::timestamp
        from raw.census_bulk_{word}_commodities where period = $period and _landed_file = $file group by commodity
        """,
        {"period": period, "file": file, "source": SOURCE},
    )
