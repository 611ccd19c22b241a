with

source as (

    -- the lines of each month's latest vintage when that vintage is a bulk file
    {{ latest_vintage_rows(source('census', 'census_bulk_exports'), 'exports') }}

),

renamed as (

    select
        ---------- keys
        period,
        commodity as commodity_code,
        cty_code as partner_code,
        district as district_code,
        -- 1 domestic exports, 2 foreign exports (re-exports): total exports are both
        case df when '1' then 'domestic' when '2' then 'foreign' end as origin,
        is_low_value_estimate,

        ---------- measures, whole dollars
        all_val_mo as value_usd,
        ves_val_mo as vessel_usd,
        air_val_mo as air_usd,
        cnt_val_mo as containerized_usd,

        ---------- lineage
        _landed_file as landed_file,
        _vintage as fetched_at

    from source

)

select * from renamed
