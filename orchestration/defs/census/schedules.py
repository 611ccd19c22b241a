"""When Census months are loaded: monthly after the release, and the June re-pull of three years."""

import dagster as dg

from orchestration.census.calendar import annual_revision_range, scheduled_month
from orchestration.defs.census.jobs import census_monthly_job, refresh_run_request


@dg.schedule(
    cron_schedule="0 14 10 * *",
    job=census_monthly_job,
    execution_timezone="America/New_York",
    description="On the 10th of each month, load the month before last (published about five weeks after it ends).",
)
def census_monthly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    month = scheduled_month(context.scheduled_execution_time.date())
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
