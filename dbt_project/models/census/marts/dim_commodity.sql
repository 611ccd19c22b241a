{{
    config(
        materialized='incremental',
        unique_key=['flow', 'commodity_code'],
        on_schema_change='append_new_columns',
    )
}}

-- Every commodity code seen, per flow: exports use Schedule B, imports the HTS. The two agree
-- up to HS6 and differ at 10 digits, so the key is (flow, commodity_code). A run adds the codes
-- of its window and renews every named or classified code (they are few); codes are never removed.
with

codes as (

    select distinct flow, hs_level, commodity_code
    from {{ ref('int_census__trade_unioned') }}
    where not is_commodity_total
    {% if is_incremental() %}
        and {{ period_window('period') }}
    {% endif %}

    union

    select distinct flow, hs_level, commodity_code
    from {{ ref('stg_census__commodity_names') }}

    union

    -- and every code of the bulk files' concordances (their end-use and NAICS codes)
    select flow, cast(10 as smallint) as hs_level, commodity_code
    from {{ ref('stg_census__bulk_concordance') }}

),

concordance as (

    select * from {{ ref('stg_census__bulk_concordance') }}

),

names as (

    select
        flow,
        commodity_code,
        arg_max(description, period) as description

    from {{ ref('stg_census__commodity_names') }}
    group by flow, commodity_code

),

final as (

    select
        codes.flow,
        codes.commodity_code,
        codes.hs_level,
        case codes.flow when 'exports' then 'schedule_b' else 'hts' end as classification,
        left(codes.commodity_code, 2) as hs2_code,
        case when codes.hs_level >= 4 then left(codes.commodity_code, 4) end as hs4_code,
        case when codes.hs_level >= 6 then left(codes.commodity_code, 6) end as hs6_code,
        names.description,
        concordance.end_use_code,
        concordance.naics_code,
        concordance.sitc_code

    from codes
    left join names
        on names.flow = codes.flow
        and names.commodity_code = codes.commodity_code
    left join concordance
        on concordance.flow = codes.flow
        and concordance.commodity_code = codes.commodity_code

)

select * from final
