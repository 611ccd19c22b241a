"""The dbt project and a manifest that matches its files."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
_SOURCES = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")


def dbt_executable() -> str:
    """`dbt` from this interpreter's environment, so a venv works without being activated."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def _newest_source(project_dir: Path) -> float:
    newest = 0.0
    for name in _SOURCES:
        path = project_dir / name
        files = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def _prepare(project: DbtProject) -> DbtProject:
    # The asset graph is read from target/manifest.json at import. `dg dev` re-parses on start;
    # elsewhere (CLI, tests, a fresh clone) parse when the manifest is missing or older than
    # the project's files. Parsing needs no database and takes a few seconds.
    manifest = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source(project.project_dir):
        from dagster_dbt import DbtCliResource

        DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
            ["parse", "--quiet"], target_path=project.target_path
        ).wait()
    return project


dbt_project = _prepare(DbtProject(project_dir=DBT_PROJECT_DIR))
