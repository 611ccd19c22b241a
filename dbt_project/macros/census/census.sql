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

{#- The columns every Census staging model starts with: keys, then what kind of row it is
    (world, grouping or country; all-commodity total or one HS level). Never sum across kinds. -#}
{% macro census_keys_and_flags(commodity_column) -%}
        ---------- keys
        period,
        cty_code as partner_code,
        cty_name as partner_name,
        summary_lvl as summary_level,
        {{ hs_level('comm_lvl') }} as hs_level,
        nullif({{ commodity_column }}, '-') as commodity_code,

        ---------- what kind of row (never sum across these)
        cty_code = '-' as is_world,
        {{ is_aggregate_code('cty_code') }} as is_aggregate,
        comm_lvl = '-' as is_commodity_total,
{%- endmacro %}

{#- Lineage columns carried from raw into staging. -#}
{% macro census_lineage() -%}
        ---------- lineage
        _source as source,
        _landed_file as landed_file,
        _vintage as fetched_at,
        _loaded_at as loaded_at
{%- endmacro %}

{#- A rate text compared for meaning, not typography: case, spacing and a final period ignored. -#}
{% macro comparable_text(column) -%}
    regexp_replace(lower(rtrim(trim(coalesce({{ column }}, '')), '.')), '\s+', '', 'g')
{%- endmacro %}

{#- The rows of a raw Census table that belong to each month's latest vintage. Raw tables keep
    every vintage; everything downstream of staging reads the latest one. -#}
{% macro latest_vintage_rows(rows, vintages) -%}
    select raw_rows.*
    from {{ rows }} as raw_rows
    semi join (
        select period, unnest(files) as landed_file
        from {{ vintages }}
        qualify vintage = max(vintage) over (partition by period)
    ) as latest
        on latest.period = raw_rows.period and latest.landed_file = raw_rows._landed_file
{%- endmacro %}
