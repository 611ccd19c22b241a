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
    where trade.flow = 'exports'
        and trade.hs_level = 6
        and not country.is_aggregate

),

followed as (

    select partner_code from {{ ref('partner_codes') }}

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
        sum(days_in_force) as line_days,
        count(*) as rate_rows,
        count(applied_pct) as rate_rows_with_pct,
        sum(mfn_applied_pct * days_in_force) / nullif(sum(days_in_force) filter (where mfn_applied_pct is not null), 0)
            as mfn_applied_pct,
        sum(us_rate_pct * days_in_force) / nullif(sum(days_in_force) filter (where us_rate_pct is not null), 0)
            as us_rate_pct,
        sum(coalesce(safeguard_pct, 0) * days_in_force) / sum(days_in_force) as safeguard_share_pct,
        bool_or(safeguard_pct is not null) as safeguard_in_force,
        sum(applied_pct * days_in_force) / nullif(sum(days_in_force), 0) as applied_pct

    from overlapping
    group by period, partner_code, hs6_code, source

),

chosen as (

    select *
    from by_source
    qualify row_number() over (partition by period, partner_code, hs6_code order by priority) = 1

),

joined as (

    select
        exports.period,
        exports.partner_code,
        exports.hs6_code,
        exports.exports_usd,
        exports.quantity,
        exports.quantity_unit,
        chosen.mfn_applied_pct,
        chosen.us_rate_pct,
        coalesce(chosen.safeguard_in_force, false) as safeguard_in_force,
        -- a rate that is not a percent of value for some line leaves the product without one
        case when chosen.rate_rows_with_pct = chosen.rate_rows then chosen.applied_pct end as applied_rate_pct,
        chosen.source as rate_source,
        chosen.verified as rate_verified,
        case
            when followed.partner_code is null then 'no schedule loaded for this partner'
            when chosen.source is null then 'no rate known for this product and month'
            when chosen.rate_rows_with_pct < chosen.rate_rows
                then 'a rate is not a percent of value (yen per kg or a formula)'
        end as no_rate_reason,
        -- the exports whose rate is known: the weighted average's denominator
        case
            when chosen.rate_rows_with_pct = chosen.rate_rows and chosen.applied_pct is not null
                then exports.exports_usd
        end as rated_exports_usd,
        exports.trade_source

    from exports
    left join chosen
        on chosen.period = exports.period
        and chosen.partner_code = exports.partner_code
        and chosen.hs6_code = exports.hs6_code
    left join followed
        on followed.partner_code = exports.partner_code

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
        joined.rate_verified,
        case when joined.applied_rate_pct is null then coalesce(joined.no_rate_reason, 'no rate known') end
            as no_rate_reason,
        100.0 * sum(joined.exports_usd * joined.applied_rate_pct / 100) over partner_month
            / nullif(sum(joined.rated_exports_usd) over partner_month, 0) as partner_weighted_avg_pct,
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
