"""The Census raw tables and the atomic load of one landed month.

Landed files are read by DuckDB itself (`read_json` on the gzip files, cells cast in SQL);
Python only maps header names to positions. Values from outside (paths, months, headers)
reach SQL as bound parameters; only our own identifiers and integer positions are spliced in.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb

from orchestration.census.bulk import bulk_tables_sql
from orchestration.census.landing import LandedEntry, LandingStore
from orchestration.census.parse import Column, TableSpec, map_header, raw_tables, table_spec
from orchestration.census.reconcile import reconcile
from orchestration.census.rules import RULES_SQL, install_rules
from orchestration.census.vintages import (
    VINTAGE_TABLE_SQL,
    ensure_vintage_table,
    latest_files,
    loaded_files,
    record_vintage,
)
from orchestration.core.errors import LandingError, ParseError, is_disk_full
from orchestration.core.failpoints import failpoint
from orchestration.core.periods import month_key
from orchestration.store.duckdb import transaction

META_COLUMNS = (
    ("_source", "VARCHAR"),
    ("_landed_file", "VARCHAR"),
    ("_vintage", "TIMESTAMP"),  # when the response was fetched (UTC)
    ("_loaded_at", "TIMESTAMP"),  # when it was loaded into this table (UTC)
)


def _raw_tables_sql() -> list[str]:
    statements = ["create schema if not exists raw"]
    for table, columns in raw_tables().items():
        definitions = ["period DATE NOT NULL"]
        definitions += [f"{c.name} {c.sql_type}" for c in columns]
        definitions += [f"{name} {sql_type}" for name, sql_type in META_COLUMNS]
        statements.append(f"create table if not exists raw.{table} ({', '.join(definitions)})")
    return statements + list(bulk_tables_sql())


def _schema_fingerprint() -> str:
    text = "\n".join([*_raw_tables_sql(), VINTAGE_TABLE_SQL, *RULES_SQL])
    return hashlib.sha256(text.encode()).hexdigest()


def _schema_is_current(con: duckdb.DuckDBPyConnection, fingerprint: str) -> bool:
    """The raw tables, the vintages and the rule macros are those this code would create: the
    fingerprint of their SQL is recorded, and the macros and the view answer."""
    try:
        row = con.execute("select fingerprint, marts.is_aggregate_partner('-') from raw._schema").fetchone()
        con.execute("select 1 from marts.vintages_in_force('raw.census_vintages', 'infinity'::timestamp) limit 0")
    except duckdb.CatalogException:
        return False
    return row is not None and row[0] == fingerprint


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create what the loads and the models need, unless a load by this code created it already:
    the DDL and the macros' replacement cost about 20 ms a load, a tenth of loading a month's
    flow when the data is small."""
    fingerprint = _schema_fingerprint()
    if _schema_is_current(con, fingerprint):
        return
    # one transaction: one commit to the WAL, not one a statement (a fresh file's schema took
    # 30-40 ms, a tenth of the floor of a month's load)
    with transaction(con):
        for statement in _raw_tables_sql():
            con.execute(statement)
        for flow in ("exports", "imports"):
            ensure_vintage_table(con, flow)
        install_rules(con)
        con.execute(
            "create or replace table raw._schema as select $fingerprint as fingerprint", {"fingerprint": fingerprint}
        )


@dataclass
class MonthLoad:
    flow: str
    month: str
    rows: dict[str, int] = field(default_factory=dict)  # raw table -> rows loaded
    files: int = 0
    unknown_columns: set[str] = field(default_factory=set)
    duplicated_columns: set[str] = field(default_factory=set)
    vintage: int | None = None  # the vintage this load recorded
    unchanged: bool = False  # the landed responses were those of the latest vintage already


def _ref(position: int) -> str:
    """The column of _landing holding the response's cell at this (1-based) position."""
    return f"c{position}"


def _json_cell(position: int) -> str:
    return f"json[{position}]"


