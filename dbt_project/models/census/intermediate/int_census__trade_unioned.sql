-- Both flows in one long table; import-only measures are null on export rows. The sample's rows
-- say whether they are published figures or synthetic (macro sample_source).
with

exports as (

    select
        'exports' as flow,
        period, partner_code, partner_name, summary_level, hs_level, commodity_code,
        is_world, is_aggregate, is_commodity_total,
        value_usd,
        cast(null as bigint) as consumption_usd,
        cast(null as bigint) as dutiable_usd,
        cast(null as bigint) as calculated_duty_usd,
        cast(null as bigint) as cif_usd,
        vessel_usd, air_usd, quantity, quantity_unit, quantity_missing,
        source, fetched_at

    from {{ ref('stg_census__exports') }}

),

imports as (

    select
        'imports' as flow,
        period, partner_code, partner_name, summary_level, hs_level, commodity_code,
        is_world, is_aggregate, is_commodity_total,
        value_usd, consumption_usd, dutiable_usd, calculated_duty_usd, cif_usd,
        vessel_usd, air_usd, quantity, quantity_unit, quantity_missing,
        source, fetched_at

    from {{ ref('stg_census__imports') }}

),

unioned as (

    select * from exports
    union all
    select * from imports

)

select * replace (
    {{ sample_source('source', 'is_commodity_total', 'period', 'partner_code') }} as source
)
from unioned
