{#- The change ledger: which months of which incremental mart a run rewrote, so that the serving
    copy (orchestration/publish/serving.py) copies only those. staging.mart_changes gets one row per (mart, month)
    rewritten, or one row with period null when the whole mart was rebuilt (--full-refresh).
    Only the local target has a serving copy: elsewhere the hooks do nothing. -#}
{% macro create_mart_change_ledger() -%}
{%- if target.name != 'local' -%}select 1{%- else -%}
create schema if not exists staging;
create sequence if not exists staging.mart_change_id;
create table if not exists staging.mart_changes (
    change_id bigint not null,
    relation varchar not null,
    period date,
    changed_at timestamp not null
)
{%- endif -%}
{%- endmacro %}

{#- A post-hook of an incremental mart by month: its window (plus extend_months after it, for a
    mart whose later months read the window) was rewritten. -#}
{% macro record_mart_changes(extend_months=0) -%}
{%- if target.name != 'local' -%}select 1{%- else -%}
insert into staging.mart_changes
{% if flags.FULL_REFRESH -%}
select nextval('staging.mart_change_id'), '{{ this.identifier }}', null, now()
{%- else -%}
select nextval('staging.mart_change_id'), '{{ this.identifier }}', period, now()
from (
    select distinct period from {{ this }}
    where {{ period_window('period', extend_months=extend_months) }}
    order by period
)
{%- endif %}
{%- endif -%}
{%- endmacro %}
