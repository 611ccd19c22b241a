{#- The rate columns of Japan's schedule, in the page's order (orchestration/partners/japan_rates.py
    RATE_COLUMNS names the same). -#}
{% macro japan_rate_columns() %}
    {{ return(['general', 'temporary', 'wto', 'gsp', 'ldc', 'jp_us_trade_agreement', 'australia_epa',
               'tpp11_cptpp', 'eu_epa', 'uk_epa', 'mexico_epa', 'chile_epa']) }}
{% endmacro %}

{#- Japan's fiscal year (1 April to 31 March) of a date: JFY2017 = 2017-04-01 .. 2018-03-31. -#}
{% macro japan_fiscal_year(date_expr) %}
    (year({{ date_expr }}) - case when month({{ date_expr }}) < 4 then 1 else 0 end)
{% endmacro %}

{#- A Census mart's columns, or no rows of the same types when no Census month has been built yet:
    partner and tariff schedules can be loaded first (as fct_effective_tariff_monthly allows). -#}
{% macro census_mart_or_empty(name, columns) %}
    {%- set relation = ref(name) -%}
    {#- a unit test's mocked input is a CTE, without a schema: it is there -#}
    {%- if not execute or relation.schema is none or adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) is not none -%}
        select {{ columns.keys() | join(', ') }} from {{ relation }}
    {%- else -%}
        select
        {%- for column, type in columns.items() %}
            cast(null as {{ type }}) as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
        where false
    {%- endif -%}
{% endmacro %}
