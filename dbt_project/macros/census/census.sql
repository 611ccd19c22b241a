{#- A partner code that is not one country (the world, a grouping, a region). The rule is the
    warehouse macro marts.is_aggregate_partner (orchestration/census/rules.py), shared with the
    Python checks. -#}
{% macro is_aggregate_code(code) -%}
    marts.is_aggregate_partner({{ code }})
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
    every vintage; everything downstream of staging reads the latest one. The rule is the
    warehouse macro marts.vintages_in_force (orchestration/census/rules.py). -#}
{% macro latest_vintage_rows(rows, flow) -%}
    select raw_rows.*
    from {{ rows }} as raw_rows
    semi join (
        select period, landed_file
        from marts.vintages_in_force({{ relation_literal(ref("stg_census__vintages")) }}, 'infinity'::timestamp)
        where flow = '{{ flow }}'
    ) as latest
        on latest.period = raw_rows.period and latest.landed_file = raw_rows._landed_file
{%- endmacro %}

{#- A relation's name as an SQL string literal (for query_table and the rule macros). -#}
{% macro relation_literal(relation) -%}
    '{{ relation | string | replace("'", "''") }}'
{%- endmacro %}

{#- The bilateral pivot of per-flow rows (flow, partner_name, is_aggregate, value_usd) grouped by
    month and partner: a partner missing from a loaded flow traded nothing in it, so zero. -#}
{% macro bilateral_pivot(alias) -%}
        max({{ alias }}.partner_name) as partner_name,
        bool_or({{ alias }}.is_aggregate) as is_aggregate,
        cast(coalesce(sum({{ alias }}.value_usd) filter (where {{ alias }}.flow = 'exports'), 0) as bigint) as exports_usd,
        cast(coalesce(sum({{ alias }}.value_usd) filter (where {{ alias }}.flow = 'imports'), 0) as bigint) as imports_usd
{%- endmacro %}

{#- A month's rows plus every coarser HS level it lacks, summed from the finest level landed for
    that month (fetched at HS10 only, a month gets HS2, HS4 and HS6 here; a level landed as such
    is kept as it is). Values add exactly. A quantity adds only where every child has the same
    unit and none is flagged missing; elsewhere it is 0 flagged M, as Census reports a quantity it
    cannot give, never a sum of kilograms and dozens. A summed row has no single landed file.
    (Sums are cast back to BIGINT: DuckDB widens a sum of BIGINT to HUGEINT.) -#}
{% macro with_coarser_levels(rows, commodity, measures, quantity, flag) -%}
    {%- set addable -%}
        count(distinct coalesce(fine.unit_qy1, '')) = 1 and bool_and(coalesce(fine.{{ flag }}, '') <> 'M')
    {%- endset -%}
    select * from {{ rows }}
    union all by name
    select
        fine.period,
        coarse.comm_lvl,
        fine.cty_code,
        any_value(fine.cty_name) as cty_name,
        fine.summary_lvl,
        substr(fine.{{ commodity }}, 1, coarse.digits) as {{ commodity }},
        {%- for measure in measures %}
        cast(sum(fine.{{ measure }}) as bigint) as {{ measure }},
        {%- endfor %}
        cast(case when {{ addable }} then sum(fine.{{ quantity }}) else 0 end as bigint) as {{ quantity }},
        case when {{ addable }} then '' else 'M' end as {{ flag }},
        case when {{ addable }} then any_value(fine.unit_qy1) else '' end as unit_qy1,
        any_value(fine._source) as _source,
        cast(null as varchar) as _landed_file,
        max(fine._vintage) as _vintage,
        max(fine._loaded_at) as _loaded_at
    from {{ rows }} as fine
    inner join (
        -- per month, each coarser level not landed as such, and the finest level landed to sum it
        -- from. The level's name is a grouping column, so a filter on comm_lvl (totals only) leaves
        -- this empty and skips the sums.
        select levels.period, levels.finest_lvl, wanted.digits, wanted.comm_lvl
        from (
            select period, arg_max(comm_lvl, digits) as finest_lvl, max(digits) as finest, list(digits) as held
            from (
                select distinct period, comm_lvl, cast(substr(comm_lvl, 3) as integer) as digits
                from {{ rows }}
                where comm_lvl like 'HS%'
            )
            group by period
        ) as levels
        cross join (values (2, 'HS2'), (4, 'HS4'), (6, 'HS6')) as wanted (digits, comm_lvl)
        where wanted.digits < levels.finest
            and not list_contains(levels.held, wanted.digits)
    ) as coarse
        on coarse.period = fine.period and fine.comm_lvl = coarse.finest_lvl
    group by fine.period, coarse.digits, coarse.comm_lvl, fine.cty_code, fine.summary_lvl, substr(fine.{{ commodity }}, 1, coarse.digits)
{%- endmacro %}


{#- The sample's rows in the marts: sample_published for the partner totals that are the published
    Census figures (vars sample_published_*), sample_synthetic for every other sample row; a real
    source as it is. -#}
{% macro sample_source(source, is_partner_total, period, partner_code) -%}
    case
        when {{ source }} <> 'sample' then {{ source }}
        when {{ is_partner_total }}
            and year({{ period }}) = {{ var('sample_published_year') }}
            and {{ partner_code }} in (
                {%- for code in var('sample_published_partners') %}'{{ code }}'{{ ", " if not loop.last }}{% endfor -%}
            )
            then 'sample_published'
        else 'sample_synthetic'
    end
{%- endmacro %}
