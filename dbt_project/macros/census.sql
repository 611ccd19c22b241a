{#- Census country codes: `-` is the world, `0xxx` economic groupings, `nXXX` regions. The code,
    not the name, decides (names are retro-labelled and differ from Schedule C). -#}
{% macro is_aggregate_code(code) -%}
    ({{ code }} = '-' or {{ code }} like '0%' or {{ code }} like '%X%')
{%- endmacro %}

{#- COMM_LVL text to the HS digit count; the all-commodity total (`-`) has no level. -#}
{% macro hs_level(comm_lvl) -%}
    cast(case {{ comm_lvl }}
        when 'HS2' then 2 when 'HS4' then 4 when 'HS6' then 6 when 'HS10' then 10
    end as smallint)
{%- endmacro %}

{#- A month shifted by whole months, still a DATE (date +/- interval gives a timestamp). -#}
{% macro add_months(period, months) -%}
    cast({{ period }} + to_months(cast({{ months }} as integer)) as date)
{%- endmacro %}
