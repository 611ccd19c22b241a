-- The applied Japanese duty on U.S. beef, one row per HS6 code and validity interval (the seed
-- gives HS4 scopes with their HS6 codes). An open interval (no end) runs to 9999-12-31.
with

source as (

    select * from {{ ref('japan_beef_rates_us_origin') }}

),

renamed as (

    select
        partner_code,
        hs4_code,
        unnest(string_split(hs6_codes, ' ')) as hs6_code,
        valid_from,
        coalesce(valid_to, date '9999-12-31') as valid_to,
        applied_rate_pct,
        mfn_applied_pct,
        case when is_safeguard then baseline_rate_pct else applied_rate_pct end as us_rate_pct,
        case when is_safeguard then applied_rate_pct end as safeguard_pct,
        is_safeguard,
        regime,
        legal_basis,
        evidence,
        verified,
        source_url

    from source

)

select * from renamed
