with

source as (

    select * from {{ source('census', 'census_exports') }}

),

renamed as (

    select
        ---------- keys
        period,
        cty_code as partner_code,
        cty_name as partner_name,
        summary_lvl as summary_level,
        {{ hs_level('comm_lvl') }} as hs_level,
        nullif(e_commodity, '-') as commodity_code,

        ---------- what kind of row (never sum across these)
        cty_code = '-' as is_world,
        {{ is_aggregate_code('cty_code') }} as is_aggregate,
        comm_lvl = '-' as is_commodity_total,

        ---------- measures, whole dollars (total exports, f.a.s.)
        all_val_mo as value_usd,
        ves_val_mo as vessel_usd,
        air_val_mo as air_usd,

        ---------- quantity: flag M means Census has no quantity, not zero
        case when qty_1_mo_flag = 'M' then null else qty_1_mo end as quantity,
        nullif(nullif(trim(unit_qy1), ''), '-') as quantity_unit,
        coalesce(qty_1_mo_flag = 'M', false) as quantity_missing,

        ---------- lineage
        _source as source,
        _landed_file as landed_file,
        _vintage as fetched_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
