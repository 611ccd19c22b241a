{#- The grain: no two rows share these columns (dbt_utils is not installable here). With
    window_column, only the months the run rebuilt (its window, plus window_extend_months after
    it) are checked: the others were checked when they were built. A plain `dbt build` checks all. -#}
{% test unique_combination_of_columns(model, combination, window_column=none, window_extend_months=0) %}
select
    {{ combination | join(', ') }},
    count(*) as rows_with_this_key
from {{ model }}
{% if window_column %}where {{ period_window(window_column, extend_months=window_extend_months) }}{% endif %}
group by {{ combination | join(', ') }}
having count(*) > 1
{% endtest %}
