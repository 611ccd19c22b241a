-- Every known rate for goods from the U.S., one row per partner, HS6 code, national line (where
-- seeded), source and validity interval. Three sources, most specific first: the curated history
-- of the duty on U.S. beef, the schedule lines as printed, and WITS HS6 averages by year.
with

beef as (

    select * from {{ ref('stg_partners__beef_rates') }}

),

lines as (

    select * from {{ ref('stg_partners__japan_lines') }}

),

wits as (

    select * from {{ ref('stg_partners__wits_tariffs') }}
    where partner_code is not null

),

line_rates as (

    -- Japan applies the lowest of its general, temporary and WTO rates that is not bracketed; the
    -- JP-US column (2020 on) is the rate for U.S. goods, else the MFN rate applies to them.
    select
        partner_code,
        hs6_code,
        stat_code,
        any_value(description) as description,
        valid_from,
        valid_to,
        min(ad_valorem_equivalent_pct) filter (
            where rate_column in ('general', 'temporary', 'wto') and applied
        ) as mfn_lowest_pct,
        bool_or(rate_kind not in ('ad_valorem', 'free')) filter (
            where rate_column in ('general', 'temporary', 'wto') and applied
        ) as mfn_not_ad_valorem,
        string_agg(rate_text, ' | ' order by rate_column) filter (
            where rate_column in ('general', 'temporary', 'wto') and applied
        ) as mfn_rate_text,
        any_value(rate_text) filter (where rate_column = 'jp_us_trade_agreement') as us_rate_text,
        any_value(rate_kind) filter (where rate_column = 'jp_us_trade_agreement') as us_rate_kind,
        any_value(ad_valorem_equivalent_pct) filter (where rate_column = 'jp_us_trade_agreement') as us_agreement_pct,
        bool_and(evidence = 'V' and interval_evidence = 'V') as verified,
        any_value(source_url) as source_url

    from lines
    group by partner_code, hs6_code, stat_code, valid_from, valid_to

),

from_lines as (

    select
        partner_code,
        hs6_code,
        stat_code as national_line,
        description,
        valid_from,
        valid_to,
        case when not mfn_not_ad_valorem then mfn_lowest_pct end as mfn_applied_pct,
        mfn_rate_text,
        case
            when us_rate_kind in ('ad_valorem', 'free') then us_agreement_pct
            when us_rate_kind is null or us_rate_kind = 'none'
                then case when not mfn_not_ad_valorem then mfn_lowest_pct end
        end as us_rate_pct,
        case
            when us_rate_kind is null or us_rate_kind = 'none' then 'mfn'
            else 'agreement'
        end as us_rate_basis,
        coalesce(case when us_rate_kind != 'none' then us_rate_text end, mfn_rate_text) as us_rate_text,
        cast(null as double) as safeguard_pct,
        'schedule_line' as source,
        verified,
        source_url

    from line_rates

),

from_beef as (

    select
        partner_code,
        hs6_code,
        cast(null as varchar) as national_line,
        legal_basis as description,
        valid_from,
        valid_to,
        mfn_applied_pct,
        cast(mfn_applied_pct as varchar) || '%' as mfn_rate_text,
        us_rate_pct,
        case when regime = 'safeguard' then 'agreement_or_mfn' else regime end as us_rate_basis,
        cast(us_rate_pct as varchar) || '%' as us_rate_text,
        safeguard_pct,
        'us_origin_history' as source,
        verified,
        source_url

    from beef

),

wits_years as (

    select
        partner_code,
        hs6_code,
        year,
        max(simple_average_pct) filter (where partner_m49 = '000' and tariff_type = 'MFN') as mfn_pct,
        max(simple_average_pct) filter (where partner_m49 = '840' and tariff_type = 'AHS') as us_ahs_pct,
        max(simple_average_pct) filter (where partner_m49 = '840' and tariff_type = 'PREF') as us_pref_pct,
        -- a PREF average covers only the preferential lines: it stands for the product only when
        -- every line of it is preferential
        bool_or(pref_lines = total_lines) filter (where partner_m49 = '840' and tariff_type = 'PREF')
            as us_pref_all_lines

    from wits
    group by partner_code, hs6_code, year

),

from_wits as (

    select
        partner_code,
        hs6_code,
        cast(null as varchar) as national_line,
        cast(null as varchar) as description,
        make_date(year, 1, 1) as valid_from,
        make_date(year, 12, 31) as valid_to,
        mfn_pct as mfn_applied_pct,
        cast(null as varchar) as mfn_rate_text,
        -- effectively applied (AHS) when WITS has it for U.S. goods
        case
            when us_ahs_pct is not null then us_ahs_pct
            when us_pref_all_lines then us_pref_pct
            else mfn_pct
        end as us_rate_pct,
        case
            when us_ahs_pct is not null and us_ahs_pct < mfn_pct then 'preferential'
            when us_ahs_pct is not null then 'mfn'
            when us_pref_all_lines then 'preferential'
            -- Japan, for one, notifies no rates on U.S. goods: an agreement rate may be lower
            else 'mfn_no_us_rate_in_wits'
        end as us_rate_basis,
        cast(null as varchar) as us_rate_text,
        cast(null as double) as safeguard_pct,
        'wits' as source,
        true as verified,
        'https://wits.worldbank.org/API/V1/SDMX/V21/datasource/TRN' as source_url

    from wits_years

)

select * from from_beef
union all
select * from from_lines
union all
select * from from_wits
