-- One row per month and partner (countries, groupings and the world, flagged) for every month
-- whose exports and imports are both loaded. Small (partners x months), so rebuilt each run:
-- YTD, 12-month and YoY figures of later months then always follow a revised month.
with

totals as (

    select * from {{ ref('int_census__partner_totals') }}

),

complete_months as (

    select period
    from {{ ref('int_census__loaded_months') }}
    group by period
    having count(distinct flow) = 2

),

month_coverage as (

    -- how many of the months a YTD or 12-month figure needs are loaded
    select
        m.period,
        count(*) filter (where w.period >= {{ add_months('m.period', -11) }}) as months_in_last_12,
        count(*) filter (where year(w.period) = year(m.period)) as months_in_ytd

    from complete_months as m
    inner join complete_months as w
        on w.period <= m.period
        and (w.period >= {{ add_months('m.period', -11) }} or year(w.period) = year(m.period))
    group by m.period

),

pivoted as (

    select
        t.period,
        t.partner_code,
        {{ bilateral_pivot('t') }},
        -- a month whose flows came from different sources names both (census_api+census_bulk);
        -- a sample month is published only where both flows are
        case
            when bool_and(t.source = 'sample_published') then 'sample_published'
            when bool_or(t.source like 'sample%') then 'sample_synthetic'
            else string_agg(distinct t.source, '+' order by t.source)
        end as source

    from totals as t
    inner join complete_months using (period)
    group by t.period, t.partner_code

),

windowed as (

    select
        pivoted.*,
        exports_usd - imports_usd as balance_usd,
        sum(exports_usd) over ytd as exports_ytd,
        sum(imports_usd) over ytd as imports_ytd,
        sum(exports_usd - imports_usd) over last_12 as balance_12m

    from pivoted
    window
        ytd as (
            partition by partner_code, year(period)
            order by period
            rows between unbounded preceding and current row
        ),
        last_12 as (
            partition by partner_code
            order by period
            range between interval 11 month preceding and current row
        )

),

final as (

    select
        w.period,
        w.partner_code,
        w.partner_name,
        w.is_aggregate,
        w.exports_usd,
        w.imports_usd,
        w.balance_usd,
        case when c.months_in_ytd = month(w.period)
            then cast(w.exports_ytd as bigint) end as exports_ytd_usd,
        case when c.months_in_ytd = month(w.period)
            then cast(w.imports_ytd as bigint) end as imports_ytd_usd,
        case when c.months_in_ytd = month(w.period)
            then cast(w.exports_ytd - w.imports_ytd as bigint) end as balance_ytd_usd,
        case when c.months_in_last_12 = 12
            then cast(w.balance_12m as bigint) end as balance_12m_usd,
        -- prior year: unknown when that month is not loaded; undefined when it was zero
        case when prior_month.period is not null and coalesce(p.exports_usd, 0) <> 0
            then 100.0 * (w.exports_usd - p.exports_usd) / p.exports_usd end as exports_yoy_pct,
        case when prior_month.period is not null and coalesce(p.imports_usd, 0) <> 0
            then 100.0 * (w.imports_usd - p.imports_usd) / p.imports_usd end as imports_yoy_pct,
        w.source

    from windowed as w
    inner join month_coverage as c
        on c.period = w.period
    left join complete_months as prior_month
        on prior_month.period = {{ add_months('w.period', -12) }}
    left join pivoted as p
        on p.partner_code = w.partner_code
        and p.period = {{ add_months('w.period', -12) }}

)

select * from final
