"""Settings from the environment, resolved when used (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CENSUS_API_BASE_URL = "https://api.census.gov/data/timeseries/intltrade"
DEFAULT_HTS_API_BASE_URL = "https://hts.usitc.gov/reststop"


def _path(env: Mapping[str, str], name: str, default: str) -> Path:
    # Absolute, so that dbt (which runs inside dbt_project/) sees the same file.
    return Path(env.get(name) or default).expanduser().resolve()


@dataclass(frozen=True)
class Settings:
    warehouse_path: Path
    serving_path: Path
    landing_dir: Path
    census_api_base_url: str
    hts_api_base_url: str
    census_api_key: str | None = field(default=None, repr=False)
    alert_webhook_url: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            warehouse_path=_path(env, "WAREHOUSE_PATH", "data/warehouse.duckdb"),
            serving_path=_path(env, "SERVING_PATH", "data/serving.duckdb"),
            landing_dir=_path(env, "LANDING_DIR", "data/landing"),
            census_api_base_url=(env.get("CENSUS_API_BASE_URL") or DEFAULT_CENSUS_API_BASE_URL).rstrip("/"),
            hts_api_base_url=(env.get("HTS_API_BASE_URL") or DEFAULT_HTS_API_BASE_URL).rstrip("/"),
            census_api_key=env.get("CENSUS_API_KEY") or None,
            alert_webhook_url=env.get("ALERT_WEBHOOK_URL") or None,
        )
