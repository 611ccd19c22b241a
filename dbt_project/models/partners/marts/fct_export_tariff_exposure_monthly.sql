-- U.S. exports by partner, HS6 code and month with the tariff they faced there: the most specific
-- source that covers the month (U.S.-origin history, then schedule lines, then WITS averages),
-- weighted by the days each rate was in force (a safeguard from the 18th counts for 14 days of 31).
with

trade as (

    {{ census_mart_or_empty('fct_trade_monthly', {
        'period': 'date', 'partner_code': 'varchar', 'flow': 'varchar', 'hs_level': 'smallint',
        'commodity_code': 'varchar', 'value_usd': 'bigint', 'quantity': 'bigint',
        'quantity_unit': 'varchar', 'source': 'varchar'
    }) }}

),

countries as (

    {{ census_mart_or_empty('dim_country', {
        'partner_code': 'varchar', 'partner_name': 'varchar', 'is_aggregate': 'boolean'
    }) }}

),

commodities as (

    {{ census_mart_or_empty('dim_commodity', {
        'flow': 'varchar', 'hs_level': 'smallint', 'commodity_code': 'varchar', 'description': 'varchar'
    }) }}

),

followed as (

    select partner_code from {{ ref('partner_codes') }}

),

exports as (

    select
        trade.period,
        trade.partner_code,
        trade.commodity_code as hs6_code,
        trade.value_usd as exports_usd,
        trade.quantity,
        trade.quantity_unit,
        trade.source as trade_source

    from trade
    inner join countries as country
        on country.partner_code = trade.partner_code
    -- the partners whose tariffs the warehouse follows (seeds/partners/partner_codes.csv)
    inner join followed
        on followed.partner_code = trade.partner_code
    where trade.flow = 'exports'
        and trade.hs_level = 6
        and not country.is_aggregate

),


rates as (

    select
        *,
        case source when 'us_origin_history' then 1 when 'schedule_line' then 2 else 3 end as priority
    from {{ ref('int_partners__rates_unioned') }}

),

overlapping as (

    select
        exports.period,
        exports.partner_code,
        exports.hs6_code,
        rates.source,
        rates.priority,
        rates.national_line,
        rates.us_rate_basis,
        rates.verified,
        rates.mfn_applied_pct,
        rates.us_rate_pct,
        rates.safeguard_pct,
        coalesce(rates.safeguard_pct, rates.us_rate_pct) as applied_pct,
        datediff(
            'day',
            greatest(rates.valid_from, exports.period),
            least(rates.valid_to, last_day(exports.period))
        ) + 1 as days_in_force

    from exports
    inner join rates
        on rates.partner_code = exports.partner_code
        and rates.hs6_code = exports.hs6_code
        and rates.valid_from <= last_day(exports.period)
        and rates.valid_to >= exports.period

),

by_source as (

    -- national lines of one HS6 code count as one simple average, as WITS averages its lines
    select
        period,
        partner_code,
        hs6_code,
        source,
        min(priority) as priority,
        bool_and(verified) as verified,
        string_agg(distinct us_rate_basis, ', ' order by us_rate_basis) as rate_basis,
        -- the days of the month the source covers, per national line
        sum(days_in_force) / count(distinct coalesce(national_line, '')) as covered_days,
        count(*) as rate_rows,
        count(applied_pct) as rate_rows_with_pct,
        sum(mfn_applied_pct * days_in_force) / nullif(sum(days_in_force) filter (where mfn_applied_pct is not null), 0)
            as mfn_applied_pct,
        sum(us_rate_pct * days_in_force) / nullif(sum(days_in_force) filter (where us_rate_pct is not null), 0)
            as us_rate_pct,
        bool_or(safeguard_pct is not null) as safeguard_in_force,
        sum(applied_pct * days_in_force) / nullif(sum(days_in_force), 0) as applied_pct

    from overlapping
    group by period, partner_code, hs6_code, source

),

chosen as (

    select
        *,
        -- a percent of value for every line, over every day of the month
        rate_rows_with_pct = rate_rows and covered_days >= dayofmonth(last_day(period)) as rate_complete
    from by_source
    -- a source that covers the whole month first, then the most specific
    qualify row_number() over (
        partition by period, partner_code, hs6_code
        order by covered_days >= dayofmonth(last_day(period)) desc, priority
    ) = 1

),

joined as (

    select
        exports.period,
        exports.partner_code,
        exports.hs6_code,
        exports.exports_usd,
        exports.quantity,
        exports.quantity_unit,
        round(chosen.mfn_applied_pct, 6) as mfn_applied_pct,
        round(chosen.us_rate_pct, 6) as us_rate_pct,
        coalesce(chosen.safeguard_in_force, false) as safeguard_in_force,
        -- a rate that is not a percent of value for some line leaves the product without one
        case
            -- rounded: sums of doubles in a thread-dependent order must not make two builds differ
            when chosen.rate_complete then round(chosen.applied_pct, 6)
        end as applied_rate_pct,
        chosen.source as rate_source,
        chosen.rate_basis,
        chosen.verified as rate_verified,
        case
            when chosen.source is null then 'no rate known for this product and month'
            when chosen.covered_days < dayofmonth(last_day(exports.period))
                then 'a rate is known for only ' || cast(chosen.covered_days as integer) || ' days of the month'
            when chosen.rate_rows_with_pct < chosen.rate_rows
                then 'a rate is not a percent of value (yen per kg or a formula)'
        end as no_rate_reason,
        -- the exports whose rate is known: the weighted average's denominator
        case
            when chosen.rate_complete and chosen.applied_pct is not null then exports.exports_usd
        end as rated_exports_usd,
        exports.trade_source

    from exports
    left join chosen
        on chosen.period = exports.period
        and chosen.partner_code = exports.partner_code
        and chosen.hs6_code = exports.hs6_code

),

final as (

    select
        joined.period,
        joined.partner_code,
        country.partner_name,
        joined.hs6_code,
        commodity.description,
        joined.exports_usd,
        joined.quantity,
        joined.quantity_unit,
        joined.mfn_applied_pct,
        joined.us_rate_pct,
        joined.safeguard_in_force,
        joined.applied_rate_pct,
        cast(round(joined.exports_usd * joined.applied_rate_pct / 100) as bigint) as estimated_duty_usd,
        joined.rate_source,
        joined.rate_basis,
        joined.rate_verified,
        case when joined.applied_rate_pct is null then coalesce(joined.no_rate_reason, 'no rate known') end
            as no_rate_reason,
        -- exact sums (decimal), so that the averages do not depend on the order they were added in
        cast(
            sum(joined.exports_usd * cast(joined.applied_rate_pct as decimal(18, 6))) over partner_month
            / nullif(sum(joined.rated_exports_usd) over partner_month, 0) as double
        ) as partner_weighted_avg_pct,
        100.0 * coalesce(sum(joined.rated_exports_usd) over partner_month, 0)
            / nullif(sum(joined.exports_usd) over partner_month, 0) as partner_rate_coverage_pct,
        joined.trade_source as source

    from joined
    left join countries as country
        on country.partner_code = joined.partner_code
    left join commodities as commodity
        on commodity.flow = 'exports'
        and commodity.hs_level = 6
        and commodity.commodity_code = joined.hs6_code
    window partner_month as (partition by joined.period, joined.partner_code)

)

select * from final
