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

import os
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
PARSED = "partial_parse.msgpack"
SOURCES = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")
DEFAULT_WAREHOUSE = "../data/warehouse.duckdb"  # profiles.yml's default, relative to the project
_REUSING = {"build", "run", "test", "seed", "compile"}


# Installed code whose upgrade changes what a parse holds (the adapter's macros are in it).
_INSTALLED = (("dbt-core", "dbt/version.py"), ("dbt-adapters", "dbt/adapters/base/impl.py"),
              ("dbt-duckdb", "dbt/adapters/duckdb/impl.py"))  # fmt: skip
# Settings that pick another profile or target than the one the saved parse was made with.
_OTHER_PROFILE = ("--target", "-t", "--profile", "--profiles-dir")
_OTHER_PROFILE_ENV = ("DBT_TARGET", "DBT_PROFILE")


def newest_source(project_dir: Path) -> float:
    """The newest modification time among the files dbt parses, their folders (a file deleted or
    renamed changes its folder's) and the installed dbt packages."""
    from importlib.metadata import PackageNotFoundError, distribution

    newest = 0.0
    for name in SOURCES:
        path = project_dir / name
        entries = [path, *path.rglob("*")] if path.is_dir() else [path] if path.exists() else []
        newest = max([newest, *(entry.stat().st_mtime for entry in entries)])
    for package, file in _INSTALLED:
        try:
            installed = Path(distribution(package).locate_file(file))
        except PackageNotFoundError:
            continue
        if installed.exists():
            newest = max(newest, installed.stat().st_mtime)
    return newest


def parse_is_current(project_dir: Path) -> bool:
    """The saved parse exists and is newer than every source. Both files: manifest.json is written
    only after dbt has also validated the parse (_check_manifest)."""
    saved = [project_dir / "target" / PARSED, project_dir / "target" / "manifest.json"]
    return all(path.exists() for path in saved) and min(path.stat().st_mtime for path in saved) >= newest_source(
        project_dir
    )


def warehouse_catalog(args: list[str]) -> str | None:
    """The catalog dbt-duckdb will name the local warehouse (its file's stem), or None when the
    profile's target is not the local file, or may not be."""
    import yaml

    if os.environ.get("WAREHOUSE_TARGET", "local").lower() != "local" or any(map(os.environ.get, _OTHER_PROFILE_ENV)):
        return None
    if Path(os.environ.get("DBT_PROFILES_DIR", PROJECT_DIR)).resolve() != PROJECT_DIR.resolve():
        return None  # dagster-dbt sets it to the project's own folder; any other is another profile
    with_value = tuple(f"{option}=" for option in (*_OTHER_PROFILE, "--vars"))
    if any(arg in _OTHER_PROFILE or arg.startswith(with_value) for arg in args):
        return None
    path = os.environ.get("WAREHOUSE_PATH", DEFAULT_WAREHOUSE)
    if "--vars" in args:
        cli_vars = yaml.safe_load(args[args.index("--vars") + 1])  # dbt reads --vars as YAML
        path = cli_vars.get("warehouse_path", path)
    return Path(str(path)).stem


def reusable_manifest(args: list[str], project_dir: Path = PROJECT_DIR):
    """The project's saved parse when this command may use it as is, else None (then dbt
    parses, and reports whatever is wrong with the command or the project as it always does)."""
    if not args or args[0] not in _REUSING:
        return None
    try:
        return _saved_parse(args, project_dir)
    except Exception:  # noqa: BLE001 - odd arguments, or a parse being rewritten by another process
        return None


def _saved_parse(args: list[str], project_dir: Path):
    catalog = warehouse_catalog(args)
    if catalog is None or not parse_is_current(project_dir):
        return None
    from dbt.contracts.graph.manifest import Manifest
    from dbt.parser.manifest import extended_mashumuro_decoder
    from dbt.version import __version__

    parsed = (project_dir / "target" / PARSED).read_bytes()
    manifest = Manifest.from_msgpack(parsed, decoder=extended_mashumuro_decoder)
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
    if result.exception is not None:  # dbtRunner returns usage errors without printing them
        print(f"dbt: {result.exception}", file=sys.stderr)
    # dbt's exit codes: 1 when a node failed, 2 when dbt itself could not run
    sys.exit(0 if result.success else 2 if result.exception is not None else 1)


if __name__ == "__main__":
    main()
