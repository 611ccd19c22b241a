"""Run the code location's jobs in process (what the CLI drives).

The very job definitions the Dagster UI runs (defs/<system>/jobs.py), with the run requests their
schedules and sensors make; only the resources differ (a progress bar, paths given by a test or
the benchmark). A refresh is the census_monthly run, then the publish run, as in the UI where
the publish_after_refresh sensor follows every successful refresh.
"""

import contextlib
import io
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
from tqdm import tqdm

from orchestration.app.runs import process_tags, reap_dead_runs, supervise, wait_for_pool
from orchestration.census.client import require_key
from orchestration.census.ingest import steps_per_month
from orchestration.census.plan import DEFAULT_LEVELS, FLOWS, HS_LEVELS
from orchestration.core.errors import WarehouseError, WarehouseMissing
from orchestration.core.periods import month_range
from orchestration.core.settings import current_settings
from orchestration.core.stopping import Stopped, check_stop, stop_requested
from orchestration.defs.census.assets import census_exports, census_imports, census_landing
from orchestration.defs.census.freshness import FRESHNESS_CHECKS, census_freshness_job
from orchestration.defs.census.jobs import census_bulk_backfill_job, census_monthly_job, refresh_run_request
from orchestration.defs.dbt.assets import tariff_dbt_models, trade_dbt_models
from orchestration.defs.hts.assets import hts_release
from orchestration.defs.hts.jobs import hts_release_job
from orchestration.defs.partitions import hts_release_partitions, partner_year_key, partner_year_range
from orchestration.defs.partners.assets import PARTNER_WITS_TARIFFS, partner_wits_tariffs
from orchestration.defs.partners.jobs import partner_tariffs_job
from orchestration.defs.publish.assets import BEFORE_PUBLISH, report, serving_copy
from orchestration.defs.publish.jobs import publish_job
from orchestration.defs.resources import LandingResource, ServingResource, WarehouseResource, default_resources

PUBLISH_ASSETS = (serving_copy, report)
ASSETS = (
    census_landing,
    census_exports,
    census_imports,
    trade_dbt_models,
    tariff_dbt_models,
    hts_release,
    partner_wits_tariffs,
    *PUBLISH_ASSETS,
)
JOBS = (
    census_monthly_job,
    census_bulk_backfill_job,
    hts_release_job,
    partner_tariffs_job,
    publish_job,
    census_freshness_job,
)
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class _BarProgress:
    """Stands in for ProgressResource in an in-process run: ingest steps move a tqdm bar."""

    def __init__(self, bar: tqdm):
        self.bar = bar

    def reporter(self) -> tqdm:
        return self.bar


@dataclass(frozen=True)
class RefreshRequest:
    months: list[date]
    source: str = "api"
    levels: tuple[str, ...] = DEFAULT_LEVELS
    refetch: bool = False
    landing_dir: Path | None = None
    warehouse_path: Path | None = None
    bulk_dir: Path | None = None  # source bulk: the ZIPs from this folder, not the downloads site


def _instance() -> dg.DagsterInstance:
    # With DAGSTER_HOME the run is recorded where `make dev` shows it; otherwise it is throwaway.
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def _resources(warehouse_path: Path | None, landing_dir: Path | None) -> dict[str, object]:
    resources = default_resources()
    if warehouse_path:
        # a warehouse given explicitly (tests, the benchmark) publishes beside itself
        resources["warehouse"] = WarehouseResource(path=str(warehouse_path))
        resources["serving"] = ServingResource(
            path=str(warehouse_path.parent / "serving.duckdb"), reports_dir=str(warehouse_path.parent / "reports")
        )
    if landing_dir:
        resources["landing"] = LandingResource(dir=str(landing_dir))
    return resources


def _has_tariffs(warehouse_path: Path) -> bool:
    from orchestration.hts.load import tariffs_loaded
    from orchestration.store.duckdb import connect

    try:
        con = connect(warehouse_path, read_only=True)
    except WarehouseMissing:  # no file yet, or no DuckLake yet (its path names only the lock)
        return False
    with con:
        return tariffs_loaded(con)