def _cell(column: Column, positions: dict[str, int], ref=_ref) -> str:
    if column.source is None:
        return "null" if column.constant is None else f"'{column.constant}'"
    cell = ref(positions[column.source])
    return f"cast(nullif({cell}, '') as bigint)" if column.sql_type == "BIGINT" else cell


def _period_cell(positions: dict[str, int], ref=_ref) -> str:
    if "time" in positions:
        return ref(positions["time"])
    return f"{ref(positions['YEAR'])} || '-' || {ref(positions['MONTH'])}"


def _used_positions(spec: TableSpec, positions: dict[str, int]) -> list[int]:
    names = [c.source for c in spec.columns if c.source] + [n for n in ("time", "YEAR", "MONTH") if n in positions]
    return sorted({positions[name] for name in names})


def _checks(spec: TableSpec, cell_of, month: str, *, typed: bool) -> list[tuple[str, str, str]]:
    """(failing condition, problem, cell to quote) for each rule a response's rows must keep.
    `cell_of(source)` is the SQL of an API variable's text cell. With `typed`, the rules the
    insert's casts already enforce (the month, numbers that are numbers) are left out."""
    checks, numbers = [], []
    if not typed:
        period = cell_of("period")
        problem = f"rows for another month than {month} (time column)"
        checks.append((f"{period} is distinct from $month", problem, period))
    for column in spec.columns:
        if column.source is None:
            continue
        cell = cell_of(column.source)
        if column.sql_type == "BIGINT":
            numbers.append(cell)
            if not typed:
                checks.append(
                    (
                        f"nullif({cell}, '') is not null and try_cast({cell} as bigint) is null",
                        f"non-numeric value in {column.source}",
                        cell,
                    )
                )
                checks.append((f"try_cast({cell} as bigint) < 0", f"negative value in {column.source}", cell))
        elif column.source in ("CTY_CODE", "COMM_LVL") or column.name in ("commodity", "e_commodity", "i_commodity"):
            checks.append((f"coalesce({cell}, '') = ''", f"empty {column.source}", cell))
    if typed and numbers:
        # the load's one test for all value cells: a negative number's text has a '-', so only the
        # rare row with one is cast again (8 casts a row cost imports 6 % of their load)
        negative = " or ".join(f"try_cast({cell} as bigint) < 0" for cell in numbers)
        test = f"contains(concat({', '.join(numbers)}), '-') and ({negative})"
        checks.append((test, "a negative value in one of the value columns", numbers[0]))
    sources = {c.source for c in spec.columns if c.source}
    if "CTY_CODE" in sources:
        cell = cell_of("CTY_CODE")
        # Schedule C codes are four digits; groupings 0xxx or nXXX; the world is `-`
        checks.append(
            (
                f"not regexp_full_match({cell}, '-|[0-9]{{4}}|[0-9]XXX')",
                "a CTY_CODE that is no Census country code",
                cell,
            )
        )
    commodity = next((c for c in spec.columns if c.name in ("commodity", "e_commodity", "i_commodity")), None)
    if commodity and commodity.source and "COMM_LVL" in sources:
        cell, level = cell_of(commodity.source), cell_of("COMM_LVL")
        # an HS code that lost its leading zero (read as a number somewhere) no longer fits its level
        checks.append(
            (
                f"{level} like 'HS%' and (not regexp_full_match({cell}, '[0-9]+') "
                f"or length({cell}) <> try_cast(substr({level}, 3) as integer))",
                f"a {commodity.source} that does not have the digits of its COMM_LVL (leading zeros lost?)",
                cell,
            )
        )
    return checks


def _first_problem(con, checks, relation: str, parameters: dict, where: str) -> ParseError | None:
    selects = ", ".join(f"count(*) filter ({test}), any_value({cell}) filter ({test})" for test, _, cell in checks)
    counts = con.execute(f"select {selects} from {relation}", parameters).fetchone()
    for index, (_, problem, _) in enumerate(checks):
        bad, example = counts[2 * index], counts[2 * index + 1]
        if bad:
            return ParseError(f"{where}: {bad} row{'s' if bad > 1 else ''} with {problem} (e.g. {example!r})")
    return None


