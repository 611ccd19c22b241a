{{
    config(
        materialized='incremental',
        unique_key=['flow', 'commodity_code'],
    )
}}

-- Every commodity code seen, per flow: exports use Schedule B, imports the HTS. The two agree
-- up to HS6 and differ at 10 digits, so the key is (flow, commodity_code). A run adds the codes
-- of its window and renews every named code (names are few); codes are never removed.
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
        names.description

    from codes
    left join names
        on names.flow = codes.flow
        and names.commodity_code = codes.commodity_code

)

select * from final
