-- Imports for consumption per month, partner and HTS10 line with the schedule in force in the
-- middle of the month: the general (MFN) rate as a percent (specific rates as ad valorem
-- equivalents at the month's unit value when Census gives a quantity in the rate's unit) and the
-- duty it implies, the rate of the partner's trade agreement where the line names its program,
-- and the Chapter 99 headings the line's footnotes point to that may apply.
with

trade as (

    {#- Tariffs can be loaded before any Census month: then there are no imports to compare yet. #}
    {{ census_mart_or_empty('fct_trade_monthly', {
        'period': 'date', 'partner_code': 'varchar', 'flow': 'varchar', 'hs_level': 'smallint',
        'commodity_code': 'varchar', 'value_usd': 'bigint', 'consumption_usd': 'bigint',
        'dutiable_usd': 'bigint', 'calculated_duty_usd': 'bigint', 'quantity': 'bigint',
        'quantity_unit': 'varchar', 'quantity_missing': 'boolean', 'source': 'varchar'
    }) }}

),

imports as (

    select
        period, partner_code, commodity_code, value_usd, consumption_usd, dutiable_usd,
        calculated_duty_usd, quantity, quantity_unit, quantity_missing, source
    from trade
    where flow = 'imports' and hs_level = 10

),

rates as (

    select * from {{ ref('fct_tariff_rates') }}
    where hts_digits = 10

),

units as (

    select * from {{ ref('hts_census_units') }}

),

program_rates as (

    select * from {{ ref('int_hts__special_program_rates') }}

),

measures as (

    select * from {{ ref('fct_chapter99_measures') }}

),

-- the special-column programs of each partner in force in the middle of each month
partner_programs as (

    select
        months.period,
        months.partner_code,
        programs.program,
        programs.priority

    from (select distinct period, partner_code from imports) as months
    inner join {{ ref('hts_partner_programs') }} as programs
        on programs.partner_code = months.partner_code
        and programs.valid_from <= months.period + 14
        and (programs.valid_to is null or programs.valid_to >= months.period + 14)

),

partner_program_of_month as (

    select
        period,
        partner_code,
        min_by(program, priority) as program

    from partner_programs
    group by period, partner_code

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
        rates.special_text,
        rates.chapter99_refs,
        -- the line's text after its outline parent's: "Boneless: Other" rather than "Other"
        case
            when rates.parent_description is null then rates.description
            else rtrim(trim(rates.parent_description), ':') || ': ' || trim(rates.description)
        end as hts_description,
        units.census_unit = imports.quantity_unit as unit_matches

    from imports
    left join rates
        on rates.hts_code = imports.commodity_code
        and rates.valid_from <= imports.period + 14
        and (rates.valid_to is null or rates.valid_to > imports.period + 14)
    left join units
        on units.rate_unit = rates.general_specific_unit

),

-- the rate of the partner's program on each line that names it (the first program by priority)
agreement_rates as (

    select
        lines.period,
        lines.partner_code,
        lines.commodity_code,
        program_rates.program,
        program_rates.rate_text,
        program_rates.parse_status,
        program_rates.rate_kind,
        program_rates.ad_valorem_pct,
        program_rates.specific_usd,
        units.census_unit = lines.quantity_unit as unit_matches

    from lines
    inner join partner_programs
        on partner_programs.period = lines.period
        and partner_programs.partner_code = lines.partner_code
    inner join program_rates
        on program_rates.special_text = lines.special_text
        and program_rates.program = partner_programs.program
    left join units
        on units.rate_unit = program_rates.specific_unit
    qualify row_number() over (
        partition by lines.period, lines.partner_code, lines.commodity_code
        order by partner_programs.priority, partner_programs.program
    ) = 1

),

-- Chapter 99 references of each line that month: a heading or a range ("9904.02.01-9904.02.37")
line_references as (

    select distinct
        period,
        commodity_code,
        reference,
        split_part(reference, '-', 1) as first_heading,
        coalesce(nullif(split_part(reference, '-', 2), ''), reference) as last_heading

    from (select period, commodity_code, unnest(chapter99_refs) as reference from lines) as unnested

),

-- the loaded headings each reference covers, as they stand in the middle of the month; a
-- reference to headings the loaded schedule does not hold is kept as printed (it may apply)
referenced_measures as (

    select
        line_references.period,
        line_references.commodity_code,
        case
            when not exists (
                select 1 from measures as known
                where known.heading between line_references.first_heading and line_references.last_heading
            ) then line_references.reference
            when in_force.status = 'in_schedule' then in_force.heading
        end as measure

    from line_references
    left join measures as in_force
        on in_force.heading between line_references.first_heading and line_references.last_heading
        and in_force.valid_from <= line_references.period + 14
        and (in_force.valid_to is null or in_force.valid_to > line_references.period + 14)

),

line_measures as (

    select
        period,
        commodity_code,
        list_sort(list_distinct(list(measure))) as chapter99_measures

    from referenced_measures
    group by period, commodity_code

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

with_agreements as (

    select
        statutory.*,
        partner_program_of_month.program as partner_program,
        agreement_rates.program as agreement_program,
        agreement_rates.rate_text as agreement_rate_text,
        agreement_rates.parse_status as agreement_parse_status,
        agreement_rates.rate_kind as agreement_kind,
        case
            when agreement_rates.rate_kind = 'free' then 0.0
            when agreement_rates.rate_kind = 'ad_valorem' then agreement_rates.ad_valorem_pct
            when agreement_rates.rate_kind in ('specific', 'compound')
                and agreement_rates.specific_usd is not null and agreement_rates.ad_valorem_pct is not null
                and agreement_rates.unit_matches and statutory.quantity > 0 and statutory.value_usd > 0
                then agreement_rates.ad_valorem_pct
                    + 100.0 * agreement_rates.specific_usd * statutory.quantity / statutory.value_usd
        end as agreement_rate_pct,
        agreement_rates.specific_usd is null or agreement_rates.ad_valorem_pct is null as agreement_rate_incomplete,
        agreement_rates.unit_matches as agreement_unit_matches,
        coalesce(line_measures.chapter99_measures, cast([] as varchar[])) as chapter99_measures

    from statutory
    left join partner_program_of_month
        on partner_program_of_month.period = statutory.period
        and partner_program_of_month.partner_code = statutory.partner_code
    left join agreement_rates
        on agreement_rates.period = statutory.period
        and agreement_rates.partner_code = statutory.partner_code
        and agreement_rates.commodity_code = statutory.commodity_code
    left join line_measures
        on line_measures.period = statutory.period
        and line_measures.commodity_code = statutory.commodity_code

),

final as (

    select
        period,
        partner_code,
        'hts10' as aggregation,
        commodity_code,
        cast(10 as smallint) as hs_level,
        hts_description,
        consumption_usd,
        dutiable_usd,
        calculated_duty_usd,
        statutory_rate_pct,
        -- the duty the MFN rate implies on the value duty is assessed on (customs value)
        cast(round(statutory_rate_pct * consumption_usd / 100.0) as bigint) as statutory_duty_usd,
        case when statutory_rate_pct is not null then consumption_usd else 0 end as covered_usd,
        case when statutory_rate_pct is null then null else statutory_basis end as statutory_basis,
        statutory_missing_reason,
        rate_text,
        rate_release,
        partner_program,
        agreement_program,
        agreement_rate_text,
        agreement_rate_pct,
        case
            when agreement_rate_pct is not null then null
            when partner_program is null then 'no_agreement_in_force'
            when not has_rate_line then 'no_hts_line_in_force'
            when agreement_program is null then 'line_not_in_program'
            when coalesce(agreement_parse_status, '') <> 'parsed' then 'rate_not_parsed'
            when agreement_kind = 'reference' then 'rate_by_reference'
            when coalesce(agreement_kind, '') not in ('free', 'ad_valorem', 'specific', 'compound') then 'no_rate'
            when agreement_rate_incomplete then 'rate_on_part_of_value'
            when quantity_missing or quantity is null or quantity = 0 then 'no_quantity'
            when not coalesce(agreement_unit_matches, false) then 'quantity_in_another_unit'
            else 'no_value'
        end as agreement_missing_reason,
        chapter99_refs,
        chapter99_measures,
        source

    from with_agreements

)

select * from final
