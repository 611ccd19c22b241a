{#- Rows where the expression does not hold (null counts as not holding unless it is allowed). -#}
{% test expression_is_true(model, expression, where=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
    {% if where %}and ({{ where }}){% endif %}
{% endtest %}
