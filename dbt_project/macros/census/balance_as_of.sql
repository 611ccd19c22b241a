{#- A DuckDB table macro beside the vintages mart:
      select * from marts.bilateral_balance_as_of(date '2018-02-15')
    gives the bilateral balance as the warehouse knew it at the end of that day (a timestamp
    gives it as of that instant): for each month, the latest vintage of each flow fetched by
    then (months with both flows known only). -#}
{% macro create_balance_as_of_macro(vintages_relation) -%}
create or replace macro {{ vintages_relation.schema }}.bilateral_balance_as_of(as_of) as table
with known as (
    select *
    from {{ vintages_relation.schema }}.{{ vintages_relation.identifier }}
    where vintage_at <= case
        when typeof(as_of) = 'DATE' then cast(as_of as timestamp) + interval 1 day - interval 1 microsecond
        else cast(as_of as timestamp)
    end
    qualify vintage = max(vintage) over (partition by flow, period)
),
complete as (
    select period from known group by period having count(distinct flow) = 2
)
select
    period,
    partner_code,
    max(partner_name) as partner_name,
    bool_or(is_aggregate) as is_aggregate,
    cast(coalesce(sum(value_usd) filter (where flow = 'exports'), 0) as bigint) as exports_usd,
    cast(coalesce(sum(value_usd) filter (where flow = 'imports'), 0) as bigint) as imports_usd,
    cast(coalesce(sum(value_usd) filter (where flow = 'exports'), 0)
        - coalesce(sum(value_usd) filter (where flow = 'imports'), 0) as bigint) as balance_usd,
    max(vintage_at) as known_since
from known
where period in (select period from complete)
group by period, partner_code
{%- endmacro %}
