"""dbt vars for a partition time window (pure, unit-tested without Dagster or dbt)."""

from __future__ import annotations

from datetime import date, datetime


def _first_of_month(moment: datetime | date, what: str) -> str:
    day = moment.date() if isinstance(moment, datetime) else moment
    if day.day != 1:
        raise ValueError(f"{what} {day.isoformat()} is not the first day of a month")
    return day.isoformat()


def period_vars(start: datetime | date, end: datetime | date) -> dict[str, str]:
    """The window [start, end) as dbt vars. A backfill of many months arrives as one run whose
    window spans them all, so the models must filter on the range, never on one month."""
    if end <= start:
        raise ValueError(f"empty partition window {start} .. {end}")
    return {"period_start": _first_of_month(start, "window start"), "period_end": _first_of_month(end, "window end")}
