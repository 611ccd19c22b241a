"""Partner tariffs from WITS TRAINS: one partition per country applying the tariff and year."""

from typing import Literal

import dagster as dg
from pydantic import Field

from orchestration.core.errors import (
    InputError,
    LandingError,
    ParseError,
    StorageError,
    Unreachable,
    WitsRequestRefused,
)
from orchestration.core.stopping import StopRequested
from orchestration.defs.partitions import partner_year_partitions
from orchestration.defs.resources import LandingResource, WarehouseResource, WitsApiResource
from orchestration.partners.load import ingest_partner_year

PARTNER_WITS_TARIFFS = dg.AssetKey(["raw", "partner_wits_tariffs"])
PERMANENT = (InputError, LandingError, ParseError, StopRequested, StorageError, Unreachable, WitsRequestRefused)


class PartnerIngestConfig(dg.Config):
    source: Literal["api", "replay"] = Field(
        default="api", description="api: fetch what is not landed yet; replay: the landing zone only"
    )
    refetch: bool = Field(default=False, description="fetch the year again even if landed")


@dg.multi_asset(
    name="partner_wits_tariffs",
    specs=[
        dg.AssetSpec(
            PARTNER_WITS_TARIFFS,
            description=(
                "WITS TRAINS HS6 simple averages of the partner's tariffs for the year: the MFN rate "
                "(WITS partner 000) and the rates on U.S. goods (840), with every request asked in "
                "raw.partner_wits_requests (a 'no records' answer included)."
            ),
            group_name="tariffs",
            kinds={"duckdb", "python"},
            partitions_def=partner_year_partitions,
        )
    ],
    # One step fetches and loads: a partner-year is two requests, so holding the warehouse slot
    # while they land costs little, and a failed fetch still loads nothing (every answer lands
    # before the load starts). Census months, hundreds of requests each, land in a step of their own.
    pool="warehouse",
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
)
def partner_wits_tariffs(
    context: dg.AssetExecutionContext,
    config: PartnerIngestConfig,
    wits: WitsApiResource,
    landing: LandingResource,
    warehouse: WarehouseResource,
):
    keys = context.partition_key.keys_by_dimension
    reporter, year = keys["partner"], int(keys["year"])
    try:
        stats = ingest_partner_year(
            reporter,
            year,
            source=config.source,
            store=landing.partner_store(),
            warehouse_path=warehouse.resolved_path(),
            client=wits.client() if config.source == "api" else None,
            refetch=config.refetch,
        )
    except PERMANENT as error:
        # Nothing landed to replay, a broken landed file, an unreachable host: retrying cannot help.
        raise dg.Failure(description=str(error), allow_retries=False) from error
    if stats.no_records:
        context.log.info(f"{reporter} {year}: WITS has no records for {', '.join(stats.no_records)}")
    yield dg.MaterializeResult(
        asset_key=PARTNER_WITS_TARIFFS,
        metadata={
            "dagster/row_count": stats.rows,
            "dagster/table_name": "warehouse.raw.partner_wits_tariffs",
            "requests_made": stats.requests_made,
            "bytes_landed": stats.bytes_landed,
            "no_records": ", ".join(stats.no_records),
        },
    )


# Written before every tariff dbt build (defs/dbt/assets.py) from the schedule seed, so it always
# matches the seed: shown in the lineage, never materialized on its own.
partner_parsed_rates = dg.AssetSpec(
    dg.AssetKey(["raw", "partner_parsed_rates"]),
    description=(
        "Every distinct rate text of Japan's schedule seed parsed to structure (kind, applied, "
        "percent, yen per kg, gate price, quota); rewritten at the start of each tariff dbt build."
    ),
    group_name="tariffs",
    kinds={"duckdb", "python"},
)
