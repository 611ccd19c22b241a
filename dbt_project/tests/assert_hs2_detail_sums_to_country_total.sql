{{ config(meta={'dagster': {'ref': {'name': 'fct_trade_monthly'}}}) }}
-- In every month of the run's window whose HS2 detail is loaded, each country's HS2 rows add up
-- exactly to its all-commodity total (a partner missing from the detail would show up here). The
-- other months were checked when they were built; a plain `dbt build` checks all.
with

hs2 as (

    select period, flow, partner_code, sum(value_usd) as hs2_usd
    from {{ ref('fct_trade_monthly') }}
    where hs_level = 2
        and {{ period_window('period') }}
    group by all

),

hs2_months as (

    select distinct period, flow from hs2

),

totals as (

    select t.period, t.flow, t.partner_code, t.value_usd as total_usd
    from {{ ref('int_census__partner_totals') }} as t
    inner join hs2_months using (period, flow)
    where not t.is_aggregate

)

select
    coalesce(totals.period, hs2.period) as period,
    coalesce(totals.flow, hs2.flow) as flow,
    coalesce(totals.partner_code, hs2.partner_code) as partner_code,
    totals.total_usd,
    hs2.hs2_usd

from totals
full outer join hs2 using (period, flow, partner_code)
where coalesce(totals.total_usd, 0) <> coalesce(hs2.hs2_usd, 0)
