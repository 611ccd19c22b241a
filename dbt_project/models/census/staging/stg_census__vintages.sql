-- One row per vintage of each month and flow, and one per landed response it is made of.
with

exports as (

    select 'exports' as flow, * from {{ source('census', 'census_exports_vintages') }}

),

imports as (

    select 'imports' as flow, * from {{ source('census', 'census_imports_vintages') }}

),

vintages as (

    select * from exports
    union all
    select * from imports

),

renamed as (

    select
        flow,
        period,
        vintage,
        vintage_at,
        loaded_at,
        unnest(files) as landed_file,
        source

    from vintages

)

select * from renamed
