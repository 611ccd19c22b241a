{#- The run's partition window as a filter: period_start <= column < period_end + extend months.
    The vars come from Dagster; they are checked to be plain dates before reaching SQL. -#}
{% macro period_window(column, extend_months=0, shift_months=0) -%}
    {%- set start = period_var('period_start') -%}
    {%- set end = period_var('period_end') -%}
    {{ column }} >= {{ add_months("date '" ~ start ~ "'", shift_months) }}
    and {{ column }} < {{ add_months("date '" ~ end ~ "'", extend_months) }}
{%- endmacro %}

{% macro period_var(name) -%}
    {%- set value = var(name) | string -%}
    {%- if not modules.re.fullmatch('\\d{4}-\\d{2}-01', value) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be the first day of a month (YYYY-MM-01), got " ~ value
        ) }}
    {%- endif -%}
    {{ value }}
{%- endmacro %}
