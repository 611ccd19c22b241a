with

source as not materialized (

    -- the latest vintage of each month (older vintages stay in raw for fct_trade_revisions)
    {{ latest_vintage_rows(source('census', 'census_imports'), 'imports') }}

),

with_levels as (

    -- HS2, HS4 and HS6 summed from the finest level landed, where a month was fetched without them
    {{ with_coarser_levels(
        'source',
        'i_commodity',
        ['gen_val_mo', 'con_val_mo', 'dut_val_mo', 'cal_dut_mo', 'gen_cif_mo', 'ves_val_mo', 'air_val_mo'],
        'gen_qy1_mo',
        'gen_qy1_mo_flag'
    ) }}

),

renamed as (

    select
        {{ census_keys_and_flags('i_commodity') }}

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

        {{ census_lineage() }}

    from with_levels

)

select * from renamed
