"""The Census refresh job: ingest both flows for a range of months, then build the dbt models."""

import dagster as dg

from orchestration.defs.partitions import monthly_partitions

census_monthly_job = dg.define_asset_job(
    "census_monthly",
    selection=dg.AssetSelection.groups("census", "staging", "marts"),
    partitions_def=monthly_partitions,
    description="Ingest Census exports and imports for the partition's months, then build the dbt models.",
)
