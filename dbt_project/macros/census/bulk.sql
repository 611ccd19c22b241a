{#- The rate provision of an import line, grouped as analysts ask about it. Census codes (bulk
    file layout, ../shared/fixtures/census_bulk/layouts.csv): 00 entries into bonded warehouses
    and foreign-trade zones (general imports, not yet for consumption); 1x duty-free; 61 dutiable
    at the column 1 general rate, 62 at a special (program) rate, 64 at the column 2 rate; 69 and
    79 under Chapter 99 (temporary measures such as sections 232 and 301); 70 various, including
    the low-value estimate. A duty-free line that claims a program (subcode other than 00, such as
    S for USMCA or A for GSP) is free under that program; without one it is free at the MFN rate. -#}
{% macro rate_provision_group(rate_provision, program) -%}
    case
        when {{ rate_provision }} = '00' then 'bonded_or_ftz'
        when {{ rate_provision }} like '1_' and {{ program }} is not null then 'free_under_program'
        when {{ rate_provision }} like '1_' then 'free_mfn'
        when {{ rate_provision }} = '61' then 'dutiable_column_1'
        when {{ rate_provision }} = '62' then 'dutiable_special'
        when {{ rate_provision }} = '64' then 'dutiable_column_2'
        when {{ rate_provision }} in ('69', '79') then 'chapter_99'
        when {{ rate_provision }} = '70' then 'various_low_value'
        else 'other'
    end
{%- endmacro %}
