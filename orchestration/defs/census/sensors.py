"""Newly published Census months, found by asking the API."""

from datetime import date

import dagster as dg

from orchestration.census.calendar import months_to_request
from orchestration.census.fetch import month_published
from orchestration.defs.census.jobs import census_monthly_job, refresh_run_request
from orchestration.defs.resources import CensusApiResource

INGEST_KEYS = (dg.AssetKey(["raw", "census_exports"]), dg.AssetKey(["raw", "census_imports"]))


IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]  # fmt: skip


def _in_flight(instance: dg.DagsterInstance, month: date) -> bool:
    """A run of the month is queued or running (the day's run may still be going at midnight)."""
    tags = {"dagster/partition": month.isoformat()}
    runs = instance.get_runs(dg.RunsFilter(job_name=census_monthly_job.name, statuses=IN_FLIGHT, tags=tags), limit=1)
    return bool(runs)


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
    description=(
        "Asks Census for months newer than the latest loaded one and requests each that is published "
        "(a month whose run failed is requested again the next day)."
    ),
)
def census_release_sensor(context: dg.SensorEvaluationContext, census: CensusApiResource):
    client = census.probe_client()
    months = months_to_request(_latest_loaded(context.instance), date.today(), lambda m: month_published(client, m))
    if not months:
        return dg.SkipReason("no newly published Census month")
    # One attempt per month and day: a month that failed (Census dropped a chapter while it updated
    # on release morning, say) is asked again the next day, never in a loop of failing runs.
    today = date.today()
    months = [month for month in months if not _in_flight(context.instance, month)]
    if not months:
        return dg.SkipReason("the newly published months are being loaded")
    return [refresh_run_request(m, m, run_key=f"census-release-{m:%Y-%m}-{today:%Y%m%d}") for m in months]
