{{ config(tags=['tariffs'], meta={'dagster': {'ref': {'name': 'fct_tariff_rates'}}}) }}
-- Each HTS line has at most one version still in force (an interval with no end).
select htsno, count(*) as open_intervals
from {{ ref('fct_tariff_rates') }}
where valid_to is null
group by htsno
having count(*) > 1
