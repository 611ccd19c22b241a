with

source as (

    select * from {{ source('hts', 'hts_lines') }}

),

renamed as (

    select
        ---------- keys
        release,
        ordinal,
        nullif(trim(htsno), '') as htsno,
        nullif(replace(trim(htsno), '.', ''), '') as hts_code,
        length(replace(trim(htsno), '.', '')) as hts_digits,
        indent,

        ---------- text
        trim(description) as description,
        coalesce(superior, false) as is_superior,
        units,

        ---------- rates as printed (raw text: the key to the parsed-rate lookup)
        general as general_text,
        special as special_text,
        other as other_text,
        footnotes,
        nullif(trim(quota_quantity), '') as quota_quantity,
        nullif(trim(additional_duties), '') as additional_duties,

        ---------- lineage
        -- the bundled schedule is synthetic throughout (the trade sample's word for it)
        case _source when 'sample' then 'sample_synthetic' else _source end as source,
        _vintage as fetched_at

    from source

)

select * from renamed
