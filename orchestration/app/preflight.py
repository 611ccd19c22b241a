"""Before a refresh: what it would ask the Census API (`plan`), and whether the live services
answer as this warehouse expects (`doctor`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.census.bulk_files import BulkFileClient, BulkStore, find_in_folder, same_copy, zip_name
from orchestration.census.client import CensusClient
from orchestration.census.fetch import measured_latency, month_published
from orchestration.census.ingest import plan_counts
from orchestration.census.landing import LandingStore
from orchestration.census.plan import FLOWS, CensusRequest, finest_level
from orchestration.core.errors import WarehouseError, first_line
from orchestration.core.periods import FIRST_MONTH, add_months, month_key
from orchestration.hts.client import HtsClient
from orchestration.hts.releases import current_release

# The live server's answer time per chapter request when nothing has been measured here yet.
LIVE_SECONDS = (1.0, 12.0)


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return f"{seconds:.0f} s"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def plan_report(store: LandingStore, months: list[date], levels: tuple[str, ...], concurrency: int) -> str:
    """The requests a refresh of the months would make, what is landed, and the time it may take."""
    by_flow = dict.fromkeys(FLOWS, 0)
    landed = complete = 0
    for month in months:
        for flow in FLOWS:
            total, done = plan_counts(store, flow, month, levels)
            by_flow[flow] += total
            landed, complete = landed + done, complete + (done == total)
    planned = sum(by_flow.values())
    to_fetch = planned - landed
    span = f"{month_key(months[0])} to {month_key(months[-1])}" if len(months) > 1 else month_key(months[0])
    per_month = ", ".join(f"{by_flow[flow] / len(months):,.0f} of {flow}" for flow in FLOWS)
    lines = [
        f"plan for {span}, levels {','.join(levels)} (detail fetched at {finest_level(levels)} by chapter), "
        "exports and imports:",
        f"  requests         {planned:,} (per month: {per_month})",
        f"  already landed   {landed:,} ({complete} of {2 * len(months)} flow-months complete)",
        f"  to fetch         {to_fetch:,}",
    ]
    measured = measured_latency(store)
    if measured:
        seconds, count = measured
        lines.append(
            f"  estimate         {_duration(to_fetch * seconds / concurrency)} at {seconds:.1f} s per request "
            f"(median of {count} on the last run), {concurrency} at a time (CENSUS_MAX_CONCURRENCY)"
        )
    else:
        low, high = (_duration(to_fetch * s / concurrency) for s in LIVE_SECONDS)
        lines.append(
            f"  estimate         {low} to {high} at the live server's {LIVE_SECONDS[0]:g}-{LIVE_SECONDS[1]:g} s per "
            f"request, {concurrency} at a time (nothing measured here yet)"
        )
    return "\n".join(lines)


@dataclass
class Finding:
    ok: bool
    what: str


def _check(findings: list[Finding], what: str, call: Callable[[], str]) -> str | None:
    try:
        said = call()
    except WarehouseError as error:
        findings.append(Finding(False, f"{what}: {first_line(error)}"))
        return None
    findings.append(Finding(True, f"{what}: {said}"))
    return said


def doctor(census: CensusClient | WarehouseError, hts: HtsClient, today: date) -> list[Finding]:
    """About five cheap calls to the live services, each said in plain words. `census` is the
    error that kept a client from being made (no key), if one did."""
    findings: list[Finding] = []
    newest: list[date] = []
    if isinstance(census, WarehouseError):
        findings.append(Finding(False, f"Census key: {first_line(census)}"))
        census = None

    def key_and_month() -> str:
        for back in range(1, 5):
            month = add_months(date(today.year, today.month, 1), -back)
            if month >= FIRST_MONTH and month_published(census, month):
                newest.append(month)
                return f"accepted; the newest published month is {month_key(month)}"
        return "accepted, but none of the last four months is published"

    if census is not None:
        _check(findings, "Census key", key_and_month)
    if newest:
        month = newest[0]
        world = [("CTY_CODE", "-")]
        names = CensusRequest("exports", month, "names", "HS2")

        def wildcard(literal: bool) -> Callable[[], str]:
            def call() -> str:
                params = [*names.params(), *world, ("E_COMMODITY", "84*")]
                response = census.get(names.path, params, literal=literal)
                if response.no_data:
                    raise WarehouseError("no rows (HTTP 204): the server did not read it as a wildcard")
                return f"understood ({response.row_count} row(s) for chapter 84)"

            return call

        _check(findings, "wildcard sent as E_COMMODITY=84*", wildcard(True))
        _check(findings, "wildcard sent as E_COMMODITY=84%2A", wildcard(False))
        chapter = CensusRequest("exports", month, "detail", "HS10", "84")

        def one_chapter() -> str:
            started = time.monotonic()
            response = census.get(chapter.path, chapter.params(), splittable=True)
            return f"{response.row_count:,} rows in {time.monotonic() - started:.1f} s"

        _check(findings, f"one chapter (exports HS10 84, all partners, {month_key(month)})", one_chapter)

    def release() -> str:
        return f"answered; the current release is {current_release(hts.release_list()[1])}"

    _check(findings, "HTS release list", release)
    return findings


def format_findings(findings: list[Finding]) -> str:
    lines = [f"{'ok  ' if finding.ok else 'FAIL'}  {finding.what}" for finding in findings]
    failed = sum(not finding.ok for finding in findings)
    lines.append("everything answered as expected" if not failed else f"{failed} check(s) failed")
    return "\n".join(lines)


def bulk_plan_report(
    root: Path, months: list[date], levels: tuple[str, ...], *, client: BulkFileClient | None,
    from_dir: Path | None, concurrency: int,
) -> str:  # fmt: skip
    """What `backfill --source bulk` would do, before anything is fetched: which flow-months have a
    ZIP (asked with HEAD, or looked for in the folder), how much is left to download, and which
    fall back to the API, with their requests."""
    store, api_store = BulkStore(root), LandingStore(root)
    landed = store.latest()
    with_zip = reused = unknown_size = 0
    to_download = 0
    from_api: dict[str, list[date]] = {flow: [] for flow in FLOWS}
    requests = 0
    for month in months:
        for flow in FLOWS:
            key = month_key(month)
            entry = landed.get(f"{flow}/{key}")
            if from_dir is not None:
                found = find_in_folder(from_dir, zip_name(flow, key))
                present = found is not None
                size = found.stat().st_size if found else None
                same = bool(found and entry and entry.size == size)  # an estimate: the copy checks sha256
            else:
                probe = client.probe(flow, key) if client else None
                present = probe is not None
                size = probe.size if probe else None
                same = bool(probe and entry and same_copy(entry, probe))
            if not present:
                from_api[flow].append(month)
                total, done = plan_counts(api_store, flow, month, levels)
                requests += total - done
                continue
            with_zip += 1
            if same:
                reused += 1
            elif size is None:
                unknown_size += 1
            else:
                to_download += size
    span = f"{month_key(months[0])} to {month_key(months[-1])}" if len(months) > 1 else month_key(months[0])
    where = f"the folder {from_dir}" if from_dir else (client.base_url if client else "no bulk source")
    flow_months = 2 * len(months)
    lines = [
        f"plan for {span}, source bulk ({where}), exports and imports:",
        f"  bulk files       {with_zip} of {flow_months} flow-months"
        + (f" ({reused} landed already{'' if from_dir else ', unchanged on the server'})" if reused else ""),
        f"  {'to copy' if from_dir else 'to download':<17}{_size(to_download)}"
        + (f" (+ {unknown_size} of unknown size)" if unknown_size else ""),
    ]
    for flow in FLOWS:
        if from_api[flow]:
            lines.append(f"  from the API     {flow} {_ranges(from_api[flow])} (no ZIP)")
    if any(from_api.values()):
        low, high = (_duration(requests * s / concurrency) for s in LIVE_SECONDS)
        lines.append(
            f"  API requests     {requests:,} ({low} to {high}, {concurrency} at a time; CENSUS_API_KEY needed)"
        )
    return "\n".join(lines)


def _size(count: int) -> str:
    return f"{count / 1e9:,.1f} GB" if count >= 1e9 else f"{count / 1e6:,.1f} MB"


def _ranges(months: list[date]) -> str:
    """2015-01..2015-03, 2016-07: consecutive months as ranges."""
    runs: list[list[date]] = []
    for month in months:
        if runs and add_months(runs[-1][-1], 1) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return ", ".join(
        month_key(run[0]) if len(run) == 1 else f"{month_key(run[0])}..{month_key(run[-1])}" for run in runs
    )
