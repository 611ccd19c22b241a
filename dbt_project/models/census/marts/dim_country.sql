-- Every partner code seen in the data: countries (Census Schedule C), groupings and the world.
with

seen as (

    select
        partner_code,
        arg_max(partner_name, period) as partner_name,
        bool_or(is_aggregate) as is_aggregate,
        min(period) as first_period,
        max(period) as last_period

    from {{ ref('int_census__partner_totals') }}
    group by partner_code

),

groupings as (

    select * from {{ ref('census_country_groupings') }}

),

countries as (

    select * from {{ ref('census_countries') }}

),

-- the bulk files' country list: a name for a code no loaded month named (a bulk month whose
-- country file was left out, before any other month named the code)
listed as (

    select * from {{ ref('stg_census__bulk_countries') }}

),

final as (

    select
        seen.partner_code,
        coalesce(seen.partner_name, listed.country_name) as partner_name,
        -- a code outside both seeds (a Schedule C code retired before 2021) keeps the API's name
        coalesce(
            countries.display_name,
            groupings.display_name,
            {{ title_case('coalesce(seen.partner_name, listed.country_name)') }}
        ) as display_name,
        countries.iso2,
        countries.iso3,
        seen.is_aggregate,
        case
            when groupings.grouping_type is not null then groupings.grouping_type
            when seen.is_aggregate then 'economic_grouping'
            else 'country'
        end as grouping_type,
        -- Census regions: by the code's first digit, except Mexico (2010) is in NORTH AMERICA
        case
            when seen.is_aggregate then null
            when seen.partner_code = '2010' then '1XXX'
            when left(seen.partner_code, 1) between '1' and '7'
                then left(seen.partner_code, 1) || 'XXX'
        end as region_code,
        seen.first_period,
        seen.last_period,
        groupings.membership,
        groupings.membership_note

    from seen
    left join groupings
        on groupings.partner_code = seen.partner_code
    left join countries
        on countries.census_code = seen.partner_code
    left join listed
        on listed.country_code = seen.partner_code

)

select
    final.*,
    region.grouping_name as region_name

from final
left join groupings as region
    on region.partner_code = final.region_code
