{{
    config(
        materialized='incremental',
        unique_key='period',
        post_hook=["{{ record_mart_changes(extend_months=12) }}"],
    )
}}

-- Partner x product x month with the year-over-year view. A product traded last year but not
-- this year gets a row with value 0, so that contributions add up to the balance change.
-- A run rebuilds its window plus those of the following 12 months already built, whose YoY
-- figures read the window (a month not built yet gets its rows when it is).
with

trade as (

    select * from {{ ref('fct_trade_monthly') }}
    where {{ period_window('period', shift_months=-12, extend_months=12) }}

),

loaded as (

    select * from {{ ref('int_census__loaded_months') }}

),

built as (

    select distinct period, flow from trade

),

partner_totals as (

    select period, flow, partner_code, value_usd as partner_flow_usd
    from {{ ref('int_census__partner_totals') }}
    where not is_aggregate

),

keys as (

    select period, partner_code, flow, hs_level, commodity_code
    from trade
    where {{ period_window('period', extend_months=12) }}

    union

    select {{ add_months('trade.period', 12) }}, trade.partner_code, trade.flow, trade.hs_level, trade.commodity_code
    from trade
    inner join built
        on built.period = {{ add_months('trade.period', 12) }}
        and built.flow = trade.flow
    where {{ period_window(add_months('trade.period', 12), extend_months=12) }}

),

joined as (

    select
        k.period,
        k.partner_code,
        k.flow,
        k.hs_level,
        k.commodity_code,
        coalesce(cur.value_usd, 0) as value_usd,
        cur.quantity,
        cur.quantity_unit,
        coalesce(cur.quantity_missing, false) as quantity_missing,
        pt.partner_flow_usd,
        -- prior year: null when that month is not loaded, zero when the product was not traded
        case when prior_loaded.period is not null then coalesce(prev.value_usd, 0) end as prior_year_value_usd,
        coalesce(cur.source, prev.source) as source

    from keys as k
    left join trade as cur
        on cur.period = k.period
        and cur.partner_code = k.partner_code
        and cur.flow = k.flow
        and cur.hs_level = k.hs_level
        and cur.commodity_code = k.commodity_code
    left join trade as prev
        on prev.period = {{ add_months('k.period', -12) }}
        and prev.partner_code = k.partner_code
        and prev.flow = k.flow
        and prev.hs_level = k.hs_level
        and prev.commodity_code = k.commodity_code
    left join loaded as prior_loaded
        on prior_loaded.period = {{ add_months('k.period', -12) }}
        and prior_loaded.flow = k.flow
    left join partner_totals as pt
        on pt.period = k.period
        and pt.flow = k.flow
        and pt.partner_code = k.partner_code

),

final as (

    select
        j.period,
        j.partner_code,
        country.partner_name,
        j.flow,
        j.hs_level,
        j.commodity_code,
        commodity.description as commodity_description,
        j.value_usd,
        j.quantity,
        j.quantity_unit,
        j.quantity_missing,
        case when j.quantity > 0 then j.value_usd / j.quantity end as unit_value_usd,
        case when j.partner_flow_usd > 0
            then 100.0 * j.value_usd / j.partner_flow_usd end as share_of_partner_flow_pct,
        j.prior_year_value_usd,
        j.value_usd - j.prior_year_value_usd as yoy_change_usd,
        case when j.prior_year_value_usd > 0
            then 100.0 * (j.value_usd - j.prior_year_value_usd) / j.prior_year_value_usd end as yoy_pct,
        -- exports raise the balance, imports lower it
        case j.flow
            when 'exports' then j.value_usd - j.prior_year_value_usd
            else j.prior_year_value_usd - j.value_usd
        end as balance_contribution_usd,
        j.source

    from joined as j
    left join {{ ref('dim_country') }} as country
        on country.partner_code = j.partner_code
    left join {{ ref('dim_commodity') }} as commodity
        on commodity.flow = j.flow
        and commodity.commodity_code = j.commodity_code

)

select * from final
