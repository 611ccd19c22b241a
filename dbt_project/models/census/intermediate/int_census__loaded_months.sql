-- The months loaded per flow: a month counts once its world all-commodity row is present.
-- Marts use this to tell "no trade with a partner" (zero) from "month not loaded" (unknown).
select distinct
    period,
    flow

from {{ ref('int_census__partner_totals') }}

where is_world
