"""Shared fixtures. Every test that writes gets its own temporary warehouse and landing zone;
the 2017 sample (landing and a warehouse built from it) is made once per session."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from orchestration.core.periods import month_range

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRADE_SHARED_DIR", ROOT.parent / "shared"))
TEST_KEY = "test-key-0123456789abcdef0123456789abcdef"
SHIPPED_INSTANCE = ROOT / "deploy" / "local" / "dagster.yaml"  # what `make demo` and `make dev` install


def dagster_home(folder: Path) -> Path:
    """A Dagster instance made from the shipped config (pools included), as users get it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dagster.yaml").write_text(SHIPPED_INSTANCE.read_text())
    return folder


YEAR_2017 = month_range(date(2017, 1, 1), date(2017, 12, 1))
DEMO_MONTHS = month_range(date(2016, 1, 1), date(2017, 12, 1))  # as `make demo` loads


@pytest.fixture(scope="session")
def shared() -> Path:
    """The team's shared folder of real fixtures and published facts (skip when absent)."""
    if not SHARED.is_dir():
        pytest.skip(f"shared fixtures not found at {SHARED}")
    return SHARED


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every path setting at the test's own folder; no test touches data/ or the network."""
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.delenv("SERVING_PATH", raising=False)  # beside the warehouse, as for users
    monkeypatch.delenv("REPORTS_DIR", raising=False)
    monkeypatch.setenv("LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("CENSUS_API_BASE_URL", "http://127.0.0.1:9/unreachable")
    monkeypatch.setenv("CENSUS_API_KEY", TEST_KEY)
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home(tmp_path / "dagster_home")))
    monkeypatch.delenv("ALERT_WEBHOOK_URL", raising=False)
    return tmp_path


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's landing zone (2017 Census sample and the sample tariff schedule), written once
    per session (read-only for tests)."""
    from orchestration.app.runner import ensure_sample_landing

    root = tmp_path_factory.mktemp("sample-landing")
    ensure_sample_landing(root, DEMO_MONTHS)
    return root


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory, sample_landing: Path) -> Path:
    """A warehouse built by the full pipeline (Dagster + dbt) from the sample, as `make demo` does."""
    from orchestration.app.runner import SAMPLE_LEVELS, RefreshRequest, TariffRequest, refresh, refresh_tariffs
    from orchestration.devdata.schedule import SAMPLE_RELEASE

    path = tmp_path_factory.mktemp("demo") / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(dagster_home(path.parent / "dagster_home")))
        refresh_tariffs(
            TariffRequest(release=SAMPLE_RELEASE, source="replay", landing_dir=sample_landing, warehouse_path=path),
            show_progress=False,
        )
        refresh(
            RefreshRequest(
                months=DEMO_MONTHS,
                source="replay",
                levels=SAMPLE_LEVELS,
                landing_dir=sample_landing,
                warehouse_path=path,
            ),
            show_progress=False,
        )
    return path


@pytest.fixture
def read_only():
    """Open a warehouse read-only and close it after the test."""
    import duckdb

    connections = []

    def _open(path: Path):
        con = duckdb.connect(str(path), read_only=True)
        connections.append(con)
        return con

    yield _open
    for con in connections:
        con.close()
