-- The figures of every vintage, both flows: all-commodity totals and product detail, per partner.
-- A vintage fetched at its finest level only gets the coarser levels summed from it, as staging
-- does for the latest vintage (with_coarser_levels), so revisions show at every level.
with

vintages as (

    select * from {{ ref('stg_census__vintages') }}

),

exports as (

    select
        'exports' as flow, period, _landed_file as landed_file, cty_code as partner_code,
        cty_name as partner_name, {{ hs_level('comm_lvl') }} as hs_level,
        e_commodity as commodity_code, all_val_mo as value_usd
    from {{ source('census', 'census_exports') }}
    -- groupings by product only in prints of the older plan: comparing them with a newer print
    -- would show a revision to zero that Census never made
    where comm_lvl = '-' or summary_lvl = 'DET'

),

imports as (

    select
        'imports' as flow, period, _landed_file, cty_code, cty_name, {{ hs_level('comm_lvl') }},
        i_commodity, gen_val_mo
    from {{ source('census', 'census_imports') }}
    where comm_lvl = '-' or summary_lvl = 'DET'

),

latest as (

    select distinct flow, period, vintage
    from marts.vintages_in_force({{ relation_literal(ref("stg_census__vintages")) }}, cast('infinity' as timestamp))

),

rows_ as (

    select * from exports
    union all
    select * from imports

),

landed as not materialized (

    select
        vintages.flow,
        vintages.period,
        vintages.vintage,
        vintages.vintage_at,
        latest.vintage is not null as is_latest,
        rows_.partner_code,
        rows_.partner_name,
        rows_.hs_level,
        rows_.commodity_code,
        rows_.value_usd,
        vintages.source

    from vintages
    inner join rows_
        on rows_.flow = vintages.flow
        and rows_.period = vintages.period
        and rows_.landed_file = vintages.landed_file
    left join latest
        on latest.flow = vintages.flow
        and latest.period = vintages.period
        and latest.vintage = vintages.vintage

),

coarse as (

    -- per vintage, each coarser level not landed as such, and the finest level landed to sum it
    -- from (the level is a grouping column below: a reader of the totals only skips the sums)
    select levels.flow, levels.period, levels.vintage, levels.finest, wanted.hs_level
    from (
        select flow, period, vintage, max(hs_level) as finest, list(distinct hs_level) as held
        from landed
        where hs_level is not null
        group by flow, period, vintage
    ) as levels
    cross join (values (2), (4), (6)) as wanted (hs_level)
    where wanted.hs_level < levels.finest
        and not list_contains(levels.held, wanted.hs_level)

),

summed as (

    select
        landed.flow,
        landed.period,
        landed.vintage,
        any_value(landed.vintage_at) as vintage_at,
        bool_or(landed.is_latest) as is_latest,
        landed.partner_code,
        any_value(landed.partner_name) as partner_name,
        cast(coarse.hs_level as smallint) as hs_level,
        substr(landed.commodity_code, 1, coarse.hs_level) as commodity_code,
        cast(sum(landed.value_usd) as bigint) as value_usd,
        any_value(landed.source) as source

    from landed
    inner join coarse
        on coarse.flow = landed.flow
        and coarse.period = landed.period
        and coarse.vintage = landed.vintage
        and coarse.finest = landed.hs_level
    group by
        landed.flow, landed.period, landed.vintage, landed.partner_code, coarse.hs_level,
        substr(landed.commodity_code, 1, coarse.hs_level)

),

figures as (

    select * from landed
    union all
    select * from summed

)

select
    flow,
    period,
    vintage,
    vintage_at,
    is_latest,
    partner_code,
    partner_name,
    {{ is_aggregate_code('partner_code') }} as is_aggregate,
    hs_level,
    commodity_code,
    value_usd,
    source

from figures
