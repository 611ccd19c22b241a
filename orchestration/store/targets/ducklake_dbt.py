"""The dbt-duckdb plugin of the `ducklake` output in dbt_project/profiles.yml: loads the ducklake and
postgres extensions as the Python side does (targets/ducklake.load_extensions: from the PyPI
packages' files when installed), before dbt-duckdb attaches the catalog. The profile's plain
`extensions:` list cannot: dbt-duckdb installs each by name (a download) or, given a file,
loads it by path, which postgres's file does not allow."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.store.targets.ducklake import load_extensions


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        load_extensions(conn)
