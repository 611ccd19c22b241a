{{
    config(
        materialized='incremental',
        unique_key='period',
        post_hook=["{{ record_mart_changes() }}"],
    )
}}

-- Countries only: the world and the groupings would double count in any sum over partners
-- (they are in fct_bilateral_balance_monthly, flagged). A run replaces the months of its window.
with

trade as (

    select * from {{ ref('int_census__trade_unioned') }}

),

detail as (

    select
        period,
        partner_code,
        flow,
        hs_level,
        commodity_code,
        value_usd,
        consumption_usd,
        dutiable_usd,
        calculated_duty_usd,
        cif_usd,
        quantity,
        quantity_unit,
        quantity_missing,
        vessel_usd,
        air_usd,
        source

    from trade

    where not is_commodity_total
        and not is_aggregate
        and {{ period_window('period') }}

)

select * from detail
