-- Duty by the schedule against duty in fact, per month: imports for consumption from Census
-- (calculated duty / consumption value = the collected rate) beside the general (MFN) rate of
-- the HTS line in force in the middle of the month. Specific rates become ad valorem
-- equivalents with the month's own unit value when Census gives a quantity in the rate's unit.
-- Chapter 99 surcharges are not stacked on the statutory rate: which of them applies depends
-- on the country of origin and on product lists the schedule's lines do not carry.
{% set trade = ref('fct_trade_monthly') %}
{#- Tariffs can be loaded before any Census month: then there are no imports to compare yet. #}
{% set trade_loaded = not execute
    or adapter.get_relation(database=trade.database, schema=trade.schema, identifier=trade.identifier) is not none %}
with

imports as (

    {% if trade_loaded -%}
    select
        period, partner_code, commodity_code, value_usd, consumption_usd, dutiable_usd,
        calculated_duty_usd, quantity, quantity_unit, quantity_missing, source
    from {{ trade }}
    where flow = 'imports' and hs_level = 10
    {%- else -%}
    select
        cast(null as date) as period, cast(null as varchar) as partner_code,
        cast(null as varchar) as commodity_code, cast(null as bigint) as value_usd,
        cast(null as bigint) as consumption_usd, cast(null as bigint) as dutiable_usd,
        cast(null as bigint) as calculated_duty_usd, cast(null as bigint) as quantity,
        cast(null as varchar) as quantity_unit, cast(null as boolean) as quantity_missing,
        cast(null as varchar) as source
    where false
    {%- endif %}

),

rates as (

    select * from {{ ref('fct_tariff_rates') }}
    where hts_digits = 10

),

units as (

    select * from {{ ref('hts_census_units') }}

),

lines as (

    select
        imports.*,
        rates.hts_code is not null as has_rate_line,
        rates.general_text as rate_text,
        rates.general_kind,
        rates.general_parse_status,
        rates.general_ad_valorem_pct,
        rates.general_specific_usd,
        rates.general_specific_unit,
        rates.first_release as rate_release,
        rates.chapter99_refs,
        units.census_unit = imports.quantity_unit as unit_matches

    from imports
    left join rates
        on rates.hts_code = imports.commodity_code
        and rates.valid_from <= imports.period + 14
        and (rates.valid_to is null or rates.valid_to > imports.period + 14)
    left join units
        on units.rate_unit = rates.general_specific_unit

),

statutory as (

    select
        *,
        case
            when not has_rate_line then null
            when general_kind = 'free' then 0.0
            when general_kind = 'ad_valorem' then general_ad_valorem_pct
            when general_kind in ('specific', 'compound')
                and general_specific_usd is not null and general_ad_valorem_pct is not null
                and unit_matches and quantity > 0 and value_usd > 0
                then general_ad_valorem_pct + 100.0 * general_specific_usd * quantity / value_usd
        end as statutory_rate_pct,
        case
            when not has_rate_line then 'no_hts_line_in_force'
            when general_parse_status = 'unparsed' then 'rate_not_parsed'
            when general_kind in ('free', 'ad_valorem') then null
            when general_kind not in ('specific', 'compound') then 'no_general_rate'
            when general_specific_usd is null or general_ad_valorem_pct is null then 'rate_on_part_of_value'
            when quantity_missing or quantity is null or quantity = 0 then 'no_quantity'
            when not coalesce(unit_matches, false) then 'quantity_in_another_unit'
            when value_usd <= 0 then 'no_value'
        end as statutory_missing_reason,
        case
            when general_kind in ('free', 'ad_valorem') then general_kind
            when general_kind in ('specific', 'compound') then general_kind || '_ave'
        end as statutory_basis

    from lines

),

hts10 as (

    select
        period,
        partner_code,
        'hts10' as aggregation,
        commodity_code,
        cast(10 as smallint) as hs_level,
        consumption_usd,
        dutiable_usd,
        calculated_duty_usd,
        statutory_rate_pct,
        case when statutory_rate_pct is not null then consumption_usd else 0 end as covered_usd,
        case when statutory_rate_pct is null then null else statutory_basis end as statutory_basis,
        statutory_missing_reason,
        rate_text,
        rate_release,
        chapter99_refs,
        source

    from statutory

),

rolled_up as (

    -- per HS2 chapter and per partner, for each country and for all countries together ('-')
    select
        period,
        coalesce(partner_code, '-') as partner_code,
        case when grouping(left(commodity_code, 2)) = 0 then 'hs2' else 'partner' end as aggregation,
        coalesce(left(commodity_code, 2), '-') as commodity_code,
        case when grouping(left(commodity_code, 2)) = 0 then cast(2 as smallint) end as hs_level,
        sum(consumption_usd) as consumption_usd,
        sum(dutiable_usd) as dutiable_usd,
        sum(calculated_duty_usd) as calculated_duty_usd,
        -- consumption-weighted over the lines whose statutory rate is known; rounded, because a
        -- parallel sum of doubles differs in its last bits from run to run
        round(sum(statutory_rate_pct * consumption_usd) / nullif(sum(covered_usd), 0), 9) as statutory_rate_pct,
        sum(covered_usd) as covered_usd,
        cast(null as varchar) as statutory_basis,
        cast(null as varchar) as statutory_missing_reason,
        cast(null as varchar) as rate_text,
        cast(null as varchar) as rate_release,
        cast(null as varchar[]) as chapter99_refs,
        -- a month whose flows came from different sources names both (census_api+census_bulk)
        case
            when bool_or(source like 'sample%') then 'sample_synthetic'
            else string_agg(distinct source, '+' order by source)
        end as source

    from hts10
    group by grouping sets (
        (period, partner_code, left(commodity_code, 2)),
        (period, partner_code),
        (period, left(commodity_code, 2)),
        (period)
    )

),

combined as (

    select * from hts10
    union all by name
    select * from rolled_up

),

final as (

    select
        period,
        partner_code,
        aggregation,
        commodity_code,
        hs_level,
        cast(consumption_usd as bigint) as consumption_usd,
        cast(dutiable_usd as bigint) as dutiable_usd,
        cast(calculated_duty_usd as bigint) as calculated_duty_usd,
        case when consumption_usd > 0 then 100.0 * calculated_duty_usd / consumption_usd end as collected_rate_pct,
        statutory_rate_pct,
        case when consumption_usd > 0 then 100.0 * covered_usd / consumption_usd end as statutory_coverage_pct,
        case when consumption_usd > 0 and statutory_rate_pct is not null
            then 100.0 * calculated_duty_usd / consumption_usd - statutory_rate_pct
        end as collected_minus_statutory_pct,
        statutory_basis,
        statutory_missing_reason,
        rate_text,
        rate_release,
        chapter99_refs,
        source

    from combined

)

select * from final
