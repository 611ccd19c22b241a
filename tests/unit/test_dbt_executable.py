"""trade-warehouse-dbt reuses the project's saved parse only when the parse is the one dbt would make."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.defs.dbt.executable import PARSED, PROJECT_DIR, reusable_manifest, warehouse_catalog
from orchestration.defs.dbt.project import dbt_project


def _build(path: str) -> list[str]:
    return ["build", "--select", "fct_trade_monthly", "--vars", json.dumps({"warehouse_path": path})]


def test_the_catalog_is_the_warehouse_files_stem_and_only_for_the_local_target(monkeypatch):
    assert warehouse_catalog(_build("/data/trade.duckdb")) == "trade"
    assert warehouse_catalog(["build", "--vars", "{warehouse_path: /data/yaml.duckdb}"]) == "yaml"  # dbt's YAML
    monkeypatch.setenv("WAREHOUSE_PATH", "/elsewhere/history.duckdb")
    assert warehouse_catalog(["build"]) == "history"
    assert warehouse_catalog(["build", "--target-path", "/tmp/t"]) == "history"
    # another target or profile, or a value not read: no guess
    for args in (["--target", "ducklake"], ["--profiles-dir", "/x"], ['--vars={"warehouse_path": "/x/y.duckdb"}']):
        assert warehouse_catalog(["build", *args]) is None
    monkeypatch.setenv("DBT_PROFILES_DIR", str(PROJECT_DIR))  # as dagster-dbt runs it: the project's profile
    assert warehouse_catalog(["build"]) == "history"
    monkeypatch.setenv("DBT_PROFILES_DIR", "/somewhere/else")
    assert warehouse_catalog(["build"]) is None
    monkeypatch.delenv("DBT_PROFILES_DIR")
    monkeypatch.setenv("DBT_TARGET", "motherduck")
    assert warehouse_catalog(["build"]) is None
    monkeypatch.delenv("DBT_TARGET")
    monkeypatch.setenv("WAREHOUSE_TARGET", "DuckLake")
    assert warehouse_catalog(["build"]) is None


def test_a_build_gets_the_saved_parse_when_it_names_the_same_catalog():
    assert dbt_project.manifest_path.with_name(PARSED).exists()  # pytest_configure parsed the project
    stem = {node["database"] for node in json.loads(dbt_project.manifest_path.read_text())["nodes"].values()}.pop()
    manifest = reusable_manifest(_build(f"/any/folder/{stem}.duckdb"))
    assert manifest is not None and "model.trade_warehouse.fct_bilateral_balance_monthly" in manifest.nodes
    assert manifest.flat_graph["nodes"]  # built as a fresh parse builds it
    assert reusable_manifest(_build(f"/any/folder/{stem}_other.duckdb")) is None
    assert reusable_manifest(["parse"]) is None and reusable_manifest(["docs", "generate"]) is None
    assert reusable_manifest(["build", "--vars", "[not, a, mapping]"]) is None  # dbt will say what is wrong
    assert reusable_manifest(["build", "--vars"]) is None


def _project_copy(tmp_path: Path) -> tuple[Path, list[str]]:
    """The dbt project copied with its saved parse, the parse newer than every copied file."""
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "target").mkdir()
    for saved in (dbt_project.manifest_path.with_name(PARSED), dbt_project.manifest_path):
        shutil.copy2(saved, project / "target" / saved.name)
    stem = {node["database"] for node in json.loads(dbt_project.manifest_path.read_text())["nodes"].values()}.pop()
    oldest = min(path.stat().st_mtime for path in (project / "target").iterdir())
    for path in project.rglob("*"):
        if "target" not in path.relative_to(project).parts:
            os.utime(path, (oldest - 60, oldest - 60))
    return project, _build(f"/w/{stem}.duckdb")


def test_an_edited_model_makes_the_saved_parse_stale(tmp_path):
    project, build = _project_copy(tmp_path)
    assert reusable_manifest(build, project) is not None
    model = project / "models" / "census" / "marts" / "fct_trade_monthly.sql"
    model.write_text(model.read_text() + "\n")
    assert reusable_manifest(build, project) is None


def test_a_deleted_model_makes_the_saved_parse_stale(tmp_path):
    project, build = _project_copy(tmp_path)
    (project / "models" / "census" / "marts" / "fct_trade_revisions.sql").unlink()  # no file is newer
    assert reusable_manifest(build, project) is None


def test_a_parse_without_its_validated_manifest_is_not_reused(tmp_path):
    project, build = _project_copy(tmp_path)
    (project / "target" / "manifest.json").unlink()  # dbt writes it only once the parse is validated
    assert reusable_manifest(build, project) is None


def test_vars_are_read_only_where_the_reuse_allows():
    """The saved parse is reused across vars because the window is read only in model bodies
    (compiled at run time) and warehouse_path only names the catalog (checked); the sample's
    published partners (macros/census/census.sql) are constants of dbt_project.yml, read in model
    bodies too. A var read anywhere else (a config, a ref) would need executable.py reconsidered."""
    readers = {
        path.relative_to(PROJECT_DIR).as_posix()
        for path in PROJECT_DIR.rglob("*")
        if path.is_file() and path.suffix in (".sql", ".yml") and "target" not in path.relative_to(PROJECT_DIR).parts
        if re.search(r"\bvar\(", path.read_text())
    }
    assert readers == {"macros/common/period_window.sql", "macros/census/census.sql", "profiles.yml"}


def test_the_version_is_dbts_without_importing_dbt():
    from importlib.metadata import version

    executable = Path(sys.executable).with_name("trade-warehouse-dbt")
    if not executable.exists():
        pytest.skip("trade-warehouse-dbt is not installed in this environment")
    printed = subprocess.run([str(executable), "--version"], capture_output=True, text=True, check=True).stdout
    assert re.search(r"(\d+\.\d+\.\d+)", printed).group(1) == version("dbt-core")  # what dagster-dbt reads


def test_the_saved_parse_names_the_default_warehouse_whatever_the_first_process_had(tmp_path, monkeypatch):
    from dagster_dbt import DbtProject

    from orchestration.defs.dbt.project import _prepare

    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "odd-name.duckdb"))
    _prepare(DbtProject(project_dir=project))
    nodes = json.loads((project / "target" / "manifest.json").read_text())["nodes"].values()
    assert {node["database"] for node in nodes if node["resource_type"] == "model"} == {"warehouse"}
    assert reusable_manifest(_build("/data/warehouse.duckdb"), project) is not None


def test_dagster_dbt_opens_no_adapter_of_its_own():
    """dagster-dbt opens a dbt adapter in process before each command, for row counts and column
    metadata that these assets do not ask it for. The override must still name its method."""
    from dagster_dbt import DbtCliResource

    from orchestration.defs.resources import default_resources

    dbt = default_resources()["dbt"]
    assert callable(getattr(DbtCliResource, "_initialize_dbt_core_adapter", None))
    assert dbt._initialize_dbt_core_adapter(["build"]) is None
