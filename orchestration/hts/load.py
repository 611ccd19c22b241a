"""HTS releases and lines in the raw schema, and the parsed form of every rate text.

Lines are read by DuckDB from the landed JSON with an explicit schema (the service's
`addiitionalDuties` key is always null and would be typed NULL otherwise). Rate texts are few
(about a thousand distinct strings), so they are parsed in Python once each and kept as a
lookup that the dbt models join to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from orchestration.core.errors import ParseError
from orchestration.hts.landing import HtsLandedEntry, HtsLandingStore
from orchestration.hts.rates import Rate, chapter99_references, parse_rate, parse_special
from orchestration.store.duckdb import transaction

PARSER_VERSION = 1
META = "_source VARCHAR, _landed_file VARCHAR, _vintage TIMESTAMP, _loaded_at TIMESTAMP"
LINE_COLUMNS = {
    "htsno": "VARCHAR",
    "indent": "VARCHAR",
    "description": "VARCHAR",
    "superior": "VARCHAR",
    "units": "VARCHAR[]",
    "general": "VARCHAR",
    "special": "VARCHAR",
    "other": "VARCHAR",
    "footnotes": "JSON",
    "quotaQuantity": "VARCHAR",
    "additionalDuties": "VARCHAR",
}
DDL = (
    f"""create table if not exists raw.hts_lines (
        release VARCHAR NOT NULL, ordinal INTEGER NOT NULL, htsno VARCHAR, indent SMALLINT, description VARCHAR,
        superior BOOLEAN, units VARCHAR[], general VARCHAR, special VARCHAR, other VARCHAR, footnotes JSON,
        quota_quantity VARCHAR, additional_duties VARCHAR, {META})""",
    f"""create table if not exists raw.hts_releases (
        name VARCHAR NOT NULL, description VARCHAR, status VARCHAR, release_start_date DATE, {META})""",
    """create table if not exists raw.hts_parsed_rates (
        parser_version INTEGER, column_kind VARCHAR, text VARCHAR, parse_status VARCHAR, rate_kind VARCHAR,
        ad_valorem_pct DOUBLE, specific_usd DOUBLE, specific_unit VARCHAR, components JSON, minimum JSON,
        maximum JSON, rate_references VARCHAR[], programs VARCHAR[])""",
    """create table if not exists raw.hts_parsed_special (
        parser_version INTEGER, text VARCHAR, program VARCHAR, rate_text VARCHAR, parse_status VARCHAR,
        rate_kind VARCHAR, ad_valorem_pct DOUBLE, specific_usd DOUBLE, specific_unit VARCHAR,
        rate_references VARCHAR[])""",
    # Chapter 99 headings (or ranges) each distinct footnotes JSON points to, by the rate parser's
    # chapter99_references: dbt joins these rather than matching the footnotes itself.
    """create table if not exists raw.hts_parsed_footnotes (
        parser_version INTEGER, footnotes VARCHAR, chapter99_refs VARCHAR[])""",
)


RELEASE_COLUMNS = "name, description, status, release_start_date, _source, _landed_file, _vintage, _loaded_at"


def ensure_hts_schema(con) -> None:
    con.execute("create schema if not exists raw")
    had_footnotes = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = 'hts_parsed_footnotes'"
    ).fetchone()[0]
    for statement in DDL:
        con.execute(statement)
    if not had_footnotes:
        parse_new_footnotes(con)  # lines loaded before the table existed
    # true: the date was given with --release-date and wins over the calendar
    con.execute("alter table raw.hts_releases add column if not exists date_given BOOLEAN")


class ShrinkRefused(ParseError):
    """A release much smaller than the one in force: a partial file, most likely."""


def tariffs_loaded(con) -> bool:
    """Whether the warehouse holds a tariff schedule: an HTS release or a partner's WITS year. Until
    one is loaded the tariff marts are not built (their inputs would be the seeds alone)."""
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'raw' "
            "and table_name in ('hts_lines', 'partner_wits_tariffs') and estimated_size > 0"
        ).fetchone()[0]
    )


def _check_shrink(con, release: str, max_shrink: float | None) -> None:
    """Refuse a release that drops more than `max_shrink` of the lines of the newest other
    release loaded (by release date): loading it would end all those lines' validity."""
    if max_shrink is None:
        return
    previous = con.execute(
        """
        select l.release, count(*) from raw.hts_lines as l
        left join raw.hts_releases as r on r.name = l.release
        where l.release <> $release
        group by l.release, r.release_start_date
        order by r.release_start_date desc nulls last, l.release desc limit 1
        """,
        {"release": release},
    ).fetchone()
    if previous is None:
        return
    before, lines = (
        previous[1],
        con.execute("select count(*) from raw.hts_lines where release = $release", {"release": release}).fetchone()[0],
    )
    if lines < before * (1 - max_shrink):
        raise ShrinkRefused(
            f"HTS release {release} has {lines:,} lines, {1 - lines / before:.0%} fewer than the {before:,} of "
            f"{previous[0]} in force (more than HTS_MAX_SHRINK_PCT={max_shrink * 100:g}): refused as a likely partial "
            "file; pass --allow-shrink if the schedule really shrank"
        )


