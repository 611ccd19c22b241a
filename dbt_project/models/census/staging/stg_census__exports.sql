with

source as not materialized (

    -- the latest vintage of each month (older vintages stay in raw for fct_trade_revisions)
    {{ latest_vintage_rows(source('census', 'census_exports'), 'exports') }}

),

with_levels as (

    -- HS2, HS4 and HS6 summed from the finest level landed, where a month was fetched without them
    {{ with_coarser_levels(
        'source', 'e_commodity', ['all_val_mo', 'ves_val_mo', 'air_val_mo'], 'qty_1_mo', 'qty_1_mo_flag'
    ) }}

),

renamed as (

    select
        {{ census_keys_and_flags('e_commodity') }}

        ---------- measures, whole dollars (total exports, f.a.s.)
        all_val_mo as value_usd,
        ves_val_mo as vessel_usd,
        air_val_mo as air_usd,

        ---------- quantity: flag M means Census has no quantity, not zero
        case when qty_1_mo_flag = 'M' then null else qty_1_mo end as quantity,
        nullif(nullif(trim(unit_qy1), ''), '-') as quantity_unit,
        coalesce(qty_1_mo_flag = 'M', false) as quantity_missing,

        {{ census_lineage() }}

    from with_levels

)

select * from renamed