class _Rejected(Exception):
    """The fast load found bad rows: the month is rolled back, then diagnose() names them."""

    def __init__(self, parts: list[Part], error: str | None):
        super().__init__(error)
        self.parts, self.error = parts, error


# The responses of one header and the table spec their rows go to.
Part = tuple[TableSpec, list[LandedEntry]]


def _read_json(files_parameter: str = "$files") -> str:
    # Each response is an array of string arrays. Declaring that type skips read_json's schema
    # sampling, which costs as much as the read itself.
    return (
        f"read_json({files_parameter}, format='array', records=false, filename=true, columns={{'json': 'VARCHAR[]'}})"
    )


def _where(entries: list[LandedEntry]) -> str:
    return f"{entries[0].flow} {entries[0].month} {entries[0].request_id}" + (
        f" (+{len(entries) - 1} files)" if len(entries) > 1 else ""
    )


# The load of one table's responses: one statement that reads, casts, checks and inserts, with a
# SELECT per header (the totals' and the detail's differ). One statement, not one per header: a
# small insert after a large one into the same table, in the same transaction, makes DuckDB log
# the large one's rows to the WAL and write them again at the checkpoint (about 60 ms a flow at
# 211,000 rows), where a single insert writes its row groups to the file once.
INSERT_SQL = """\
insert into raw.{table} ({columns})
{selects}"""

SELECT_SQL = """\
select
    -- period is NOT NULL: a row of another month makes the insert fail
    case when {period} = $month then $period end,
    {cells},
    _files.source, _files.landed_file, _files.vintage, $loaded_at
from {read_json} as j
join _files using (filename)
-- the header row is skipped; a row that breaks any other rule stops the statement (error() in a
-- CASE), so the rules cost no second pass over the rows
where case
    when json is not distinct from $header_{n} then false
    when {rules} then error('rejected')
    else true
end"""


def _select_sql(spec: TableSpec, positions: dict[str, int], month: str, n: int) -> str:
    checks = _checks(spec, lambda source: _json_cell(positions[source]), month, typed=True)
    return SELECT_SQL.format(
        period=_period_cell(positions, _json_cell),
        cells=",\n    ".join(_cell(c, positions, _json_cell) for c in spec.columns),
        read_json=_read_json(f"$files_{n}"),
        n=n,
        rules="\n        or ".join(f"({test})" for test, _, _ in checks) or "false",
    )


def insert_sql(parts: list[tuple[TableSpec, dict[str, int]]], month: str) -> str:
    """INSERT_SQL for one table, a SELECT per header: the n-th (from 1) reads the files $files_n
    whose header is $header_n, cells taken by (1-based) position. Only our own names and integers
    are spliced in; values are bound parameters."""
    tables = {spec.table for spec, _ in parts}
    if len(tables) != 1:
        raise ValueError(f"one insert fills one table, not {sorted(tables)}")
    spec = parts[0][0]
    return INSERT_SQL.format(
        table=spec.table,
        columns=", ".join(["period", *(c.name for c in spec.columns), *(name for name, _ in META_COLUMNS)]),
        selects="\nunion all\n".join(
            _select_sql(part, positions, month, n) for n, (part, positions) in enumerate(parts, start=1)
        ),
    )


