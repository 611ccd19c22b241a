"""The dbt project as Dagster assets: staging views, marts, their tests as asset checks."""

import json
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.transform.project import dbt_project
from orchestration.lib.dbt_vars import period_vars


class TradeDbtTranslator(DagsterDbtTranslator):
    """Models and seeds are keyed and grouped by their DuckDB schema: staging/..., marts/..."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id)
        if node and node["resource_type"] in ("model", "seed", "snapshot"):
            schema = node["schema"]
            return spec.replace_attributes(key=dg.AssetKey([schema, node["name"]]), group_name=schema).merge_attributes(
                kinds={"duckdb"}
            )
        return spec


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    name="trade_dbt_models",
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=TradeDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
    pool="warehouse",
)
def trade_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    window = context.partition_time_window
    dbt_vars = period_vars(window.start, window.end)
    with warehouse.dbt_environment():
        yield from dbt.cli(["build", "--vars", json.dumps(dbt_vars)], context=context).stream().fetch_row_counts()
