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

    -- and every code of the bulk files' concordances (their end-use and NAICS codes) and HS lists
    select flow, cast(10 as smallint) as hs_level, commodity_code
    from {{ ref('stg_census__bulk_concordance') }}

    union

    select flow, hs_level, commodity_code
    from {{ ref('stg_census__bulk_hs_descriptions') }}

),

concordance as (

    select * from {{ ref('stg_census__bulk_concordance') }}

),

labels as (

    select * from {{ ref('stg_census__bulk_code_labels') }}

),

api_names as (

    select
        flow,
        commodity_code,
        arg_max(description, period) as description

    from {{ ref('stg_census__commodity_names') }}
    group by flow, commodity_code

),

hs_descriptions as (

    select * from {{ ref('stg_census__bulk_hs_descriptions') }}

),

-- The API's names first (the bulk files' HS10 names among them); the bulk files' HS lists name
-- the HS2, HS4 and HS6 codes the API did not (all of them, in a warehouse loaded from bulk files
-- only: the bulk detail is HS10).
names as (

    select
        flow,
        commodity_code,
        coalesce(api_names.description, hs_descriptions.description) as description

    from api_names
    full join hs_descriptions using (flow, commodity_code)

),

classified as (

    select
        codes.flow,
        codes.commodity_code,
        codes.hs_level,
        case codes.flow when 'exports' then 'schedule_b' else 'hts' end as classification,
        left(codes.commodity_code, 2) as hs2_code,
        case when codes.hs_level >= 4 then left(codes.commodity_code, 4) end as hs4_code,
        case when codes.hs_level >= 6 then left(codes.commodity_code, 6) end as hs6_code

    from codes

),

-- The path is built from the Census names of the code's HS2, HS4 and HS6 ancestors (same flow),
-- not from the HTS lines' indents: those cover imports only, and only while a release is loaded,
-- while the Census names come with the trade data for both flows and every level of it.
-- A missing level is left out, and so is one that repeats the level above it (8710 and 871000).
final as (

    select
        classified.flow,
        classified.commodity_code,
        classified.hs_level,
        classified.classification,
        classified.hs2_code,
        classified.hs4_code,
        classified.hs6_code,
        names.description,
        nullif(concat_ws(
            ' › ',
            case when classified.hs_level > 2 then chapter.description end,
            case when classified.hs_level > 4 then nullif(heading.description, chapter.description) end,
            case when classified.hs_level > 6
                    then nullif(subheading.description, coalesce(heading.description, chapter.description))
            end,
            nullif(
                names.description,
                case
                    when classified.hs_level > 6
                        then coalesce(subheading.description, heading.description, chapter.description)
                    when classified.hs_level > 4 then coalesce(heading.description, chapter.description)
                    when classified.hs_level > 2 then chapter.description
                end
            )
        ), '') as description_path,
        concordance.end_use_code,
        concordance.naics_code,
        concordance.sitc_code,
        end_use.label as end_use_description,
        naics.label as naics_description,
        sitc.label as sitc_description,
        concordance.hitech_code,
        hitech.label as hitech_description

    from classified
    left join names
        on names.flow = classified.flow
        and names.commodity_code = classified.commodity_code
    left join names as chapter
        on chapter.flow = classified.flow
        and chapter.commodity_code = classified.hs2_code
    left join names as heading
        on heading.flow = classified.flow
        and heading.commodity_code = classified.hs4_code
    left join names as subheading
        on subheading.flow = classified.flow
        and subheading.commodity_code = classified.hs6_code
    left join concordance
        on concordance.flow = classified.flow
        and concordance.commodity_code = classified.commodity_code
    left join labels as end_use
        on end_use.flow = classified.flow
        and end_use.classification = 'end_use'
        and end_use.code = concordance.end_use_code
    left join labels as naics
        on naics.flow = classified.flow
        and naics.classification = 'naics'
        and naics.code = concordance.naics_code
    left join labels as sitc
        on sitc.flow = classified.flow
        and sitc.classification = 'sitc'
        and sitc.code = concordance.sitc_code
    left join labels as hitech
        on hitech.flow = classified.flow
        and hitech.classification = 'hitech'
        and hitech.code = concordance.hitech_code

)

select * from final
