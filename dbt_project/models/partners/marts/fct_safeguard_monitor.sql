-- Japan's beef safeguards, month by month of each Japanese fiscal year (April to March): for each
-- condition of the regime in force, Japan's reported cumulative imports and the trigger where the
-- seeds have them, and U.S. exports to Japan (Census, kilograms -> tonnes) cumulated from April.
-- Census weighs the product when it leaves the U.S., weeks before Japan clears it: the U.S.
-- series is an early indicator, never the trigger count.
with

regimes as (

    select * from {{ ref('safeguard_regimes') }}

),

conditions as (

    select * from {{ ref('safeguard_conditions') }}

),

facts as (

    select * from {{ ref('safeguard_facts') }}

),

beef_rates as (

    select * from {{ ref('japan_beef_rates_us_origin') }}

),

events as (

    select * from {{ ref('safeguard_events') }}

),

trade as (

    {{ census_mart_or_empty('fct_trade_monthly', {
        'period': 'date', 'partner_code': 'varchar', 'flow': 'varchar', 'hs_level': 'smallint',
        'commodity_code': 'varchar', 'quantity': 'bigint', 'quantity_unit': 'varchar',
        'quantity_missing': 'boolean'
    }) }}

),

us_levels as (

    select
        trade.period,
        trade.partner_code,
        left(trade.commodity_code, 4) as hs4_code,
        trade.hs_level,
        sum(trade.quantity) filter (where trade.quantity_unit = 'KG' and not trade.quantity_missing) / 1000.0
            as tonnes,
        bool_or(trade.quantity_missing or trade.quantity_unit != 'KG') as quantity_incomplete

    from trade
    where trade.flow = 'exports'
        and trade.partner_code in (select regimes.partner_code from regimes)
        and trade.hs_level in (6, 10)
        and left(trade.commodity_code, 4) in ('0201', '0202')
    group by trade.period, trade.partner_code, left(trade.commodity_code, 4), trade.hs_level

),

us_detail as (

    -- HS10 where the month has it, else HS6 (both carry kilograms for beef)
    select *
    from us_levels
    qualify hs_level = max(hs_level) over (partition by period, partner_code)

),

us_monthly as (

    select
        period,
        partner_code,
        sum(tonnes) filter (where hs4_code = '0201') as chilled_t,
        sum(tonnes) filter (where hs4_code = '0202') as frozen_t,
        bool_or(quantity_incomplete) as quantity_incomplete

    from us_detail
    group by period, partner_code

),

product_scopes as (

    select unnest(['frozen', 'chilled', 'all']) as product_scope

),

us_fiscal_years as (

    -- the U.S. series runs over whole fiscal years, whatever regime is in force: a rule that
    -- changes on 1 January (2020, 2023) does not restart the count from April
    select distinct
        us_monthly.partner_code,
        scopes.product_scope,
        {{ japan_fiscal_year('us_monthly.period') }} as jfy

    from us_monthly
    cross join product_scopes as scopes

),

us_calendar as (

    select
        partner_code,
        product_scope,
        jfy,
        cast(unnest(generate_series(make_date(jfy, 4, 1), make_date(jfy + 1, 3, 1), interval 1 month)) as date)
            as period

    from us_fiscal_years

),

us_series as (

    -- a loaded month without frozen (or chilled) lines exported none of it: zero, not unknown
    select
        us_calendar.*,
        case
            when us.period is null then null
            when us_calendar.product_scope = 'frozen' then coalesce(us.frozen_t, 0)
            when us_calendar.product_scope = 'chilled' then coalesce(us.chilled_t, 0)
            else coalesce(us.frozen_t, 0) + coalesce(us.chilled_t, 0)
        end as us_exports_t,
        coalesce(us.quantity_incomplete, false) as quantity_incomplete

    from us_calendar
    left join us_monthly as us
        on us.period = us_calendar.period
        and us.partner_code = us_calendar.partner_code

),

