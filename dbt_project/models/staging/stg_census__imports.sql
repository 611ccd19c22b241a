with

source as (

    select * from {{ source('census', 'census_imports') }}

),

renamed as (

    select
        ---------- keys
        period,
        cty_code as partner_code,
        cty_name as partner_name,
        summary_lvl as summary_level,
        {{ hs_level('comm_lvl') }} as hs_level,
        nullif(i_commodity, '-') as commodity_code,

        ---------- what kind of row (never sum across these)
        cty_code = '-' as is_world,
        {{ is_aggregate_code('cty_code') }} as is_aggregate,
        comm_lvl = '-' as is_commodity_total,

        ---------- measures, whole dollars
        -- general imports (GEN_*) and imports for consumption (CON_*) are different measures
        gen_val_mo as value_usd,
        con_val_mo as consumption_usd,
        dut_val_mo as dutiable_usd,
        cal_dut_mo as calculated_duty_usd,
        gen_cif_mo as cif_usd,
        ves_val_mo as vessel_usd,
        air_val_mo as air_usd,

        ---------- quantity (general imports): flag M means missing, not zero
        case when gen_qy1_mo_flag = 'M' then null else gen_qy1_mo end as quantity,
        nullif(nullif(trim(unit_qy1), ''), '-') as quantity_unit,
        coalesce(gen_qy1_mo_flag = 'M', false) as quantity_missing,

        ---------- lineage
        _source as source,
        _landed_file as landed_file,
        _vintage as fetched_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
