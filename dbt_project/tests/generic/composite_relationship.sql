{#- Every row's key (several columns) exists in `to` under the same column names. window_column
    limits the check to the months the run rebuilt, as in unique_combination_of_columns. -#}
{% test composite_relationship(model, to, columns, where=none, window_column=none, window_extend_months=0) %}
select distinct {% for c in columns %}child.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
from {{ model }} as child
left join {{ to }} as parent
    on {% for c in columns %}child.{{ c }} = parent.{{ c }}{% if not loop.last %} and {% endif %}{% endfor %}
where parent.{{ columns[0] }} is null
    {% if where %}and ({{ where }}){% endif %}
    {% if window_column %}and {{ period_window('child.' ~ window_column, extend_months=window_extend_months) }}{% endif %}
{% endtest %}
