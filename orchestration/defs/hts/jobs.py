"""The HTS release job: one release loaded, then the tariff marts rebuilt."""

import dagster as dg

from orchestration.defs.dbt.assets import tariff_dbt_models
from orchestration.defs.hts.assets import hts_release
from orchestration.defs.partitions import hts_release_partitions
from orchestration.defs.tags import WRITES_WAREHOUSE_TAG

hts_release_job = dg.define_asset_job(
    "hts_release_job",
    selection=dg.AssetSelection.assets(hts_release, tariff_dbt_models),
    partitions_def=hts_release_partitions,
    tags=WRITES_WAREHOUSE_TAG,
    description="Load one HTS release (exportList while current, or a revision file), then rebuild the tariff marts.",
)
