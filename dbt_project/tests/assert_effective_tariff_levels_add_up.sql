{{ config(meta={'dagster': {'ref': {'name': 'fct_effective_tariff_monthly'}}}) }}
-- Each level of the effective tariff mart (HTS10 lines, HS6, HS4, HS2, the partner row) sums to
-- the same consumption value, calculated duty and statutory duty per partner and month, and the
-- country rows add up to the all-countries row ('-').
with

level_totals as (

    select
        period,
        partner_code,
        aggregation,
        sum(consumption_usd) as consumption_usd,
        sum(calculated_duty_usd) as calculated_duty_usd,
        coalesce(sum(statutory_duty_usd), 0) as statutory_duty_usd

    from {{ ref('fct_effective_tariff_monthly') }}
    group by period, partner_code, aggregation

),

countries_summed as (

    select
        period,
        '-' as partner_code,
        'countries summed' as aggregation,
        sum(consumption_usd) as consumption_usd,
        sum(calculated_duty_usd) as calculated_duty_usd,
        sum(statutory_duty_usd) as statutory_duty_usd

    from level_totals
    where partner_code <> '-' and aggregation = 'partner'
    group by period

),

levels as (

    select * from level_totals
    union all
    select * from countries_summed

)

select
    period,
    partner_code,
    list(aggregation order by aggregation) as aggregations,
    list(consumption_usd order by aggregation) as consumption_by_level,
    list(calculated_duty_usd order by aggregation) as calculated_duty_by_level,
    list(statutory_duty_usd order by aggregation) as statutory_duty_by_level

from levels
group by period, partner_code
having min(consumption_usd) <> max(consumption_usd)
    or min(calculated_duty_usd) <> max(calculated_duty_usd)
    or min(statutory_duty_usd) <> max(statutory_duty_usd)
