-- Japan's schedule lines as printed, one row per line and rate column, with the text parsed.
-- "(50%)" is printed but not applied (a lower rate applies); an unparsed text has no number.
with

lines as (

    select * from {{ ref('japan_tariff_lines') }}

),

parsed as (

    select * from {{ source('partners', 'partner_parsed_rates') }}

),

unpivoted as (

    unpivot lines
    on {{ japan_rate_columns() | join(', ') }}
    into name rate_column value rate_text

),

renamed as (

    select
        '5880' as partner_code,
        unpivoted.edition,
        unpivoted.valid_from,
        unpivoted.valid_to,
        unpivoted.interval_evidence,
        unpivoted.stat_code,
        unpivoted.hs6_code,
        unpivoted.description,
        unpivoted.rate_column,
        unpivoted.rate_text,
        parsed.parsed,
        parsed.kind as rate_kind,
        parsed.applied,
        parsed.pooled_quota,
        parsed.ad_valorem_pct,
        parsed.specific_jpy_per_kg,
        parsed.combine,
        parsed.gate_price_jpy_per_kg,
        parsed.reference_column,
        parsed.ad_valorem_equivalent_pct,
        unpivoted.evidence,
        unpivoted.source_url

    from unpivoted
    left join parsed
        on parsed.text = unpivoted.rate_text
    -- a cell the page left empty says nothing; "--" (no rate) is kept
    where nullif(trim(unpivoted.rate_text), '') is not null

)

select * from renamed
