"""HTS releases: one partition per release; lines, the release list and the parsed rates."""

import dagster as dg
from pydantic import Field

from orchestration.core.errors import InputError, LandingError, ParseError, StorageError, Unreachable
from orchestration.core.settings import current_settings
from orchestration.core.stopping import StopRequested
from orchestration.defs.dbt.project import DBT_PROJECT_DIR
from orchestration.defs.partitions import hts_release_partitions
from orchestration.defs.resources import HtsApiResource, LandingResource, WarehouseResource
from orchestration.hts.releases import calendar_dates, ingest_release

HTS_LINES = dg.AssetKey(["raw", "hts_lines"])
PERMANENT = (InputError, LandingError, ParseError, StopRequested, StorageError, Unreachable)
RELEASE_CALENDAR = DBT_PROJECT_DIR / "seeds" / "hts_release_dates.csv"


class HtsIngestConfig(dg.Config):
    source: str = Field(default="api", description="api: fetch the current release (or a file); replay: landing only")
    file: str = Field(default="", description="a revision file (path or http(s) URL) in the HTS JSON row format")
    release_date: str = Field(default="", description="YYYY-MM-DD, for a file whose release the calendar does not know")
    refetch: bool = Field(default=False, description="fetch the current release again even if landed")
    allow_shrink: bool = Field(
        default=False, description="load a release even if it drops more than HTS_MAX_SHRINK_PCT of the lines in force"
    )


def _spec(name: str, description: str, partitioned: bool = False) -> dg.AssetSpec:
    return dg.AssetSpec(
        dg.AssetKey(["raw", name]),
        description=description,
        group_name="tariffs",
        kinds={"duckdb", "python"},
        partitions_def=hts_release_partitions if partitioned else None,
    )


@dg.multi_asset(
    name="hts_release",
    specs=[
        _spec(
            "hts_lines", "HTS rows of each release (exportList while current, or a revision file).", partitioned=True
        ),
        _spec("hts_releases", "HTS releases with their dates (releaseList, or given with a file)."),
        _spec("hts_parsed_rates", "Every distinct HTS rate text parsed into structure."),
        _spec("hts_parsed_special", "Special-column rates split by preference program."),
        _spec("hts_parsed_footnotes", "The Chapter 99 headings each distinct footnote set points to."),
    ],
    pool="warehouse",
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
)
def hts_release(
    context: dg.AssetExecutionContext,
    config: HtsIngestConfig,
    hts: HtsApiResource,
    landing: LandingResource,
    warehouse: WarehouseResource,
):
    release = context.partition_key
    try:
        stats = ingest_release(
            release,
            source=config.source,
            store=landing.hts_store(),
            warehouse_path=warehouse.resolved_path(),
            client=hts.client() if config.source == "api" else None,
            file=config.file or None,
            release_date=config.release_date or None,
            refetch=config.refetch,
            calendar=calendar_dates(RELEASE_CALENDAR),
            max_shrink=None if config.allow_shrink else current_settings().hts_max_shrink,
        )
    except PERMANENT as error:
        # A wrong name, an archived release without its file, a broken file: retrying cannot help.
        raise dg.Failure(description=str(error), allow_retries=False) from error
    parse = stats.parse
    if parse and parse.general_unparsed:
        context.log.warning(
            f"{release}: {parse.general_unparsed} general rates not parsed, e.g. {parse.unparsed_examples}"
        )
    yield dg.MaterializeResult(
        asset_key=HTS_LINES,
        metadata={
            "dagster/row_count": stats.rows,
            "dagster/table_name": "warehouse.raw.hts_lines",
            "origin": stats.origin,
            "requests_made": stats.requests_made,
            "bytes_landed": stats.bytes_landed,
        },
    )
    yield dg.MaterializeResult(asset_key=dg.AssetKey(["raw", "hts_releases"]))
    rate = parse.general_parse_rate if parse else None
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["raw", "hts_parsed_rates"]),
        metadata={
            "new_texts_parsed": parse.new_texts if parse else 0,
            "general_rates_parsed": parse.general_parsed if parse else 0,
            "general_rates_unparsed": parse.general_unparsed if parse else 0,
            "general_parse_rate": rate if rate is not None else 1.0,
            "unparsed_examples": "; ".join(parse.unparsed_examples) if parse else "",
        },
    )
    yield dg.MaterializeResult(asset_key=dg.AssetKey(["raw", "hts_parsed_special"]))
    yield dg.MaterializeResult(asset_key=dg.AssetKey(["raw", "hts_parsed_footnotes"]))
