"""Shared fixtures. Every test that writes gets its own temporary warehouse and landing zone;
the 2017 sample (landing and a warehouse built from it) is made once per test run, and shared
read-only by the pytest-xdist workers."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
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
    monkeypatch.setenv("WITS_API_BASE_URL", "http://127.0.0.1:9/unreachable")
    monkeypatch.setenv("HTS_API_BASE_URL", "http://127.0.0.1:9/unreachable")
    monkeypatch.setenv("CENSUS_API_KEY", TEST_KEY)
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home(tmp_path / "dagster_home")))
    monkeypatch.delenv("ALERT_WEBHOOK_URL", raising=False)
    return tmp_path


def pytest_configure(config: pytest.Config) -> None:
    """Parse the dbt project (when its manifest is missing or stale) once, here in the main
    process, before pytest-xdist starts workers that would each parse it into the same folder."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        import orchestration.defs.dbt.project  # noqa: F401 - parses on import when needed


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that reads the demo warehouse is `slow` (not in make test-fast): the warehouse is
    a full Dagster and dbt build. Under pytest-xdist, hand out the long tests first so that the
    workers finish together: one test that needs the demo warehouse (its worker builds it while the
    others go on), then the real-process tests that do not need it, the slow ones and the rest,
    each in the order collected. (A process test that needs the demo warehouse waits with the slow
    ones: handed out early, it would hold a worker idle until the build is done.)"""
    demo = [item for item in items if "demo_warehouse" in getattr(item, "fixturenames", ())]
    for item in demo:
        item.add_marker(pytest.mark.slow)
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    needs_demo = set(map(id, demo))

    def rank(item: pytest.Item) -> int:
        if demo and item is demo[0]:
            return 0
        if item.get_closest_marker("process") and id(item) not in needs_demo:
            return 1
        return 2 if item.get_closest_marker("slow") else 3

    items.sort(key=rank)


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder that `build` fills once per test run. Under pytest-xdist the workers share it: the
    first to need it builds it under a file lock, the others wait for that build and reuse it."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.mktemp(name)
        build(folder)
        return folder
    from filelock import FileLock

    shared_root = tmp_path_factory.getbasetemp().parent  # the run's folder, above each worker's own
    folder, done = shared_root / name, shared_root / f"{name}.done"
    with FileLock(str(shared_root / f"{name}.lock")):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a build that failed half-way
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's landing zone (2017 Census sample and the sample tariff schedule), written once
    per test run (read-only for tests)."""
    from orchestration.app.runner import ensure_sample_landing

    return built_once(tmp_path_factory, "sample-landing", lambda root: ensure_sample_landing(root, DEMO_MONTHS))


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory, sample_landing: Path) -> Path:
    """A warehouse built by the full pipeline (Dagster + dbt) from the sample, as `make demo` does;
    built once per test run and read-only for tests (copy it to write)."""
    folder = built_once(tmp_path_factory, "demo", lambda f: _build_demo(f / "warehouse.duckdb", sample_landing))
    return folder / "warehouse.duckdb"


def _build_demo(path: Path, sample_landing: Path) -> None:
    from orchestration.app.runner import SAMPLE_LEVELS, RefreshRequest, TariffRequest, refresh, refresh_tariffs
    from orchestration.devdata.schedule import SAMPLE_RELEASE

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(dagster_home(path.parent / "dagster_home")))
        refresh_tariffs(
            TariffRequest(
                release=SAMPLE_RELEASE, source="replay", landing_dir=sample_landing, warehouse_path=path, load_only=True
            ),
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
