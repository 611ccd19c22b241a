with

source as (

    -- the lines of each month's latest vintage when that vintage is a bulk file
    {{ latest_vintage_rows(source('census', 'census_bulk_imports'), 'imports') }}

),

renamed as (

    select
        ---------- keys
        period,
        commodity as commodity_code,
        cty_code as partner_code,
        -- the special program claimed: '00' (or blank) is none
        nullif(nullif(trim(cty_subco), ''), '00') as program_code,
        dist_entry as district_code,
        dist_unlad as unlading_district_code,
        rate_prov as rate_provision,
        {{ rate_provision_group('rate_prov', "nullif(nullif(trim(cty_subco), ''), '00')") }} as rate_provision_group,
        is_low_value_estimate,

        ---------- measures, whole dollars (general imports and imports for consumption stay apart)
        gen_val_mo as value_usd,
        con_val_mo as consumption_usd,
        dut_val_mo as dutiable_usd,
        cal_dut_mo as calculated_duty_usd,
        ves_val_mo as vessel_usd,
        air_val_mo as air_usd,
        cnt_val_mo as containerized_usd,

        ---------- lineage
        _landed_file as landed_file,
        _vintage as fetched_at

    from source

)

select * from renamed