def load_entries(con, store: LandingStore, parts: list[Part], load: MonthLoad) -> None:
    """Insert the rows of landed responses into their raw table, the responses grouped by header
    (the caller owns the transaction and rolls it back on _Rejected).

    One pass: the files are read, cast, checked and inserted by one statement, as fast as DuckDB
    reads them. A cell that cannot be cast, a row of another month or a broken rule fails that
    statement; diagnose() then names the problem."""
    positioned, parameters = [], {}
    for n, (spec, entries) in enumerate(parts, start=1):
        header_map = map_header(entries[0].header, spec.required, also_known=spec.requested_not_stored,
                                where=_where(entries))  # fmt: skip
        load.unknown_columns.update(header_map.unknown)
        load.duplicated_columns.update(header_map.duplicates)
        positioned.append((spec, header_map.positions))
        parameters[f"files_{n}"] = [str(store.verify(entry)) for entry in entries]
        parameters[f"header_{n}"] = entries[0].header
    every = [entry for _, entries in parts for entry in entries]
    con.execute(
        "create or replace temp table _files as select unnest($paths::varchar[]) as filename, "
        "unnest($landed::varchar[]) as landed_file, unnest($sources::varchar[]) as source, "
        "unnest($vintages::timestamp[]) as vintage",
        {
            "paths": [path for n in range(1, len(parts) + 1) for path in parameters[f"files_{n}"]],
            "landed": [entry.file for entry in every],
            "sources": [entry.source for entry in every],
            "vintages": [
                datetime.fromisoformat(entry.fetched_at).astimezone(UTC).replace(tzinfo=None) for entry in every
            ],
        },
    )
    month = every[0].month
    parameters |= {"month": month, "period": date.fromisoformat(f"{month}-01")}
    parameters["loaded_at"] = datetime.now(UTC).replace(tzinfo=None)
    where = "; ".join(_where(entries) for _, entries in parts)
    try:
        inserted = con.execute(insert_sql(positioned, month), parameters).fetchone()[0]
    except duckdb.IOException as error:
        if is_disk_full(error):
            raise  # the caller names the warehouse file and the remedy
        raise _unreadable(_culprit(every, parameters, error) or where, error) from None
    except duckdb.InvalidInputException as error:
        if "top-level JSON array" in str(error) or "Malformed JSON" in str(error):
            raise _unreadable(_culprit(every, parameters, error) or where, error) from None
        raise _Rejected(parts, str(error).splitlines()[0]) from None
    except (duckdb.ConversionException, duckdb.ConstraintException) as error:
        raise _Rejected(parts, str(error).splitlines()[0]) from None
    table = parts[0][0].table
    load.rows[table] = load.rows.get(table, 0) + inserted
    load.files += len(every)


def _culprit(entries: list[LandedEntry], parameters: dict, error: duckdb.Error) -> str | None:
    """The response DuckDB names in its error (by file path), as _where() names it."""
    paths = [path for name, value in parameters.items() if name.startswith("files_") for path in value]
    named = [entry for entry, path in zip(entries, paths, strict=True) if path in str(error)]
    return _where(named[:1]) if named else None


def _unreadable(where: str, error: duckdb.Error) -> LandingError:
    reason = str(error).splitlines()[0].split("Error: ", 1)[-1]
    return LandingError(
        f"the landed response {where} cannot be read as a gzip JSON table ({reason}); "
        "fetch the month again with --refetch"
    )


def diagnose(con, store: LandingStore, rejected: _Rejected) -> ParseError:
    """What is wrong with rejected responses, in one line naming column and value: their cells
    are read as text and every rule checked, header by header (the slow path, taken only for bad
    input)."""
    for spec, entries in rejected.parts:
        problem = _problem(con, store, spec, entries)
        if problem:
            return problem
    where = "; ".join(_where(entries) for _, entries in rejected.parts)
    return ParseError(f"{where}: {rejected.error or 'rows that cannot be loaded'}")


