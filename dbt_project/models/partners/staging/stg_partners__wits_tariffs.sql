-- WITS HS6 averages, keyed by the Census code of the country applying the tariff. Partner `000`
-- (all partners) carries the MFN rate; partner `840` the rates for U.S. goods (preferential and
-- effectively applied), when the reporter notified any.
with

source as (

    select * from {{ source('partners', 'partner_wits_tariffs') }}

),

partner_codes as (

    select * from {{ ref('partner_codes') }}

),

renamed as (

    select
        partner_codes.partner_code,
        source.reporter_m49,
        source.partner_m49,
        source.product_hs6 as hs6_code,
        source.year,
        source.datatype,
        source.tariff_type,
        source.simple_average_pct,
        source.min_rate_pct,
        source.max_rate_pct,
        source.total_lines,
        source.pref_lines,
        source.nomenclature,
        source.source,
        source.fetched_at

    from source
    left join partner_codes
        on partner_codes.m49_code = source.reporter_m49

)

select * from renamed
