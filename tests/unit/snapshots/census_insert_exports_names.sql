insert into raw.census_exports_commodity_names (period, comm_lvl, commodity, description, _source, _landed_file, _vintage, _loaded_at)
select
    -- period is NOT NULL: a row of another month makes the insert fail
    case when json[4] = $month then $period end,
    json[5],
    json[1],
    json[2],
    _files.source, _files.landed_file, _files.vintage, $loaded_at
from read_json($files_1, format='array', records=false, filename=true, columns={'json': 'VARCHAR[]'}) as j
join _files using (filename)
-- the header row is skipped; a row that breaks any other rule stops the statement (error() in a
-- CASE), so the rules cost no second pass over the rows
where case
    when json is not distinct from $header_1 then false
    when (coalesce(json[5], '') = '')
        or (coalesce(json[1], '') = '')
        or (json[5] like 'HS%' and (not regexp_full_match(json[1], '[0-9]+') or length(json[1]) <> try_cast(substr(json[5], 3) as integer))) then error('rejected')
    else true
end
