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


def marker(warehouse: Path, build: str) -> Path:
    """One marker per build (the Census marts, the tariff marts): each clears only its own."""
    return warehouse.with_name(f"{warehouse.name}.{build}-marts-building")


def begin(warehouse: Path, build: str, what: str) -> None:
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    # on a shared target WAREHOUSE_PATH only names this host's files: its folder may not exist yet
    marker(warehouse, build).parent.mkdir(parents=True, exist_ok=True)
    marker(warehouse, build).write_text(json.dumps({"what": what, "started": started}))


def finish(warehouse: Path, build: str) -> None:
    marker(warehouse, build).unlink(missing_ok=True)


def unfinished(warehouse: Path) -> str | None:
    """One line on the builds that began and never ended, or None."""
    found = sorted(warehouse.parent.glob(f"{warehouse.name}.*-marts-building"))
    if not found:
        return None
    try:
        state = json.loads(found[0].read_text())
    except (OSError, ValueError):
        state = {}
    return (
        f"the dbt build of {state.get('what', 'the marts')} started {state.get('started', '?')} did not finish: "
        "the warehouse's marts may be out of step with each other until a refresh succeeds "
        "(the serving copy holds the last whole build)"
    )
