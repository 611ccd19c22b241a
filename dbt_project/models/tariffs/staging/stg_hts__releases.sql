-- Releases with the date their rates apply from: a date the user gave with the revision file
-- (--release-date) first, then the legal effective date where the curated calendar has one, else
-- the publication date (the release list's, the calendar's, or the one given with a file).
with

source as (

    select * from {{ source('hts', 'hts_releases') }}

),

calendar as (

    select * from {{ ref('hts_release_dates') }}

),

renamed as (

    select
        source.name as release,
        source.description,
        source.status,
        coalesce(
            source.given_date, source.api_date, calendar.publication_date, source.release_start_date
        ) as publication_date,
        calendar.policy_effective_date,
        coalesce(
            source.given_date, calendar.policy_effective_date, source.api_date, calendar.publication_date,
            source.release_start_date
        ) as effective_date,
        source._source as source

    from (
        -- the service's own release date beats the calendar; a date typed in with a file comes last
        select
            *,
            case when _source = 'hts_api' and not coalesce(date_given, false) then release_start_date end as api_date,
            case when date_given then release_start_date end as given_date
        from source
    ) as source
    left join calendar
        on calendar.release = source.name

)

select * from renamed
