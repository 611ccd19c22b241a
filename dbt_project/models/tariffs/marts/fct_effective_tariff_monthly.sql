-- Duty by the schedule against duty in fact, per month: imports for consumption from Census
-- (calculated duty / consumption value = the collected rate) beside the general (MFN) rate of
-- the HTS line in force in the middle of the month and the duty it implies
-- (int_hts__imports_rated), per HTS10 line and summed to HS6, HS4, HS2, the partner and all
-- countries. Chapter 99 surcharges are listed, not stacked on the statutory rate: which of them
-- applies depends on the country of origin and on product lists the schedule's lines do not carry.
-- For a month loaded from the Census bulk files, the value for consumption is also split by how it
-- entered (rate provision): duty-free under MFN, duty-free under a program claimed (USMCA, GSP,
-- ...), dutiable, and under Chapter 99; NULL for a month from the API, which has no such split.
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

provisions as (

    {{ census_mart_or_empty('fct_imports_by_rate_provision_monthly', {
        'period': 'date', 'partner_code': 'varchar', 'hs_level': 'smallint', 'commodity_code': 'varchar',
        'rate_provision_group': 'varchar', 'consumption_usd': 'bigint'
    }) }}

),

-- each bulk-loaded line's value for consumption by how it entered
line_provisions as (

    select
        period,
        partner_code,
        commodity_code,
        sum(consumption_usd) filter (where rate_provision_group = 'free_mfn') as free_mfn_usd,
        sum(consumption_usd) filter (where rate_provision_group = 'free_under_program') as free_under_program_usd,
        sum(consumption_usd) filter (
            where rate_provision_group in ('dutiable_column_1', 'dutiable_special', 'dutiable_column_2')
        ) as dutiable_provision_usd,
        sum(consumption_usd) filter (where rate_provision_group = 'chapter_99') as chapter99_provision_usd

    from provisions
    where hs_level = 10
    group by period, partner_code, commodity_code

),

imports_with_provisions as (

    select
        imports_rated.*,
        -- a bulk month's line without a row under a group entered none of its value that way
        case when line_provisions.period is not null then coalesce(line_provisions.free_mfn_usd, 0) end
            as free_mfn_usd,
        case when line_provisions.period is not null then coalesce(line_provisions.free_under_program_usd, 0) end
            as free_under_program_usd,
        case when line_provisions.period is not null then coalesce(line_provisions.dutiable_provision_usd, 0) end
            as dutiable_provision_usd,
        case when line_provisions.period is not null then coalesce(line_provisions.chapter99_provision_usd, 0) end
            as chapter99_provision_usd

    from imports_rated
    left join line_provisions
        on line_provisions.period = imports_rated.period
        and line_provisions.partner_code = imports_rated.partner_code
        and line_provisions.commodity_code = imports_rated.commodity_code

),

lines_with_parent_codes as (

    select
        *,
        left(commodity_code, 2) as hs2_code,
        left(commodity_code, 4) as hs4_code,
        left(commodity_code, 6) as hs6_code

    from imports_with_provisions

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
        -- known only where every line's split is (a month loaded from the bulk files): a sum over
        -- some lines would read as the whole
        case when count(free_mfn_usd) = count(*) then sum(free_mfn_usd) end as free_mfn_usd,
        case when count(free_under_program_usd) = count(*) then sum(free_under_program_usd) end
            as free_under_program_usd,
        case when count(dutiable_provision_usd) = count(*) then sum(dutiable_provision_usd) end
            as dutiable_provision_usd,
        case when count(chapter99_provision_usd) = count(*) then sum(chapter99_provision_usd) end
            as chapter99_provision_usd,
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

    select * from imports_with_provisions
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
        cast(combined.free_mfn_usd as bigint) as free_mfn_usd,
        cast(combined.free_under_program_usd as bigint) as free_under_program_usd,
        cast(combined.dutiable_provision_usd as bigint) as dutiable_provision_usd,
        cast(combined.chapter99_provision_usd as bigint) as chapter99_provision_usd,
        case when combined.consumption_usd > 0
            then 100.0 * combined.free_under_program_usd / combined.consumption_usd
        end as free_under_program_pct,
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
