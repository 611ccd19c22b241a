-- HS chapters, headings and subheadings (2, 4 and 6 digits) and their descriptions, per flow
-- (Schedule B for exports, the HTS for imports), as the newest bulk file's HSDESC gives them.
with

exports as (

    select 'exports' as flow, * from {{ source('census', 'census_bulk_export_hs_descriptions') }}

),

imports as (

    select 'imports' as flow, * from {{ source('census', 'census_bulk_import_hs_descriptions') }}

),

lines as (

    select * from exports
    union all
    select * from imports

),

renamed as (

    select
        flow,
        trim(commodity) as commodity_code,  -- left-aligned in its six characters
        cast(length(trim(commodity)) as smallint) as hs_level,
        trim(descrip_1) as description,
        period as as_of_period

    from lines
    where length(trim(commodity)) in (2, 4, 6) and nullif(trim(descrip_1), '') is not null
    qualify row_number() over (partition by flow, trim(commodity) order by period desc, _vintage desc) = 1

)

select * from renamed
