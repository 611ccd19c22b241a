-- The classification of each 10-digit code as the newest bulk file of its flow gives it.
with

exports as (

    select 'exports' as flow, * from {{ source('census', 'census_bulk_export_concordance') }}

),

imports as (

    select 'imports' as flow, * from {{ source('census', 'census_bulk_import_concordance') }}

),

lines as (

    select * from exports
    union all
    select * from imports

),

renamed as (

    select
        flow,
        commodity as commodity_code,
        arg_max(nullif(trim(end_use), ''), period) as end_use_code,
        arg_max(nullif(trim(naics), ''), period) as naics_code,
        arg_max(nullif(trim(sitc), ''), period) as sitc_code,
        arg_max(nullif(trim(hitech), ''), period) as hitech_code,
        max(period) as as_of_period

    from lines
    group by flow, commodity

)

select * from renamed
