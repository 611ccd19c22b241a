"""Land and load Census months: the work behind the ingest assets, free of Dagster. Landing
(census/fetch.py) waits on the network and never opens the warehouse; loading holds the
warehouse's write lock only while it writes."""

from __future__ import annotations

from collections import deque
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path

import duckdb

from orchestration.census.client import CensusClient
from orchestration.census.fetch import NO_PROGRESS, FetchStats, Progress, land_month
from orchestration.census.landing import (
    LandedEntry,
    LandingStore,
    detail_level,
    known_parts,
    landed_answer,
    landed_with_the_totals,
)
from orchestration.census.load import MonthLoad, ensure_raw_schema, load_month
from orchestration.census.plan import HS_LEVELS, CensusRequest, detail_requests, plan_month
from orchestration.core.errors import InputError, LandingError, is_disk_full, write_failed
from orchestration.core.periods import add_months, month_key
from orchestration.core.settings import current_settings
from orchestration.core.stopping import check_stop
from orchestration.store.duckdb import connect, retry_write_conflicts
from orchestration.store.targets import WarehouseTarget

SOURCES = ("api", "replay")
KEPT = "months loaded before it are kept in raw; the marts and the serving copy were not rebuilt"


@dataclass
class FlowIngest(FetchStats):
    flow: str = ""
    loads: list[MonthLoad] = field(default_factory=list)
    responses_loaded: int = 0

    @property
    def rows(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for load in self.loads:
            for table, count in load.rows.items():
                totals[table] = totals.get(table, 0) + count
        return totals


def steps_per_month(levels: tuple[str, ...]) -> int:
    """Progress steps for one month of one flow: its requests plus the load."""
    return len(plan_month("exports", date(2017, 1, 1), levels)) + 1


def entries_to_load(store: LandingStore, flow: str, month: date, levels: tuple[str, ...]) -> list[LandedEntry]:
    """The landed responses that make up the month: the totals, the detail at the finest requested
    level (or at a finer one landed since the totals: the coarser levels are summed from it) and
    the names of the requested levels (all must be landed), plus any other level and names landed
    since the month's totals, so a narrower refresh never drops a level and a refetch of some
    levels never mixes in others from an older print."""
    landed = store.entries(flow, month)

    def missing(requests: list[CensusRequest]) -> list[str]:
        answers = (landed_answer(landed, request) for request in requests)
        return [answer for answer in answers if isinstance(answer, str)]

    base = detail_level(landed, flow, month, levels)
    # the HS2 names every plan has are a control total, not required of an older landing
    names = [CensusRequest(flow, month, "names", level) for level in HS_LEVELS]
    required = missing(
        [CensusRequest(flow, month, "totals"), *detail_requests(flow, month, base)]
        + [request for request in names if request.level in levels]
    )
    if required:
        raise LandingError(
            f"{flow} {month_key(month)} is not fully landed under {store.root}: {len(required)} response(s) missing "
            f"(e.g. {required[0]}); fetch it with --source api"
        )
    levels_loaded = [
        level for level in HS_LEVELS if level == base or landed_with_the_totals(landed, flow, month, level)
    ]
    requests = [CensusRequest(flow, month, "totals")]
    requests += [request for level in levels_loaded for request in detail_requests(flow, month, level)]
    entries: dict[str, LandedEntry] = {}  # one wider answer of an older plan covers several chapters
    for answer in (landed_answer(landed, request) for request in [*requests, *names]):
        for entry in [] if isinstance(answer, str) else answer:
            entries.setdefault(entry.request_id, entry)
    return list(entries.values())


def plan_counts(store: LandingStore, flow: str, month: date, levels: tuple[str, ...]) -> tuple[int, int]:
    """(requests that make up the month, of them landed already). A request split this month, or
    the month before, counts as its parts, as a refresh would ask for them."""
    landed = store.entries(flow, month)
    before = store.entries(flow, add_months(month, -1))
    pending = deque(plan_month(flow, month, (*levels, detail_level(landed, flow, month, levels))))
    planned = done = 0
    while pending:
        request = pending.popleft()
        parts = known_parts(request, landed.get(request.request_id), before.get(request.request_id))
        if parts:
            pending.extend(parts)
            continue
        planned += 1
        done += not isinstance(landed_answer(landed, request), str)
    return planned, done


def _check_source(source: str, client: CensusClient | None) -> None:
    if source not in SOURCES:
        raise InputError(f"--source {source!r}: choose api or replay")
    if source == "api" and client is None:
        raise InputError("--source api needs a Census client")


def land_months(
    flow: str,
    months: list[date],
    *,
    source: str,
    levels: tuple[str, ...],
    store: LandingStore,
    client: CensusClient | None = None,
    refetch: bool = False,
    progress: Progress = NO_PROGRESS,
    concurrency: int | None = None,
    stats: FlowIngest | None = None,
    fresh_since: datetime | None = None,
) -> FlowIngest:
    """Fetch what each month lacks in the landing zone (source api), or check that each month is
    fully landed (replay). Never opens the warehouse. With refetch, responses fetched since
    `fresh_since` (the run's start) are kept, so that a retried step resumes."""
    _check_source(source, client)
    stats = stats if stats is not None else FlowIngest(flow=flow)
    workers = concurrency or current_settings().census_max_concurrency
    for month in months:
        if source == "api":
            land_month(
                client, store, flow, month, levels, refetch=refetch, progress=progress, stats=stats,
                concurrency=workers, fresh_since=fresh_since,
            )  # fmt: skip
        else:
            entries_to_load(store, flow, month, levels)  # a month not fully landed fails here, not in the load
            progress.update(steps_per_month(levels) - 1)
    return stats


def _load_one(
    warehouse_path: Path, store: LandingStore, flow: str, month: date, entries: list[LandedEntry]
) -> MonthLoad:
    with closing(connect(warehouse_path)) as con:
        ensure_raw_schema(con)
        return load_month(con, store, flow, month, entries)


def load_months(
    flow: str,
    months: list[date],
    *,
    source: str,
    levels: tuple[str, ...],
    store: LandingStore,
    warehouse_path: Path,
    progress: Progress = NO_PROGRESS,
    stats: FlowIngest | None = None,
) -> FlowIngest:
    """Load each month's landed responses, one transaction per month; a failure leaves earlier
    months loaded and the failing month as it was."""
    stats = stats if stats is not None else FlowIngest(flow=flow)
    parallel = WarehouseTarget.from_env(warehouse_path).takes_parallel_writers
    for month in months:
        entries = entries_to_load(store, flow, month, levels)
        stats.responses_loaded += len(entries)
        if source == "replay":
            stats.requests_reused += len(entries)
        check_stop(f"before loading {flow} {month_key(month)}: {KEPT}")

        load = partial(_load_one, warehouse_path, store, flow, month, entries)
        try:
            # a load that lost a commit race to a parallel run is run again
            what = f"loading {flow} {month_key(month)}"
            stats.loads.append(retry_write_conflicts(load, what) if parallel else load())
        except (duckdb.Error, OSError) as error:
            if not is_disk_full(error):
                raise
            stage = f"loading {flow} {month_key(month)} (rolled back; the months before it are kept)"
            raise write_failed(stage, warehouse_path, error) from None
        progress.update(1)
    return stats


def ingest_flow(
    flow: str,
    months: list[date],
    *,
    source: str,
    levels: tuple[str, ...],
    store: LandingStore,
    warehouse_path: Path,
    client: CensusClient | None = None,
    refetch: bool = False,
    progress: Progress = NO_PROGRESS,
    concurrency: int | None = None,
) -> FlowIngest:
    """Land (unless replaying) and load each month in turn; a failure leaves earlier months loaded
    and the failing month as it was."""
    _check_source(source, client)
    stats = FlowIngest(flow=flow)
    for month in months:
        if source == "replay":
            # the load reads the month's manifest and refuses a month not fully landed, as
            # land_months' check would: one read, as a run's load step makes
            progress.update(steps_per_month(levels) - 1)
        else:
            land_months(
                flow, [month], source=source, levels=levels, store=store, client=client, refetch=refetch,
                progress=progress, concurrency=concurrency, stats=stats,
            )  # fmt: skip
        load_months(
            flow, [month], source=source, levels=levels, store=store, warehouse_path=warehouse_path,
            progress=progress, stats=stats,
        )  # fmt: skip
    return stats
