"""The dbt project as Dagster assets: staging views, marts, their tests as asset checks."""

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.census.load import ensure_raw_schema
from orchestration.core.dbt_results import failure_summary, log_error
from orchestration.core.dbt_vars import batched_vars
from orchestration.core.failpoints import failpoint
from orchestration.core.periods import add_months
from orchestration.core.settings import current_settings
from orchestration.core.stopping import check_stop
from orchestration.defs.dbt.check_text import describe_test
from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import ProgressResource, WarehouseResource
from orchestration.hts.load import ensure_hts_schema, tariffs_loaded
from orchestration.partners.load import ensure_partner_schema
from orchestration.partners.seeds import refresh_parsed_rates
from orchestration.store import marts_state
from orchestration.store.duckdb import connect, table_row_counts
from orchestration.store.targets import WarehouseTarget


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

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=describe_test(manifest["nodes"][unique_id]))


TRANSLATOR = TradeDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
TARIFFS = "tag:tariffs"
# The Census refresh jobs (defs/census/jobs.py, which imports this module): their runs build the
# tariff marts only once a tariff schedule is loaded.
CENSUS_JOBS = ("census_monthly", "census_bulk_backfill")
BEFORE_DBT = "before dbt: raw is loaded; the marts and the serving copy were not rebuilt (refresh again to build them)"


def _failure(invocation) -> str:
    """One line naming the failing models and tests, instead of "see the logs"."""
    try:
        return failure_summary(invocation.get_artifact("run_results.json"))
    except FileNotFoundError:
        return log_error(invocation.target_path / "dbt.log")


def _build(dbt_vars: dict | None) -> str:
    return "census" if dbt_vars else "tariff"


def _what(dbt_vars: dict | None) -> str:
    if not dbt_vars:
        return "the tariff marts"
    last = add_months(date.fromisoformat(dbt_vars["period_end"][:10]), -1)  # period_end is exclusive
    return f"the marts for {dbt_vars['period_start'][:7]} to {last:%Y-%m}"


def _builds_take_turns(context, warehouse: WarehouseResource):
    """The whole build, its schema checks included, holds the warehouse's build lock (a DuckLake's
    parallel runs build one at a time; store/targets/ducklake.build_lock)."""
    target = WarehouseTarget.from_env(warehouse.resolved_path())

    def waiting() -> None:
        context.log.info(f"waiting for another run's dbt build on {target.describe()} to finish")

    return target.build_lock(waiting, lambda: check_stop(BEFORE_DBT))


def _build_args(warehouse: WarehouseResource, dbt_vars: dict | None) -> list[str]:
    """`dbt build` with the window's vars and the warehouse file this run writes: the profile
    reads `warehouse_path` from the vars, so nothing rewrites the process's environment. dbt's
    unit tests check SQL logic on fixed inputs, not the data: they run in `make test`
    (tests/test_pipeline.py), not in every refresh. The invocation's dbt.log keeps warnings and
    errors (_failure reads them): at dbt's default, debug, writing every query's text costs about
    6 % of a build, and Dagster already has each node's events."""
    return [
        "build",
        "--log-level-file",
        "warn",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        json.dumps({**(dbt_vars or {}), "warehouse_path": str(warehouse.resolved_path())}),
    ]


def _build_batch(context, dbt: DbtCliResource, warehouse: WarehouseResource, dbt_vars: dict) -> None:
    """An earlier batch of a backfill: built and tested, its events not reported (the last batch
    reports each asset once); a failure stops the run here."""
    check_stop(BEFORE_DBT)
    marts_state.begin(warehouse.resolved_path(), _build(dbt_vars), _what(dbt_vars))
    invocation = dbt.cli(_build_args(warehouse, dbt_vars), context=context, raise_on_error=False)
    for _ in invocation.stream_raw_events():
        failpoint("dbt")
    if not invocation.is_successful():
        months = f"months {dbt_vars['period_start']} to {dbt_vars['period_end']}"
        raise dg.Failure(description=f"{months}: {_failure(invocation)}")


def _run_dbt(context, dbt: DbtCliResource, warehouse: WarehouseResource, dbt_vars: dict | None):
    """`dbt build` of the asset's selection; events held until dbt exits (it owns the DuckDB write
    lock while it runs), then given row counts. dagster-dbt's fetch_row_counts would query the
    catalog named in the parse-time manifest, which differs whenever WAREHOUSE_PATH has another
    file name."""
    check_stop(BEFORE_DBT)
    marts_state.begin(warehouse.resolved_path(), _build(dbt_vars), _what(dbt_vars))
    invocation = dbt.cli(_build_args(warehouse, dbt_vars), context=context, raise_on_error=False)
    events = []
    for event in invocation.stream():
        events.append(event)
        failpoint("dbt")  # tests: a crash while dbt is writing
    counts = table_row_counts(warehouse.resolved_path())
    for event in events:
        if isinstance(event, dg.Output):
            relation = ".".join(context.assets_def.keys_by_output_name[event.output_name].path)
            if relation in counts:
                event = event.with_metadata({**event.metadata, "dagster/row_count": counts[relation]})
        yield event
    if not invocation.is_successful():
        raise dg.Failure(description=_failure(invocation))
    marts_state.finish(warehouse.resolved_path(), _build(dbt_vars))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    name="trade_dbt_models",
    exclude=TARIFFS,
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
    dagster_dbt_translator=TRANSLATOR,
    pool="warehouse",
)
def trade_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, progress: ProgressResource
):
    """Census staging and marts for the partition window (a CLI range, or one month of a backfill),
    built DBT_BATCH_MONTHS at a time, oldest first (each batch's marts read the months before it;
    a month built before the year it compares with gets its figures when that year is built)."""
    with _builds_take_turns(context, warehouse):
        with connect(warehouse.resolved_path()) as con:
            # the raw tables and the rule macros the models call (census/rules.py), for a warehouse
            # whose last census load predates them
            ensure_raw_schema(con)
        window = context.partition_time_window
        batches = batched_vars(window.start, window.end, current_settings().dbt_batch_months)
        for number, batch in enumerate(batches[:-1], start=1):
            progress.reporter().set_description(f"dbt build {number}/{len(batches)}")
            _build_batch(context, dbt, warehouse, batch)
        last = "dbt build" if len(batches) == 1 else f"dbt build {len(batches)}/{len(batches)}"
        progress.reporter().set_description(last)
        yield from _run_dbt(context, dbt, warehouse, batches[-1])


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    name="tariff_dbt_models",
    select=TARIFFS,
    dagster_dbt_translator=TRANSLATOR,
    pool="warehouse",
)
def tariff_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, progress: ProgressResource
):
    """Tariff staging and marts, rebuilt whole: rate intervals span releases, and the effective
    tariff mart reads every loaded month."""
    progress.reporter().set_description("dbt build (tariffs)")
    with _builds_take_turns(context, warehouse):
        with connect(warehouse.resolved_path()) as con:
            # The HTS and partner sources must exist even before any release or year is loaded; the
            # schedule seed's texts are parsed here (a few dozen) so the models always match the seed.
            ensure_hts_schema(con)
            ensure_partner_schema(con)
            refresh_parsed_rates(con)
            loaded = tariffs_loaded(con)
        if not loaded and context.job_name in CENSUS_JOBS:
            # as a CLI refresh leaves them out (app/runner.refresh_selection): a Census run from the
            # UI or a schedule, on a warehouse without a tariff schedule, spends no dbt build on them
            context.log.info("no HTS release or WITS year is loaded: the tariff marts are not built")
            return
        yield from _run_dbt(context, dbt, warehouse, None)
