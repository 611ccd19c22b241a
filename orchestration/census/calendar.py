"""When Census months are due and which ones to ask for (pure; no Dagster, no network)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from orchestration.core.periods import FIRST_MONTH, add_months

# The FT-900 with country and commodity detail comes out about 35 days after the month ends.
RELEASE_LAG = timedelta(days=35)
MAX_PROBES = 12


def due_date(month: date) -> date:
    """The day a month's data is expected in the API."""
    return add_months(month, 1) - timedelta(days=1) + RELEASE_LAG


def scheduled_month(run_day: date) -> date:
    """The month a monthly run on `run_day` (the 10th) should load: the month before last."""
    return add_months(date(run_day.year, run_day.month, 1), -2)


def months_to_request(latest_loaded: date | None, today: date, is_published: Callable[[date], bool]) -> list[date]:
    """Published months after the latest loaded one, oldest first (Census publishes in order,
    so the first unpublished month ends the search). With nothing loaded yet: the newest
    published month only; history is a backfill, not a sensor's job."""
    current = date(today.year, today.month, 1)
    if latest_loaded is None:
        for back in range(1, 4):
            month = add_months(current, -back)
            if month >= FIRST_MONTH and is_published(month):
                return [month]
        return []
    found = []
    month = add_months(latest_loaded, 1)
    while month < current and len(found) < MAX_PROBES and is_published(month):
        found.append(month)
        month = add_months(month, 1)
    return found


def annual_revision_range(run_day: date) -> tuple[date, date]:
    """The months the June annual revision touches: January three years back through the month
    before last (the revision comes out with April's data)."""
    return date(run_day.year - 3, 1, 1), scheduled_month(run_day)
