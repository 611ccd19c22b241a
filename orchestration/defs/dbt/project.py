"""The dbt project and a manifest that matches its files."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.defs.dbt.executable import PARSED, PROJECT_DIR, parse_is_current

DBT_PROJECT_DIR = PROJECT_DIR


def dbt_executable() -> str:
    """The dbt that Dagster runs, from this interpreter's environment (so a venv works without
    being activated): `trade-warehouse-dbt`, dbt reusing the project's parse, where installed."""
    for name in ("trade-warehouse-dbt", "dbt"):
        beside = Path(sys.executable).with_name(name)
        if beside.exists():
            return str(beside)
    return shutil.which("dbt") or "dbt"


def _prepare(project: DbtProject) -> DbtProject:
    # The asset graph is read from target/manifest.json at import. `dg dev` re-parses on start;
    # elsewhere (CLI, tests, a fresh clone) parse when the saved parse is not current (parse_is_current).
    # Parsing needs no database and takes a few seconds.
    if not parse_is_current(project.project_dir):
        from dagster_dbt import DbtCliResource

        DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
            ["parse", "--quiet"], target_path=project.target_path
        ).wait()
        # dbt rewrites neither file when no source changed its content (a checkout back and
        # forth only touched them): mark the parse current, or it would stay stale for ever
        for path in (project.manifest_path, project.manifest_path.with_name(PARSED)):
            if path.exists():
                os.utime(path)
    return project


dbt_project = _prepare(DbtProject(project_dir=DBT_PROJECT_DIR))