def _problem(con, store: LandingStore, spec: TableSpec, entries: list[LandedEntry]) -> ParseError | None:
    header, where = entries[0].header, _where(entries)
    paths = [str(store.root / entry.file) for entry in entries]
    # A header recorded in the manifest that is not the file's own would shift every column:
    # say that, rather than what the shifted cells look like.
    differs = con.execute(
        f"""
        select filename from (
            select filename, json, row_number() over (partition by filename order by ordinality) as n
            from {_read_json()} with ordinality
        ) where n = 1 and json is distinct from $header limit 1
        """,
        {"files": paths, "header": header},
    ).fetchone()
    if differs:
        entry = entries[paths.index(differs[0])]
        raise LandingError(
            f"the manifest's header for {entry.flow} {entry.month} {entry.request_id} is not the landed file's own "
            "first row (the manifest was edited or damaged); fetch the month again with --refetch"
        )
    positions = map_header(header, spec.required, also_known=spec.requested_not_stored, where=where).positions
    cells = ", ".join(f"json[{p}] as {_ref(p)}" for p in _used_positions(spec, positions))
    con.execute(
        f"create or replace temp table _landing as select {cells} from {_read_json()} "
        "where json is distinct from $header",
        {"files": paths, "header": header},
    )
    try:
        sources = {"period": _period_cell(positions)}
        checks = _checks(
            spec, lambda source: sources.get(source) or _ref(positions[source]), entries[0].month, typed=False
        )
        return _first_problem(con, checks, "_landing", {"month": entries[0].month}, where)
    finally:
        con.execute("drop table if exists _landing")


def load_month(con, store: LandingStore, flow: str, month, entries: list[LandedEntry]) -> MonthLoad:
    """Make the given landed responses the month's latest vintage, in one transaction: readers see
    the previous vintage or this one, never a mix. Responses loaded before are not loaded again;
    the same set of responses as the latest vintage adds nothing at all."""
    key = month if isinstance(month, str) else month_key(month)
    period = date.fromisoformat(f"{key}-01")
    load = MonthLoad(flow, key)
    with_rows = [e for e in entries if e.status != 204 and e.rows]
    files = sorted(e.file for e in with_rows)
    vintage, current = latest_files(con, flow, period)
    if files == current:
        load.unchanged = True
        return load
    _require_world_total(flow, key, entries)
    try:
        with transaction(con):
            vintage = _load_files(con, store, flow, period, entries, with_rows, files, vintage, load)
    except _Rejected as rejected:
        raise diagnose(con, store, rejected) from None
    finally:
        with suppress(duckdb.Error):
            con.execute("drop table if exists _files")
    load.vintage = vintage
    return load


def _load_files(
    con, store: LandingStore, flow: str, period: date, entries, with_rows, files, vintage: int, load: MonthLoad
) -> int:
    """The month's new responses and its vintage row, inside the caller's transaction."""
    already = loaded_files(con, flow, period)
    groups: dict[tuple[str, tuple[str, ...]], list[LandedEntry]] = defaultdict(list)
    for entry in with_rows:
        if entry.file not in already:
            groups[(entry.kind, tuple(entry.header))].append(entry)
    for kind in ("detail", "names"):
        load.rows[table_spec(flow, kind).table] = 0
    by_table: dict[str, list[Part]] = defaultdict(list)
    for (kind, _header), members in sorted(groups.items(), key=lambda item: item[1][0].request_id):
        spec = table_spec(flow, kind)
        by_table[spec.table].append((spec, members))
    for parts in by_table.values():
        load_entries(con, store, parts, load)
    reconcile(con, store, flow, period, files, entries)
    fetched = max(datetime.fromisoformat(e.fetched_at) for e in entries).astimezone(UTC).replace(tzinfo=None)
    record_vintage(con, flow, period, vintage + 1, files, fetched, load.files, entries[0].source)
    failpoint("load")
    return vintage + 1


def _require_world_total(flow: str, key: str, entries: list[LandedEntry]) -> None:
    """A month without its all-country totals is not a month: refuse it before touching anything."""
    totals = [e for e in entries if e.kind == "totals"]
    if not totals or totals[0].status == 204 or not totals[0].rows:
        raise ParseError(f"{flow} {key}: the totals response has no rows, so the month cannot be loaded")
