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

regime_months as (

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
        regime_months.regime,
        regime_months.jfy,
        cast(unnest(generate_series(make_date(jfy, 4, 1), make_date(jfy + 1, 3, 1), interval 1 month)) as date)
            as period

    from regime_months

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

with_us as (

    select
        grid.*,
        -- a loaded month without frozen (or chilled) lines exported none of it: zero, not unknown
        case
            when us.period is null then null
            when grid.product_scope = 'frozen' then coalesce(us.frozen_t, 0)
            when grid.product_scope = 'chilled' then coalesce(us.chilled_t, 0)
            else coalesce(us.frozen_t, 0) + coalesce(us.chilled_t, 0)
        end as us_exports_t,
        us.quantity_incomplete

    from grid
    left join us_monthly as us
        on us.period = grid.period
        and us.partner_code = grid.partner_code

),

cumulated as (

    select
        *,
        sum(us_exports_t) over fiscal_year_to_date as us_exports_cum_t,
        count(us_exports_t) over fiscal_year_to_date as us_months_loaded,
        date_diff('month', make_date(jfy, 4, 1), period) + 1 as months_elapsed

    from with_us
    window fiscal_year_to_date as (
        partition by regime, condition_code, jfy order by period
        rows between unbounded preceding and current row
    )

),

with_previous_year as (

    -- the `us_yoy` condition compares with the previous fiscal year to the same month
    select
        cumulated.*,
        previous.us_exports_cum_t as us_exports_cum_previous_year_t,
        previous.us_months_loaded = previous.months_elapsed as previous_year_complete

    from cumulated
    left join cumulated as previous
        on previous.regime = cumulated.regime
        and previous.condition_code = cumulated.condition_code
        and previous.jfy = cumulated.jfy - 1
        and previous.period = cast(cumulated.period - interval 1 year as date)

),

japan_figures as (

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
    group by regime, condition_code, jfy, date_trunc('month', period_end)

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

measured as (

    select
        c.regime,
        c.regime_name,
        c.jfy,
        c.period,
        c.condition_code,
        c.condition_description,
        c.origin_scope,
        c.product_scope,
        japan.japan_imports_cum_t,
        japan.japan_figure_as_of,
        japan.japan_figure_verified,
        case
            when c.condition_code = 'us_yoy' and c.previous_year_complete then c.us_exports_cum_previous_year_t
            else triggers.trigger_t
        end as trigger_t,
        case
            when c.condition_code = 'us_yoy' and c.previous_year_complete then 'census_previous_year'
            when triggers.trigger_t is not null then 'seed'
        end as trigger_source,
        triggers.trigger_verified,
        c.us_exports_t,
        case when c.us_months_loaded = c.months_elapsed then c.us_exports_cum_t end as us_exports_cum_t,
        c.us_exports_indicate,
        coalesce(c.quantity_incomplete, false) as us_quantity_incomplete,
        c.conditions_required,
        safeguards.safeguard_rate_pct

    from with_previous_year as c
    left join japan_figures as japan
        on japan.regime = c.regime
        and japan.condition_code = c.condition_code
        and japan.jfy = c.jfy
        and japan.period = c.period
    left join triggers
        on triggers.regime = c.regime
        and triggers.condition_code = c.condition_code
        and triggers.jfy = c.jfy
        and c.period between triggers.period_start and triggers.period_end
    left join safeguard_months as safeguards
        on safeguards.period = c.period
        and list_has_any(safeguards.hs4_codes, c.hs4_codes)

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
        japan_imports_cum_t,
        japan_figure_as_of,
        japan_figure_verified,
        trigger_t,
        trigger_source,
        trigger_verified,
        round(100.0 * japan_imports_cum_t / trigger_t, 2) as pct_of_trigger,
        japan_imports_cum_t > trigger_t as condition_met,
        count(*) filter (where japan_imports_cum_t > trigger_t) over regime_period as conditions_met,
        conditions_required,
        count(*) filter (where japan_imports_cum_t > trigger_t) over regime_period >= conditions_required
            as regime_triggered,
        round(us_exports_t, 1) as us_exports_t,
        round(us_exports_cum_t, 1) as us_exports_cum_t,
        'early indicator: Census U.S. exports (product weight, shipped before Japan clears them)'
            as us_series_label,
        us_quantity_incomplete,
        case
            when origin_scope = 'us' and us_exports_indicate and trigger_t > 0
                then round(100.0 * us_exports_cum_t / trigger_t, 2)
        end as us_pct_of_trigger,
        case
            when origin_scope = 'us' and trigger_source = 'seed' and us_exports_cum_t > 0
                and make_date(jfy, 4, 1) + cast(ceil(
                    trigger_t / (us_exports_cum_t / (datediff('day', make_date(jfy, 4, 1), last_day(period)) + 1))
                ) as integer) - 1 <= make_date(jfy + 1, 3, 31)
                then make_date(jfy, 4, 1) + cast(ceil(
                    trigger_t / (us_exports_cum_t / (datediff('day', make_date(jfy, 4, 1), last_day(period)) + 1))
                ) as integer) - 1
        end as projected_trigger_date,
        safeguard_rate_pct is not null as safeguard_in_force,
        safeguard_rate_pct

    from measured
    window regime_period as (partition by regime, jfy, period)

)

select * from final
