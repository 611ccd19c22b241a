"""The `dbt` that Dagster runs: dbt's own CLI, handed the project's parsed manifest.

dbt re-parses the whole project (about 4 s) whenever the CLI vars or the profile's connection
differ from its saved parse, and every Dagster build differs in both: the partition window is a
var, the warehouse file is in the profile. Neither changes what parsing produces here. The window
is read only in model bodies (macros/common/period_window.sql), which dbt compiles at run time
with the run's own vars. The file only names the database catalog, and that is checked. So a
build reuses `target/partial_parse.msgpack`, which `dbt parse` wrote for the project's current
files (orchestration/defs/dbt/project.py, with the environment of the first process that needed
it). Anything else (a stale or missing parse, another dbt version, another catalog name, another
target) runs plain dbt, which parses as usual.

Imports nothing from the rest of the package: this is a fresh process per dbt command.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
PARSED = "partial_parse.msgpack"
SOURCES = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")
DEFAULT_WAREHOUSE = "../data/warehouse.duckdb"  # profiles.yml's default, relative to the project
_REUSING = {"build", "run", "test", "seed", "compile"}


def newest_source(project_dir: Path) -> float:
    """The newest modification time among the files dbt parses."""
    newest = 0.0
    for name in SOURCES:
        path = project_dir / name
        files = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def warehouse_catalog(args: list[str]) -> str | None:
    """The catalog dbt-duckdb will name the local warehouse (its file's stem), or None when the
    profile's target is not the local file."""
    if os.environ.get("WAREHOUSE_TARGET", "local").lower() != "local" or any(
        arg in ("--target", "-t", "--profile") or arg.startswith(("--target=", "--vars=", "--profile=")) for arg in args
    ):
        return None
    path = os.environ.get("WAREHOUSE_PATH", DEFAULT_WAREHOUSE)
    if "--vars" in args:
        cli_vars = json.loads(args[args.index("--vars") + 1])
        path = cli_vars.get("warehouse_path", path)
    return Path(path).stem


def reusable_manifest(args: list[str], project_dir: Path = PROJECT_DIR):
    """The project's saved parse when this command may use it as is, else None."""
    if not args or args[0] not in _REUSING:
        return None
    parsed = project_dir / "target" / PARSED
    catalog = warehouse_catalog(args)
    if catalog is None or not parsed.exists() or parsed.stat().st_mtime < newest_source(project_dir):
        return None
    from dbt.contracts.graph.manifest import Manifest
    from dbt.parser.manifest import extended_mashumuro_decoder
    from dbt.version import __version__

    try:
        manifest = Manifest.from_msgpack(parsed.read_bytes(), decoder=extended_mashumuro_decoder)
    except Exception:  # noqa: BLE001 - a parse being rewritten by another process: parse as dbt would
        return None
    models = [node for node in manifest.nodes.values() if node.resource_type == "model"]
    if manifest.metadata.dbt_version != __version__ or not models or models[0].database != catalog:
        return None
    manifest.build_flat_graph()
    return manifest


def _version() -> str:
    """What `dbt --version` prints first, without importing dbt: dagster-dbt asks it once per run."""
    from importlib.metadata import version

    return f"Core:\n  - installed: {version('dbt-core')}\n\nPlugins:\n  - duckdb: {version('dbt-duckdb')}"


def main() -> None:
    args = sys.argv[1:]
    if args == ["--version"]:
        print(_version())
        return
    manifest = reusable_manifest(args)
    if manifest is None:
        from dbt.cli.main import cli

        sys.exit(cli())
    from dbt.cli.main import dbtRunner

    result = dbtRunner(manifest=manifest).invoke(args)
    # dbt's exit codes: 1 when a node failed, 2 when dbt itself could not run
    sys.exit(0 if result.success else 2 if result.exception is not None else 1)


if __name__ == "__main__":
    main()
