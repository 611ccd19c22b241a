"""The dbt project and a manifest that matches its files."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.defs.dbt.executable import DEFAULT_WAREHOUSE, PARSED, PROJECT_DIR, parse_is_current

DBT_PROJECT_DIR = PROJECT_DIR


def dbt_executable() -> str:
    """The dbt that Dagster runs, from this interpreter's environment (so a venv works without
    being activated): `trade-warehouse-dbt`, dbt reusing the project's parse, where installed."""
    for name in ("trade-warehouse-dbt", "dbt"):
        beside = Path(sys.executable).with_name(name)
        if beside.exists():
            return str(beside)
    return shutil.which("dbt") or "dbt"


class TradeDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without its in-process dbt adapter. dagster-dbt opens one before
    every dbt command (about 2 s of CPU the first time in a process, 0.8 s after) for
    fetch_row_counts and fetch_column_metadata only, which these assets do not call: they count
    rows themselves (store/duckdb.table_row_counts), after dbt has let go of the file."""

    def _initialize_dbt_core_adapter(self, args):  # dagster-dbt accepts None: no adapter
        return None


def _prepare(project: DbtProject) -> DbtProject:
    # The asset graph is read from target/manifest.json at import. `dg dev` re-parses on start;
    # elsewhere (CLI, tests, a fresh clone) parse when the saved parse is not current (parse_is_current).
    # Parsing needs no database and takes a few seconds.
    if not parse_is_current(project.project_dir):
        # The local warehouse's catalog is its file's stem, and builds reuse this parse only for
        # the catalog it names: parse for the default file's, not for whichever WAREHOUSE_PATH
        # the first process to get here happened to have.
        default = json.dumps({"warehouse_path": DEFAULT_WAREHOUSE})
        TradeDbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
            ["parse", "--quiet", "--vars", default], target_path=project.target_path
        ).wait()
        # dbt rewrites neither file when no source changed its content (a checkout back and
        # forth only touched them): mark the parse current, or it would stay stale for ever
        for path in (project.manifest_path, project.manifest_path.with_name(PARSED)):
            if path.exists():
                os.utime(path)
    return project


dbt_project = _prepare(DbtProject(project_dir=DBT_PROJECT_DIR))
