insert into raw.census_exports (period, comm_lvl, cty_code, cty_name, summary_lvl, e_commodity, all_val_mo, ves_val_mo, air_val_mo, qty_1_mo, qty_1_mo_flag, unit_qy1, _source, _landed_file, _vintage, _loaded_at)
select
    -- period is NOT NULL: a row of another month makes the insert fail
    case when json[11] = $month then $period end,
    json[12],
    json[1],
    json[2],
    json[3],
    json[4],
    cast(nullif(json[5], '') as bigint),
    cast(nullif(json[6], '') as bigint),
    cast(nullif(json[7], '') as bigint),
    cast(nullif(json[8], '') as bigint),
    json[9],
    json[10],
    _files.source, _files.landed_file, _files.vintage, $loaded_at
from read_json($files_1, format='array', records=false, filename=true, columns={'json': 'VARCHAR[]'}) as j
join _files using (filename)
-- the header row is skipped; a row that breaks any other rule stops the statement (error() in a
-- CASE), so the rules cost no second pass over the rows
where case
    when json is not distinct from $header_1 then false
    when (coalesce(json[12], '') = '')
        or (coalesce(json[1], '') = '')
        or (coalesce(json[4], '') = '')
        or (contains(concat(json[5], json[6], json[7], json[8]), '-') and (try_cast(json[5] as bigint) < 0 or try_cast(json[6] as bigint) < 0 or try_cast(json[7] as bigint) < 0 or try_cast(json[8] as bigint) < 0))
        or (not regexp_full_match(json[1], '-|[0-9]{4}|[0-9]XXX'))
        or (json[12] like 'HS%' and (not regexp_full_match(json[4], '[0-9]+') or length(json[4]) <> try_cast(substr(json[12], 3) as integer))) then error('rejected')
    else true
end
union all
select
    -- period is NOT NULL: a row of another month makes the insert fail
    case when json[7] = $month then $period end,
    '-',
    json[1],
    json[2],
    json[3],
    '-',
    cast(nullif(json[4], '') as bigint),
    cast(nullif(json[5], '') as bigint),
    cast(nullif(json[6], '') as bigint),
    null,
    null,
    null,
    _files.source, _files.landed_file, _files.vintage, $loaded_at
from read_json($files_2, format='array', records=false, filename=true, columns={'json': 'VARCHAR[]'}) as j
join _files using (filename)
-- the header row is skipped; a row that breaks any other rule stops the statement (error() in a
-- CASE), so the rules cost no second pass over the rows
where case
    when json is not distinct from $header_2 then false
    when (coalesce(json[1], '') = '')
        or (contains(concat(json[4], json[5], json[6]), '-') and (try_cast(json[4] as bigint) < 0 or try_cast(json[5] as bigint) < 0 or try_cast(json[6] as bigint) < 0))
        or (not regexp_full_match(json[1], '-|[0-9]{4}|[0-9]XXX')) then error('rejected')
    else true
end
