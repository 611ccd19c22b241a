{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period',
        on_schema_change='fail',
    )
}}

-- Each month's all-commodity rows (countries, groupings and the world), both flows, and the
-- vintage they come from: the few hundred rows a month that the balances, the country list and
-- the loaded-months list read. Kept as a table so that those, rebuilt each run, read it, not every
-- month's product detail (ten years took 1.2-1.6 s per reader). The first build takes every month
-- loaded; later runs replace the months of their window and any month whose vintage in force is
-- not the one it was built from (a month loaded whose build failed or was stopped, a backfill
-- stopped between batches): the window is widened to cover them, so the period filter still
-- reaches the raw scan. A change to this model's logic reaches past months with --full-refresh.

{#- each (flow, month)'s vintage in force, read by the bounds query and by the model -#}
{%- set in_force_sql -%}
    select distinct flow, period, vintage
    from marts.vintages_in_force({{ relation_literal(ref("stg_census__vintages")) }}, 'infinity'::timestamp)
{%- endset -%}
{%- set window_start = period_var('period_start') -%}
{%- set window_end = period_var('period_end') -%}
{%- if is_incremental() and execute -%}
    {%- set bounds_sql -%}
        select
            strftime(least(min(in_force.period), date '{{ window_start }}'), '%Y-%m-%d'),
            strftime(greatest(max({{ add_months('in_force.period', 1) }}), date '{{ window_end }}'), '%Y-%m-%d')
        from ({{ in_force_sql }}) as in_force
        left join (select distinct flow, period, vintage from {{ this }}) as built
            on built.flow = in_force.flow
            and built.period = in_force.period
        where built.vintage is distinct from in_force.vintage
    {%- endset -%}
    {%- set bounds = run_query(bounds_sql).rows[0] -%}
    {%- set window_start = bounds[0] -%}
    {%- set window_end = bounds[1] -%}
{%- endif %}

with

in_force as (

    {{ in_force_sql }}

),

totals as (

    select
        t.period,
        t.flow,
        t.partner_code,
        t.partner_name,
        t.summary_level,
        t.is_world,
        t.is_aggregate,
        t.value_usd,
        t.consumption_usd,
        t.dutiable_usd,
        t.calculated_duty_usd,
        t.cif_usd,
        t.vessel_usd,
        t.air_usd,
        t.source,
        t.fetched_at,
        in_force.vintage

    from {{ ref('int_census__trade_unioned') }} as t
    inner join in_force
        on in_force.flow = t.flow
        and in_force.period = t.period

    where t.is_commodity_total
    {% if is_incremental() %}
        -- dates of the run's vars or of this table, both ISO dates (YYYY-MM-DD)
        and t.period >= date '{{ window_start }}'
        and t.period < date '{{ window_end }}'
    {% endif %}

)

select * from totals
