{#- A DuckDB table macro beside the vintages mart:
      select * from marts.bilateral_balance_as_of(date '2018-02-15')
    gives the bilateral balance as the warehouse knew it at the end of that day (a timestamp
    gives it as of that instant): for each month, the latest vintage of each flow fetched by
    then (months with both flows known only). -#}
{% macro create_balance_as_of_macro(vintages_relation) -%}
create or replace macro {{ vintages_relation.schema }}.bilateral_balance_as_of(as_of) as table
with known as (
    select *
    from marts.vintages_in_force('{{ vintages_relation.schema }}.{{ vintages_relation.identifier }}', as_of)
),
complete as (
    select period from known group by period having count(distinct flow) = 2
),
pivoted as (
    select
        period,
        partner_code,
        {{ bilateral_pivot('known') }},
        max(vintage_at) as known_since
    from known
    where period in (select period from complete)
    group by period, partner_code
)
select
    period, partner_code, partner_name, is_aggregate, exports_usd, imports_usd,
    exports_usd - imports_usd as balance_usd, known_since
from pivoted
{%- endmacro %}
