-- Duty by the schedule against duty in fact, per month: imports for consumption from Census
-- (calculated duty / consumption value = the collected rate) beside the general (MFN) rate of
-- the HTS line in force in the middle of the month and the duty it implies
-- (int_hts__imports_rated), per HTS10 line and summed to HS6, HS4, HS2, the partner and all
-- countries. Chapter 99 surcharges are listed, not stacked on the statutory rate: which of them
-- applies depends on the country of origin and on product lists the schedule's lines do not carry.
with

imports_rated as (

    select * from {{ ref('int_hts__imports_rated') }}

),

countries as (

    {{ census_mart_or_empty('dim_country', {
        'partner_code': 'varchar', 'partner_name': 'varchar', 'display_name': 'varchar'
    }) }}

),

commodities as (

    {{ census_mart_or_empty('dim_commodity', {
        'flow': 'varchar', 'commodity_code': 'varchar', 'description': 'varchar',
        'description_path': 'varchar'
    }) }}

),

lines_with_parent_codes as (

    select
        *,
        left(commodity_code, 2) as hs2_code,
        left(commodity_code, 4) as hs4_code,
        left(commodity_code, 6) as hs6_code

    from imports_rated

),

rolled_up as (

    -- per HS2 chapter, HS4 heading, HS6 subheading and per partner, for each country and for
    -- all countries together ('-')
    select
        period,
        coalesce(partner_code, '-') as partner_code,
        case
            when grouping(hs2_code) = 0 then 'hs2'
            when grouping(hs4_code) = 0 then 'hs4'
            when grouping(hs6_code) = 0 then 'hs6'
            else 'partner'
        end as aggregation,
        coalesce(hs2_code, hs4_code, hs6_code, '-') as commodity_code,
        case
            when grouping(hs2_code) = 0 then cast(2 as smallint)
            when grouping(hs4_code) = 0 then cast(4 as smallint)
            when grouping(hs6_code) = 0 then cast(6 as smallint)
        end as hs_level,
        cast(null as varchar) as hts_description,
        sum(consumption_usd) as consumption_usd,
        sum(dutiable_usd) as dutiable_usd,
        sum(calculated_duty_usd) as calculated_duty_usd,
        -- consumption-weighted over the lines whose statutory rate is known; rounded, because a
        -- parallel sum of doubles differs in its last bits from run to run
        round(sum(statutory_rate_pct * consumption_usd) / nullif(sum(covered_usd), 0), 9) as statutory_rate_pct,
        sum(statutory_duty_usd) as statutory_duty_usd,
        sum(covered_usd) as covered_usd,
        cast(null as varchar) as statutory_basis,
        cast(null as varchar) as statutory_missing_reason,
        cast(null as varchar) as rate_text,
        cast(null as varchar) as rate_release,
        -- one partner's program of the month (not for all countries together)
        case when grouping(partner_code) = 0 then any_value(partner_program) end as partner_program,
        cast(null as varchar) as agreement_program,
        cast(null as varchar) as agreement_rate_text,
        cast(null as double) as agreement_rate_pct,
        cast(null as varchar) as agreement_missing_reason,
        cast(null as varchar[]) as chapter99_refs,
        list_sort(list_distinct(flatten(list(chapter99_measures)))) as chapter99_measures,
        -- a month whose flows came from different sources names both (census_api+census_bulk)
        case
            when bool_or(source like 'sample%') then 'sample_synthetic'
            else string_agg(distinct source, '+' order by source)
        end as source

    from lines_with_parent_codes
    group by grouping sets (
        (period, partner_code, hs2_code),
        (period, partner_code, hs4_code),
        (period, partner_code, hs6_code),
        (period, partner_code),
        (period, hs2_code),
        (period, hs4_code),
        (period, hs6_code),
        (period)
    )

),

combined as (

    select * from imports_rated
    union all by name
    select * from rolled_up

),

final as (

    select
        combined.period,
        combined.partner_code,
        coalesce(countries.display_name, countries.partner_name) as partner_name,
        combined.aggregation,
        combined.commodity_code,
        combined.hs_level,
        -- the path (chapter › heading › ... › line): a leaf alone often reads "New" or "Other"
        coalesce(commodities.description_path, commodities.description, combined.hts_description)
            as commodity_description,
        combined.hts_description,
        cast(combined.consumption_usd as bigint) as consumption_usd,
        cast(combined.dutiable_usd as bigint) as dutiable_usd,
        cast(combined.calculated_duty_usd as bigint) as calculated_duty_usd,
        cast(combined.statutory_duty_usd as bigint) as statutory_duty_usd,
        case when combined.consumption_usd > 0
            then 100.0 * combined.calculated_duty_usd / combined.consumption_usd
        end as collected_rate_pct,
        combined.statutory_rate_pct,
        case when combined.consumption_usd > 0
            then 100.0 * combined.covered_usd / combined.consumption_usd
        end as statutory_coverage_pct,
        -- only where the statutory rate covers the whole value: otherwise the two rates are over
        -- different bases (collected over all of it, statutory over the lines with a known rate)
        case when combined.consumption_usd > 0 and combined.statutory_rate_pct is not null
                and combined.covered_usd >= combined.consumption_usd
            then 100.0 * combined.calculated_duty_usd / combined.consumption_usd - combined.statutory_rate_pct
        end as collected_minus_statutory_pct,
        combined.statutory_basis,
        combined.statutory_missing_reason,
        combined.rate_text,
        combined.rate_release,
        combined.partner_program,
        combined.agreement_program,
        combined.agreement_rate_text,
        combined.agreement_rate_pct,
        combined.agreement_missing_reason,
        combined.chapter99_refs,
        combined.chapter99_measures,
        cast(len(combined.chapter99_measures) as integer) as chapter99_measure_count,
        combined.source

    from combined
    left join countries
        on countries.partner_code = combined.partner_code
    left join commodities
        on commodities.flow = 'imports'
        and commodities.commodity_code = combined.commodity_code

)

select * from final
