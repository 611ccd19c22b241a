{#- An upper-case name in title case, small words kept low: NETHERLANDS ANTILLES AND ARUBA ->
    Netherlands Antilles and Aruba. -#}
{% macro title_case(column) -%}
    replace(replace(replace(
        array_to_string(
            list_transform(
                string_split(lower({{ column }}), ' '),
                lambda word: upper(left(word, 1)) || substr(word, 2)
            ),
            ' '
        ),
        ' And ', ' and '), ' Of ', ' of '), ' The ', ' the ')
{%- endmacro %}
