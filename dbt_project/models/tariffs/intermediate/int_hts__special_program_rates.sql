-- The special column's rate for each program code it names, per printed special text, as the
-- Python rate parser split it (raw.hts_parsed_special). The text is trimmed as fct_tariff_rates
-- prints special_text, so the two join on it.
with

parsed as (

    select * from {{ source('hts', 'hts_parsed_special') }}
    -- a segment without a program code (Chapter 99 rows) applies to no partner's agreement
    where program <> ''

),

final as (

    select
        nullif(trim(text), '') as special_text,
        program,
        rate_text,
        parse_status,
        rate_kind,
        ad_valorem_pct,
        specific_usd,
        specific_unit,
        rate_references

    from parsed
    -- texts that differ only in surrounding spaces are parsed alike: one of them is enough
    qualify row_number() over (partition by nullif(trim(text), ''), program order by text, rate_text) = 1

)

select * from final
