"""Months as the pipeline sees them: `YYYY-MM` strings from users, dates in tables."""

from __future__ import annotations

import re
from datetime import date

from orchestration.core.errors import InputError

FIRST_MONTH = date(2010, 1, 1)  # the Census API has no monthly HS data before January 2010
_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str, *, what: str = "month") -> date:
    """`2017-01` -> date(2017, 1, 1); a clear InputError for anything else."""
    match = _MONTH_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InputError(f"{what} {text!r} is not a month in YYYY-MM form (e.g. 2017-01)")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_range(start: date, end: date) -> list[date]:
    """Every month from start to end, both included."""
    months, current = [], start
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


def validate_range(start_text: str, end_text: str, *, today: date | None = None) -> list[date]:
    """Parse and check a user's --start/--end; returns the months in between."""
    start = parse_month(start_text, what="--start")
    end = parse_month(end_text, what="--end")
    today = today or date.today()
    if end < start:
        raise InputError(f"--end {month_key(end)} is before --start {month_key(start)}")
    if start < FIRST_MONTH:
        raise InputError(f"--start {month_key(start)} is before 2010-01, the first month the Census API serves")
    current = date(today.year, today.month, 1)
    if end >= current:
        raise InputError(
            f"--end {month_key(end)} is not over yet (today is {today.isoformat()}); "
            f"the latest possible month is {month_key(add_months(current, -1))}"
        )
    return month_range(start, end)
