with

exports as (

    select 'exports' as flow, *
    from ({{ latest_vintage_rows(source('census', 'census_exports_commodity_names'), 'exports') }})

),

imports as (

    select 'imports' as flow, *
    from ({{ latest_vintage_rows(source('census', 'census_imports_commodity_names'), 'imports') }})

),

unioned as (

    select * from exports
    union all by name
    select * from imports

),

renamed as (

    select
        flow,
        period,
        {{ hs_level('comm_lvl') }} as hs_level,
        commodity as commodity_code,
        description,
        _source as source

    from unioned

)

select * from renamed
