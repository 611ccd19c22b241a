"""The code location: everything under defs/ (assets, checks, resources, schedules, sensors)."""

from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    # Runs execute their steps in the run's own process. The steps of a run cannot overlap anyway
    # (every step that writes the warehouse is in pool "warehouse", limit 1: DuckDB allows one
    # writer), and a process per step would load these definitions again, seconds of CPU each.
    # The CLI's runner does the same (orchestration/app/runner.py).
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(executor=dg.in_process_executor),
    )
