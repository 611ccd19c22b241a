"""Census trade ingest in two steps per run: `census_landing` fetches each month's responses into
the landing zone (pool `census_api`, never the warehouse), then one load per flow writes them into
raw.census_{exports,imports} (pool `warehouse`). The landing step retries on its own, resuming
from what is landed, and never holds the warehouse; a load never waits on the network. A backfill
is one run per month, so a month that fails holds up no other."""

from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import Literal

import dagster as dg
from pydantic import Field

from orchestration.census.bulk_ingest import BulkIngest, land_bulk_months, load_bulk_months
from orchestration.census.checks import latest_rows, run_raw_checks
from orchestration.census.ingest import FlowIngest, land_months, load_months
from orchestration.census.plan import DEFAULT_LEVELS, FLOWS, VALUE_VAR, parse_levels
from orchestration.core.errors import (
    CensusIncomplete,
    CensusKeyError,
    CensusNoData,
    CensusQueryError,
    InputError,
    LandingError,
    ParseError,
    StorageError,
    Unreachable,
)
from orchestration.core.periods import add_months, month_range
from orchestration.core.stopping import StopRequested
from orchestration.defs.census.checks import raw_check_specs, to_check_result
from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import (
    CensusApiResource,
    CensusBulkResource,
    LandingResource,
    ProgressResource,
    WarehouseResource,
)
from orchestration.store.duckdb import connect

# Unreachable too: a refused connection or an unknown host fails fast, not after minutes of retries.
# CensusIncomplete too: the ingest has asked a dropped chapter three times already, and a month that
# does not add up would be rebuilt from the same landed files.
PERMANENT = (
    CensusIncomplete, CensusKeyError, CensusNoData, CensusQueryError, InputError, LandingError, ParseError,
    StopRequested, StorageError, Unreachable,
)  # fmt: skip


@contextmanager
def failing_for_good():
    """A PERMANENT error fails the step with no retry: trying again cannot help (a bad key, a
    rejected query, a month not out yet, a month that does not add up, a full disk)."""
    try:
        yield
    except PERMANENT as error:
        raise dg.Failure(description=str(error), allow_retries=False) from error


class CensusIngestConfig(dg.Config):
    source: Literal["api", "replay", "bulk"] = Field(
        default="api",
        description=(
            "api: fetch what is not landed yet; replay: landing only; bulk: the monthly bulk ZIPs, "
            "falling back to the API for a month without one"
        ),
    )
    bulk_dir: str = Field(default="", description="bulk: take the ZIPs from this folder instead of the site")
    levels: list[str] = Field(default=list(DEFAULT_LEVELS), description="HS levels of product detail")
    refetch: bool = Field(default=False, description="fetch again even where a month is already landed")


def _months(context: dg.AssetExecutionContext):
    window = context.partition_time_window
    return month_range(window.start.date(), add_months(window.end.date(), -1))


def _preview(warehouse: WarehouseResource, flow: str, table: str, month) -> str:
    with connect(warehouse.resolved_path(), read_only=True) as con:
        rows = con.execute(
            f"""
            select cty_code, cty_name, {VALUE_VAR[flow].lower()} as value_usd
            from {latest_rows(table, flow)}
            where period = $month and comm_lvl = '-' and not marts.is_aggregate_partner(cty_code)
            order by value_usd desc limit 10
            """,
            {"month": month},
        ).fetchall()
    lines = ["| code | partner | value ($M) |", "|---|---|---:|"]
    lines += [f"| {code} | {name} | {value / 1e6:,.1f} |" for code, name, value in rows]
    return "\n".join(lines)


