"""Settings from the environment: resolved on first use (never at import time), then once per
process: `current_settings()` keeps the result while the environment keeps its values."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.core.errors import InputError

DEFAULT_CENSUS_API_BASE_URL = "https://api.census.gov/data/timeseries/intltrade"
DEFAULT_HTS_API_BASE_URL = "https://hts.usitc.gov/reststop"
DEFAULT_CENSUS_BULK_BASE_URL = "https://www.census.gov/trade/downloads"
DEFAULT_WITS_API_BASE_URL = "https://wits.worldbank.org/API/V1"


def _number(env: Mapping[str, str], name: str, default: float, kind=float) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = -1
    if value < 0:
        raise InputError(f"{name}={text!r} is not a non-negative {'integer' if kind is int else 'number'}")
    return value


MEMORY = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def duckdb_config(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """DuckDB settings for every connection that writes or copies the warehouse (dbt reads the same
    variable in profiles.yml): DuckDB would otherwise cache up to 80 % of RAM."""
    return {"memory_limit": (current_settings() if env is None else Settings.from_env(env)).warehouse_memory_limit}


def _memory(env: Mapping[str, str], name: str, default: str) -> str:
    text = (env.get(name) or default).strip()
    if not MEMORY.match(text):
        raise InputError(f"{name}={text!r} is not an amount of memory such as 4GB or 512MB")
    return text


def _at_least_one(env: Mapping[str, str], name: str, default: int) -> int:
    value = int(_number(env, name, default, int))
    if value < 1:
        raise InputError(f"{name}={value} must be at least 1")
    return value


def _percent(env: Mapping[str, str], name: str, default: float) -> float:
    value = _number(env, name, default)
    if value > 100:
        raise InputError(f"{name}={env.get(name)!r} is not a percentage from 0 to 100")
    return value / 100


# Census Schedule C: a country is four digits, a grouping 0xxx or nXXX, the world `-`
PARTNER_CODE = re.compile(r"-|[0-9]{4}|[0-9]XXX")


def check_partner_code(code: str) -> str:
    if not PARTNER_CODE.fullmatch(code):
        raise InputError(f"partner {code!r} is not a Census partner code such as 5880 (Japan) or 1220 (Canada)")
    return code


def _partner_codes(env: Mapping[str, str], name: str, default: str) -> tuple[str, ...]:
    text = (env.get(name) or "").strip() or default
    codes = [part.strip() for part in text.split(",")]
    if bad := [code for code in codes if not PARTNER_CODE.fullmatch(code)]:
        raise InputError(
            f"{name}={text!r} is not a comma-separated list of Census partner codes such as 5880,1220 "
            f"({bad[0]!r} is not one)"
        )
    return tuple(dict.fromkeys(codes))  # once each, in the order given


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
    # How patient to be with the Census API (it is slow and sometimes down).
    serving_storage_version: str = "v1.4.0"  # the oldest DuckDB the serving copy must open in
    reports_dir: Path = Path("data/reports")
    census_read_timeout: float = 180.0
    census_max_retries: int = 5
    census_backoff: float = 2.0
    warehouse_memory_limit: str = "4GB"  # DuckDB's memory_limit for loads, dbt and publish
    dbt_batch_months: int = 24  # a backfill builds the marts this many months at a time
    census_request_deadline: float = 300.0  # the whole of one request, however slowly its body drips
    pool_wait: float = 300.0  # how long a CLI run waits for the Dagster pool `warehouse`
    hts_max_shrink: float = 0.10  # a tariff release losing more of its lines than this is refused
    census_max_concurrency: int = 4  # detail requests of one month in flight at once
    http_user_agent: str | None = None  # unset: one naming the project (core/http.py)
    census_bulk_base_url: str = DEFAULT_CENSUS_BULK_BASE_URL
    bulk_scratch_dir: Path | None = None  # unset: memory when it has room, else beside the landing zone
    wits_api_base_url: str = DEFAULT_WITS_API_BASE_URL
    report_partners: tuple[str, ...] = ("5880",)  # a publish writes one report per partner (Census codes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        warehouse = _path(env, "WAREHOUSE_PATH", "data/warehouse.duckdb")
        if "'" in warehouse.stem or '"' in warehouse.stem:
            # dbt-duckdb names the database after the file and puts that name in SQL unescaped
            raise InputError(f"WAREHOUSE_PATH {warehouse}: the file name must not contain quotes")
        return cls(
            warehouse_path=warehouse,
            # unset, the outputs follow the warehouse: a scratch warehouse never overwrites the
            # serving copy that BI tools read
            serving_path=_path(env, "SERVING_PATH", str(warehouse.parent / "serving.duckdb")),
            landing_dir=_path(env, "LANDING_DIR", "data/landing"),
            census_api_base_url=(env.get("CENSUS_API_BASE_URL") or DEFAULT_CENSUS_API_BASE_URL).rstrip("/"),
            hts_api_base_url=(env.get("HTS_API_BASE_URL") or DEFAULT_HTS_API_BASE_URL).rstrip("/"),
            census_api_key=env.get("CENSUS_API_KEY") or None,
            alert_webhook_url=env.get("ALERT_WEBHOOK_URL") or None,
            serving_storage_version=env.get("SERVING_STORAGE_VERSION") or "v1.4.0",
            reports_dir=_path(env, "REPORTS_DIR", str(warehouse.parent / "reports")),
            census_read_timeout=_number(env, "CENSUS_API_READ_TIMEOUT", 180.0),
            census_max_retries=int(_number(env, "CENSUS_API_MAX_RETRIES", 5, int)),
            census_backoff=_number(env, "CENSUS_API_BACKOFF", 2.0),
            warehouse_memory_limit=_memory(env, "WAREHOUSE_MEMORY_LIMIT", "4GB"),
            dbt_batch_months=_at_least_one(env, "DBT_BATCH_MONTHS", 24),
            census_request_deadline=_number(env, "CENSUS_API_REQUEST_DEADLINE", 300.0),
            pool_wait=_number(env, "WAREHOUSE_POOL_WAIT", 300.0),
            hts_max_shrink=_percent(env, "HTS_MAX_SHRINK_PCT", 10.0),
            census_max_concurrency=_at_least_one(env, "CENSUS_MAX_CONCURRENCY", 4),
            http_user_agent=(env.get("HTTP_USER_AGENT") or "").strip() or None,
            census_bulk_base_url=(env.get("CENSUS_BULK_BASE_URL") or DEFAULT_CENSUS_BULK_BASE_URL).rstrip("/"),
            bulk_scratch_dir=_path(env, "BULK_SCRATCH_DIR", "") if env.get("BULK_SCRATCH_DIR") else None,
            wits_api_base_url=(env.get("WITS_API_BASE_URL") or DEFAULT_WITS_API_BASE_URL).rstrip("/"),
            report_partners=_partner_codes(env, "REPORT_PARTNERS", "5880"),
        )


def current_settings() -> Settings:
    """The process's settings. Resolved once, and again only if the environment (or the working
    directory, which relative paths depend on) changed since: the tests change it per test."""
    return _resolve(os.getcwd(), frozenset(os.environ.items()))


@functools.lru_cache(maxsize=4)
def _resolve(_cwd: str, env: frozenset[tuple[str, str]]) -> Settings:
    return Settings.from_env(dict(env))
