{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period',
    )
}}

-- Each month's all-commodity rows (countries, groupings and the world), both flows: the few
-- hundred rows a month that the balances, the country list and the loaded-months list read.
-- Kept as a table so that those, rebuilt each run, read it, not every month's product detail
-- (ten years took 1.2-1.6 s per reader). A run replaces the months of its window; the first
-- build takes every month loaded.
select
    period,
    flow,
    partner_code,
    partner_name,
    summary_level,
    is_world,
    is_aggregate,
    value_usd,
    consumption_usd,
    dutiable_usd,
    calculated_duty_usd,
    cif_usd,
    vessel_usd,
    air_usd,
    source,
    fetched_at

from {{ ref('int_census__trade_unioned') }}

where is_commodity_total
{% if is_incremental() %}
    and {{ period_window('period') }}
{% endif %}
