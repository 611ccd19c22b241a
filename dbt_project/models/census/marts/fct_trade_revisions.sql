{{
    config(
        materialized='incremental',
        unique_key='period',
        post_hook=["{{ record_mart_changes() }}"],
    )
}}

-- How figures were revised: for every month and flow loaded in more than one vintage, each
-- partner total and product figure as first printed and as latest printed. A figure missing
-- from a vintage was zero in it (Census leaves out partners and products with no trade).
with

revised as (

    -- the months printed more than once, from the small vintages table: the figures of every
    -- other month are never summed
    select flow, period
    from {{ ref('stg_census__vintages') }}
    where {{ period_window('period') }}
    group by flow, period
    having count(distinct vintage) > 1

),

figures as (

    select figures.*
    from {{ ref('int_census__vintage_rows') }} as figures
    semi join revised
        on revised.flow = figures.flow and revised.period = figures.period
    where {{ period_window('figures.period') }}

),

months as (

    select
        flow,
        period,
        min(vintage) as first_vintage,
        max(vintage) filter (where is_latest) as latest_vintage,
        count(distinct vintage) as vintages,
        min(vintage_at) as first_vintage_at,
        max(vintage_at) as latest_vintage_at

    from figures
    group by flow, period
    having count(distinct vintage) > 1

),

compared as (

    select
        figures.flow,
        figures.period,
        figures.partner_code,
        max(figures.partner_name) as partner_name,
        bool_or(figures.is_aggregate) as is_aggregate,
        figures.hs_level,
        figures.commodity_code,
        coalesce(max(figures.value_usd) filter (where figures.vintage = months.first_vintage), 0) as first_value_usd,
        coalesce(max(figures.value_usd) filter (where figures.vintage = months.latest_vintage), 0) as latest_value_usd,
        count(distinct figures.value_usd) as distinct_values,
        any_value(months.vintages) as vintages,
        any_value(months.first_vintage_at) as first_vintage_at,
        any_value(months.latest_vintage_at) as latest_vintage_at

    from figures
    inner join months
        on months.flow = figures.flow and months.period = figures.period
    group by figures.flow, figures.period, figures.partner_code, figures.hs_level, figures.commodity_code

)

select
    period,
    flow,
    partner_code,
    partner_name,
    is_aggregate,
    hs_level,
    commodity_code,
    first_value_usd,
    latest_value_usd,
    latest_value_usd - first_value_usd as revision_usd,
    case when first_value_usd <> 0
        then 100.0 * (latest_value_usd - first_value_usd) / first_value_usd end as revision_pct,
    cast(vintages as integer) as vintages,
    cast(distinct_values as integer) as distinct_values,
    first_vintage_at,
    latest_vintage_at

from compared