us_cumulated as (

    select
        *,
        -- unknown unless every month since April is loaded
        case
            when count(us_exports_t) over fiscal_year_to_date = date_diff('month', make_date(jfy, 4, 1), period) + 1
                then sum(us_exports_t) over fiscal_year_to_date
        end as us_exports_cum_t

    from us_series
    window fiscal_year_to_date as (
        partition by partner_code, product_scope, jfy order by period
        rows between unbounded preceding and current row
    )

),

data_months as (

    -- months with Census exports, and months a regime's seeded figures fall in
    select
        period,
        partner_code,
        cast(null as varchar) as regime
    from us_monthly

    union all

    select
        cast(date_trunc('month', facts.period_end) as date) as period,
        fact_regimes.partner_code,
        facts.regime
    from facts
    inner join regimes as fact_regimes
        on fact_regimes.regime = facts.regime

),

regime_years as (

    -- the fiscal years a regime covers that have Census months or seeded figures
    select distinct
        regimes.regime,
        {{ japan_fiscal_year('data_months.period') }} as jfy

    from regimes
    inner join data_months
        on data_months.partner_code = regimes.partner_code
        and (data_months.regime is null or data_months.regime = regimes.regime)
        and data_months.period <= coalesce(regimes.valid_to, date '9999-12-31')
        and last_day(data_months.period) >= regimes.valid_from

),

calendar as (

    select
        regime,
        jfy,
        cast(unnest(generate_series(make_date(jfy, 4, 1), make_date(jfy + 1, 3, 1), interval 1 month)) as date)
            as period

    from regime_years

),

grid as (

    select
        calendar.regime,
        regimes.partner_code,
        regimes.regime_name,
        regimes.conditions_required,
        calendar.jfy,
        calendar.period,
        conditions.condition_code,
        conditions.description as condition_description,
        conditions.origin_scope,
        conditions.product_scope,
        conditions.us_exports_indicate,
        string_split(regimes.hs4_codes, ' ') as hs4_codes

    from calendar
    inner join regimes
        on regimes.regime = calendar.regime
        and calendar.period <= coalesce(regimes.valid_to, date '9999-12-31')
        and last_day(calendar.period) >= regimes.valid_from
    inner join conditions
        on conditions.regime = calendar.regime

),

japan_cumulative as (

    select
        regime,
        condition_code,
        jfy,
        cast(date_trunc('month', period_end) as date) as period,
        arg_max(value_t, period_end) as japan_imports_cum_t,
        max(period_end) as japan_figure_as_of,
        arg_max(verified, period_end) as japan_figure_verified

    from facts
    where measure = 'imports_cumulative'
    group by regime, condition_code, jfy, cast(date_trunc('month', period_end) as date)

),

japan_months as (

    select
        cast(period_start as date) as period,
        origin_scope,
        product_scope,
        max(value_t) as value_t

    from facts
    where measure = 'imports_month'
    group by period_start, origin_scope, product_scope

),

triggers as (

    select regime, condition_code, jfy, period_start, period_end, value_t as trigger_t, verified as trigger_verified
    from facts
    where measure = 'trigger'

),

safeguards as (

    select
        months.period,
        beef_rates.hs4_code,
        max(beef_rates.applied_rate_pct) as safeguard_rate_pct

    from (select distinct period from grid) as months
    inner join beef_rates
        on beef_rates.is_safeguard
        and beef_rates.valid_from <= last_day(months.period)
        and coalesce(beef_rates.valid_to, date '9999-12-31') >= months.period
    group by months.period, beef_rates.hs4_code

),

safeguard_months as (

    select
        period,
        max(safeguard_rate_pct) as safeguard_rate_pct,
        list(hs4_code) as hs4_codes
    from safeguards
    group by period

),

event_months as (

    select
        regime,
        cast(date_trunc('month', event_date) as date) as period,
        string_agg(strftime(event_date, '%Y-%m-%d') || ' ' || event || ': ' || detail, '; ' order by event_date)
            as events

    from events
    group by regime, cast(date_trunc('month', event_date) as date)

),