def _vintage(entry: HtsLandedEntry) -> datetime:
    return datetime.fromisoformat(entry.fetched_at).astimezone(UTC).replace(tzinfo=None)


def load_release(
    con, store: HtsLandingStore, release: str, entries: list[HtsLandedEntry], max_shrink: float | None = None
) -> int:
    """Replace one release's lines, in one transaction; returns the rows loaded."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with transaction(con):
        con.execute("delete from raw.hts_lines where release = $release", {"release": release})
        offset = 0
        for entry in entries:
            path = str(store.verify(entry))
            con.execute(
                """
                insert into raw.hts_lines
                select $release, $offset + ordinality, htsno, try_cast(indent as smallint), description,
                    superior = 'true', units, general, special, other, footnotes, quotaQuantity, additionalDuties,
                    $source, $landed, $vintage, $now
                from read_json($path, format='array', columns=$columns) with ordinality
                """,
                {
                    "release": release,
                    "offset": offset,
                    "path": path,
                    "columns": LINE_COLUMNS,
                    "source": entry.source,
                    "landed": entry.file,
                    "vintage": _vintage(entry),
                    "now": now,
                },
            )
            offset += entry.rows
        loaded, without_number = con.execute(
            "select count(*), count(*) filter (where htsno is null) from raw.hts_lines where release = $release",
            {"release": release},
        ).fetchone()
        if without_number:
            raise ParseError(f"HTS release {release}: {without_number} rows without htsno (not HTS JSON rows)")
        _check_shrink(con, release, max_shrink)
    return loaded


def load_release_list(con, store: HtsLandingStore, entry: HtsLandedEntry) -> int:
    """Upsert the releases named in a landed releaseList answer."""
    path = str(store.verify(entry))
    columns = {"name": "VARCHAR", "description": "VARCHAR", "status": "VARCHAR", "releaseStartDate": "VARCHAR"}
    with transaction(con):
        con.execute(
            "create or replace temp table _releases as select * from read_json($path, format='array', columns=$c)",
            {"path": path, "c": columns},
        )
        # a date typed with --release-date stays (it wins over the list): those rows are kept as they are
        con.execute(
            "delete from raw.hts_releases "
            "where name in (select name from _releases) and not coalesce(date_given, false)"
        )
        con.execute(
            f"""
            insert into raw.hts_releases ({RELEASE_COLUMNS})
            select name, description, status, try_strptime(releaseStartDate, ['%m/%d/%Y', '%Y-%m-%d'])::date,
                $source, $landed, $vintage, now()::timestamp
            from _releases
            where name is not null and name not in (select name from raw.hts_releases where date_given)
            """,
            {"source": entry.source, "landed": entry.file, "vintage": _vintage(entry)},
        )
        count = con.execute("select count(*) from _releases").fetchone()[0]
        con.execute("drop table _releases")
    return count


def register_release(con, entry: HtsLandedEntry, release_date: str, *, given: bool = False) -> None:
    """Record a release known from a file (or the sample) rather than from the release list; a
    date given with the file (`given`) wins over the calendar and the list."""
    name, source = entry.release, entry.source
    known = con.execute(
        "select count(*) from raw.hts_releases where name = $name and _source = 'hts_api'", {"name": name}
    ).fetchone()[0]
    if known:
        if given:
            con.execute(
                "update raw.hts_releases set release_start_date = $date::date, date_given = true where name = $name",
                {"name": name, "date": release_date},
            )
        return  # otherwise the release list's own dates win
    con.execute("delete from raw.hts_releases where name = $name", {"name": name})
    con.execute(
        f"insert into raw.hts_releases ({RELEASE_COLUMNS}, date_given) values ($name, $name, 'archived', "
        "$date::date, $source, $landed, $vintage, now()::timestamp, $given)",
        {
            "name": name, "date": release_date, "source": source, "landed": entry.file, "vintage": _vintage(entry),
            "given": given,
        },
    )  # fmt: skip


@dataclass(frozen=True)
class ParseStats:
    new_texts: int
    general_parsed: int
    general_unparsed: int
    unparsed_examples: tuple[str, ...]

    @property
    def general_parse_rate(self) -> float | None:
        total = self.general_parsed + self.general_unparsed
        return self.general_parsed / total if total else None


def _rate_row(column_kind: str, rate: Rate) -> tuple:
    specific = rate.specific
    as_json = lambda value: json.dumps(value) if value is not None else None  # noqa: E731
    return (
        PARSER_VERSION,
        column_kind,
        rate.text,
        rate.status,
        rate.kind,
        rate.ad_valorem_pct,
        specific.value if specific else None,
        specific.unit if specific else None,
        as_json([c.__dict__ for c in rate.components]),
        as_json(rate.minimum.__dict__ if rate.minimum else None),
        as_json(rate.maximum.__dict__ if rate.maximum else None),
        list(rate.references),
        [],
    )


def _insert_rows(con, table: str, rows: list[tuple]) -> None:
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    placeholders = ", ".join(f"unnest(${i})" for i in range(1, len(columns) + 1))
    con.execute(f"insert into raw.{table} select {placeholders}", {str(i): list(c) for i, c in enumerate(columns, 1)})


def parse_new_footnotes(con) -> int:
    """Record the Chapter 99 references of every footnote set not read yet (all releases);
    returns how many sets were new."""
    con.execute("delete from raw.hts_parsed_footnotes where parser_version <> $v", {"v": PARSER_VERSION})
    footnotes = [
        row[0]
        for row in con.execute(
            """
            select distinct cast(footnotes as varchar) as f from raw.hts_lines
            where footnotes is not null and f not in (select footnotes from raw.hts_parsed_footnotes)
            """
        ).fetchall()
    ]
    _insert_rows(
        con,
        "hts_parsed_footnotes",
        [(PARSER_VERSION, text, chapter99_references(json.loads(text))) for text in footnotes],
    )
    return len(footnotes)


def parse_new_texts(con, release: str | None = None) -> ParseStats:
    """Parse every rate text not parsed yet by this parser version; report the release's general column."""
    con.execute("delete from raw.hts_parsed_rates where parser_version <> $v", {"v": PARSER_VERSION})
    con.execute("delete from raw.hts_parsed_special where parser_version <> $v", {"v": PARSER_VERSION})
    rate_texts = [
        row[0]
        for row in con.execute(
            """
            select distinct t from (select general as t from raw.hts_lines union select other from raw.hts_lines)
            where t is not null and t not in (select text from raw.hts_parsed_rates where column_kind = 'rate')
            """
        ).fetchall()
    ]
    special_texts = [
        row[0]
        for row in con.execute(
            """
            select distinct special from raw.hts_lines
            where special is not null
                and special not in (select text from raw.hts_parsed_rates where column_kind = 'special')
            """
        ).fetchall()
    ]
    rows = [_rate_row("rate", parse_rate(text)) for text in rate_texts]
    program_rows = []
    for text in special_texts:
        special = parse_special(text)
        programs = sorted({p for s in special.segments for p in s.programs})
        rows.append(
            (
                PARSER_VERSION,
                "special",
                text,
                special.status,
                None,
                None,
                None,
                None,
                json.dumps([{"programs": list(s.programs), "rate": s.rate.text.strip()} for s in special.segments]),
                None,
                None,
                [],
                programs,
            )  # fmt: skip
        )
        for segment in special.segments:
            rate, specific = segment.rate, segment.rate.specific
            for program in segment.programs or ("",):
                program_rows.append(
                    (PARSER_VERSION, text, program, rate.text.strip(), rate.status, rate.kind, rate.ad_valorem_pct,
                     specific.value if specific else None, specific.unit if specific else None, list(rate.references))
                )  # fmt: skip
    _insert_rows(con, "hts_parsed_rates", rows)
    _insert_rows(con, "hts_parsed_special", program_rows)
    parse_new_footnotes(con)
    parsed, unparsed, examples = con.execute(
        """
        select count(*) filter (where p.parse_status = 'parsed'), count(*) filter (where p.parse_status = 'unparsed'),
            list(distinct l.general) filter (where p.parse_status = 'unparsed')
        from raw.hts_lines l join raw.hts_parsed_rates p on p.text = l.general and p.column_kind = 'rate'
        where ($release is null or l.release = $release) and p.parse_status <> 'empty'
        """,
        {"release": release},
    ).fetchone()
    return ParseStats(len(rate_texts) + len(special_texts), parsed, unparsed, tuple((examples or [])[:5]))
