"""dbt vars for a partition time window (pure, unit-tested without Dagster or dbt)."""

from __future__ import annotations

from datetime import date, datetime


def _first_of_month(moment: datetime | date, what: str) -> str:
    day = moment.date() if isinstance(moment, datetime) else moment
    if day.day != 1:
        raise ValueError(f"{what} {day.isoformat()} is not the first day of a month")
    return day.isoformat()


def batched_vars(start: datetime | date, end: datetime | date, months: int) -> list[dict[str, str]]:
    """The window cut into consecutive batches of at most `months` months, oldest first: a
    backfill builds the marts batch by batch so that DuckDB never holds years of joins at once."""
    if months < 1:
        raise ValueError(f"a batch has at least one month, not {months}")
    first = date.fromisoformat(period_vars(start, end)["period_start"])
    stop = date.fromisoformat(period_vars(start, end)["period_end"])
    batches = []
    while first < stop:
        total = first.year * 12 + first.month - 1 + months
        following = min(date(total // 12, total % 12 + 1, 1), stop)
        batches.append(period_vars(first, following))
        first = following
    return batches


def period_vars(start: datetime | date, end: datetime | date) -> dict[str, str]:
    """The window [start, end) as dbt vars. A backfill of many months arrives as one run whose
    window spans them all, so the models must filter on the range, never on one month."""
    if end <= start:
        raise ValueError(f"empty partition window {start} .. {end}")
    return {"period_start": _first_of_month(start, "window start"), "period_end": _first_of_month(end, "window end")}
