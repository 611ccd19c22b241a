-- Customs districts (Schedule D) by name, as the newest imports file by district (IMP_DE) spells
-- them. Exports use the same codes.
with

source as (

    select * from {{ source('census', 'census_bulk_import_districts') }}

),

renamed as (

    select
        dist_entry as district_code,
        arg_max(dist_name, period) as district_name

    from source
    group by dist_entry

)

select * from renamed
