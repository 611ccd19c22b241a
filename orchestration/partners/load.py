"""Partner tariffs from WITS in the raw schema: land (unless replaying) and load one reporter-year.

A landed answer is parsed into one list per column and inserted by one statement of list
parameters: a product/ALL answer is a few thousand rows, and DuckDB reads no XML itself.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.core.errors import InputError, LandingError, ParseError
from orchestration.core.http import BadBody
from orchestration.core.stopping import check_stop
from orchestration.partners.landing import PartnerLandedEntry, PartnerLandingStore, request_key
from orchestration.partners.wits import WitsClient, as_columns, check_datatype, check_m49, check_year, parse_sdmx
from orchestration.store.duckdb import connect, has_unique_constraints, transaction

SOURCES = ("api", "replay")
DDL = (
    """create table if not exists raw.partner_wits_tariffs (
        reporter_m49 VARCHAR NOT NULL, partner_m49 VARCHAR NOT NULL, product_hs6 VARCHAR NOT NULL,
        year SMALLINT NOT NULL, datatype VARCHAR NOT NULL, tariff_type VARCHAR NOT NULL,
        simple_average_pct DOUBLE, min_rate_pct DOUBLE, max_rate_pct DOUBLE, sum_of_rates DOUBLE,
        total_lines INTEGER, pref_lines INTEGER, mfn_lines INTEGER, na_lines INTEGER, nomenclature VARCHAR,
        source VARCHAR, landed_file VARCHAR, fetched_at TIMESTAMP{key})""",
    # every request asked, a 404 NoRecordsFound included: "no tariffs" is told apart from "never asked"
    """create table if not exists raw.partner_wits_requests (
        reporter_m49 VARCHAR NOT NULL, partner_m49 VARCHAR NOT NULL, year SMALLINT NOT NULL,
        datatype VARCHAR NOT NULL, status SMALLINT, rows INTEGER, url VARCHAR, landed_file VARCHAR,
        fetched_at TIMESTAMP)""",
)
KEY = ("reporter_m49", "partner_m49", "product_hs6", "year", "datatype", "tariff_type")
# DuckLake has no primary keys: there, load_partner_year checks the key by this query instead
DUPLICATE = f"""
    select any_value(landed_file) from raw.partner_wits_tariffs
    where reporter_m49 = $reporter and year = $year
    group by {", ".join(KEY)} having count(*) > 1 limit 1
"""
INSERT = """
    insert into raw.partner_wits_tariffs
    select $reporter, $partner, unnest($product_hs6::varchar[]), $year::smallint, $datatype,
        unnest($tariff_type::varchar[]), unnest($simple_average_pct::double[]), unnest($min_rate_pct::double[]),
        unnest($max_rate_pct::double[]), unnest($sum_of_rates::double[]), unnest($total_lines::integer[]),
        unnest($pref_lines::integer[]), unnest($mfn_lines::integer[]), unnest($na_lines::integer[]),
        unnest($nomenclature::varchar[]), $source, $landed, $fetched_at
"""
INSERT_REQUEST = """
    insert into raw.partner_wits_requests
    values ($reporter, $partner, $year, $datatype, $status, $rows, $url, $landed, $fetched_at)
"""


@dataclass
class PartnerYearLoad:
    reporter: str
    year: int
    rows: int = 0
    requests: int = 0
    no_records: list[str] = field(default_factory=list)  # request keys answered 404 NoRecordsFound


@dataclass
class PartnerIngest:
    reporter: str
    year: int
    rows: int = 0
    requests_made: int = 0
    bytes_landed: int = 0
    no_records: list[str] = field(default_factory=list)


def ensure_partner_schema(con) -> None:
    con.execute("create schema if not exists raw")
    key = f", primary key ({', '.join(KEY)})" if has_unique_constraints(con) else ""
    for statement in DDL:
        con.execute(statement.format(key=key))


def _fetched_at(entry: PartnerLandedEntry) -> datetime:
    return datetime.fromisoformat(entry.fetched_at).astimezone(UTC).replace(tzinfo=None)


def landed_rows(store: PartnerLandingStore, entry: PartnerLandedEntry) -> dict[str, list]:
    """The entry's rows as column lists, after checking its file against the manifest."""
    if entry.status == 404:
        return as_columns([])
    path = store.verify(entry)
    try:
        rows = parse_sdmx(gzip.decompress(path.read_bytes()))
    except BadBody as problem:
        raise ParseError(f"landing file {entry.file}: {problem}") from None
    wrong = sorted({row["year"] for row in rows} - {entry.year}, key=str)
    if wrong:
        raise ParseError(f"landing file {entry.file} holds year {wrong[0]}, not only {entry.year}")
    if any(row["tariff_type"] is None or not row["product_hs6"] for row in rows):
        raise ParseError(f"landing file {entry.file} has an observation without a product or tariff type")
    return as_columns(rows)


