-- The figures of every vintage, both flows: all-commodity totals and product detail, per partner.
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

),

imports as (

    select
        'imports' as flow, period, _landed_file, cty_code, cty_name, {{ hs_level('comm_lvl') }},
        i_commodity, gen_val_mo
    from {{ source('census', 'census_imports') }}

),

latest as (

    select distinct flow, period, vintage
    from marts.vintages_in_force({{ relation_literal(ref("stg_census__vintages")) }}, 'infinity'::timestamp)

),

rows_ as (

    select * from exports
    union all
    select * from imports

)

select
    vintages.flow,
    vintages.period,
    vintages.vintage,
    vintages.vintage_at,
    latest.vintage is not null as is_latest,
    rows_.partner_code,
    rows_.partner_name,
    {{ is_aggregate_code('rows_.partner_code') }} as is_aggregate,
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