measured as (

    select
        grid.regime,
        grid.regime_name,
        grid.jfy,
        grid.period,
        grid.condition_code,
        grid.condition_description,
        grid.origin_scope,
        grid.product_scope,
        japan_month.value_t as japan_imports_month_t,
        japan_from_us.value_t as japan_imports_from_us_month_t,
        japan.japan_imports_cum_t,
        japan.japan_figure_as_of,
        japan.japan_figure_verified,
        triggers.trigger_t,
        triggers.trigger_verified,
        us.us_exports_t,
        us.us_exports_cum_t,
        previous.us_exports_cum_t as us_exports_cum_previous_year_t,
        grid.us_exports_indicate,
        coalesce(us.quantity_incomplete, false) as us_quantity_incomplete,
        grid.conditions_required,
        safeguards.safeguard_rate_pct,
        event_months.events

    from grid
    left join us_cumulated as us
        on us.partner_code = grid.partner_code
        and us.product_scope = grid.product_scope
        and us.period = grid.period
    left join us_cumulated as previous
        on previous.partner_code = grid.partner_code
        and previous.product_scope = grid.product_scope
        and previous.period = cast(grid.period - interval 1 year as date)
    left join japan_cumulative as japan
        on japan.regime = grid.regime
        and japan.condition_code = grid.condition_code
        and japan.jfy = grid.jfy
        and japan.period = grid.period
    left join japan_months as japan_month
        on japan_month.period = grid.period
        and japan_month.origin_scope = grid.origin_scope
        and japan_month.product_scope = grid.product_scope
    left join japan_months as japan_from_us
        on japan_from_us.period = grid.period
        and japan_from_us.origin_scope = 'us'
        and japan_from_us.product_scope = grid.product_scope
    left join triggers
        on triggers.regime = grid.regime
        and triggers.condition_code = grid.condition_code
        and triggers.jfy = grid.jfy
        and grid.period between triggers.period_start and triggers.period_end
    left join safeguard_months as safeguards
        on safeguards.period = grid.period
        and list_has_any(safeguards.hs4_codes, grid.hs4_codes)
    left join event_months
        on event_months.regime = grid.regime
        and event_months.period = grid.period

),

assessed as (

    select
        *,
        japan_imports_cum_t > trigger_t as condition_met,
        -- the day the U.S. series reaches the trigger at its pace since 1 April
        case
            when origin_scope = 'us' and us_exports_cum_t > 0
                then make_date(jfy, 4, 1) + cast(ceil(
                    trigger_t / (us_exports_cum_t / (datediff('day', make_date(jfy, 4, 1), last_day(period)) + 1))
                ) as integer) - 1
        end as projected_at_pace

    from measured

),

final as (

    select
        regime,
        regime_name,
        jfy,
        period,
        condition_code,
        condition_description,
        origin_scope,
        product_scope,
        japan_imports_month_t,
        japan_imports_from_us_month_t,
        japan_imports_cum_t,
        japan_figure_as_of,
        japan_figure_verified,
        trigger_t,
        trigger_verified,
        round(100.0 * japan_imports_cum_t / trigger_t, 2) as pct_of_trigger,
        condition_met,
        count(*) filter (where condition_met) over regime_period as conditions_met,
        conditions_required,
        -- triggered only when every condition is known to hold; unknown while any is unknown
        case
            when count(*) filter (where not condition_met) over regime_period > 0 then false
            when count(*) filter (where condition_met) over regime_period >= conditions_required then true
        end as regime_triggered,
        round(us_exports_t, 1) as us_exports_t,
        round(us_exports_cum_t, 1) as us_exports_cum_t,
        round(us_exports_cum_previous_year_t, 1) as us_exports_cum_previous_year_t,
        'early indicator: Census U.S. exports (product weight, shipped before Japan clears them)'
            as us_series_label,
        us_quantity_incomplete,
        case
            when origin_scope = 'us' and us_exports_indicate and trigger_t > 0
                then round(100.0 * us_exports_cum_t / trigger_t, 2)
        end as us_pct_of_trigger,
        case when projected_at_pace <= make_date(jfy + 1, 3, 31) then projected_at_pace end as projected_trigger_date,
        safeguard_rate_pct is not null as safeguard_in_force,
        safeguard_rate_pct,
        events

    from assessed
    window regime_period as (partition by regime, jfy, period)

)

select * from final
