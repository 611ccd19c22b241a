"""The Census refresh job, defined once: land both flows for a range of months, load them, build
the Census marts, then the tariff marts (the effective tariff mart reads the months just loaded). Schedules,
sensors and the CLI all ask for a refresh through `refresh_run_request`."""

from datetime import date

import dagster as dg

from orchestration.census.plan import DEFAULT_LEVELS
from orchestration.defs.census.assets import census_exports, census_imports, census_landing
from orchestration.defs.census.freshness import FRESHNESS_CHECKS
from orchestration.defs.dbt.assets import tariff_dbt_models, trade_dbt_models
from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.tags import WRITES_WAREHOUSE_TAG

INGEST_OPS = ("census_landing", "census_exports", "census_imports")
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"

# Land both flows, load them, build the Census marts, then the tariff marts. The freshness check
# asks of the serving copy, which the publish after the refresh brings up to date: it runs there.
REFRESH_SELECTION = dg.AssetSelection.assets(
    census_landing, census_exports, census_imports, trade_dbt_models, tariff_dbt_models
) - dg.AssetSelection.checks(*FRESHNESS_CHECKS)

census_monthly_job = dg.define_asset_job(
    "census_monthly",
    selection=REFRESH_SELECTION,
    partitions_def=monthly_partitions,
    tags=WRITES_WAREHOUSE_TAG,
    description=(
        "Land Census exports and imports for the partition's months (pool census_api), load them "
        "(pool warehouse), then build the Census marts and the tariff marts."
    ),
)

# The same steps over the monthly bulk files: what `backfill --source bulk` runs, and what a
# backfill of history launched from the UI should select.
census_bulk_backfill_job = dg.define_asset_job(
    "census_bulk_backfill",
    selection=REFRESH_SELECTION,
    partitions_def=monthly_partitions,
    tags=WRITES_WAREHOUSE_TAG,
    config={"ops": {op: {"config": {"source": "bulk"}} for op in INGEST_OPS}},
    description=(
        "History from the Census monthly bulk files: each month's IMDB/EXDB ZIPs (or the API for a "
        "month without one), loaded with their ports and rate provisions, then the marts."
    ),
)


def refresh_run_request(
    first: date,
    last: date,
    *,
    source: str = "api",
    levels: tuple[str, ...] = DEFAULT_LEVELS,
    refetch: bool = False,
    run_key: str | None = None,
    bulk_dir: str = "",
) -> dg.RunRequest:
    """The run of census_monthly_job for the months first..last: one partition, or one range run
    (ingest loads month by month, dbt builds the window once)."""
    config = {"config": {"source": source, "levels": list(levels), "refetch": refetch, "bulk_dir": bulk_dir}}
    run_config = {"ops": {op: config for op in INGEST_OPS}}
    if first == last:
        return dg.RunRequest(partition_key=first.isoformat(), run_key=run_key, run_config=run_config)
    return dg.RunRequest(
        run_key=run_key, run_config=run_config, tags={RANGE_START: first.isoformat(), RANGE_END: last.isoformat()}
    )
