-- One row per HTS line and validity interval. Releases are ordered by the date their rates
-- apply from; consecutive releases in which a line's rates (general, special, column 2, the
-- Chapter 99 references and, for Chapter 99 headings, the compiler's status note) are the same
-- form one interval. An interval ends where the next
-- version starts, or where the line is missing from the next loaded release.
with

releases as (

    select
        release,
        effective_date,
        row_number() over (order by effective_date, release) as release_seq

    from {{ ref('stg_hts__releases') }}
    where release in (
        select distinct lines_resolved.release from {{ ref('int_hts__lines_resolved') }} as lines_resolved
    )

),

lines as (

    select
        lines.*,
        releases.effective_date,
        releases.release_seq,
        md5(concat_ws(
            '|',
            {{ comparable_text('lines.general_text') }},
            {{ comparable_text('lines.special_text') }},
            {{ comparable_text('lines.other_text') }},
            array_to_string(lines.chapter99_refs, ','),
            -- a Chapter 99 measure that is suspended or terminated is a new version too
            case when lines.htsno like '99%' then {{ comparable_text('lines.compiler_note') }} end
        )) as rate_signature

    from {{ ref('int_hts__lines_resolved') }} as lines
    inner join releases using (release)

),

changes as (

    select
        *,
        case
            -- rate_signature is never null; a line's first release has no previous one (null)
            when coalesce(lag(rate_signature) over (partition by htsno order by release_seq) <> rate_signature, true)
                then 1
            when lag(release_seq) over (partition by htsno order by release_seq) <> release_seq - 1 then 1
            else 0
        end as starts_version

    from lines

),

versions as (

    select
        *,
        sum(starts_version) over (partition by htsno order by release_seq rows unbounded preceding) as version_no

    from changes

),

intervals as (

    select
        htsno,
        version_no,
        min(release_seq) as first_seq,
        max(release_seq) as last_seq,
        -- descriptive columns from the last release of the interval
        arg_max(versions, release_seq) as latest

    from versions
    group by htsno, version_no

),

final as (

    select
        intervals.htsno,
        intervals.latest.hts_code as hts_code,
        cast(intervals.latest.hts_digits as smallint) as hts_digits,
        intervals.latest.indent as indent,
        intervals.latest.description as description,
        intervals.latest.parent_htsno as parent_htsno,
        intervals.latest.parent_description as parent_description,
        intervals.latest.rate_inherited_from as rate_inherited_from,
        first_release.effective_date as valid_from,
        next_release.effective_date as valid_to,
        first_release.release as first_release,
        last_release.release as last_release,
        intervals.latest.compiler_note as compiler_note,

        intervals.latest.general_text as general_text,
        intervals.latest.general_parse_status as general_parse_status,
        intervals.latest.general_kind as general_kind,
        intervals.latest.general_ad_valorem_pct as general_ad_valorem_pct,
        intervals.latest.general_specific_usd as general_specific_usd,
        intervals.latest.general_specific_unit as general_specific_unit,
        intervals.latest.general_components as general_components,

        intervals.latest.special_text as special_text,
        intervals.latest.special_parse_status as special_parse_status,
        intervals.latest.special_programs as special_programs,
        intervals.latest.special_segments as special_segments,
        intervals.latest.japan_agreement_text as japan_agreement_text,
        intervals.latest.japan_agreement_ad_valorem_pct as japan_agreement_ad_valorem_pct,

        intervals.latest.other_text as other_text,
        intervals.latest.other_parse_status as other_parse_status,
        intervals.latest.other_kind as other_kind,
        intervals.latest.other_ad_valorem_pct as other_ad_valorem_pct,
        intervals.latest.other_specific_usd as other_specific_usd,
        intervals.latest.other_specific_unit as other_specific_unit,

        intervals.latest.chapter99_refs as chapter99_refs,
        intervals.latest.source as source

    from intervals
    inner join releases as first_release
        on first_release.release_seq = intervals.first_seq
    inner join releases as last_release
        on last_release.release_seq = intervals.last_seq
    left join releases as next_release
        on next_release.release_seq = intervals.last_seq + 1

)

select * from final
