"""Freshness by data month: is the newest Census month loaded the newest one Census has released?

A policy on when an asset last ran would call a warehouse eight years behind "fresh" the day after
any run. This check asks what `trade-warehouse status` asks (publish/text.flow_status), of the
serving copy (a refresh never locks it): the month after the newest one loaded is overdue once its
release date (census/calendar.due_date) has passed. It runs with every publish and each morning,
so the state changes when a release date passes with no refresh.
"""

from datetime import date

import dagster as dg

from orchestration.census.plan import FLOWS
from orchestration.core.periods import month_key
from orchestration.defs.publish.assets import SERVING
from orchestration.defs.resources import ServingResource, WarehouseResource
from orchestration.publish.text import FlowStatus, read_flow_status
from orchestration.store.targets import WarehouseTarget

CHECK_NAME = "data_month_is_current"


def _result(key: dg.AssetKey, status: FlowStatus | None, problem: str | None) -> dg.AssetCheckResult:
    if problem or status is None or status.latest is None:
        return dg.AssetCheckResult(
            asset_key=key, check_name=CHECK_NAME, passed=False, severity=dg.AssetCheckSeverity.WARN,
            description=problem or "no month of this flow is published yet",
        )  # fmt: skip
    metadata = {
        "latest_month": month_key(status.latest),
        "next_month": month_key(status.next_month),
        "next_due": status.next_due.isoformat(),
        "months_behind": status.months_behind,
    }
    if status.overdue:
        description = (
            f"data through {month_key(status.latest)}: {status.months_behind} released month(s) not loaded; "
            f"{month_key(status.next_month)} was due {status.next_due.isoformat()}"
        )
    else:
        description = (
            f"data through {month_key(status.latest)}; {month_key(status.next_month)} is due {status.next_due}"
        )
    return dg.AssetCheckResult(
        asset_key=key, check_name=CHECK_NAME, passed=not status.overdue, severity=dg.AssetCheckSeverity.WARN,
        description=description, metadata=metadata,
    )  # fmt: skip


def _freshness_check(flow: str) -> dg.AssetChecksDefinition:
    key = dg.AssetKey(["raw", f"census_{flow}"])

    @dg.asset_check(
        asset=key,
        name=CHECK_NAME,
        additional_deps=[SERVING],  # with a publish, after the new copy is in place
        blocking=False,
        description=(
            f"The newest {flow} month published to the serving copy against the Census release calendar: "
            "fails (warning) once the next month's release date has passed without it."
        ),
    )
    def check(serving: ServingResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        # MotherDuck and DuckLake publish no serving copy: the warehouse itself is what readers see
        shared = WarehouseTarget.from_env(warehouse.resolved_path()).is_shared
        path = warehouse.resolved_path() if shared else serving.resolved_path()
        statuses, problem = read_flow_status(path, date.today(), shared=shared)
        return _result(key, next((s for s in statuses if s.flow == flow), None), problem)

    return check


FRESHNESS_CHECKS = [_freshness_check(flow) for flow in FLOWS]

census_freshness_job = dg.define_asset_job(
    "census_freshness",
    selection=dg.AssetSelection.checks(*FRESHNESS_CHECKS),
    description="Check that the newest Census month loaded is the newest released (no writes).",
)

census_freshness_schedule = dg.ScheduleDefinition(
    name="census_freshness_daily",
    job=census_freshness_job,
    cron_schedule="0 8 * * *",
    execution_timezone="America/New_York",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Each morning: is the warehouse's newest Census month still the newest released?",
)
