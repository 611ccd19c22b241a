"""The partner tariffs job: one partner-year loaded from WITS, then the tariff marts rebuilt."""

import dagster as dg

from orchestration.defs.dbt.assets import tariff_dbt_models
from orchestration.defs.partitions import partner_year_partitions
from orchestration.defs.partners.assets import partner_wits_tariffs
from orchestration.defs.tags import WRITES_WAREHOUSE_TAG

partner_tariffs_job = dg.define_asset_job(
    "partner_tariffs_job",
    selection=dg.AssetSelection.assets(partner_wits_tariffs, tariff_dbt_models),
    partitions_def=partner_year_partitions,
    tags=WRITES_WAREHOUSE_TAG,
    description="Load one partner's WITS tariffs for one year (MFN and on U.S. goods), then rebuild the tariff marts.",
)
