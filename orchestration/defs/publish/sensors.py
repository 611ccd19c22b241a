"""Publish after every successful refresh."""

import dagster as dg

from orchestration.defs.census.jobs import census_bulk_backfill_job, census_monthly_job
from orchestration.defs.hts.jobs import hts_release_job
from orchestration.defs.partners.jobs import partner_tariffs_job
from orchestration.defs.publish.jobs import publish_job
from orchestration.defs.tags import CLI_PROCESS_TAG


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[census_monthly_job, census_bulk_backfill_job, hts_release_job, partner_tariffs_job],
    request_job=publish_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After every successful Census, HTS or partner refresh, publish the serving copy and the report.",
)
def publish_after_refresh(context: dg.RunStatusSensorContext):
    if CLI_PROCESS_TAG in context.dagster_run.tags:
        return dg.SkipReason("a CLI refresh publishes by itself")
    # one publish per refresh run; a burst of refreshes queues publishes that each take the newest data
    return dg.RunRequest(run_key=f"publish-after-{context.dagster_run.run_id}")
