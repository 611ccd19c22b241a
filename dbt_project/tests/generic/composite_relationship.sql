{#- Every row's key (several columns) exists in `to` under the same column names. -#}
{% test composite_relationship(model, to, columns, where=none) %}
select distinct {% for c in columns %}child.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
from {{ model }} as child
left join {{ to }} as parent
    on {% for c in columns %}child.{{ c }} = parent.{{ c }}{% if not loop.last %} and {% endif %}{% endfor %}
where parent.{{ columns[0] }} is null
    {% if where %}and ({{ where }}){% endif %}
{% endtest %}