def load_partner_year(con, store: PartnerLandingStore, reporter: str, year: int) -> PartnerYearLoad:
    """Replace a reporter-year's rows and requests with its latest landed answers, in one transaction."""
    reporter, year = check_m49(reporter, "reporter"), check_year(year)
    entries = store.entries(reporter, year)
    # parsed before the transaction: a bad file leaves the tables as they were, unlocked meanwhile
    columns = {key: landed_rows(store, entry) for key, entry in entries.items()}
    stats = PartnerYearLoad(reporter, year, requests=len(entries))
    where = {"reporter": reporter, "year": year}
    with transaction(con):
        con.execute("delete from raw.partner_wits_tariffs where reporter_m49 = $reporter and year = $year", where)
        con.execute("delete from raw.partner_wits_requests where reporter_m49 = $reporter and year = $year", where)
        for key, entry in sorted(entries.items()):
            common = {
                **where,
                "partner": entry.partner,
                "datatype": entry.datatype,
                "landed": entry.file,
                "fetched_at": _fetched_at(entry),
            }
            try:
                con.execute(INSERT, {**common, "source": entry.source, **columns[key]})
            except duckdb.ConstraintException:
                raise ParseError(f"landing file {entry.file} names a product and tariff type twice") from None
            rows = len(columns[key]["product_hs6"])
            con.execute(INSERT_REQUEST, {**common, "status": entry.status, "rows": rows, "url": entry.url})
            if entry.status == 404:
                stats.no_records.append(key)
        if not has_unique_constraints(con):
            duplicated = con.execute(DUPLICATE, where).fetchone()
            if duplicated:
                raise ParseError(f"landing file {duplicated[0]} names a product and tariff type twice")
        stats.rows = con.execute(
            "select count(*) from raw.partner_wits_tariffs where reporter_m49 = $reporter and year = $year", where
        ).fetchone()[0]
    return stats


def ingest_partner_year(
    reporter: str,
    year: int,
    *,
    source: str,
    store: PartnerLandingStore,
    warehouse_path: Path,
    client: WitsClient | None = None,
    partners: tuple[str, ...] = ("000", "840"),
    datatype: str = "reported",
    refetch: bool = False,
) -> PartnerIngest:
    """Land what is not landed yet (everything with `refetch`; nothing when replaying), then load
    the reporter-year. Every answer is landed before the load starts, so a failed fetch leaves
    the warehouse as it was."""
    if source not in SOURCES:
        raise InputError(f"--source {source!r}: choose api or replay")
    reporter, year, datatype = check_m49(reporter, "reporter"), check_year(year), check_datatype(datatype)
    partners = tuple(check_m49(partner, "partner") for partner in partners)
    stats = PartnerIngest(reporter, year)
    landed = store.entries(reporter, year)
    if source == "api":
        if client is None:
            raise InputError("--source api needs a WITS client")
        for partner in partners:
            if request_key(partner, datatype) in landed and not refetch:
                continue
            check_stop(f"while fetching WITS tariffs of {reporter} for {year}: the partner tables are as they were")
            response = client.tariffs(reporter, partner, year, datatype=datatype)
            store.land(
                reporter,
                partner,
                year,
                url=response.url,
                status=response.status,
                body=response.body,
                rows=response.rows,
                source="wits_api",
                datatype=datatype,
            )
            stats.requests_made += 1
            stats.bytes_landed += len(response.body)
    else:
        missing = [partner for partner in partners if request_key(partner, datatype) not in landed]
        if missing:
            raise LandingError(
                f"WITS tariffs of reporter {reporter} on partner {missing[0]} for {year} ({datatype}) are not landed "
                f"under {store.root}: fetch them with --source api"
            )
    check_stop(f"before loading WITS tariffs of {reporter} for {year}: the partner tables are as they were")
    with connect(warehouse_path) as con:
        ensure_partner_schema(con)
        loaded = load_partner_year(con, store, reporter, year)
    stats.rows, stats.no_records = loaded.rows, loaded.no_records
    return stats
