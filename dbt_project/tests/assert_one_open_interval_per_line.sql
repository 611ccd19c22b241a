{{ config(tags=['tariffs'], meta={'dagster': {'ref': {'name': 'fct_tariff_rates'}}}) }}
select htsno, count(*) as open_intervals
from {{ ref('fct_tariff_rates') }}
where valid_to is null
group by htsno
having count(*) > 1
