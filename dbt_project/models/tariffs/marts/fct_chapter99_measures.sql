-- The Chapter 99 (subchapter III and IV) headings per validity interval: what they add to the
-- duty of the product's own line, or the total rate they set, and the legal authority behind them.
with

headings as (

    select * from {{ ref('fct_tariff_rates') }}
    where htsno like '99%' and hts_digits = 8

),

families as (

    select * from {{ ref('hts_chapter99_families') }}

),

classified as (

    select
        headings.*,
        case
            when headings.description ilike '%section 301%' then 'section_301'
            when headings.description ilike '%section 232%' then 'section_232'
            when headings.description ilike '%section 122%' then 'section_122'
            when headings.description ilike '%reciprocal%' then 'ieepa_reciprocal'
        end as family_from_text,
        families.family as family_from_range,
        families.program

    from headings
    left join families
        on headings.htsno between families.heading_from and families.heading_to

),

final as (

    select
        htsno as heading,
        description,
        valid_from,
        valid_to,
        first_release,
        last_release,
        general_text as rate_text,
        general_parse_status as parse_status,
        case general_kind
            when 'mfn_plus' then 'additional'
            when 'mfn' then 'own_rate_only'
            when 'no_change' then 'no_change'
            when 'ad_valorem' then 'total'
            when 'free' then 'total'
            when 'specific' then 'total'
            when 'compound' then 'total'
            else 'no_rate'
        end as duty_type,
        -- the percent added on top of the product's own duty (duty_type additional)
        case when general_kind = 'mfn_plus' then cast(general_components ->> '$[0].value' as double) end
            as additional_duty_pct,
        -- the rate that replaces the product's own duty (duty_type total, e.g. the 15% floors)
        case when general_kind in ('ad_valorem', 'free') then general_ad_valorem_pct end as total_duty_pct,
        -- "upon the value of the steel content" and the like: the duty applies to part of the value
        general_components ->> '$[0].basis' as duty_basis,
        coalesce(family_from_text, family_from_range) as legal_family,
        case
            when family_from_text is not null then 'text'
            when family_from_range is not null then 'heading_range'
        end as legal_family_basis,
        program,
        case
            when compiler_note ilike '%terminated%' then 'terminated'
            when compiler_note ilike '%suspended%' then 'suspended'
            else 'in_schedule'
        end as status,
        compiler_note,
        source

    from classified

)

select * from final
