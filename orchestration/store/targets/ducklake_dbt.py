"""The dbt-duckdb plugin of the `ducklake` output in dbt_project/profiles.yml: loads the ducklake and
postgres extensions (and httpfs with its S3 settings, for data on an object store) as the Python
side does (targets/ducklake.load_extensions: from the PyPI packages' files when installed), before
dbt-duckdb attaches the catalog. The profile's plain
`extensions:` list cannot: dbt-duckdb installs each by name (a download) or, given a file,
loads it by path, which postgres's file does not allow."""

from __future__ import annotations

import os

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.store.targets.ducklake import configure_object_store, load_extensions, on_object_store


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        # the data files on S3: httpfs and the same S3 settings as the Python side
        object_store = on_object_store(os.environ.get("DUCKLAKE_DATA_PATH", ""))
        load_extensions(conn, object_store=object_store)
        if object_store:
            configure_object_store(conn, os.environ)
