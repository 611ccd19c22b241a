"""The publish job: the serving copy, its Parquet and the report."""

import dagster as dg

publish_job = dg.define_asset_job(
    "publish",
    selection=dg.AssetSelection.groups("publish"),
    description="Write the serving copy, its Parquet and the report from the warehouse as it is.",
)
