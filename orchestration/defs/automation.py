"""When things run: a monthly schedule, a sensor for newly published months, failure alerts."""

from datetime import date

import dagster as dg

from orchestration.defs.ingest.tariffs import hts_release
from orchestration.defs.partitions import hts_release_partitions, monthly_partitions
from orchestration.defs.resources import CensusApiResource, HtsApiResource
from orchestration.defs.transform.dbt import tariff_dbt_models
from orchestration.lib.alerts import failure_message, post_alert
from orchestration.lib.census_ingest import month_published
from orchestration.lib.errors import InputError
from orchestration.lib.hts_ingest import current_release
from orchestration.lib.hts_landing import check_release_name
from orchestration.lib.release import annual_revision_range, months_to_request, scheduled_month
from orchestration.lib.settings import Settings

INGEST_KEYS = (dg.AssetKey(["raw", "census_exports"]), dg.AssetKey(["raw", "census_imports"]))

census_monthly_job = dg.define_asset_job(
    "census_monthly",
    selection=dg.AssetSelection.groups("census", "staging", "marts"),
    partitions_def=monthly_partitions,
    description="Ingest Census exports and imports for the partition's months, then build the dbt models.",
)

publish_job = dg.define_asset_job(
    "publish",
    selection=dg.AssetSelection.groups("publish"),
    description="Write the serving copy, its Parquet and the report from the warehouse as it is.",
)

hts_release_job = dg.define_asset_job(
    "hts_release_job",
    selection=dg.AssetSelection.assets(hts_release, tariff_dbt_models),
    partitions_def=hts_release_partitions,
    description="Load one HTS release (exportList while current, or a revision file), then rebuild the tariff marts.",
)


@dg.schedule(
    cron_schedule="0 14 10 * *",
    job=census_monthly_job,
    execution_timezone="America/New_York",
    description="On the 10th of each month, load the month before last (published about five weeks after it ends).",
)
def census_monthly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    month = scheduled_month(context.scheduled_execution_time.date())
    return dg.RunRequest(partition_key=month.isoformat(), run_key=f"scheduled-{month:%Y-%m}")


@dg.schedule(
    cron_schedule="0 14 20 6 *",
    job=census_monthly_job,
    execution_timezone="America/New_York",
    description=(
        "Each June Census revises the prior three years (published with April's data): re-fetch "
        "January three years back through the month before last, keeping the old figures as earlier vintages."
    ),
)
def census_annual_revision_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    first, last = annual_revision_range(context.scheduled_execution_time.date())
    refetch = {"config": {"refetch": True}}
    return dg.RunRequest(
        run_key=f"annual-revision-{first.year + 3}",
        run_config={"ops": {"census_exports": refetch, "census_imports": refetch}},
        tags={
            "dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat(),
        },
    )


def _latest_loaded(instance: dg.DagsterInstance) -> date | None:
    latest = []
    for key in INGEST_KEYS:
        partitions = instance.get_materialized_partitions(key)
        if not partitions:
            return None
        latest.append(max(partitions))
    return date.fromisoformat(min(latest))


@dg.sensor(
    job=census_monthly_job,
    minimum_interval_seconds=6 * 3600,
    description="Asks Census for months newer than the latest loaded one and requests each that is published.",
)
def census_release_sensor(context: dg.SensorEvaluationContext, census: CensusApiResource):
    client = census.client()
    months = months_to_request(_latest_loaded(context.instance), date.today(), lambda m: month_published(client, m))
    if not months:
        return dg.SkipReason("no newly published Census month")
    return [dg.RunRequest(partition_key=m.isoformat(), run_key=f"census-release-{m:%Y-%m}") for m in months]


def _valid_release(name: str) -> bool:
    try:
        check_release_name(name)
    except InputError:
        return False
    return True


@dg.sensor(
    job=hts_release_job,
    minimum_interval_seconds=6 * 3600,
    description="Adds a partition per release in the HTS releaseList; loads the current one while it is current.",
)
def hts_release_sensor(context: dg.SensorEvaluationContext, hts: HtsApiResource):
    _, releases = hts.client().release_list()
    names = [r["name"] for r in releases if _valid_release(r.get("name", ""))]
    known = set(context.instance.get_dynamic_partitions(hts_release_partitions.name))
    new = [name for name in names if name not in known]
    current = current_release(releases)
    return dg.SensorResult(
        # run_key: the current release is loaded once, however often the sensor sees it
        run_requests=[dg.RunRequest(partition_key=current, run_key=f"hts-release-{current}")],
        dynamic_partitions_requests=[hts_release_partitions.build_add_request(new)] if new else [],
    )


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts a one-line message to ALERT_WEBHOOK_URL (when set) for every failed run.",
)
def alert_on_run_failure(context: dg.RunFailureSensorContext):
    settings = Settings.from_env()
    if not settings.alert_webhook_url:
        return dg.SkipReason("ALERT_WEBHOOK_URL is not set")
    message = failure_message(
        context.dagster_run.job_name,
        context.dagster_run.run_id,
        context.failure_event.message,
        secrets=(settings.census_api_key or "",),
    )
    post_alert(settings.alert_webhook_url, message)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[census_monthly_job, hts_release_job],
    request_job=publish_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After every successful Census or HTS refresh, publish the serving copy and the report.",
)
def publish_after_refresh(context: dg.RunStatusSensorContext):
    # one publish per refresh run; a burst of refreshes queues publishes that each take the newest data
    return dg.RunRequest(run_key=f"publish-after-{context.dagster_run.run_id}")
