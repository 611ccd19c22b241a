"""Land and load Census months: the work behind the ingest assets, free of Dagster."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

import duckdb

from orchestration.census.client import CensusClient
from orchestration.census.landing import LandedEntry, LandingStore
from orchestration.census.load import MonthLoad, ensure_raw_schema, load_month
from orchestration.census.plan import HS_LEVELS, CensusRequest, plan_month
from orchestration.core.errors import CensusNoData, InputError, LandingError, is_disk_full, write_failed
from orchestration.core.failpoints import failpoint
from orchestration.core.periods import month_key
from orchestration.core.stopping import check_stop
from orchestration.store.duckdb import connect

SOURCES = ("api", "replay")
KEPT = "months loaded before it are kept in raw; the marts and the serving copy were not rebuilt"


class Progress(Protocol):
    """What a tqdm bar offers; ingest and dbt report their steps through it."""

    def update(self, n: int = 1) -> object: ...

    def set_description(self, desc: str) -> object: ...


class NoProgress:
    def update(self, n: int = 1) -> None:
        return None

    def set_description(self, desc: str) -> None:
        return None


NO_PROGRESS = NoProgress()


@dataclass
class FlowIngest:
    flow: str
    loads: list[MonthLoad] = field(default_factory=list)
    requests_made: int = 0
    requests_reused: int = 0
    bytes_landed: int = 0

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


def land_month(
    client: CensusClient,
    store: LandingStore,
    flow: str,
    month: date,
    levels: tuple[str, ...],
    *,
    refetch: bool = False,
    progress: Progress = NO_PROGRESS,
    stats: FlowIngest | None = None,
) -> None:
    """Fetch every planned request of the month that is not landed yet (all of them with refetch)."""
    landed = store.entries(flow, month)
    for request in plan_month(flow, month, levels):
        if not refetch and request.request_id in landed:
            if stats:
                stats.requests_reused += 1
            progress.update(1)
            continue
        check_stop(f"while fetching {flow} {month_key(month)}: {KEPT}")
        response = client.get(request.path, request.params())
        if response.no_data and request.kind == "totals":
            raise CensusNoData(
                f"Census has no {flow} data for {month_key(month)} yet (HTTP 204): "
                "a month is published about five weeks after it ends"
            )
        store.land(
            request,
            url=response.url,
            status=response.status,
            body=response.body,
            header=response.header,
            rows=response.row_count,
            source="census_api",
        )
        if stats:
            stats.requests_made += 1
            stats.bytes_landed += len(response.body)
        failpoint("fetch")
        progress.update(1)


def entries_to_load(store: LandingStore, flow: str, month: date, levels: tuple[str, ...]) -> list[LandedEntry]:
    """The landed responses that make up the month: every requested level (all must be landed)
    and any other level that is completely landed, so a narrower refresh never drops a level."""
    landed = store.entries(flow, month)

    def missing(plan: list[CensusRequest]) -> list[str]:
        return [request.request_id for request in plan if request.request_id not in landed]

    required = missing(plan_month(flow, month, levels))
    if required:
        raise LandingError(
            f"{flow} {month_key(month)} is not fully landed under {store.root}: {len(required)} response(s) missing "
            f"(e.g. {required[0]}); fetch it with --source api"
        )
    wanted = set(levels) | {
        level for level in HS_LEVELS if level not in levels and not missing(plan_month(flow, month, (level,)))
    }
    plan = plan_month(flow, month, tuple(level for level in HS_LEVELS if level in wanted))
    return [landed[request.request_id] for request in plan]


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
) -> FlowIngest:
    """Land (unless replaying) and load each month in turn; a failure leaves earlier months loaded
    and the failing month as it was."""
    if source not in SOURCES:
        raise InputError(f"--source {source!r}: choose api or replay")
    if source == "api" and client is None:
        raise InputError("--source api needs a Census client")
    stats = FlowIngest(flow)
    for month in months:
        if source == "api":
            land_month(client, store, flow, month, levels, refetch=refetch, progress=progress, stats=stats)
        else:
            progress.update(steps_per_month(levels) - 1)
        entries = entries_to_load(store, flow, month, levels)
        if source == "replay":
            stats.requests_reused += len(entries)
        check_stop(f"before loading {flow} {month_key(month)}: {KEPT}")
        # The write lock is held only while loading, never while waiting on the network.
        try:
            with closing(connect(warehouse_path)) as con:
                ensure_raw_schema(con)
                stats.loads.append(load_month(con, store, flow, month, entries))
        except (duckdb.Error, OSError) as error:
            if not is_disk_full(error):
                raise
            stage = f"loading {flow} {month_key(month)} (rolled back; the months before it are kept)"
            raise write_failed(stage, warehouse_path, error) from None
        progress.update(1)
    return stats


def month_published(client: CensusClient, month: date) -> bool:
    """Whether Census serves the month yet: the smallest query answers 204 until it does."""
    return not client.get("/exports/hs", [("get", "ALL_VAL_MO"), ("time", month_key(month))]).no_data
