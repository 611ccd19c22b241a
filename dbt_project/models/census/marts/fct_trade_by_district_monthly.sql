{{
    config(
        materialized='incremental',
        unique_key='period',
        pre_hook=["{% if is_incremental() %}delete from {{ this }} where {{ period_window('period') }}{% endif %}"],
        post_hook=["{{ record_mart_changes() }}"],
    )
}}

-- The window's months are emptied first (pre_hook): a month whose latest vintage is no longer a
-- bulk file has no rows here any more, and its older bulk rows must not stay.
-- Months loaded from the bulk files only (the API has no districts). Imports by district of
-- entry, exports by district of exportation; countries only; HS6 (Schedule B and HTS agree there).
with

lines as (

    {% for flow in ['imports', 'exports'] %}
    select
        period,
        '{{ flow }}' as flow,
        district_code,
        partner_code,
        left(commodity_code, 6) as hs6_code,
        value_usd,
        vessel_usd,
        air_usd,
        containerized_usd

    from {{ ref('stg_census__bulk_' ~ flow) }}
    where {{ period_window('period') }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

districts as (

    select * from {{ ref('stg_census__bulk_districts') }}

),

summed as (

    select
        lines.period,
        lines.flow,
        lines.district_code,
        any_value(districts.district_name) as district_name,
        lines.partner_code,
        lines.hs6_code,
        cast(sum(lines.value_usd) as bigint) as value_usd,
        cast(sum(lines.vessel_usd) as bigint) as vessel_usd,
        cast(sum(lines.air_usd) as bigint) as air_usd,
        cast(sum(lines.containerized_usd) as bigint) as containerized_usd,
        'census_bulk' as source

    from lines
    left join districts on districts.district_code = lines.district_code
    group by lines.period, lines.flow, lines.district_code, lines.partner_code, lines.hs6_code

)

select * from summed
