"""When Census months are loaded: monthly after the release, and the June re-pull of three years."""

import dagster as dg

from orchestration.census.calendar import annual_revision_range, due_date, scheduled_month
from orchestration.census.fetch import month_published
from orchestration.defs.census.jobs import census_monthly_job, refresh_run_request
from orchestration.defs.resources import CensusApiResource


@dg.schedule(
    cron_schedule="0 14 10 * *",
    job=census_monthly_job,
    execution_timezone="America/New_York",
    description=(
        "On the 10th of each month, load the month before last (published about five weeks after it ends); "
        "skipped while Census has not published it (census_release_sensor, when on, loads it when it appears)."
    ),
)
def census_monthly_schedule(
    context: dg.ScheduleEvaluationContext, census: CensusApiResource
) -> dg.RunRequest | dg.SkipReason:
    """A release that is merely late (the December 2025 data came out in March 2026) is a skip
    with its reason, not a run that fails and alerts."""
    month = scheduled_month(context.scheduled_execution_time.date())
    if not month_published(census.probe_client(), month):
        return dg.SkipReason(
            f"Census has not published {month:%Y-%m} yet (expected about {due_date(month):%Y-%m-%d}); "
            "census_release_sensor, when on, loads it when it appears"
        )
    return refresh_run_request(month, month, run_key=f"scheduled-{month:%Y-%m}")


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
    return refresh_run_request(first, last, refetch=True, run_key=f"annual-revision-{first.year + 3}")
