{{
    config(
        materialized='incremental',
        unique_key='period',
        post_hook=[
            "{{ create_balance_as_of_macro(this) }}",
            "{{ record_mart_changes() }}",
        ]
    )
}}

-- Every printed version of every partner's monthly total: one row per flow, month, partner and
-- vintage. Backs marts.bilateral_balance_as_of(date), "what did we know on that date".
select
    flow,
    period,
    partner_code,
    partner_name,
    is_aggregate,
    vintage,
    vintage_at,
    value_usd,
    {{ sample_source('source', 'true', 'period', 'partner_code') }} as source

from {{ ref('int_census__vintage_rows') }}
-- the totals (hs_level null: no commodity level), so the sums of coarser levels are skipped
where hs_level is null
    and commodity_code = '-'
    and {{ period_window('period') }}
