{{ config(tags=['tariffs'], meta={'dagster': {'ref': {'name': 'fct_tariff_rates'}}}) }}
-- At any date a line has at most one version in force: no two intervals of a line overlap
-- (which also leaves at most one open interval per line).
select a.htsno, a.valid_from, a.valid_to, b.valid_from as other_from, b.valid_to as other_to
from {{ ref('fct_tariff_rates') }} as a
inner join {{ ref('fct_tariff_rates') }} as b
    on a.htsno = b.htsno
    and a.valid_from < b.valid_from
    and (a.valid_to is null or a.valid_to > b.valid_from)
