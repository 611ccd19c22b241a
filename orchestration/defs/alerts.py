"""Failure alerts for every job: one line to a webhook."""

import dagster as dg

from orchestration.core.alerts import failure_message, post_alert
from orchestration.core.settings import current_settings


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts a one-line message to ALERT_WEBHOOK_URL (when set) for every failed run.",
)
def alert_on_run_failure(context: dg.RunFailureSensorContext):
    settings = current_settings()
    if not settings.alert_webhook_url:
        return dg.SkipReason("ALERT_WEBHOOK_URL is not set")
    message = failure_message(
        context.dagster_run.job_name,
        context.dagster_run.run_id,
        context.failure_event.message,
        secrets=(settings.census_api_key or "",),
    )
    post_alert(settings.alert_webhook_url, message)
