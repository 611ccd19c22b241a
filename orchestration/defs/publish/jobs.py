"""The publish job: the serving copy, its Parquet and the report."""

import dagster as dg

from orchestration.defs.census.freshness import FRESHNESS_CHECKS
from orchestration.defs.tags import WRITES_WAREHOUSE_TAG

publish_job = dg.define_asset_job(
    "publish",
    selection=dg.AssetSelection.groups("publish") | dg.AssetSelection.checks(*FRESHNESS_CHECKS),
    tags=WRITES_WAREHOUSE_TAG,
    description=(
        "Write the serving copy, its Parquet and the report from the warehouse as it is; then check "
        "that its newest Census month is the newest released."
    ),
)