def _materializations(context, flow, stats: FlowIngest | BulkIngest, warehouse: WarehouseResource, months):
    key = dg.AssetKey(["raw", f"census_{flow}"])
    table, names_table = f"census_{flow}", f"census_{flow}_commodity_names"
    loads = list(stats.loads)
    bulk = stats if isinstance(stats, BulkIngest) else BulkIngest(flow)
    if isinstance(stats, BulkIngest):
        loads += (stats.api or FlowIngest(flow=flow)).loads
    # always reported, with nothing added when the run loaded no bulk month: the dbt step reads
    # these tables and would be skipped if they were left out
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["raw", f"census_bulk_{flow}"]),
        metadata={
            "rows_added": bulk.rows.get(f"census_bulk_{flow}", 0),
            "dagster/table_name": f"warehouse.raw.census_bulk_{flow}",
            "months_from_bulk_files": ", ".join(load.month for load in bulk.loads if load.vintage) or "none",
            "cells_checked_against_the_api": sum(load.compared_with_api for load in bulk.loads),
            # members left out of a month (absent from its ZIP, or not fitting their layout)
            "members_left_out": "; ".join(f"{load.month}: {note}" for load in bulk.loads for note in load.notes)
            or "none",
        },
    )
    for load in bulk.loads:
        for note in load.notes:
            context.log.warning(f"{flow} {load.month}: {note}")
    for reference in BULK_REFERENCE_TABLES[flow]:
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["raw", reference]),
            metadata={"rows_added": bulk.rows.get(reference, 0), "dagster/table_name": f"warehouse.raw.{reference}"},
        )
    responses_loaded = (
        stats.responses_loaded if isinstance(stats, FlowIngest) else (stats.api or FlowIngest()).responses_loaded
    )
    unknown = set().union(*(getattr(load, "unknown_columns", set()) for load in loads))
    with connect(warehouse.resolved_path(), read_only=True) as con:
        outcomes = run_raw_checks(con, flow, months, unknown)
    if unknown:
        context.log.warning(f"{flow}: Census sent columns we do not store: {', '.join(sorted(unknown))}")
    span = _span(months)
    latest_rows_count = next(o.metadata["rows"] for o in outcomes if o.name == "rows_present")
    yield dg.MaterializeResult(
        asset_key=key,
        metadata={
            "dagster/row_count": latest_rows_count,
            "rows_added": stats.rows.get(table, 0),
            "dagster/table_name": f"warehouse.raw.{table}",
            "months": span,
            "responses_loaded_from_landing": responses_loaded,
            "unknown_api_columns": ", ".join(sorted(unknown)) or "none",
            "top_partners_last_month": dg.MetadataValue.md(_preview(warehouse, flow, table, months[-1])),
        },
        check_results=[to_check_result(key, outcome) for outcome in outcomes],
    )
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["raw", names_table]),
        metadata={"rows_added": stats.rows.get(names_table, 0), "dagster/table_name": f"warehouse.raw.{names_table}"},
    )
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["raw", f"census_{flow}_vintages"]),
        metadata={
            "new_vintages": ", ".join(f"{ld.month} v{ld.vintage}" for ld in loads if ld.vintage) or "none",
            "months_unchanged": sum(load.unchanged for load in loads),
        },
    )


LANDING_KEYS = {flow: dg.AssetKey(["landing", f"census_{flow}"]) for flow in FLOWS}
# Census answers no faster for being asked by several runs: one landing step at a time (each with
# up to CENSUS_MAX_CONCURRENCY requests in flight).
CENSUS_API_POOL = "census_api"


@dg.multi_asset(
    name="census_landing",
    specs=[
        dg.AssetSpec(
            LANDING_KEYS[flow],
            description=(
                f"The Census API's {flow} responses for the month, stored gzip-compressed under "
                f"data/landing/census/{flow}/ with a manifest line each (what raw.census_{flow} is loaded from)."
            ),
            group_name="census",
            kinds={"python", "json"},
        )
        for flow in FLOWS
    ],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
    pool=CENSUS_API_POOL,
    # Census outages outlast the client's own retries now and then; a retry resumes from the
    # landing zone, so only the requests still missing are made again.
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
)
def census_landing(
    context: dg.AssetExecutionContext,
    config: CensusIngestConfig,
    census: CensusApiResource,
    census_bulk: CensusBulkResource,
    landing: LandingResource,
    progress: ProgressResource,
):
    """Both flows of the partition's months: what is not landed yet is fetched (source api), or
    the landing is checked complete (replay)."""
    months = _months(context)
    if config.source == "bulk":
        yield from _land_bulk(config, months, census, census_bulk, landing, progress)
        return
    client = census.client() if config.source == "api" else None
    # a retry of this step resumes a refetch: what this run fetched already is not asked again
    run = context.instance.get_run_record_by_id(context.run_id)
    created = run.create_timestamp if run is not None else None
    fresh_since = created.replace(tzinfo=created.tzinfo or UTC) if created else None
    for flow in FLOWS:
        with failing_for_good():
            stats = land_months(
                flow, months, source=config.source, levels=parse_levels(config.levels), store=landing.store(),
                client=client, refetch=config.refetch, progress=progress.reporter(), fresh_since=fresh_since,
            )  # fmt: skip
        yield dg.MaterializeResult(
            asset_key=LANDING_KEYS[flow],
            metadata={
                "months": _span(months),
                "requests_made": stats.requests_made,
                "requests_reused_from_landing": stats.requests_reused,
                "requests_split": stats.requests_split,
                "bytes_landed": stats.bytes_landed,
            },
        )


def _land_bulk(config, months, census, census_bulk, landing, progress):
    """The bulk ZIPs of both flows, each month falling back to the API when the source has none."""
    from_dir = Path(config.bulk_dir).expanduser() if config.bulk_dir else None
    client = None if from_dir else census_bulk.client()
    for flow in FLOWS:
        with failing_for_good():
            stats = land_bulk_months(
                flow, months, root=landing.root(), client=client, from_dir=from_dir, api_client=census.client,
                levels=parse_levels(config.levels), refetch=config.refetch, progress=progress.reporter(),
            )  # fmt: skip
        yield dg.MaterializeResult(
            asset_key=LANDING_KEYS[flow],
            metadata={
                "months": _span(months),
                "source": f"bulk files from {from_dir}" if from_dir else f"bulk files from {client.base_url}",
                "zips_landed": stats.zips_landed,
                "zips_reused_from_landing": stats.zips_reused,
                "bytes_landed": stats.bytes_landed,
                "months_from_the_api": ", ".join(stats.from_api) or "none",
            },
        )


