-- Schedule C country codes with their ISO codes and names, as the newest bulk file's country
-- list (COUNTRY, in the ZIPs of both flows) gives them.
with

exports as (

    select * from {{ source('census', 'census_bulk_export_country_codes') }}

),

imports as (

    select * from {{ source('census', 'census_bulk_import_country_codes') }}

),

lines as (

    select * from exports
    union all
    select * from imports

),

renamed as (

    select
        cty_code as country_code,
        nullif(trim(cty_desc), '') as iso_code,
        trim(cty_name) as country_name,
        period as as_of_period

    from lines
    where nullif(trim(cty_name), '') is not null
    qualify row_number() over (partition by cty_code order by period desc, _vintage desc, cty_name asc) = 1

)

select * from renamed