def _root_cause(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            user_failure = event.step_failure_data.user_failure_data
            if user_failure and user_failure.description:
                return user_failure.description
            while error and error.cause:
                error = error.cause
            if error:
                message = error.message.strip().splitlines()[0] if error.message.strip() else error.cls_name
                # "module.ClassName: text" -> "text"
                head, _, rest = message.partition(": ")
                return rest if rest and "." in head and " " not in head else message
    return "the run failed (see the Dagster event log)"


def job_definition(name: str, resources: dict[str, object]) -> dg.JobDefinition:
    """The code location's job `name`, with these resources bound."""
    return dg.Definitions(assets=ASSETS, asset_checks=FRESHNESS_CHECKS, jobs=JOBS, resources=resources).resolve_job_def(
        name
    )


def refresh_selection(job: dg.JobDefinition, warehouse_path: Path) -> list[dg.AssetKey] | None:
    """What a refresh materializes of census_monthly: all of it, except the tariff marts (the U.S.
    schedule's and the partners') while neither an HTS release nor a WITS year is loaded. None: the
    whole job."""
    if _has_tariffs(warehouse_path):
        return None
    return sorted(job.asset_layer.executable_asset_keys - set(tariff_dbt_models.keys))


def _run(
    job_name: str, *, resources, request: dg.RunRequest | None = None, run_config=None, asset_selection=None,
    instance=None, stopped_before: str = "before the run started; nothing was written",
) -> dg.ExecuteInProcessResult:  # fmt: skip
    """One in-process run of a job: dead runs reaped first, the pool waited for within
    WAREHOUSE_POOL_WAIT, the run itself in a worker thread so that a signal stops it at a safe
    point (see runs.py). A failure raises one line; a stop raises Stopped."""
    check_stop(stopped_before)
    instance = instance or _instance()
    pool_wait = current_settings().pool_wait
    reap_dead_runs(instance)
    job = job_definition(job_name, resources)
    wait_for_pool(instance, pool_wait, {node.definition.pool for node in job.graph.nodes} - {None})
    tags = {**(request.tags if request else {}), **process_tags()}
    run_config = {**(request.run_config if request else {}), **(run_config or {}), **QUIET_LOGS}

    def work() -> dg.ExecuteInProcessResult:
        # dbt's own console output goes to the run's event log, not the terminal.
        with contextlib.redirect_stdout(io.StringIO()):
            return job.execute_in_process(
                run_config=run_config, instance=instance, partition_key=request.partition_key if request else None,
                tags=tags, asset_selection=asset_selection, raise_on_error=False,
            )  # fmt: skip

    result = supervise(instance, tags, work, pool_wait=pool_wait)
    if result.success:
        return result
    cause = _root_cause(result)
    signum = stop_requested()
    if signum is not None:
        run = instance.get_run_by_id(result.run_id)
        if run is not None:
            instance.report_run_canceled(run, cause)
        raise Stopped(signum, f"{cause}; run {result.run_id[:8]} marked CANCELED")
    raise WarehouseError(cause)


@dataclass(frozen=True)
class RefreshRuns:
    refresh: dg.ExecuteInProcessResult  # the census_monthly run
    publish: dg.ExecuteInProcessResult | None  # None: not asked to publish


def refresh(request: RefreshRequest, *, show_progress: bool = True, publish: bool = True) -> RefreshRuns:
    """Ingest the months for both flows and build the dbt models (census_monthly), then publish
    (unless told not to: the benchmark on DuckDB 1.5.5); WarehouseError on failure."""
    if request.months != month_range(request.months[0], request.months[-1]):
        raise ValueError("a refresh covers consecutive months (it runs as one partition range)")
    if request.source == "api":
        require_key(current_settings().census_api_key)  # before a run starts: one line, no run to fail
    resources = _resources(request.warehouse_path, request.landing_dir)
    run_request = refresh_run_request(
        request.months[0], request.months[-1], source=request.source, levels=request.levels,
        refetch=request.refetch, bulk_dir=str(request.bulk_dir or ""),
    )  # fmt: skip
    job = census_bulk_backfill_job if request.source == "bulk" else census_monthly_job
    selection = refresh_selection(job_definition(job.name, resources), resources["warehouse"].resolved_path())
    # a bulk month is two steps per flow (its ZIP, its load); a month from the API one per request
    per_month = 2 if request.source == "bulk" else steps_per_month(request.levels)
    total = len(request.months) * len(FLOWS) * per_month
    with tqdm(total=total, desc="refresh", unit="step", disable=None if show_progress else True, leave=False) as bar:
        resources["progress"] = _BarProgress(bar)
        result = _run(job.name, resources=resources, request=run_request, asset_selection=selection)
        if not publish:
            return RefreshRuns(result, None)
        bar.set_description("publish")
        published = _run(publish_job.name, resources=resources, stopped_before=BEFORE_PUBLISH)
    return RefreshRuns(result, published)


def guard_demo_warehouse(path: Path) -> None:
    """The demo replaces 2017 with sample data: never do that to a warehouse holding API data."""
    from orchestration.store.duckdb import connect

    try:
        con = connect(path, read_only=True)
    except WarehouseMissing:
        return
    with con:
        tables = {
            row[0] for row in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
        }
        held = 0
        for flow in FLOWS:
            if f"census_{flow}" in tables:
                held += con.execute(f"select count(*) from raw.census_{flow} where _source <> 'sample'").fetchone()[0]
    if held:
        from orchestration.store.targets import WarehouseTarget

        target = WarehouseTarget.from_env(path)
        where, setting = (
            (target.describe(), f"the {target.kind} settings (WAREHOUSE_TARGET) at another warehouse")
            if target.is_shared else (path, "WAREHOUSE_PATH at another file")
        )  # fmt: skip
        raise WarehouseError(
            f"{where} holds Census API data; the demo would overwrite 2017 with sample data. "
            f"Point {setting} to run the demo"
        )


SAMPLE_LEVELS = HS_LEVELS


def ensure_sample_landing(root: Path, months: list[date]) -> None:
    """Write the sample's landing files (Census months and the sample tariff schedule) unless
    every planned response is already there."""
    from orchestration.census.ingest import entries_to_load
    from orchestration.census.landing import LandingStore
    from orchestration.core.errors import LandingError
    from orchestration.devdata.sample import SAMPLE_VERSION, write_sample_landing
    from orchestration.devdata.schedule import SAMPLE_RELEASE, SAMPLE_RELEASE_DATE, sample_body, sample_rows
    from orchestration.hts.landing import FILE_PART, HtsLandingStore

    store = LandingStore(root)
    stamp = root / "sample_version"
    try:
        for month in months:
            for flow in FLOWS:
                entries_to_load(store, flow, month, SAMPLE_LEVELS)
        # a sample written by an older version differs (its answers land as a newer vintage)
        if not stamp.exists() or stamp.read_text().strip() != SAMPLE_VERSION:
            raise LandingError("the sample landing zone is from an older version")
    except LandingError:
        print(f"writing the sample landing zone to {root} ...", file=sys.stderr)
        write_sample_landing(store, months, SAMPLE_LEVELS)
        stamp.write_text(SAMPLE_VERSION + "\n")
    hts = HtsLandingStore(root)
    if FILE_PART not in hts.entries(SAMPLE_RELEASE):
        hts.land(
            SAMPLE_RELEASE, FILE_PART, url="sample:hts", body=sample_body(), rows=len(sample_rows()),
            source="sample", release_date=SAMPLE_RELEASE_DATE,
        )  # fmt: skip


@dataclass(frozen=True)
class TariffRequest:
    release: str | None = None
    file: str | None = None
    source: str = "api"
    release_date: str | None = None
    refetch: bool = False
    allow_shrink: bool = False
    landing_dir: Path | None = None
    warehouse_path: Path | None = None
    # Load the release into raw only, for a Census refresh that follows at once: it rebuilds the
    # tariff marts over its months and publishes (the demo), so building them here is wasted.
    load_only: bool = False


def tariff_release(request: TariffRequest) -> str:
    """The release a tariff refresh loads: named, read off the file name, or the current one."""
    from orchestration.hts.landing import check_release_name
    from orchestration.hts.releases import current_release, release_for_file

    if request.file:
        return release_for_file(request.file, request.release)
    if request.release:
        return check_release_name(request.release)
    if request.source != "api":
        raise WarehouseError("--source replay needs --release NAME (the release to rebuild from the landing zone)")
    _, releases = default_resources()["hts"].client().release_list()
    return current_release(releases)


def refresh_tariffs(request: TariffRequest, *, show_progress: bool = True) -> tuple[str, dg.ExecuteInProcessResult]:
    """Load one HTS release, then rebuild the tariff marts and publish (only load, with
    request.load_only); WarehouseError on failure."""
    release = tariff_release(request)
    instance = _instance()
    instance.add_dynamic_partitions(hts_release_partitions.name, [release])
    config = {
        "source": request.source,
        "file": request.file or "",
        "release_date": request.release_date or "",
        "refetch": request.refetch,
        "allow_shrink": request.allow_shrink,
    }
    resources = _resources(request.warehouse_path, request.landing_dir)
    with tqdm(total=1, desc=f"tariffs {release}", disable=None if show_progress else True, leave=False) as bar:
        resources["progress"] = _BarProgress(bar)
        result = _run(
            hts_release_job.name,
            resources=resources,
            request=dg.RunRequest(partition_key=release),
            run_config={"ops": {"hts_release": {"config": config}}},
            instance=instance,
            asset_selection=list(hts_release.keys) if request.load_only else None,
        )
        if not request.load_only:
            bar.set_description("publish")
            _run(publish_job.name, resources=resources, instance=instance, stopped_before=BEFORE_PUBLISH)
    return release, result


@dataclass(frozen=True)
class PartnerRequest:
    reporter: str  # the M49 code of the country applying the tariff (a `partner` partition)
    years: list[int]
    source: str = "api"
    refetch: bool = False
    landing_dir: Path | None = None
    warehouse_path: Path | None = None


@dataclass(frozen=True)
class PartnerYear:
    year: int
    rows: int
    requests_made: int
    no_records: str  # the WITS requests answered "no records", e.g. "840-reported"; "" when none


def _partner_year(result: dg.ExecuteInProcessResult, year: int) -> PartnerYear:
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key == PARTNER_WITS_TARIFFS)
    metadata = {name: value.value for name, value in event.materialization.metadata.items()}
    return PartnerYear(year, metadata["dagster/row_count"], metadata["requests_made"], metadata["no_records"])