def _span(months) -> str:
    return f"{months[0]:%Y-%m} .. {months[-1]:%Y-%m} ({len(months)})"


# The bulk files' tables beside the detail that dbt reads (the other control files are checked in
# the load and stay in raw without an asset of their own).
_REFERENCE_TABLES = {
    "country_codes": "Schedule C countries (COUNTRY): code, ISO code and name.",
    "district_codes": "Schedule D customs districts (DISTRICT): code and name.",
    "hs_descriptions": "The HS chapters, headings and subheadings and their descriptions (HSDESC).",
    "naics_codes": "NAICS codes and their descriptions (NAICS).",
    "sitc_codes": "SITC codes and their descriptions (SITC).",
    "end_use_codes": "Census end-use codes and their descriptions (ENDUSE).",
    "hitech_codes": "Advanced technology (high-tech) codes and their descriptions (HITECH).",
}
BULK_REFERENCE_TABLES = {
    "imports": {
        "census_bulk_import_districts": "The imports by customs district (IMP_DE), with the districts' names.",
        "census_bulk_import_concordance": "The HTS concordance of the imports files (CONCORD): SITC, end-use, NAICS.",
        **{f"census_bulk_import_{name}": f"{text} From the imports files." for name, text in _REFERENCE_TABLES.items()},
    },
    "exports": {
        "census_bulk_export_districts": "The exports by district of exportation (EXP_DIST), with the districts' names.",
        "census_bulk_export_concordance": "The Schedule B concordance (CONCORD): SITC, end-use, NAICS.",
        **{f"census_bulk_export_{name}": f"{text} From the exports files." for name, text in _REFERENCE_TABLES.items()},
    },
}


def _census_assets(flow: str) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", f"census_{flow}"])
    names_key = dg.AssetKey(["raw", f"census_{flow}_commodity_names"])
    classification = "Schedule B" if flow == "exports" else "HTS"

    @dg.multi_asset(
        name=f"census_{flow}",
        specs=[
            dg.AssetSpec(
                key,
                description=(
                    f"U.S. {flow} by partner and HS commodity from the Census international trade API "
                    f"({flow}/hs), loaded from the landing zone into raw.census_{flow} one month per "
                    "transaction, once the month adds up."
                ),
                group_name="census",
                kinds={"duckdb", "python"},
                deps=[LANDING_KEYS[flow]],
            ),
            dg.AssetSpec(
                names_key,
                description=f"{classification} commodity descriptions, landed with the {flow} of the same month.",
                group_name="census",
                kinds={"duckdb", "python"},
                deps=[LANDING_KEYS[flow]],
            ),
            dg.AssetSpec(
                dg.AssetKey(["raw", f"census_bulk_{flow}"]),
                description=(
                    f"The Census bulk files' {flow} detail at full grain (HS10 x country x district"
                    + (" x rate provision x program subcode" if flow == "imports" else " x domestic/foreign")
                    + "), with the control files beside it; loaded by backfills with --source bulk."
                ),
                group_name="census",
                kinds={"duckdb", "python"},
                deps=[LANDING_KEYS[flow]],
            ),
            *(
                dg.AssetSpec(
                    dg.AssetKey(["raw", table]),
                    description=description,
                    group_name="census",
                    kinds={"duckdb", "python"},
                    deps=[LANDING_KEYS[flow]],
                )
                for table, description in BULK_REFERENCE_TABLES[flow].items()
            ),
            dg.AssetSpec(
                dg.AssetKey(["raw", f"census_{flow}_vintages"]),
                description=f"Every loaded state (vintage) of each {flow} month: when, and which responses.",
                group_name="census",
                kinds={"duckdb", "python"},
                deps=[LANDING_KEYS[flow]],
            ),
        ],
        partitions_def=monthly_partitions,
        backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
        pool="warehouse",
        check_specs=raw_check_specs(key),
    )
    def _assets(
        context: dg.AssetExecutionContext,
        config: CensusIngestConfig,
        landing: LandingResource,
        warehouse: WarehouseResource,
        progress: ProgressResource,
    ):
        months = _months(context)
        with failing_for_good():
            if config.source == "bulk":
                stats = load_bulk_months(
                    flow, months, root=landing.root(), warehouse_path=warehouse.resolved_path(),
                    levels=parse_levels(config.levels), progress=progress.reporter(),
                )  # fmt: skip
            else:
                stats = load_months(
                    flow, months, source=config.source, levels=parse_levels(config.levels), store=landing.store(),
                    warehouse_path=warehouse.resolved_path(), progress=progress.reporter(),
                )  # fmt: skip
        yield from _materializations(context, flow, stats, warehouse, months)

    return _assets


census_exports, census_imports = (_census_assets(flow) for flow in FLOWS)
