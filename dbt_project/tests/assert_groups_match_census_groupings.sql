-- The EU and the euro area built from their members of the month must equal the API's own 0003
-- and 0025 rows in every month both exist (verified on the real 2017-01 rows: EU-28 with the UK,
-- the euro area's 19 without Croatia). Rows returned are months where they differ.
select
    period,
    group_code,
    exports_usd,
    census_exports_usd,
    imports_usd,
    census_imports_usd

from {{ ref('fct_group_balance_monthly') }}
where membership_basis = 'as_of_month'
    and group_code in ('EU', 'EURO_AREA')
    -- each flow where the API's row for it is loaded (a bulk month has no grouping rows)
    and (
        (census_exports_usd is not null and exports_usd is distinct from census_exports_usd)
        or (census_imports_usd is not null and imports_usd is distinct from census_imports_usd)
    )
