"""Land and load HTS releases: the work behind the tariff assets, free of Dagster.

exportList serves only the current release, so a release is fetched while it is current and
kept in the landing zone; a past release is loaded from its revision file (path or URL).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.core.errors import HtsApiError, InputError, LandingError
from orchestration.core.stopping import check_stop
from orchestration.hts.client import CHAPTER_RANGES, HtsClient, part_name, read_file, release_from_filename
from orchestration.hts.landing import FILE_PART, RELEASE_LIST, HtsLandingStore, check_release_name
from orchestration.hts.load import (
    ParseStats,
    ensure_hts_schema,
    load_release,
    load_release_list,
    parse_new_texts,
    register_release,
)
from orchestration.store.duckdb import connect

SOURCES = ("api", "replay")


@dataclass
class ReleaseIngest:
    release: str
    rows: int = 0
    requests_made: int = 0
    bytes_landed: int = 0
    origin: str = ""  # hts_api | hts_file | sample
    parse: ParseStats | None = None


def calendar_dates(seed: Path) -> dict[str, str]:
    """release -> publication date from the curated calendar (dbt seed hts_release_dates)."""
    if not seed.exists():
        return {}
    with seed.open(newline="") as handle:
        return {row["release"]: row["publication_date"] for row in csv.DictReader(handle)}


def current_release(releases: list[dict]) -> str:
    current = [r["name"] for r in releases if str(r.get("status", "")).lower() == "current"]
    if not current:
        raise HtsApiError("the HTS release list names no current release")
    return current[0]


def fetch_release_list(client: HtsClient, store: HtsLandingStore, stats: ReleaseIngest | None = None) -> list[dict]:
    response, releases = client.release_list()
    store.land(RELEASE_LIST, "releases", url=response.url, body=response.body, rows=response.rows, source="hts_api")
    if stats:
        stats.requests_made += 1
        stats.bytes_landed += len(response.body)
    return releases


def land_current_release(client: HtsClient, store: HtsLandingStore, release: str, stats: ReleaseIngest) -> None:
    """The release's chapter ranges, landed only when the service still names it current after the
    last range: exportList serves whatever is current, so a release published mid-fetch would
    otherwise mix two releases under one name."""
    responses = {}
    for start, end in CHAPTER_RANGES:
        check_stop(f"while fetching HTS release {release}: the tariff tables are as they were")
        responses[part_name(start, end)] = client.export_list(start, end)
        stats.requests_made += 1
    _, releases = client.release_list()
    stats.requests_made += 1
    now = current_release(releases)
    if now != release:
        raise HtsApiError(
            f"the current HTS release changed from {release} to {now} while it was being fetched; nothing was "
            f"landed; refresh again to load {now}"
        )
    for part, response in responses.items():
        store.land(release, part, url=response.url, body=response.body, rows=response.rows, source="hts_api")
        stats.bytes_landed += len(response.body)


def land_file(
    store: HtsLandingStore, location: str, release: str, release_date: str | None, client: HtsClient | None
) -> int:
    """Land a revision file (local path, .json or .json.gz, or an http(s) URL); returns its bytes."""
    if location.startswith(("http://", "https://")):
        if client is None:
            raise InputError("--file URL needs the network (use --source api)")
        response = client.fetch_url(location)
        body, rows, shown = response.body, response.rows, location
    else:
        path = Path(location).expanduser()
        body, rows = read_file(path)
        shown = path.resolve().as_uri()
    store.land(release, FILE_PART, url=shown, body=body, rows=rows, source="hts_file", release_date=release_date)
    return len(body)


def release_for_file(location: str, release: str | None) -> str:
    name = release or release_from_filename(Path(location).name)
    if not name:
        raise InputError(f"cannot tell the HTS release from the file name {Path(location).name!r}: pass --release NAME")
    return check_release_name(name)


def _parse_date(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise InputError(f"--release-date {text!r} is not a date in YYYY-MM-DD form") from None


def ingest_release(
    release: str,
    *,
    source: str,
    store: HtsLandingStore,
    warehouse_path: Path,
    client: HtsClient | None = None,
    file: str | None = None,
    release_date: str | None = None,
    refetch: bool = False,
    calendar: dict[str, str] | None = None,
    max_shrink: float | None = None,
) -> ReleaseIngest:
    """Land (unless replaying) and load one release, then parse any rate text not seen before."""
    if source not in SOURCES:
        raise InputError(f"--source {source!r}: choose api or replay")
    release = check_release_name(release)
    release_date = _parse_date(release_date)
    calendar = calendar or {}
    stats = ReleaseIngest(release)
    listed: dict[str, dict] = {}
    # A file on this machine needs no service: its date comes from the calendar or --release-date.
    local_file = bool(file) and not file.startswith(("http://", "https://"))
    if source == "api" and not local_file:
        if client is None:
            raise InputError("--source api needs an HTS client")
        listed = {r["name"]: r for r in fetch_release_list(client, store, stats)}
    if file:
        if release not in listed and release not in calendar and not release_date:
            raise InputError(f"the date of HTS release {release} is unknown: pass --release-date YYYY-MM-DD")
        online = source == "api" and not local_file
        stats.bytes_landed += land_file(store, file, release, release_date, client if online else None)
    elif source == "api":
        if release not in listed:
            raise InputError(f"HTS release {release} is not in the service's release list")
        landed = store.entries(release)
        complete = all(part_name(*bounds) in landed for bounds in CHAPTER_RANGES)
        if str(listed[release].get("status", "")).lower() == "current":
            if refetch or not complete:
                land_current_release(client, store, release, stats)
        elif not complete and FILE_PART not in landed:
            raise LandingError(
                f"HTS release {release} is archived and exportList serves only the current release "
                f"({current_release(list(listed.values()))}); load it from its revision file with --file PATH"
            )
    check_stop(f"before loading HTS release {release}: the tariff tables are as they were")
    entries = store.entries_to_load(release)
    stats.origin = entries[0].source
    with connect(warehouse_path) as con:
        ensure_hts_schema(con)
        release_list = store.latest_release_list()
        if release_list is not None:
            load_release_list(con, store, release_list)
        stats.rows = load_release(con, store, release, entries, max_shrink)
        if entries[0].part == FILE_PART or entries[0].source == "sample":
            typed = entries[0].release_date  # given with the file (--release-date), kept in the manifest
            known = typed or calendar.get(release)
            if known:
                register_release(con, entries[0], known, given=bool(typed) and entries[0].source != "sample")
        stats.parse = parse_new_texts(con, release)
    return stats
