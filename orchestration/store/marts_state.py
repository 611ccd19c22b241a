"""Whether the warehouse's marts are mid-build.

dbt builds one mart after another, each in its own transaction: a build that fails half-way (a
full disk, a kill) leaves the marts it finished with the new months and the rest without. The
serving copy is published only after a whole build, so analysts never see that; whoever reads
the warehouse itself is told, from a marker that lives beside the file from the start of a build
until its successful end.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path


def marker(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".marts-building")


def begin(warehouse: Path, what: str) -> None:
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    marker(warehouse).write_text(json.dumps({"what": what, "started": started}))


def finish(warehouse: Path) -> None:
    marker(warehouse).unlink(missing_ok=True)


def unfinished(warehouse: Path) -> str | None:
    """One line on a build that began and never ended, or None."""
    try:
        state = json.loads(marker(warehouse).read_text())
    except (OSError, ValueError):
        return None if not marker(warehouse).exists() else "a dbt build did not finish"
    return (
        f"the dbt build of {state.get('what', 'the marts')} started {state.get('started', '?')} did not finish: "
        "the warehouse's marts may be out of step with each other until a refresh succeeds "
        "(the serving copy holds the last whole build)"
    )
