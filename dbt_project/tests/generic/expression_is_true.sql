{#- Rows where the expression does not hold (null counts as not holding unless it is allowed).
    window_column limits the check to the months the run rebuilt, as in
    unique_combination_of_columns. -#}
{% test expression_is_true(model, expression, where=none, window_column=none, window_extend_months=0) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
    {% if where %}and ({{ where }}){% endif %}
    {% if window_column %}and {{ period_window(window_column, extend_months=window_extend_months) }}{% endif %}
{% endtest %}
