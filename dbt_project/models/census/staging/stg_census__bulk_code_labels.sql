-- What the classification codes the concordance gives each commodity mean: the NAICS, SITC,
-- end-use and high-tech code lists of the bulk files (NAICS, SITC, ENDUSE, HITECH), per flow,
-- as the newest file of that flow names each code.
with

lists as (

    {% for flow in ['exports', 'imports'] %}
    {% set outer_loop = loop %}
    {% for classification in ['end_use', 'naics', 'sitc', 'hitech'] %}
    select
        '{{ flow }}' as flow,
        '{{ classification }}' as classification,
        {{ classification }} as code,
        {{ classification }}_desc as label,
        period,
        _vintage
    from {{ source('census', 'census_bulk_' ~ flow[:-1] ~ '_' ~ classification ~ '_codes') }}
    {% if not (loop.last and outer_loop.last) %}union all{% endif %}
    {% endfor %}
    {% endfor %}

),

renamed as (

    select
        flow,
        classification,
        trim(code) as code,  -- 1 to 6 characters, left-aligned
        trim(label) as label,
        period as as_of_period

    from lists
    where nullif(trim(code), '') is not null and nullif(trim(label), '') is not null
    qualify row_number() over (
        partition by flow, classification, trim(code) order by period desc, _vintage desc
    ) = 1

)

select * from renamed
