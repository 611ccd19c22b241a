-- The tariffs U.S. goods face abroad: one row per partner, HS6 code, national line (where the
-- schedule is seeded), source and validity interval. Rates that are not a percent of value (yen
-- per kg, gate-price formulas) keep their text and no percent: never a zero.
with

rates as (

    select * from {{ ref('int_partners__rates_unioned') }}

),

partner_codes as (

    select * from {{ ref('partner_codes') }}

),

final as (

    select
        rates.partner_code,
        partner_codes.partner_name,
        rates.hs6_code,
        rates.national_line,
        rates.description,
        rates.valid_from,
        rates.valid_to,
        rates.mfn_applied_pct,
        rates.mfn_rate_text,
        rates.us_rate_pct,
        rates.us_rate_basis,
        rates.us_rate_text,
        rates.safeguard_pct,
        coalesce(rates.safeguard_pct, rates.us_rate_pct) as us_applied_pct,
        case
            when rates.safeguard_pct is not null then null
            when rates.us_rate_pct is null and rates.us_rate_text is not null
                then 'not a percent of value: ' || rates.us_rate_text
            when rates.us_rate_pct is null then 'no rate for U.S. goods in this source'
        end as no_rate_reason,
        rates.source,
        rates.verified,
        rates.source_url

    from rates
    left join partner_codes
        on partner_codes.partner_code = rates.partner_code

)

select * from final
