"""History from the bulk files: the work behind `backfill --source bulk`, free of Dagster.

Each month and flow lands its ZIP (from the downloads site or a folder); a month whose ZIP the
source does not have falls back to the API, for that month and flow only. The load then takes
what landed: the ZIP as a `census_bulk` vintage, or the API's responses as a refresh would.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from orchestration.census.bulk_files import BulkFileClient, BulkStore, land_zip, zip_name, zip_url
from orchestration.census.bulk_load import BulkLoad, load_bulk_month
from orchestration.census.client import CensusClient
from orchestration.census.fetch import NO_PROGRESS, Progress
from orchestration.census.ingest import KEPT, FlowIngest, land_months, load_months
from orchestration.census.landing import LandingStore
from orchestration.core.errors import CensusKeyError, CensusNoData, is_disk_full, write_failed
from orchestration.core.periods import month_key
from orchestration.core.stopping import check_stop
from orchestration.store.duckdb import connect


@dataclass
class BulkIngest:
    flow: str
    zips_landed: int = 0  # downloaded or copied this run
    zips_reused: int = 0  # landed before, and the source's copy has not changed
    bytes_landed: int = 0
    from_api: list[str] = field(default_factory=list)  # months that fell back to the API
    loads: list[BulkLoad] = field(default_factory=list)
    api: FlowIngest | None = None  # what the API fallback fetched and loaded

    @property
    def rows(self) -> dict[str, int]:
        totals: dict[str, int] = dict(self.api.rows) if self.api else {}
        for load in self.loads:
            for table, count in load.rows.items():
                totals[table] = totals.get(table, 0) + count
        return totals


def land_bulk_months(
    flow: str,
    months: list[date],
    *,
    root: Path,
    client: BulkFileClient | None,
    from_dir: Path | None = None,
    api_client: Callable[[], CensusClient] | None = None,
    levels: tuple[str, ...],
    refetch: bool = False,
    progress: Progress = NO_PROGRESS,
    stats: BulkIngest | None = None,
) -> BulkIngest:
    """Land each month's ZIP, or the month's API responses where the source has no ZIP.
    `api_client` makes the API client when a month first needs it (the key is required then)."""
    stats = stats if stats is not None else BulkIngest(flow)
    store = BulkStore(root)
    for month in months:
        key = month_key(month)
        check_stop(f"before landing {flow} {key}")
        entry, new = land_zip(store, client, flow, key, from_dir=from_dir, refetch=refetch)
        if entry is None:
            where = f"in {from_dir}" if from_dir else f"at {zip_url(client.base_url, flow, key)}" if client else ""
            if api_client is None:
                raise CensusNoData(f"{flow} {key}: no bulk file {zip_name(flow, key)} {where}, and no API fallback")
            try:
                census = api_client()
            except CensusKeyError:
                raise CensusKeyError(
                    f"{flow} {key}: no bulk file {zip_name(flow, key)} {where}; the API fallback needs CENSUS_API_KEY"
                ) from None
            stats.api = land_months(
                flow, [month], source="api", levels=levels, store=LandingStore(root), client=census,
                stats=stats.api or FlowIngest(flow=flow),
            )  # fmt: skip
            stats.from_api.append(key)
        elif new:
            stats.zips_landed += 1
            stats.bytes_landed += entry.size
        else:
            stats.zips_reused += 1
        progress.update(1)
    return stats


def load_bulk_months(
    flow: str,
    months: list[date],
    *,
    root: Path,
    warehouse_path: Path,
    levels: tuple[str, ...],
    progress: Progress = NO_PROGRESS,
    stats: BulkIngest | None = None,
) -> BulkIngest:
    """Load each month from its landed ZIP, or from its landed API responses where it has no ZIP;
    one transaction per month, so a failure keeps the months before it."""
    stats = stats if stats is not None else BulkIngest(flow)
    store = BulkStore(root)
    for month in months:
        key = month_key(month)
        entry = store.entry(flow, key)
        if entry is None:
            stats.api = load_months(
                flow, [month], source="replay", levels=levels, store=LandingStore(root),
                warehouse_path=warehouse_path, stats=stats.api or FlowIngest(flow=flow),
            )  # fmt: skip
            progress.update(1)
            continue
        check_stop(f"before loading {flow} {key}: {KEPT}")
        try:
            with closing(connect(warehouse_path)) as con:
                stats.loads.append(load_bulk_month(con, store, entry))
        except (duckdb.Error, OSError) as error:
            if not is_disk_full(error):
                raise
            raise write_failed(f"loading {flow} {key} (rolled back; the months before it are kept)",
                               warehouse_path, error) from None  # fmt: skip
        progress.update(1)
    return stats