def refresh_partner_tariffs(request: PartnerRequest, *, show_progress: bool = True) -> list[PartnerYear]:
    """Load a partner's WITS tariffs year by year (one partner_tariffs_job run per partition), the
    tariff marts rebuilt once, in the last year's run, then publish; WarehouseError on failure."""
    years = sorted(request.years)
    if not years:
        raise WarehouseError("no years to load")
    partner_year_range(request.reporter, str(years[0]), str(years[-1]))
    instance = _instance()
    config = {"ops": {partner_wits_tariffs.op.name: {"config": {"source": request.source, "refetch": request.refetch}}}}
    resources = _resources(request.warehouse_path, request.landing_dir)
    loaded = []
    with tqdm(total=len(years), desc="partners", disable=None if show_progress else True, leave=False) as bar:
        resources["progress"] = _BarProgress(bar)
        for year in years:
            bar.set_description(f"partners {request.reporter} {year}")
            # only the last run builds the marts: they are rebuilt whole, so once covers every year
            last = year == years[-1]
            try:
                result = _run(
                    partner_tariffs_job.name,
                    resources=resources,
                    request=dg.RunRequest(partition_key=partner_year_key(request.reporter, year)),
                    run_config=config,
                    instance=instance,
                    asset_selection=None if last else list(partner_wits_tariffs.keys),
                )
            except Stopped:
                raise
            except WarehouseError as error:
                before = ", ".join(str(done.year) for done in loaded)
                kept = f" ({before} loaded before it; the marts not rebuilt)" if before else ""
                raise WarehouseError(f"partner {request.reporter} {year}: {error}{kept}") from error
            loaded.append(_partner_year(result, year))
            bar.update(1)
        bar.set_description("publish")
        _run(publish_job.name, resources=resources, instance=instance, stopped_before=BEFORE_PUBLISH)
    return loaded


def publish_now(*, replace_other: bool = False) -> dg.ExecuteInProcessResult:
    """Write the serving copy, its Parquet and the report from the warehouse as it is."""
    resources = _resources(None, None)
    if replace_other:
        resources["serving"] = ServingResource(replace_other=True)
    return _run(publish_job.name, resources=resources)
