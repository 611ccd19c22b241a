{{ config(meta={'dagster': {'ref': {'name': 'fct_imports_by_rate_provision_monthly'}}}) }}
-- For every month loaded from the bulk files, the rate provision groups of each country and HS10
-- code add up exactly to that cell's general imports in fct_trade_monthly.
with

by_provision as (

    select period, partner_code, commodity_code, sum(general_imports_usd) as provisions_usd
    from {{ ref('fct_imports_by_rate_provision_monthly') }}
    where hs_level = 10
    group by all

),

bulk_months as (

    select distinct period from by_provision

),

trade as (

    select t.period, t.partner_code, t.commodity_code, t.value_usd as trade_usd
    from {{ ref('fct_trade_monthly') }} as t
    inner join bulk_months using (period)
    where t.flow = 'imports' and t.hs_level = 10

)

select
    coalesce(trade.period, by_provision.period) as period,
    coalesce(trade.partner_code, by_provision.partner_code) as partner_code,
    coalesce(trade.commodity_code, by_provision.commodity_code) as commodity_code,
    trade.trade_usd,
    by_provision.provisions_usd

from trade
full outer join by_provision using (period, partner_code, commodity_code)
where coalesce(trade.trade_usd, 0) <> coalesce(by_provision.provisions_usd, 0)
