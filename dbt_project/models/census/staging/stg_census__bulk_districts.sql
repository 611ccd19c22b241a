-- Customs districts (Schedule D) by name. The control files by district (IMP_DE for imports,
-- EXP_DIST for exports) name the districts trade went through; the district list of either
-- flow's files (DISTRICT) names every code and fills the codes they do not. Of each, the
-- newest file's spelling. Both flows use the same codes.
with

entry as (

    select dist_entry as district_code, dist_name as district_name, period, _vintage, 1 as preference
    from {{ source('census', 'census_bulk_import_districts') }}

),

exportation as (

    select district as district_code, dist_name as district_name, period, _vintage, 1 as preference
    from {{ source('census', 'census_bulk_export_districts') }}

),

import_list as (

    select dist_code as district_code, dist_name as district_name, period, _vintage, 2 as preference
    from {{ source('census', 'census_bulk_import_district_codes') }}

),

export_list as (

    select dist_code as district_code, dist_name as district_name, period, _vintage, 2 as preference
    from {{ source('census', 'census_bulk_export_district_codes') }}

),

named as (

    select * from entry
    union all
    select * from exportation
    union all
    select * from import_list
    union all
    select * from export_list

),

renamed as (

    select
        district_code,
        district_name

    from named
    where nullif(trim(district_name), '') is not null
    qualify row_number() over (
        partition by district_code order by preference asc, period desc, _vintage desc, district_name asc
    ) = 1

)

select * from renamed
