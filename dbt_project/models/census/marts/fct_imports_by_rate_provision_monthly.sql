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
-- Months loaded from the bulk files only (the API has no rate provision). Countries only, as in
-- fct_trade_monthly. Each HS level is a complete breakdown on its own.
with

lines as (

    select * from {{ ref('stg_census__bulk_imports') }}
    where {{ period_window('period') }}

),

levels as (

    select unnest([2, 6, 10]) as hs_level

),

rolled_up as (

    select
        lines.period,
        lines.partner_code,
        cast(levels.hs_level as smallint) as hs_level,
        left(lines.commodity_code, levels.hs_level) as commodity_code,
        lines.rate_provision_group,
        cast(sum(lines.value_usd) as bigint) as general_imports_usd,
        cast(sum(lines.consumption_usd) as bigint) as consumption_usd,
        cast(sum(lines.dutiable_usd) as bigint) as dutiable_usd,
        cast(sum(lines.calculated_duty_usd) as bigint) as calculated_duty_usd,
        bool_or(lines.is_low_value_estimate) as includes_low_value_estimate,
        'census_bulk' as source

    from lines
    cross join levels
    group by all

)

select * from rolled_up
