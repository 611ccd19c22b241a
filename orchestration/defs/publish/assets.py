"""The serving copy and the report: the last assets in the graph, read by analysts and BI tools."""

import base64
import re

import dagster as dg
from pydantic import Field

from orchestration.core.settings import check_partner_code, current_settings
from orchestration.core.stopping import check_stop
from orchestration.defs.dbt.assets import tariff_dbt_models, trade_dbt_models
from orchestration.defs.resources import ServingResource, WarehouseResource
from orchestration.publish.report import render
from orchestration.publish.serving import publish
from orchestration.store.targets import WarehouseTarget

SERVING = dg.AssetKey(["serving", "warehouse_copy"])
BEFORE_PUBLISH = "before publishing: the warehouse is refreshed; the serving copy is the previous one (run: publish)"


def _marts(*assets: dg.AssetsDefinition) -> list[dg.AssetKey]:
    return [key for assets_def in assets for key in assets_def.keys if key.path[0] == "marts"]


@dg.asset(
    key=SERVING,
    deps=_marts(trade_dbt_models, tariff_dbt_models),
    group_name="publish",
    kinds={"duckdb", "parquet"},
    pool="warehouse",
    description=(
        "The marts copied to SERVING_PATH in DuckDB 1.4-readable storage, swapped in atomically, "
        "and exported as Parquet beside it. Analysts and BI tools read this, never the warehouse."
    ),
)
def serving_copy(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, serving: ServingResource
) -> dg.MaterializeResult:
    check_stop(BEFORE_PUBLISH)
    version = current_settings().serving_storage_version
    target = WarehouseTarget.from_env(warehouse.resolved_path())
    if target.is_shared:
        # A shared warehouse (MotherDuck, DuckLake) is read in place by BI tools: no copy to make.
        context.log.info(f"WAREHOUSE_TARGET={target.kind}: readers use {target.describe()} directly")
        return dg.MaterializeResult(
            metadata={"skipped": f"WAREHOUSE_TARGET={target.kind}", "read_from": target.describe()}
        )
    result = publish(
        warehouse.resolved_path(), serving.resolved_path(), storage_version=version, replace_other=serving.replace_other
    )
    table = "\n".join(f"| {name} | {rows:,} |" for name, rows in result.tables.items())
    return dg.MaterializeResult(
        metadata={
            "path": str(result.path),
            "parquet": str(result.parquet_dir),
            "storage_version": result.storage_version,
            "bytes": result.bytes,
            # incremental: started from the previous copy, replacing only the months dbt rewrote
            "incremental": result.incremental,
            "dagster/row_count": sum(result.tables.values()),
            "tables": dg.MetadataValue.md("| table | rows |\n|---|---:|\n" + table),
        }
    )


class ReportConfig(dg.Config):
    partners: list[str] = Field(
        default=[],
        description="Census Schedule C codes of the partners to report, e.g. ['5880', '1220']; empty: REPORT_PARTNERS",
    )


@dg.asset(
    key=dg.AssetKey(["serving", "report"]),
    deps=[SERVING],
    group_name="publish",
    kinds={"python"},
    description=(
        "One HTML page per partner of REPORT_PARTNERS (default 5880, Japan) under REPORTS_DIR, with PNGs: "
        "a headline, then the balance, top products, tariff rates and (Japan) the beef safeguard, each "
        "with a table of its numbers."
    ),
)
def report(context: dg.AssetExecutionContext, config: ReportConfig, serving: ServingResource) -> dg.MaterializeResult:
    target = WarehouseTarget.from_env(serving.resolved_path())
    if target.is_shared:
        # The charts read the serving copy, which only the local target has.
        return dg.MaterializeResult(metadata={"skipped": f"WAREHOUSE_TARGET={target.kind}: no serving copy to chart"})
    partners = [check_partner_code(code) for code in config.partners] or current_settings().report_partners
    made = render(serving.resolved_path(), serving.resolved_reports_dir(), partners)
    metadata = {"pages": "\n".join(str(page.page) for page in made)}
    notes = []
    for page in made:
        if page.headline:
            metadata[f"{page.partner}_headline"] = "\n".join(page.headline.lines())
        for title, chart in page.charts.items():
            encoded = base64.b64encode(chart.png).decode()
            key = page.partner + "_" + re.sub(r"\W+", "_", title.lower())
            metadata[key] = dg.MetadataValue.md(f"![{title}](data:image/png;base64,{encoded})")
        notes += [f"{page.partner_name}: {note}" for note in page.notes]
        if page.headline is None:
            context.log.warning(f"report {page.partner} ({page.partner_name}): no month in the serving copy yet")
    if notes:
        metadata["notes"] = "; ".join(notes)
    return dg.MaterializeResult(metadata=metadata)
