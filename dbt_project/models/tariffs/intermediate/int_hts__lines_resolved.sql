-- Every numbered HTS line of every release with: its parents (direct parent by indent, which
-- may be a description-only row; nearest numbered parent by code), the rates it carries
-- (10-digit statistical lines with blank rates inherit their 8-digit line's), those rates
-- parsed, and the Chapter 99 headings its rate footnotes point to.
{% set max_indent = 14 %}
with

lines as (

    select * from {{ ref('stg_hts__lines') }}

),

levels as (

    select
        *,
        {% for level in range(max_indent) -%}
        max(case when indent = {{ level }} then ordinal end) over in_file as last_at_{{ level }},  -- noqa: CV03
        {% endfor -%}
    from lines
    window in_file as (partition by release order by ordinal rows between unbounded preceding and current row)

),

with_parent as (

    select
        levels.release,
        levels.ordinal,
        levels.htsno,
        levels.hts_code,
        levels.hts_digits,
        levels.indent,
        levels.description,
        levels.general_text,
        levels.special_text,
        levels.other_text,
        levels.footnotes,
        levels.source,
        case levels.indent
            {% for level in range(1, max_indent) -%}
            when {{ level }} then levels.last_at_{{ level - 1 }}
            {% endfor -%}
        end as parent_ordinal

    from levels

),

numbered as (

    select
        child.*,
        parent.description as parent_description,
        coalesce(p10.htsno, p7.htsno, p4.htsno) as parent_htsno,
        -- statistical suffix lines (10 digits) print no rates: theirs are their 8-digit line's
        case
            when child.hts_digits = 10 and trim(coalesce(child.general_text, '')) = '' and p10.htsno is not null
                then p10.htsno
        end as rate_inherited_from,
        p10.general_text as p10_general_text,
        p10.special_text as p10_special_text,
        p10.other_text as p10_other_text,
        p10.footnotes as p10_footnotes

    from with_parent as child
    left join lines as parent
        on parent.release = child.release
        and parent.ordinal = child.parent_ordinal
    left join lines as p10
        on p10.release = child.release and child.hts_digits = 10 and p10.htsno = left(child.htsno, 10)
    left join lines as p7
        on p7.release = child.release and child.hts_digits >= 8 and p7.htsno = left(child.htsno, 7)
    left join lines as p4
        on p4.release = child.release and child.hts_digits >= 6 and p4.htsno = left(child.htsno, 4)
    where child.htsno is not null
    qualify row_number() over (partition by child.release, child.htsno order by child.ordinal) = 1

),

rated as (

    select
        numbered.*,
        case when rate_inherited_from is null then general_text else p10_general_text end as general_rate_text,
        case when rate_inherited_from is null then special_text else p10_special_text end as special_rate_text,
        case when rate_inherited_from is null then other_text else p10_other_text end as other_rate_text,
        case when rate_inherited_from is null then footnotes else p10_footnotes end as rate_footnotes

    from numbered

),

final as (

    select
        rated.release,
        rated.ordinal,
        rated.htsno,
        rated.hts_code,
        rated.hts_digits,
        rated.indent,
        rated.description,
        rated.parent_ordinal,
        rated.parent_description,
        rated.parent_htsno,
        rated.rate_inherited_from,
        nullif(regexp_extract(rated.description, '\[Compiler''s note: ([^\]]*)\]', 1), '') as compiler_note,

        ---------- general (column 1, MFN)
        nullif(trim(rated.general_rate_text), '') as general_text,
        general.parse_status as general_parse_status,
        general.rate_kind as general_kind,
        general.ad_valorem_pct as general_ad_valorem_pct,
        general.specific_usd as general_specific_usd,
        general.specific_unit as general_specific_unit,
        general.components as general_components,

        ---------- special (column 1, preference programs)
        nullif(trim(rated.special_rate_text), '') as special_text,
        special.parse_status as special_parse_status,
        special.programs as special_programs,
        special.components as special_segments,
        japan.rate_text as japan_agreement_text,
        japan.ad_valorem_pct as japan_agreement_ad_valorem_pct,

        ---------- column 2
        nullif(trim(rated.other_rate_text), '') as other_text,
        other.parse_status as other_parse_status,
        other.rate_kind as other_kind,
        other.ad_valorem_pct as other_ad_valorem_pct,
        other.specific_usd as other_specific_usd,
        other.specific_unit as other_specific_unit,

        ---------- chapter 99 headings (or ranges) named in the rate footnotes ("See 9903.88.15."),
        ---------- as the Python rate parser reads them (raw.hts_parsed_footnotes)
        list_sort(coalesce(footnotes.chapter99_refs, [])) as chapter99_refs,

        rated.source

    from rated
    left join {{ source('hts', 'hts_parsed_rates') }} as general
        on general.column_kind = 'rate' and general.text = rated.general_rate_text
    left join {{ source('hts', 'hts_parsed_rates') }} as special
        on special.column_kind = 'special' and special.text = rated.special_rate_text
    left join {{ source('hts', 'hts_parsed_rates') }} as other
        on other.column_kind = 'rate' and other.text = rated.other_rate_text
    left join {{ source('hts', 'hts_parsed_footnotes') }} as footnotes
        on footnotes.footnotes = cast(rated.rate_footnotes as varchar)
    left join {{ source('hts', 'hts_parsed_special') }} as japan
        on japan.text = rated.special_rate_text and japan.program = 'JP'

)

select * from final
