"""The publish job: the serving copy, its Parquet and the report."""

import dagster as dg

from orchestration.defs.tags import WRITES_WAREHOUSE_TAG

publish_job = dg.define_asset_job(
    "publish",
    selection=dg.AssetSelection.groups("publish"),
    tags=WRITES_WAREHOUSE_TAG,
    description="Write the serving copy, its Parquet and the report from the warehouse as it is.",
)
